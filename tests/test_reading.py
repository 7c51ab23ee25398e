"""Reading the structures' spreadsheets (clauses/reading/submission.py) from real sample files."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from clauses.errors import FileRejected
from clauses.reading.grids import load_grids
from clauses.reading.submission import (
    _TOTAL_LABEL,
    SPREADSHEET_SUFFIXES,
    TOTAL_INITIALS,
    read_submission,
)
from clauses.vocabulary import Kind
from tests.helpers_reading import SUBMISSIONS, workbook

MESSY = SUBMISSIONS / "releve_desordonne.xlsx"
HEADERS = ["N° participant", "Nom", "Prénom", "Code marché", "Date de début de mission"]


@pytest.fixture(scope="module")
def messy():
    return read_submission(MESSY)


@pytest.mark.parametrize(
    "name",
    [
        "releve_desordonne.xlsx",
        "releve_suite_bureautique.xls",
        "releve_suite_bureautique.ods",
        "releve_suite_bureautique.xlsm",
        "releve_utf8_bom.csv",
        "releve_windows1252.csv",
        "releve_virgule.csv",
        "releve_tabulation.csv",
    ],
)
def test_every_accepted_format_reads_as_an_hour_statement(name) -> None:
    submission = read_submission(SUBMISSIONS / name)
    assert submission.kind is Kind.RELEVE
    assert submission.lines["id_participant"].iloc[0] == "P-001"
    assert submission.lines["mois"].iloc[0] == "2026-10"


def test_accepted_suffixes_are_the_spreadsheet_formats() -> None:
    assert SPREADSHEET_SUFFIXES == {".xlsx", ".xlsm", ".xls", ".ods", ".csv"}


@pytest.mark.parametrize("suffix", ["xls", "ods", "xlsm"])
def test_libreoffice_file_reads_dates_numbers_and_durations(suffix) -> None:
    lines = read_submission(SUBMISSIONS / f"releve_suite_bureautique.{suffix}").lines
    assert lines["date_naissance"].tolist() == [
        pd.Timestamp(1985, 5, 12), pd.Timestamp(1990, 5, 12), pd.Timestamp(1992, 4, 3),
        pd.Timestamp(1970, 2, 1)]
    # 151:40 is 151,666… h, read to the hundredth half up (SPEC §6).
    assert lines["heures"].tolist() == [35, 7.5, 7.5, 151.67]
    assert lines["ligne"].tolist() == [5, 6, 7, 8]


@pytest.mark.parametrize(
    "name",
    ["releve_utf8_bom.csv", "releve_windows1252.csv", "releve_virgule.csv",
     "releve_tabulation.csv"],
)
def test_csv_is_decoded_and_split_on_its_separator(name) -> None:
    lines = read_submission(SUBMISSIONS / name).lines
    assert lines["prenom"].tolist() == ["Jean", "Marie-Hélène", "Awa"]
    assert lines["heures"].tolist() == [7.5, 151.67, 12.0]


def test_csv_total_line_is_kept_as_declared_total() -> None:
    assert read_submission(SUBMISSIONS / "releve_utf8_bom.csv").declared_total == 171.17


def test_header_below_title_rows_and_empty_rows_give_spreadsheet_line_numbers(messy) -> None:
    assert messy.lines["ligne"].tolist() == [6, 7, 8, 9, 11, 12, 13, 14, 15]


def test_notice_sheet_is_ignored(messy) -> None:
    assert messy.sheets == ["Octobre 2026"]


def test_period_comes_from_the_cell_above_the_header(messy) -> None:
    assert set(messy.lines["mois"]) == {"2026-10"}


def test_every_date_notation_is_read(messy) -> None:
    assert messy.lines["date_debut_mission"].tolist()[:8] == [pd.Timestamp(2026, 10, 1)] + [
        pd.Timestamp(2026, 10, 3)] * 7
    assert messy.lines["date_naissance"].tolist()[:4] == [
        pd.Timestamp(1985, 5, 12), pd.Timestamp(1990, 5, 12), pd.Timestamp(1992, 4, 3),
        pd.Timestamp(1970, 2, 1)]


def test_every_hour_notation_is_read(messy) -> None:
    assert messy.lines["heures"].tolist()[:8] == [7.5, 7.5, 151.67, 7.5, 7.0, 12.0, 12.0, 7.5]


def test_contract_types_are_normalised_to_the_vocabulary(messy) -> None:
    assert messy.lines["type_contrat"].tolist()[:7] == [
        "CDDI", "CDDI", "mission d'intérim", "mission d'intérim",
        "contrat de professionnalisation", "CDI", "apprentissage"]


def test_unreadable_cells_are_flagged_and_the_line_kept(messy) -> None:
    last = messy.unreadable.iloc[-1]
    assert messy.lines["id_participant"].iloc[-1] == "P-009"
    assert sorted(last[last].index) == ["date_debut_mission", "heures", "type_contrat"]
    assert messy.unreadable.iloc[:-1].to_numpy().sum() == 0


def test_total_line_is_not_a_line_and_its_hours_are_declared(messy) -> None:
    assert "Total" not in messy.lines["id_participant"].tolist()
    assert messy.declared_total == 214.67


def test_company_is_kept_as_written(messy) -> None:
    assert messy.lines["entreprise"].tolist()[:2] == ["BTP Sèvre", "12345678900012"]


def test_raw_keeps_original_headers_and_text_as_displayed(messy) -> None:
    raw = messy.raw
    assert list(raw.columns[:4]) == ["Feuille", "Ligne", "N° participant", "NOM"]
    assert "Observations" in raw.columns
    first = raw.iloc[0]
    assert (first["Date de naissance (jj/mm/aaaa)"], first["Nb heures"]) == ("12/05/1985", "7,5")
    assert raw["Nb heures"].iloc[3] == "7h30"
    assert raw["Ligne"].tolist() == messy.lines["ligne"].tolist()


def test_header_map_links_original_headers_to_columns(messy) -> None:
    assert messy.header_map["Nb heures"] == "heures"
    assert messy.header_map["N° de marché"] == "code_marche"
    assert "Observations" not in messy.header_map


def test_lines_raw_and_unreadable_share_one_index(messy) -> None:
    assert messy.lines.index.equals(messy.raw.index)
    assert messy.unreadable.index.equals(pd.RangeIndex(len(messy.lines)))


def test_lines_have_the_columns_and_dtypes_of_the_hour_line_schema(messy) -> None:
    from schemas.submissions import HourLine

    HourLine.validate(messy.lines)


@pytest.fixture(scope="module")
def months():
    return read_submission(SUBMISSIONS / "releve_plusieurs_mois.xlsx")


def test_month_sheets_are_read_together_keeping_their_sheet(months) -> None:
    assert months.sheets == ["Septembre 2026", "Octobre 2026"]
    assert months.lines.groupby("feuille", sort=False).size().to_dict() == {
        "Septembre 2026": 2, "Octobre 2026": 9}


def test_period_comes_from_the_sheet_name(months) -> None:
    assert set(months.lines.loc[months.lines["feuille"] == "Septembre 2026", "mois"]) == {
        "2026-09"}


def test_every_month_notation_of_a_period_column_is_read(months) -> None:
    october = months.lines[months.lines["feuille"] == "Octobre 2026"]
    assert set(october["mois"]) == {"2026-10"}
    assert not months.unreadable["mois"].any()


def test_total_lines_of_every_sheet_are_added_up(months) -> None:
    assert months.declared_total == 55.5 + 63


def test_summary_sheet_naming_nobody_is_ignored(months) -> None:
    assert "Synthèse" not in months.sheets


def test_tracking_table_is_recognised_from_its_columns() -> None:
    submission = read_submission(SUBMISSIONS / "suivi.xlsx")
    assert submission.kind is Kind.SUIVI
    lines = submission.lines
    assert lines["situation_sortie"].iloc[[0, 2]].tolist() == ["emploi durable", "sortie positive"]
    assert lines["freins"].iloc[0] == "mobilité;logement"
    assert lines["type_contrat"].tolist() == [
        "CDDI", "mission d'intérim", "contrat de professionnalisation", "CDI"]
    assert "mois" not in lines


def test_tracking_table_flags_unknown_exit_and_barrier() -> None:
    submission = read_submission(SUBMISSIONS / "suivi.xlsx")
    last = submission.unreadable.iloc[-1]
    assert sorted(last[last].index) == ["freins", "situation_sortie"]


def test_period_label_and_value_in_two_cells(tmp_path: Path) -> None:
    path = workbook(tmp_path / "releve.xlsx", {"Feuil1": [
        ["Période :", "novembre 2026"], [], HEADERS + ["Heures"],
        ["P-1", "A", "B", "M-1", "02/11/2026", 7]]})
    assert read_submission(path).lines["mois"].tolist() == ["2026-11"]


def test_extra_alias_lets_a_structure_keep_its_own_header(tmp_path: Path) -> None:
    path = workbook(tmp_path / "releve.xlsx", {"Octobre 2026": [
        HEADERS + ["Heures chantier"], ["P-1", "A", "B", "M-1", "02/10/2026", 7]]})
    submission = read_submission(path, extra_aliases={"Heures chantier": "heures"})
    assert submission.lines["heures"].tolist() == [7.0]


def test_sum_without_total_label_at_the_end_is_the_declared_total(tmp_path: Path) -> None:
    path = workbook(tmp_path / "releve.xlsx", {"Octobre 2026": [
        HEADERS + ["Heures"], ["P-1", "A", "B", "M-1", "02/10/2026", 7],
        ["P-2", "C", "D", "M-1", "02/10/2026", 5], [None] * 5 + [12]]})
    submission = read_submission(path)
    assert (len(submission.lines), submission.declared_total) == (2, 12.0)


def test_header_repeated_down_the_sheet_is_not_a_line(tmp_path: Path) -> None:
    header = HEADERS + ["Heures"]
    path = workbook(tmp_path / "releve.xlsx", {"Octobre 2026": [
        header, ["P-1", "A", "B", "M-1", "02/10/2026", 7], header,
        ["P-2", "C", "D", "M-1", "02/10/2026", 5]]})
    assert read_submission(path).lines["ligne"].tolist() == [2, 4]


def test_subtotal_is_neither_a_line_nor_the_total(tmp_path: Path) -> None:
    path = workbook(tmp_path / "releve.xlsx", {"Octobre 2026": [
        HEADERS + ["Heures"], ["P-1", "A", "B", "M-1", "02/10/2026", 7],
        ["Sous-total", None, None, None, None, 7], ["Total", None, None, None, None, 7]]})
    submission = read_submission(path)
    assert (len(submission.lines), submission.declared_total) == (1, 7.0)


def test_identity_by_name_and_birth_date_is_enough(tmp_path: Path) -> None:
    path = workbook(tmp_path / "releve.xlsx", {"Octobre 2026": [
        ["Nom", "Prénom", "Date de naissance", "Code marché", "Début", "Heures"],
        ["Dupont", "Jean", "12/05/1985", "M-1", "02/10/2026", 7]]})
    assert read_submission(path).lines["nom"].tolist() == ["Dupont"]


def test_only_texts_starting_with_a_total_initial_can_be_total_labels() -> None:
    # The reader tries the Total regex only on texts starting with one of TOTAL_INITIALS.
    starts = {chr(c) for c in range(0x110000)
              if _TOTAL_LABEL.match(chr(c) + "otal") or _TOTAL_LABEL.match(chr(c) + "ous-total")}
    assert starts == TOTAL_INITIALS


def test_load_grids_reads_every_sheet_with_positions_as_labels() -> None:
    grids = load_grids(MESSY)
    assert list(grids) == ["Mode d'emploi", "Octobre 2026"]
    assert grids["Octobre 2026"].loc[4, 1] == "N° participant"  # cell B5


@pytest.mark.parametrize(
    ("name", "code", "words"),
    [
        ("corrompu.xlsx", "FICHIER_ILLISIBLE", "endommagé"),
        ("protege.xlsx", "FICHIER_ILLISIBLE", "mot de passe"),
        ("protege.xls", "FICHIER_ILLISIBLE", "mot de passe"),
        ("contrat.xlsx", "FICHIER_ILLISIBLE", "PDF"),
        ("classeur_vide.xlsx", "TYPE_INCONNU", "aucune donnée"),
        ("sans_colonnes_connues.xlsx", "TYPE_INCONNU", "ne ressemble"),
        ("colonnes_manquantes.xlsx", "COLONNES_MANQUANTES", "« Code marché » et « Heures »"),
        ("sans_periode.xlsx", "PERIODE_INCONNUE", "mois"),
        ("trop_de_lignes.csv", "FICHIER_TROP_VOLUMINEUX", "60 lignes"),
    ],
)
def test_bad_file_is_refused_with_its_reason_and_a_french_sentence(name, code, words) -> None:
    with pytest.raises(FileRejected) as refused:
        read_submission(SUBMISSIONS / name, max_lines=50)
    assert refused.value.code == code
    assert words in refused.value.message
    assert name in refused.value.message
    assert refused.value.message.endswith(".")
    assert "Traceback" not in refused.value.message and "Error" not in refused.value.message


def test_empty_file_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "vide.xlsx").write_bytes(b"")
    with pytest.raises(FileRejected, match="est vide") as refused:
        read_submission(tmp_path / "vide.xlsx")
    assert refused.value.code == "FICHIER_ILLISIBLE"


def test_binary_file_named_csv_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "releve.csv").write_bytes(b"\x00\x01\x02 binaire")
    with pytest.raises(FileRejected) as refused:
        read_submission(tmp_path / "releve.csv")
    assert refused.value.code == "FICHIER_ILLISIBLE"


def test_missing_identity_is_named_with_both_ways_of_giving_it(tmp_path: Path) -> None:
    path = workbook(tmp_path / "releve.xlsx", {"Octobre 2026": [
        ["Nom", "Code marché", "Début", "Heures"], ["Dupont", "M-1", "02/10/2026", 7]]})
    with pytest.raises(FileRejected, match="« N° participant » \\(ou « Nom », « Prénom »"):
        read_submission(path)


def test_csv_sheet_is_named_after_the_file_unless_archived_under_its_hash(tmp_path) -> None:
    content = (SUBMISSIONS / "releve_utf8_bom.csv").read_bytes()
    named = tmp_path / "releve_octobre.csv"
    hashed = tmp_path / f"{'ab' * 32}.csv"
    named.write_bytes(content)
    hashed.write_bytes(content)
    assert read_submission(named).sheets == ["releve_octobre"]
    assert read_submission(hashed).sheets == ["CSV"]


def test_a_word_merely_starting_with_total_is_not_a_total_line(tmp_path) -> None:
    path = workbook(tmp_path / "releve.xlsx", {"Octobre 2026": [
        HEADERS + ["Heures", "Poste"], ["P-1", "A", "B", "M-1", "02/10/2026", 7, "Totaliseur"]]})
    assert len(read_submission(path).lines) == 1


def test_a_line_without_hours_outside_a_template_is_read_and_flagged(tmp_path) -> None:
    """Only a pre-filled template may carry rows with a marché and no hours that are no lines:
    in any other file such a row is a line whose hours are missing (VALEUR_INVALIDE later)."""
    path = tmp_path / "releve.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["N° participant", "Code marché", "Date de début de mission", "Heures", "Mois",
                  "Type de contrat"])
    sheet.append(["P-000001", "M-001", "03/10/2026", 35, "2026-10", "CDDI"])
    sheet.append(["P-000002", "M-001", "05/10/2026", None, "2026-10", "CDDI"])
    book.save(path)
    submission = read_submission(path)
    assert submission.lines["id_participant"].tolist() == ["P-000001", "P-000002"]
    assert submission.unreadable["heures"].tolist() == [False, False]
    assert pd.isna(submission.lines["heures"].iloc[1])
