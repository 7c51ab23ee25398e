"""Every workbook kind the demo writes prints legibly on A4 landscape (issue 16.1): one page wide,
no text under 7 pt at print. Measured as a person would print it: LibreOffice converts one sample
of each kind to PDF in a single call, `pdftotext -bbox` gives the size of every word
(tests/print_measure.py)."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from print_measure import measure, to_pdf

from clauses.app.jobs import run_semester, run_templates
from clauses.config import load_config
from clauses.demo.run import run_demo
from clauses.ledger import Ledger

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext")
                                 is None, reason="LibreOffice or pdftotext absent")]
SMALLEST_TEXT = 7.0  # points at print


def _control_reports(config, files) -> dict[str, Path]:
    """One control report per kind of received file: relevé, tableau de suivi, quarantine."""
    kinds = {"relevé d'heures": "compte rendu — relevé", "tableau de suivi":
             "compte rendu — tableau de suivi"}
    found: dict[str, Path] = {}
    for row in files.itertuples():
        label = "compte rendu — quarantaine" if row.statut == "quarantaine" else kinds.get(
            row.type) if row.statut == "traité" else None
        folder = config.outbox / "controles" / row.code_structure
        stem = f"{row.recu_le:%Y-%m-%d}-{Path(row.nom_fichier).stem}-{row.sha256[:8]}"
        path = folder / f"{stem}-controle.xlsx"
        if label and label not in found and path.is_file():
            found[label] = path
    return found


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """The reduced demo, a provisional semester and the templates; each kind converted."""
    base = tmp_path_factory.mktemp("impression")
    run_demo(base / "demo", participants=60, months=2)
    config = load_config(base / "demo" / "config.yaml")
    run_semester(config, "2026-S2", provisoire=True, now=datetime(2026, 11, 20, 9), send=False)
    run_templates(config, "2026-11")
    with Ledger.from_config(config) as ledger:
        files = ledger.files()
    outbox = config.outbox
    samples = {
        **_control_reports(config, files),
        "rapport mensuel — maître d'ouvrage": next(outbox.glob("2026-10/maitres-ouvrage/*")),
        "rapport mensuel — entreprise": next(outbox.glob("2026-10/entreprises/*")),
        "suivi des dépôts": outbox / "2026-10" / "suivi-depots-2026-10.xlsx",
        "tableau semestriel": next(outbox.glob("2026-S2/structures/*.xlsx")),
        "bilan annuel": outbox / "2026" / "bilan-annuel-2026-provisoire.xlsx",
        "relevé pré-rempli": next(outbox.glob("modeles/2026-11/*.xlsx")),
    }
    # Distinct names in one folder: the PDF takes the workbook's name.
    folder = base / "a-imprimer"
    folder.mkdir()
    copies = {}
    for number, (kind, path) in enumerate(samples.items()):
        copies[kind] = folder / f"{number:02d}.xlsx"
        shutil.copyfile(path, copies[kind])
    pdfs = to_pdf(list(copies.values()), base / "pdf")
    return {kind: measure(pdfs[copy], kind) for kind, copy in copies.items()}


KINDS = ["compte rendu — relevé", "compte rendu — tableau de suivi",
         "compte rendu — quarantaine", "rapport mensuel — maître d'ouvrage",
         "rapport mensuel — entreprise", "suivi des dépôts", "tableau semestriel",
         "bilan annuel", "relevé pré-rempli"]


def test_every_kind_of_workbook_the_demo_writes_is_measured(printed):
    assert sorted(printed) == sorted(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_printed_text_is_never_smaller_than_7_points(printed, kind):
    sheet = printed[kind]
    assert sheet.smallest >= SMALLEST_TEXT, str(sheet)


@pytest.mark.parametrize("kind", KINDS)
def test_prints_on_a4_landscape_one_page_wide(printed, kind):
    sheet = printed[kind]
    assert sheet.landscape, str(sheet)
    assert sheet.widest <= 842, str(sheet)  # nothing cut at the right edge of the page


def test_measurements_are_reported(printed, capsys):
    with capsys.disabled():
        for sheet in printed.values():
            print("\n" + str(sheet))
