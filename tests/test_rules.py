"""Control rules of a relevé line (SPEC §6): one case per way of breaking each rule, its
boundary that still passes, severities from config.yaml, and the facilitator's Décisions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest

from clauses.checking.facts import RegisterIndex, months_after
from clauses.checking.rules import RULES, check_lines, total_message
from clauses.config import REASON_CODES, Rules
from schemas.submissions import CheckedHourLine
from tests.rules_fixtures import (
    SIRET_ATTRIBUTAIRE,
    SIRET_AUTRE,
    STRUCTURE,
    TODAY,
    decisions,
    lines,
    markets,
    participants,
    registers,
)

ACCEPTED, ALERT, REJECTED = "acceptée", "acceptée avec alerte", "rejetée"
NO_ID = {"id_participant": None}
BY_NAME = {"id_participant": None, "nom": "LEFEVRE", "prenom": "eloise",
           "date_naissance": "1990-04-03"}  # fmt: skip


def check(
    *rows: dict[str, Any],
    people: list[dict[str, Any]] | None = None,
    contracts: list[dict[str, Any]] | None = None,
    overrides: list[dict[str, Any]] | None = None,
    rules: Rules | None = None,
    unreadable: dict[str, list[bool]] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """check_lines on inline lines; `people`, `contracts`, `overrides` are rows changing the
    default participant, marché and decision registers."""
    frame = lines(*rows)
    checked = check_lines(
        frame,
        registers=registers(
            participants=participants(*people) if people else None,
            markets=markets(*contracts) if contracts else None,
            decisions=decisions(*overrides) if overrides else None,
        ),
        rules=rules or Rules(),
        code_structure=options.pop("code_structure", STRUCTURE),
        unreadable=pd.DataFrame(unreadable or {}, index=frame.index),
        today=options.pop("today", TODAY),
        **options,
    )
    CheckedHourLine.validate(checked)
    return checked


# (code, one line, register rows / options): the line breaks that code and only it.
BROKEN: list[Any] = [
    pytest.param("VALEUR_INVALIDE", {"heures": None}, {}, id="hours-empty"),
    pytest.param("VALEUR_INVALIDE", {"heures": None}, {"unreadable": {"heures": [True]}},
                 id="hours-unreadable"),
    pytest.param("VALEUR_INVALIDE", {"code_marche": "  "}, {}, id="market-blank"),
    pytest.param("VALEUR_INVALIDE", {"date_debut_mission": None}, {}, id="mission-start-empty"),
    pytest.param("VALEUR_INVALIDE", {"mois": None}, {}, id="month-empty"),
    pytest.param("VALEUR_INVALIDE", {**NO_ID, "nom": "Lefèvre"}, {}, id="identity-incomplete"),
    pytest.param("HEURES_HORS_LIMITES", {"heures": 0}, {}, id="hours-zero"),
    pytest.param("HEURES_HORS_LIMITES", {"heures": -7}, {}, id="hours-negative"),
    pytest.param("HEURES_HORS_LIMITES", {"heures": 208.5}, {}, id="hours-above-max"),
    pytest.param("PARTICIPANT_INCONNU", {"id_participant": "P999"}, {}, id="unknown-id"),
    pytest.param("PARTICIPANT_INCONNU", {**BY_NAME, "prenom": "Louise"}, {}, id="unknown-name"),
    pytest.param("PARTICIPANT_AMBIGU", BY_NAME,
                 {"people": [{}, {"id_participant": "P002"}]}, id="two-homonyms"),
    pytest.param("ELIGIBILITE_NON_VALIDEE", {"date_debut_mission": "2025-01-31"}, {},
                 id="mission-before-validation"),
    pytest.param("ELIGIBILITE_NON_VALIDEE", {}, {"people": [{"date_validation": None}]},
                 id="never-validated"),
    pytest.param("PRESCRIPTION_EXPIREE", {}, {"people": [{"date_prescription": "2024-11-30"}]},
                 id="validated-2-months-and-2-days-after"),
    pytest.param("ELIGIBILITE_EXPIREE", {},
                 {"people": [{"date_prescription": "2023-09-01", "date_validation": "2023-09-15"}]},
                 id="validated-25-months-before"),
    pytest.param("MARCHE_INCONNU", {"code_marche": "M999"}, {}, id="unknown-market"),
    pytest.param("HORS_PERIODE_MARCHE", {}, {"contracts": [{"date_fin": "2025-09-30"}]},
                 id="market-ended"),
    pytest.param("HORS_PERIODE_MARCHE", {"date_debut_mission": "2025-03-01"},
                 {"contracts": [{"date_debut": "2025-11-01"}]}, id="market-not-started"),
    pytest.param("MISSION_HORS_MOIS", {"date_fin_mission": "2025-09-30"}, {},
                 id="mission-ended-before"),
    pytest.param("MISSION_HORS_MOIS", {"date_debut_mission": "2025-11-01"}, {},
                 id="mission-starts-after"),
    pytest.param("PERIODE_FUTURE", {"mois": "2025-11"}, {}, id="current-month"),
    pytest.param("PERIODE_FUTURE", {}, {"today": date(2025, 10, 31)}, id="last-day-of-month"),
    pytest.param("ENTREPRISE_DIFFERENTE", {"entreprise": "Sous-traitance SA"}, {},
                 id="other-name"),
    pytest.param("ENTREPRISE_DIFFERENTE", {"entreprise": SIRET_AUTRE}, {}, id="other-siret"),
    pytest.param("STRUCTURE_DIFFERENTE", {}, {"code_structure": "ETTI-79"},
                 id="other-structure"),
]  # fmt: skip
# TOTAL_INCOHERENT is the file's alert by default (issue 15), on the lines only when refused.
TOTAL_OFF = {"declared_total": 36.0}

# SPEC §6's table, written out here (not read from RULES: the code is what is under test).
DEFAULT_SEVERITY = {
    "VALEUR_INVALIDE": "rejet", "HEURES_HORS_LIMITES": "rejet", "PARTICIPANT_INCONNU": "rejet",
    "PARTICIPANT_AMBIGU": "rejet", "ELIGIBILITE_NON_VALIDEE": "rejet",
    "PRESCRIPTION_EXPIREE": "rejet", "ELIGIBILITE_EXPIREE": "rejet", "MARCHE_INCONNU": "rejet",
    "HORS_PERIODE_MARCHE": "rejet", "MISSION_HORS_MOIS": "rejet", "PERIODE_FUTURE": "rejet",
    "DOUBLON": "rejet", "ENTREPRISE_DIFFERENTE": "alerte", "STRUCTURE_DIFFERENTE": "alerte",
    "TOTAL_INCOHERENT": "alerte",
}


@pytest.mark.parametrize(("code", "line", "context"), BROKEN)
def test_broken_rule_gives_its_code_and_default_status(
    code: str, line: dict, context: dict
) -> None:
    checked = check(line, **context)
    assert checked.loc[0, "motifs"] == code
    expected = REJECTED if DEFAULT_SEVERITY[code] == "rejet" else ALERT
    assert checked.loc[0, "statut"] == expected


@pytest.mark.parametrize(("code", "line", "context"), BROKEN)
def test_severity_from_config_overrides_the_default(code: str, line: dict, context: dict) -> None:
    other = "alerte" if DEFAULT_SEVERITY[code] == "rejet" else "rejet"
    checked = check(line, rules=Rules(severites={code: other}), **context)
    assert checked.loc[0, "motifs"] == code
    assert checked.loc[0, "statut"] == (ALERT if other == "alerte" else REJECTED)


@pytest.mark.parametrize(("code", "line", "context"), BROKEN)
def test_every_broken_rule_explains_itself_in_one_french_sentence(
    code: str, line: dict, context: dict
) -> None:
    explanation = check(line, **context).loc[0, "explications"]
    assert explanation and explanation[-1] in ".?"
    assert " ; " not in explanation
    assert not any(leftover in explanation for leftover in ("{", "}", "nan", "NaT", "None"))


# Lines at the boundary of a rule: they pass (SPEC §6 wording: "more than", "before", …).
ACCEPTED_CASES: list[Any] = [
    pytest.param({}, {}, id="default-line"),
    pytest.param({"heures": 208}, {}, id="hours-at-max"),
    pytest.param({"heures": 0.5}, {}, id="half-an-hour"),
    pytest.param(BY_NAME, {}, id="identity-by-name"),
    pytest.param({**BY_NAME, "id_participant": " p001 "}, {}, id="id-in-lower-case"),
    pytest.param({"date_debut_mission": "2025-02-01"}, {}, id="mission-starts-on-validation"),
    pytest.param({}, {"people": [{"date_prescription": "2024-12-01"}]},
                 id="validated-exactly-2-months-after"),
    pytest.param({}, {"people": [{"date_prescription": "2023-09-15",
                                  "date_validation": "2023-10-01"}]},
                 id="eligibility-ends-on-first-day-of-month"),
    pytest.param({"code_marche": " m001 "}, {}, id="market-code-case-and-spaces"),
    pytest.param({}, {"contracts": [{"date_fin": "2025-10-01"}]}, id="market-ends-in-month"),
    pytest.param({}, {"contracts": [{"date_debut": "2025-10-31"}]},
                 id="market-starts-in-month"),
    pytest.param({"date_fin_mission": "2025-10-01"}, {}, id="mission-ends-in-month"),
    pytest.param({"date_debut_mission": "2025-10-31"}, {}, id="mission-starts-in-month"),
    pytest.param({}, {"today": date(2025, 11, 1)}, id="month-just-ended"),
    pytest.param({"entreprise": "BATIMENTS DU MARAIS"}, {}, id="company-by-name"),
    pytest.param({"entreprise": f"{SIRET_ATTRIBUTAIRE[:3]} {SIRET_ATTRIBUTAIRE[3:6]} "
                                f"{SIRET_ATTRIBUTAIRE[6:9]} {SIRET_ATTRIBUTAIRE[9:]}"}, {},
                 id="company-by-spaced-siret"),
    pytest.param({"entreprise": SIRET_ATTRIBUTAIRE[:9]}, {}, id="company-by-siren"),
    pytest.param({}, {"code_structure": " ai-niort "}, id="structure-case-and-spaces"),
    pytest.param({}, {"people": [{"code_structure": None}], "code_structure": "ETTI-79"},
                 id="participant-without-structure"),
    pytest.param({}, {"declared_total": 35.01}, id="total-within-a-hundredth"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "context"), ACCEPTED_CASES)
def test_line_within_every_rule_is_accepted(line: dict, context: dict) -> None:
    checked = check(line, **context)
    assert checked.loc[0, ["statut", "motifs", "explications", "decision"]].tolist() == [
        ACCEPTED, "", "", ""
    ]


def test_rules_table_lists_every_reason_code_in_the_spec_order() -> None:
    assert tuple(rule.code for rule in RULES) == REASON_CODES


# --- messages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "context", "sentence"),
    [
        pytest.param(
            {"date_debut_mission": "2025-01-20"}, {},
            "La mission a commencé le 20/01/2025, avant la validation de l'éligibilité par le "
            "guichet unique le 01/02/2025.",
            id="eligibility-not-validated",
        ),
        pytest.param(
            {}, {"people": [{"date_validation": None}]},
            "L'éligibilité du participant n'a pas encore été validée par le guichet unique.",
            id="eligibility-never-validated",
        ),
        pytest.param(
            {"heures": None, "code_marche": None}, {"unreadable": {"heures": [True]}},
            "Valeur obligatoire vide ou illisible : « Code marché » (vide), « Heures » "
            "(illisible).",
            id="invalid-values-named",
        ),
        pytest.param(
            {"id_participant": "P999"}, {},
            "Aucun participant du registre d'éligibilité n'a le N° « P999 ».",
            id="unknown-identifier",
        ),
        pytest.param(
            {**BY_NAME, "prenom": "Louise"}, {},
            "Aucun participant du registre d'éligibilité ne correspond à LEFEVRE Louise, "
            "né(e) le 03/04/1990.",
            id="unknown-identity",
        ),
        pytest.param(
            {"date_fin_mission": "2025-09-30"}, {},
            "La mission du 01/03/2025 au 30/09/2025 ne couvre aucun jour du mois "
            "d'octobre 2025.",
            id="mission-outside-month",
        ),
        pytest.param(
            {"mois": "2025-11"}, {},
            "Les heures du mois de novembre 2025 ne peuvent être déclarées qu'une fois le mois "
            "terminé (contrôle du 15/11/2025).",
            id="future-period",
        ),
        pytest.param(
            {"heures": 250}, {},
            "250 h déclarées : les heures d'un mois doivent être supérieures à 0 et ne pas "
            "dépasser 208 h.",
            id="hours-out-of-bounds",
        ),
        pytest.param(
            {"entreprise": "Sous-traitance SA"}, {},
            "L'entreprise indiquée, « Sous-traitance SA », n'est pas l'attributaire du marché "
            f"M001 (Bâtiments du Marais, SIRET {SIRET_ATTRIBUTAIRE}) : est-ce un sous-traitant ?",
            id="company-differs",
        ),
        pytest.param(
            {"heures": 7.5},
            {"declared_total": 1234.5, "rules": Rules(severites={"TOTAL_INCOHERENT": "rejet"})},
            "Le total indiqué dans le fichier (1\u202f234,5 h) diffère de la somme des lignes "
            "(7,5 h).",
            id="total-mismatch-refused",
        ),
    ],
)  # fmt: skip
def test_explanation_reads_as_a_french_sentence(line: dict, context: dict, sentence: str) -> None:
    assert check(line, **context).loc[0, "explications"] == sentence


def test_wrong_total_leaves_the_lines_their_own_status() -> None:
    checked = check({}, **TOTAL_OFF)
    assert (checked.loc[0, "statut"], checked.loc[0, "motifs"]) == ("acceptée", "")
    assert total_message(checked, 36.0) == (
        "Le total indiqué dans le fichier (36 h) diffère de la somme des lignes (35 h) : écart "
        "de 1 h. Les lignes gardent leur propre statut : leurs heures sont comptées.")


def test_wrong_total_set_to_reject_refuses_every_line() -> None:
    checked = check({}, rules=Rules(severites={"TOTAL_INCOHERENT": "rejet"}), **TOTAL_OFF)
    assert checked["motifs"].tolist() == ["TOTAL_INCOHERENT"]
    assert checked["statut"].tolist() == [REJECTED]


def test_line_breaking_several_rules_lists_every_code_in_table_order() -> None:
    checked = check(
        {"heures": 300, "code_marche": "M999", "mois": "2025-11", "entreprise": "X"},
        declared_total=1.0,
    )
    assert checked.loc[0, "motifs"] == "HEURES_HORS_LIMITES;MARCHE_INCONNU;PERIODE_FUTURE"
    sentences = checked.loc[0, "explications"].split(" ; ")
    assert [s.split(" ")[0] for s in sentences] == ["300", "Le", "Les"]
    assert checked.loc[0, "statut"] == REJECTED


def test_lines_with_different_invalid_values_each_name_their_own() -> None:
    checked = check({"heures": None}, {"code_marche": None}, {"heures": None, "code_marche": None})
    assert checked["explications"].tolist() == [
        "Valeur obligatoire vide ou illisible : « Heures » (vide).",
        "Valeur obligatoire vide ou illisible : « Code marché » (vide).",
        "Valeur obligatoire vide ou illisible : « Code marché » (vide), « Heures » (vide).",
    ]


def test_missing_inputs_do_not_fire_the_rules_that_need_them() -> None:
    # No code: VALEUR_INVALIDE only, not MARCHE_INCONNU; no identity: not PARTICIPANT_INCONNU.
    checked = check({**NO_ID, "code_marche": None, "mois": None, "entreprise": "X"})
    assert checked.loc[0, "motifs"] == "VALEUR_INVALIDE"


# --- DOUBLON -----------------------------------------------------------------------------------


def test_second_line_for_the_same_participant_market_and_month_is_a_duplicate() -> None:
    checked = check({}, {"heures": 10}, {"mois": "2025-09"}, BY_NAME)
    assert checked["statut"].tolist() == [ACCEPTED, REJECTED, ACCEPTED, REJECTED]
    assert checked["motifs"].tolist() == ["", "DOUBLON", "", "DOUBLON"]
    assert checked.loc[3, "explications"] == (
        "Ligne en double : le même participant a déjà des heures sur le marché M001 pour "
        "octobre 2025, ligne 5 de la feuille « Relevé »."
    )


def test_unknown_participants_are_not_duplicates_of_each_other() -> None:
    checked = check({"id_participant": "P998"}, {"id_participant": "P999"})
    assert checked["motifs"].tolist() == ["PARTICIPANT_INCONNU"] * 2


# --- Décisions (SPEC §4, §6) -------------------------------------------------------------------

EARLY_MISSION = {"date_debut_mission": "2025-01-20"}  # ELIGIBILITE_NON_VALIDEE


def test_decision_to_validate_turns_the_rejection_into_an_alert_and_cites_it() -> None:
    checked = check(EARLY_MISSION, overrides=[{}])
    citation = ("Heures validées par décision de Mme Martin du 05/11/2025 : accord du maître "
                "d'ouvrage.")  # fmt: skip
    assert checked.loc[0, "statut"] == ALERT
    assert checked.loc[0, "motifs"] == "ELIGIBILITE_NON_VALIDEE"
    assert checked.loc[0, "explications"].endswith("le 01/02/2025. " + citation)
    assert checked.loc[0, "decision"] == citation


@pytest.mark.parametrize(
    "decision",
    [
        pytest.param({"motif": "PRESCRIPTION_EXPIREE"}, id="other-motif"),
        pytest.param({"mois": "2025-09"}, id="other-month"),
        pytest.param({"code_marche": "M002"}, id="other-market"),
        pytest.param({"id_participant": "P002"}, id="other-participant"),
    ],
)
def test_decision_for_another_line_or_motif_changes_nothing(decision: dict) -> None:
    checked = check(EARLY_MISSION, overrides=[decision])
    assert checked.loc[0, ["statut", "decision"]].tolist() == [REJECTED, ""]


def test_decision_is_found_whatever_the_case_of_its_codes() -> None:
    checked = check(EARLY_MISSION, overrides=[{"id_participant": "p001", "code_marche": "m001"}])
    assert checked.loc[0, "statut"] == ALERT


def test_decision_on_one_motif_leaves_the_other_rejections() -> None:
    checked = check({**EARLY_MISSION, "heures": 300}, overrides=[{}])
    assert checked.loc[0, "motifs"] == "HEURES_HORS_LIMITES;ELIGIBILITE_NON_VALIDEE"
    assert checked.loc[0, "statut"] == REJECTED


def test_decision_to_invalidate_turns_an_alert_into_a_rejection() -> None:
    checked = check(
        {"entreprise": "Sous-traitance SA"},
        overrides=[{"motif": "ENTREPRISE_DIFFERENTE", "decision": "invalider",
                    "auteur": None, "commentaire": None}],
    )  # fmt: skip
    assert checked.loc[0, "statut"] == REJECTED
    assert checked.loc[0, "decision"] == "Heures invalidées par décision du 05/11/2025."


@pytest.mark.parametrize("motif", ["STRUCTURE_DIFFERENTE", "AUTRE", None],
                         ids=["code-not-broken", "no-rule-code", "no-code"])
def test_decision_to_invalidate_rejects_a_clean_accepted_line(motif) -> None:
    """SPEC §4: « invalider » removes an accepted line's hours, whatever code it names."""
    checked = check({}, overrides=[{"motif": motif, "decision": "invalider",
                                    "auteur": "CAN", "commentaire": "heures contestées"}])
    assert checked.loc[0, "statut"] == REJECTED
    assert checked.loc[0, "decision"] == (
        "Heures invalidées par décision de CAN du 05/11/2025 : heures contestées.")
    assert checked.loc[0, "explications"] == checked.loc[0, "decision"]


