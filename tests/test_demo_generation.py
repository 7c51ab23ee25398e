"""The demo territory (SPEC §11): seeded, realistic in size, every planted case documented."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from clauses.config import REASON_CODES, load_config
from clauses.demo import DemoPlan, build_demo
from clauses.errors import WorkspaceError
from clauses.siret import is_valid_siret
from clauses.vocabulary import FILE_REASONS
from schemas.registers import REGISTER_COLUMNS, REGISTER_SHEETS

SMALL = {"participants": 60, "months": 2}
SPREADSHEETS = {".xlsx", ".xlsm", ".ods", ".csv"}
# Checked by the reader's own tests with the configured limit: a demo file of 50 000 lines
# would only slow the demo down.
NOT_PLANTED = {"FICHIER_TROP_VOLUMINEUX"}


def _build(root: Path, **sizes: int) -> DemoPlan:
    return build_demo(root, **sizes)


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoPlan]:
    root = tmp_path_factory.mktemp("demo") / "territoire"
    return root, _build(root)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoPlan]:
    root = tmp_path_factory.mktemp("demo") / "petit"
    return root, _build(root, **SMALL)


def _fingerprint(root: Path, plan: DemoPlan) -> list[tuple[str, ...]]:
    files = [(d.at.isoformat(), d.structure, d.name, hashlib.sha256(d.content).hexdigest())
             for d in plan.drops]
    for written in ("config.yaml", "registers/referentiel.xlsx"):
        files.append((written, hashlib.sha256((root / written).read_bytes()).hexdigest()))
    return files


def _registers(root: Path) -> dict[str, pd.DataFrame]:
    sheets = pd.read_excel(root / "registers" / "referentiel.xlsx", sheet_name=None,
                           dtype=object, engine="calamine")
    return {name: frame.rename(columns={v: k for k, v in REGISTER_COLUMNS[name].items()})
            for name, frame in sheets.items()}


def _canonical(sheet: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The register as the loader hands it over: text as `str`, dates, QPV as bool."""
    typed = frame.copy()
    for column in typed.columns:
        if column.startswith("date") or column == "reprise_au":
            typed[column] = pd.to_datetime(typed[column]).astype("datetime64[ns]")
        elif column in ("heures_objectif", "heures_reprise"):
            typed[column] = typed[column].astype(float)
        elif column == "qpv":
            typed[column] = typed[column].map({"oui": True, "non": False}).astype(bool)
        else:
            typed[column] = typed[column].astype("str")
    return typed


def test_same_seed_gives_the_same_files_byte_for_byte(tmp_path, full):
    root, plan = full
    again = _build(tmp_path / "bis")
    assert _fingerprint(root, plan) == _fingerprint(tmp_path / "bis", again)
    pd.testing.assert_frame_equal(plan.expected, again.expected)


def test_another_seed_gives_other_files(tmp_path, small):
    root, plan = small
    other = build_demo(tmp_path / "autre", seed=7, **SMALL)
    assert {d.content for d in plan.drops} != {d.content for d in other.drops}


@pytest.mark.parametrize("size", ["full", "small"])
def test_territory_has_the_announced_size(size, request):
    root, plan = request.getfixturevalue(size)
    registers = _registers(root)
    assert len(registers["Structures"]) == 10
    assert len(registers["Maîtres d'ouvrage"]) == 12
    assert len(registers["Entreprises"]) == 40
    assert len(registers["Marchés"]) == 80
    assert len(registers["Participants"]) == (600 if size == "full" else SMALL["participants"])
    assert len(plan.months) == (12 if size == "full" else SMALL["months"])
    assert plan.months[-1] == "2026-10"


def test_every_siret_is_luhn_valid(full):
    registers = _registers(full[0])
    sirets = pd.concat([registers["Entreprises"]["siret"], registers["Structures"]["siret"],
                        registers["Marchés"]["siret"]])
    assert sirets.map(is_valid_siret).all()
    assert set(registers["Marchés"]["siret"]) <= set(registers["Entreprises"]["siret"])


def test_every_company_and_buyer_has_a_marche(full):
    registers = _registers(full[0])
    markets = registers["Marchés"]
    assert set(markets["siret"]) == set(registers["Entreprises"]["siret"])
    assert set(markets["code_mo"]) == set(registers["Maîtres d'ouvrage"]["code_mo"])
    assert markets["heures_objectif"].between(100, 60_000).all()


def test_register_workbook_has_the_six_sheets_with_template_headers(small):
    workbook = openpyxl.load_workbook(small[0] / "registers" / "referentiel.xlsx")
    assert workbook.sheetnames == list(REGISTER_SHEETS)
    for name in REGISTER_SHEETS:
        header = [cell.value for cell in workbook[name][1]]
        assert header == list(REGISTER_COLUMNS[name].values())


@pytest.mark.parametrize("size", ["full", "small"])
def test_register_workbook_is_valid_against_the_register_schemas(size, request):
    for name, frame in _registers(request.getfixturevalue(size)[0]).items():
        REGISTER_SHEETS[name].validate(_canonical(name, frame), lazy=True)


