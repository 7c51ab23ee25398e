"""Register values that could harm: e-mail cells that smuggle a header, codes that name a file
outside its folder, a workbook whose far-away cell would abort the reader (issue 13, 6–7)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from clauses.config import load_config
from clauses.errors import ConfigError, RegisterError
from clauses.registers.load import load_registers
from tests.helpers_reading import REGISTER, edited_register
from tests.workspace_factory import make_workspace

INVALID = "Registre invalide"


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        pytest.param({("Maitres d'ouvrage", "C3"): "a@b.fr\nBcc: x@y.fr"},
                     "feuille « Maitres d'ouvrage », ligne 3, colonne « E-mail » : "
                     "« a@b.fr↵Bcc: x@y.fr » contient un retour à la ligne",
                     id="en-tête Bcc glissé après un retour à la ligne"),
        pytest.param({("Structures", "E4"): "ai@example.org\r\nCc: espion@example.org"},
                     "feuille « Structures », ligne 4, colonne « Courriel » : "
                     "« ai@example.org↵Cc: espion@example.org » contient un retour à la ligne",
                     id="CRLF"),
        pytest.param({("Entreprises", "C3"): "contact@"},
                     "feuille « Entreprises », ligne 3, colonne « Courriel » : « contact@ » "
                     "n'est pas une adresse électronique valide", id="domaine manquant"),
        pytest.param({("Entreprises", "C3"): "contact@example.org; compta(at)example.org"},
                     "« compta(at)example.org » n'est pas une adresse électronique valide",
                     id="une adresse sur deux invalide"),
    ],
)
def test_a_bad_email_cell_is_refused_at_load(tmp_path: Path, cells, expected: str) -> None:
    path = edited_register(tmp_path / "referentiel.xlsx", cells)
    with pytest.raises(RegisterError) as invalid:
        load_registers(path)
    assert expected in str(invalid.value)
    assert "\n" not in str(invalid.value)


@pytest.mark.parametrize(
    "cell",
    [
        pytest.param("élodie@exemple.fr", id="adresse non ASCII"),
        pytest.param("contact@example.org ; compta@example.org", id="deux contacts"),
        pytest.param("contact@example.org, compta@example.org", id="séparées par une virgule"),
    ],
)
def test_valid_email_cells_load(tmp_path: Path, cell: str) -> None:
    path = edited_register(tmp_path / "referentiel.xlsx", {("Entreprises", "C3"): cell})
    companies = load_registers(path).companies
    assert companies["email"].tolist()[1] == cell


@pytest.mark.parametrize(
    ("cells", "column", "code"),
    [
        pytest.param({("Maitres d'ouvrage", "A3"): "../../etc", ("MARCHÉS", "C3"): "../../etc"},
                     "Code MO", "../../etc", id="MO ../"),
        pytest.param({("Maitres d'ouvrage", "A3"): "/tmp/x", ("MARCHÉS", "C3"): "/tmp/x"},
                     "Code MO", "/tmp/x", id="MO chemin absolu"),
        pytest.param({("Maitres d'ouvrage", "A3"): "VILLE\\NIORT",
                      ("MARCHÉS", "C3"): "VILLE\\NIORT"},
                     "Code MO", "VILLE\\NIORT", id="MO barre oblique inverse"),
        pytest.param({("Structures", "A4"): "AI-NIORT/..", ("Participants", "M2"): "AI-NIORT/.."},
                     "Code structure", "AI-NIORT/..", id="structure /.."),
        pytest.param({("Structures", "A4"): "AI:NIORT", ("Participants", "M2"): "AI:NIORT"},
                     "Code structure", "AI:NIORT", id="structure deux-points"),
        pytest.param({("MARCHÉS", "A2"): "M/2026/01", ("Decisions", "B2"): "M/2026/01"},
                     "Code marché", "M/2026/01", id="marché avec des /"),
        pytest.param({("Participants", "A2"): "P|001"},
                     "Identifiant", "P|001", id="participant barre verticale"),
    ],
)
def test_a_path_like_code_is_refused_at_load(tmp_path: Path, cells, column: str,
                                             code: str) -> None:
    path = edited_register(tmp_path / "referentiel.xlsx", cells)
    with pytest.raises(RegisterError) as invalid:
        load_registers(path)
    assert f"colonne « {column} » : le code « {code} » contient" in str(invalid.value)


def test_a_code_named_dot_dot_is_refused(tmp_path: Path) -> None:
    path = edited_register(tmp_path / "referentiel.xlsx",
                           {("Structures", "A4"): "..", ("Participants", "M2"): ".."})
    with pytest.raises(RegisterError, match="le code « .. » commence par un point"):
        load_registers(path)


def test_a_nul_character_in_a_code_is_refused(tmp_path: Path) -> None:
    # openpyxl cannot write NUL; Excel stores it escaped as _x0000_, which calamine decodes.
    path = edited_register(tmp_path / "referentiel.xlsx",
                           {("Maitres d'ouvrage", "A3"): "NIORT_x0000_", ("MARCHÉS", "C3"): "X"})
    with pytest.raises(RegisterError, match="le code « NIORT� » contient « � »"):
        load_registers(path)


def test_a_register_with_a_far_away_cell_is_refused_without_aborting(tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    book = load_workbook(config.registers_path)
    book["Structures"]["XFD1048576"] = "oubli"
    book.save(config.registers_path)
    # In a child process: before the guard, calamine aborted the whole interpreter (SIGABRT).
    done = subprocess.run(
        [sys.executable, "-m", "clauses.cli", "--config", str(config.source), "templates",
         "2026-11"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    assert ("(jusqu'à la ligne 1\u202f048\u202f576, colonne 16\u202f384)"
            in done.stderr)
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("mail", "expected"),
    [
        pytest.param({"ddets": ["ddets@example.org\nBcc: x@example.org"]},
                     "« courriel.ddets » doit être une liste d'adresses électroniques",
                     id="ddets avec retour à la ligne"),
        pytest.param({"copie_guichet": ["guichet(at)example.org"]},
                     "n'est pas une adresse électronique valide", id="copie invalide"),
        pytest.param({"expediteur": "Guichet <guichet@example.org>\r\nBcc: x@example.org"},
                     "contient un retour à la ligne", id="expéditeur avec retour à la ligne"),
    ],
)
def test_a_bad_address_in_config_is_a_configuration_error(tmp_path: Path, mail: dict,
                                                          expected: str) -> None:
    source = tmp_path / "config.yaml"
    source.write_text(yaml.safe_dump({"courriel": mail}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as wrong:
        load_config(source)
    assert expected in str(wrong.value)


def test_the_sample_register_still_loads() -> None:
    assert len(load_registers(REGISTER).structures) == 2