def test_newest_decision_wins_for_the_same_line_and_motif() -> None:
    checked = check(
        EARLY_MISSION,
        overrides=[{"date": "2025-11-20", "commentaire": "second avis"},
                   {"date": "2025-11-05", "commentaire": "premier avis"}],
    )  # fmt: skip
    assert checked.loc[0, "decision"].endswith("du 20/11/2025 : second avis.")


# --- the frame as a whole ----------------------------------------------------------------------


def test_lines_matched_beforehand_are_checked_the_same() -> None:
    from clauses.checking.matching import match_participants

    frame = lines({"id_participant": "P999"}, BY_NAME)
    matched = match_participants(frame, participants())
    checked = check_lines(matched, registers=registers(), rules=Rules(),
                          code_structure=STRUCTURE, today=TODAY)  # fmt: skip
    assert checked["motifs"].tolist() == ["PARTICIPANT_INCONNU", ""]
    assert "« P999 »" in checked.loc[0, "explications"]


def test_output_keeps_the_index_and_adds_the_checked_columns() -> None:
    frame = lines({}, {"mois": "2025-09"})
    frame.index = [7, 8]
    checked = check_lines(frame, registers=registers(), rules=Rules(), code_structure=STRUCTURE,
                          today=TODAY, late_months={"2025-09"})  # fmt: skip
    CheckedHourLine.validate(checked)
    assert list(checked.index) == [7, 8]
    assert checked["en_retard"].tolist() == [False, True]
    assert checked["correspondance"].tolist() == ["identifiant", "identifiant"]