@pytest.mark.parametrize("size", ["full", "small"])
def test_every_line_level_code_is_planted_on_a_row(size, request):
    expected = request.getfixturevalue(size)[1].expected
    lines = expected[expected["ligne"].notna()]
    assert set(REASON_CODES) - {"TOTAL_INCOHERENT"} <= set(lines["code"])
    assert (lines["ligne"] > 1).all()
    assert lines["description"].str.len().gt(20).all()


@pytest.mark.parametrize("size", ["full", "small"])
def test_every_file_level_failure_is_planted(size, request):
    expected = request.getfixturevalue(size)[1].expected
    files = expected[expected["ligne"].isna()]
    # A wrong Total is one alert on its file (issue 15), planted with the file-level cases.
    assert set(files["code"]) == set(FILE_REASONS) - NOT_PLANTED | {"TOTAL_INCOHERENT"}


@pytest.mark.parametrize("size", ["full", "small"])
def test_every_planted_file_is_dropped(size, request):
    plan = request.getfixturevalue(size)[1]
    dropped = {(d.structure, d.name) for d in plan.drops}
    assert set(zip(plan.expected["structure"], plan.expected["name"], strict=True)) <= dropped


def test_a_decision_validates_the_planted_non_validated_line(full):
    root, plan = full
    decisions = _registers(root)["Décisions"]
    planted = plan.expected[(plan.expected["code"] == "ELIGIBILITE_NON_VALIDEE")
                            & (plan.expected["statut"] == "acceptée avec alerte")]
    assert len(decisions) == len(planted) == 1
    row = planted.iloc[0]
    drop = next(d for d in plan.drops if (d.structure, d.name) == (row.structure, row["name"]))
    cells = pd.read_excel(io.BytesIO(drop.content), sheet_name=row.feuille, header=None,
                          dtype=object, engine="calamine").iloc[int(row.ligne) - 1].tolist()
    decision = decisions.iloc[0]
    assert decision["id_participant"] in cells
    assert decision["code_marche"] in cells
    assert decision["mois"] == row.mois
    assert decision["decision"] == "valider"


def test_the_duplicate_repeats_an_earlier_line_of_its_file(full):
    plan = full[1]
    row = plan.expected[plan.expected["code"] == "DOUBLON"].iloc[0]
    drop = next(d for d in plan.drops if (d.structure, d.name) == (row.structure, row["name"]))
    sheet = pd.read_excel(io.BytesIO(drop.content), sheet_name=row.feuille, header=None,
                          dtype=object, engine="calamine")
    copy = sheet.iloc[int(row.ligne) - 1]
    earlier = sheet.iloc[: int(row.ligne) - 1]
    assert (earlier.fillna("") == copy.fillna("")).all(axis=1).any()


def test_drops_come_in_order_after_the_month_they_report(full):
    plan = full[1]
    times = [d.at for d in plan.drops]
    assert times == sorted(times)
    assert plan.drops[0].at.strftime("%Y-%m") > plan.months[0]
    assert all(1 <= d.at.day <= 25 for d in plan.drops)
    late = {d.structure for d in plan.drops if d.at.day > 10}
    assert late, "some structures send after the 10th (hors délai)"


def test_spreadsheets_open_and_formats_vary(full):
    plan = full[1]
    corrupt = set(plan.expected.loc[plan.expected["code"] == "FICHIER_ILLISIBLE", "name"])
    suffixes = {Path(d.name).suffix for d in plan.drops}
    assert {".xlsx", ".xlsm", ".ods", ".csv", ".pdf", ".docx"} <= suffixes
    for drop in plan.drops:
        suffix = Path(drop.name).suffix
        if suffix in SPREADSHEETS - {".csv"} and drop.name not in corrupt:
            assert pd.read_excel(io.BytesIO(drop.content), sheet_name=None, header=None,
                                 engine="calamine")
        if suffix == ".xlsm":
            types = zipfile.ZipFile(io.BytesIO(drop.content)).read("[Content_Types].xml")
            assert b"macroEnabled" in types
    encodings = {"utf-8-sig" if d.content.startswith(b"\xef\xbb\xbf") else "cp1252"
                 for d in plan.drops if d.name.endswith(".csv")}
    assert encodings == {"utf-8-sig", "cp1252"}


def test_one_structure_resends_a_corrected_releve(full):
    plan = full[1]
    corrected = [d for d in plan.drops if "corrigé" in d.name]
    assert len(corrected) == 1
    original = next(d for d in plan.drops if d.structure == corrected[0].structure
                    and d.name == corrected[0].name.replace("_corrigé", ""))
    assert original.at < corrected[0].at
    assert original.content != corrected[0].content


def test_workspace_is_ready_for_the_pipeline(small):
    root, _ = small
    config = load_config(root / "config.yaml")
    assert config.territoire == "Communauté d'Agglomération du Niortais"
    codes = _registers(root)["Structures"]["code_structure"]
    assert all((config.inbox / code).is_dir() for code in codes)


def test_an_existing_workspace_is_never_overwritten(small):
    with pytest.raises(WorkspaceError):
        build_demo(small[0], **SMALL)