def test_no_lines_give_an_empty_checked_frame() -> None:
    frame = lines().iloc[0:0]
    checked = check_lines(frame, registers=registers(), rules=Rules(), code_structure=STRUCTURE,
                          today=TODAY, declared_total=0.0)  # fmt: skip
    CheckedHourLine.validate(checked)
    assert checked.empty


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        pytest.param(None, None, id="no-total-line"),
        pytest.param(35.004, None, id="rounding"),
        pytest.param(40.0, "Le total indiqué dans le fichier (40 h) diffère de la somme des "
                           "lignes (35 h) : écart de 5 h. Les lignes gardent leur propre "
                           "statut : leurs heures sont comptées.", id="differs"),
    ],
)  # fmt: skip
def test_total_mismatch_is_one_sentence_for_the_file(declared: float | None,
                                                      expected: str | None) -> None:
    # Issue 15: the file's alert (control report summary, ledger, e-mail), not the lines'.
    checked = check_lines(lines(), registers=registers(), rules=Rules(), code_structure=STRUCTURE,
                          today=TODAY, declared_total=declared)  # fmt: skip
    assert checked["explications"].tolist() == [""]
    assert total_message(lines(), declared) == expected


def test_releve_without_optional_columns_is_checked() -> None:
    frame = lines({}, {"heures": 300, "mois": "2025-09"}).drop(columns=["entreprise", "date_fin_mission"])
    checked = check_lines(frame, registers=registers(), rules=Rules(), code_structure=STRUCTURE,
                          today=TODAY)  # fmt: skip
    assert checked["motifs"].tolist() == ["", "HEURES_HORS_LIMITES"]
    assert "entreprise" not in checked


def test_time_of_the_check_does_not_end_the_month_early() -> None:
    from datetime import datetime

    checked = check({}, today=datetime(2025, 10, 31, 18, 30))
    assert checked.loc[0, "motifs"] == "PERIODE_FUTURE"


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        pytest.param("2025-10-15", 2, "2025-12-15", id="same-day"),
        pytest.param("2025-01-31", 1, "2025-02-28", id="end-of-month-clipped"),
        pytest.param("2024-01-31", 1, "2024-02-29", id="leap-year"),
        pytest.param("2024-02-29", 12, "2025-02-28", id="from-29-february"),
        pytest.param("1969-12-31 18:30", 2, "1970-02-28 18:30", id="before-1970-with-time"),
    ],
)  # fmt: skip
def test_months_are_counted_as_calendar_months(day: str, months: int, expected: str) -> None:
    dates = pd.Series([pd.Timestamp(day), pd.NaT], dtype="datetime64[us]")
    result = months_after(dates.to_numpy(), months)
    assert result.tolist()[0] == pd.Timestamp(expected)
    assert pd.isna(result[1])
    assert (result == (dates + pd.DateOffset(months=months)).to_numpy())[0]


def test_register_index_built_once_checks_like_the_registers() -> None:
    # An ingest run keys the registers once and passes the index to every file's check.
    territory = registers(decisions=decisions({}))
    frame = lines({"date_debut_mission": "2025-01-15"}, {"id_participant": "P999"}, BY_NAME,
                  {"code_marche": "M999"})
    options: dict[str, Any] = {"rules": Rules(), "code_structure": STRUCTURE, "today": TODAY}
    pd.testing.assert_frame_equal(
        check_lines(frame, registers=RegisterIndex.of(territory), **options),
        check_lines(frame, registers=territory, **options),
    )
