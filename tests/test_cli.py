"""The `clauses` command (SPEC §11): French sentences, exit codes, never a traceback, fast.

What needs a real process (exit codes seen by a shell, tracebacks, timings, environment) runs
`python -m clauses.cli` in a subprocess; the rest goes through Typer's CliRunner, in-process.
One workspace is built and ingested once for the report commands.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from typer.testing import CliRunner
from workspace_factory import (
    drop_bytes,
    drop_statement,
    make_workspace,
    set_file_time,
    snapshot,
    write_registers,
)

from clauses.cli import app
from clauses.config import load_config
from clauses.workspace.archive import sha256_of

SUBMISSIONS = Path(__file__).parent / "data" / "soumissions"
REPO = Path(__file__).parent.parent
DROPPED = datetime(2026, 11, 5, 9, 30)
# The pass that first sees the files (their arrival, SPEC §6): before the deadline of October.
INGEST_DATE = "2026-11-09T12:00"
REPORT_DATE = "2026-11-12"

# What each bad sample file must give (SPEC §6, file level).
BAD_FILES = {
    "corrompu.xlsx": "FICHIER_ILLISIBLE",
    "protege.xlsx": "FICHIER_ILLISIBLE",
    "protege.xls": "FICHIER_ILLISIBLE",
    "contrat.xlsx": "FICHIER_ILLISIBLE",
    "classeur_vide.xlsx": "TYPE_INCONNU",
    "sans_colonnes_connues.xlsx": "TYPE_INCONNU",
    "colonnes_manquantes.xlsx": "COLONNES_MANQUANTES",
    "sans_periode.xlsx": "PERIODE_INCONNUE",
}


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a facilitator's shell: no Prefect server configured."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return {**env, **extra}


def clauses(*args: str, cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clauses.cli", *args], cwd=cwd,
                          env=env or clean_env(PYTHONPATH=str(REPO)), capture_output=True,
                          text=True, timeout=timeout)


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def no_traceback(*outputs: str) -> bool:
    return not any("Traceback" in (o or "") for o in outputs)


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.fixture(autouse=True)
def _run_in_tmp(tmp_path, monkeypatch):
    # The CLI writes its error log in the current folder: never in the repository.
    monkeypatch.chdir(tmp_path)


# --- init ------------------------------------------------------------------------------------------


def test_init_creates_config_registers_and_folders(tmp_path):
    reply = invoke("init", str(tmp_path / "espace"))
    assert reply.exit_code == 0, reply.output
    root = tmp_path / "espace"
    for folder in ("inbox", "outbox", "archive", "state"):
        assert (root / folder).is_dir(), folder
    assert load_config(root / "config.yaml").depot.jour_limite == 10
    assert "Structures" in openpyxl.load_workbook(root / "registers" / "referentiel.xlsx").sheetnames
    assert "Espace de travail créé" in reply.stdout


def test_init_on_an_existing_workspace_refuses_and_changes_nothing(tmp_path):
    root = tmp_path / "espace"
    make_workspace(root)
    (root / "config.yaml").write_text("# réglé à la main\n" + (root / "config.yaml").read_text(
        encoding="utf-8"), encoding="utf-8")
    before = snapshot(root)
    reply = invoke("init", str(root))
    assert reply.exit_code != 0
    assert "contient déjà" in reply.stderr and "rien n'a été modifié" in reply.stderr
    assert no_traceback(reply.stdout, reply.stderr)
    assert snapshot(root) == before


# --- configuration errors ---------------------------------------------------------------------------


def test_missing_config_exits_2_with_one_french_sentence(tmp_path):
    reply = clauses("--config", "absent.yaml", "ingest", cwd=tmp_path)
    assert reply.returncode == 2
    assert error_lines(reply.stderr) == [
        "Erreur : Fichier de configuration introuvable : absent.yaml. Créez un espace de travail "
        "avec « clauses init DOSSIER » ou indiquez-le avec --config."]
    assert no_traceback(reply.stdout, reply.stderr)


WRONG_SETTINGS = {
    "deadline-day-out-of-range": ("depot:\n  jour_limite: 40\n", "depot.jour_limite"),
    "size-not-a-number": ("depot:\n  taille_max_mo: beaucoup\n", "depot.taille_max_mo"),
    "unknown-reason-code": ("regles:\n  severites:\n    DOUBLONS: alerte\n", "regles.severites"),
    "misspelt-section": ("depots:\n  jour_limite: 10\n", "depots"),
    "smtp-port": ("courriel:\n  smtp:\n    port: 99999\n", "courriel.smtp.port"),
}


@pytest.mark.parametrize("text, key", WRONG_SETTINGS.values(), ids=WRONG_SETTINGS.keys())
def test_wrong_setting_exits_2_naming_the_key(tmp_path, text, key):
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    reply = invoke("--config", str(tmp_path / "config.yaml"), "ingest")
    assert reply.exit_code == 2
    [sentence] = error_lines(reply.stderr)
    assert f"« {key} »" in sentence and sentence.startswith("Erreur : Réglage")
    assert no_traceback(reply.stdout, reply.stderr)


# --- bad arguments -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def empty_workspace(tmp_path_factory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("vide") / "espace").source


BAD_DATES = {
    "ingest": ("ingest",),
    "report-monthly": ("report", "monthly", "2026-10"),
}


@pytest.mark.parametrize("command", BAD_DATES.values(), ids=BAD_DATES.keys())
def test_unreadable_date_is_refused_with_a_french_sentence_and_no_traceback(
    tmp_path, empty_workspace, command
):
    reply = clauses("--config", str(empty_workspace), *command, "--date", "2026-13-45",
                    cwd=tmp_path)
    assert reply.returncode != 0
    assert "date « 2026-13-45 » illisible" in reply.stderr
    assert no_traceback(reply.stdout, reply.stderr)


@pytest.mark.parametrize("command", BAD_DATES.values(), ids=BAD_DATES.keys())
def test_unreadable_date_exits_2_with_one_sentence(tmp_path, empty_workspace, command):
    reply = clauses("--config", str(empty_workspace), *command, "--date", "2026-13-45",
                    cwd=tmp_path)
    assert reply.returncode == 2
    assert error_lines(reply.stderr) == [
        "Erreur : date « 2026-13-45 » illisible : écrivez-la AAAA-MM-JJ (ex. 2026-11-12)."]
    assert not (tmp_path / "clauses-erreurs.log").exists()


def test_impossible_month_for_a_monthly_report_is_refused_in_french(tmp_path, empty_workspace):
    reply = clauses("--config", str(empty_workspace), "report", "monthly", "2026-13", cwd=tmp_path)
    assert reply.returncode != 0
    assert error_lines(reply.stderr) == [
        "Erreur : Mois invalide « 2026-13 » : écrivez-le AAAA-MM, par exemple 2026-10."]
    assert no_traceback(reply.stdout, reply.stderr)


BAD_PERIODS = {
    "templates-month": ("templates", "octobre"),
    "status-month": ("status", "2026-13"),
    "semester": ("report", "semester", "2026-S3"),
}


@pytest.mark.parametrize("command", BAD_PERIODS.values(), ids=BAD_PERIODS.keys())
def test_impossible_period_is_refused_with_one_french_sentence(empty_workspace, command):
    reply = invoke("--config", str(empty_workspace), *command)
    assert reply.exit_code not in (0, None)
    [sentence] = error_lines(reply.stderr)
    assert sentence.startswith("Erreur : ") and "invalide" in sentence
    assert no_traceback(reply.stdout, reply.stderr)


# --- without a Prefect server ---------------------------------------------------------------------


def test_help_lists_the_commands(tmp_path):
    # Its time is measured in bench/timings.py, not asserted here.
    reply = clauses("--help", cwd=tmp_path)
    assert reply.returncode == 0 and "ingest" in reply.stdout


def test_ingest_on_an_empty_inbox_answers_without_starting_prefect(tmp_path, empty_workspace):
    prefect_home = tmp_path / "prefect-home"
    env = clean_env(PYTHONPATH=str(REPO), PREFECT_HOME=str(prefect_home))
    reply = clauses("--config", str(empty_workspace), "ingest", cwd=tmp_path, env=env)
    assert reply.returncode == 0, reply.stderr
    assert reply.stdout.strip() == "Aucun fichier à traiter dans le dossier de dépôt."
    # Prefect never ran: it would have created its home (database, profiles) on first use.
    assert not prefect_home.exists()


# --- a real ingest of mixed good and bad files -----------------------------------------------------


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    base = tmp_path_factory.mktemp("cli")
    root = base / "espace"
    init = clauses("init", str(root), cwd=base)
    assert init.returncode == 0, init.stderr
    write_registers(root / "registers" / "referentiel.xlsx")
    config = load_config(root / "config.yaml")
    folder = config.inbox / "AI-NIORT"
    folder.mkdir(parents=True, exist_ok=True)
    for sample in sorted(SUBMISSIONS.iterdir()):
        shutil.copy(sample, folder / sample.name)
        set_file_time(folder / sample.name, DROPPED)
    # Dropped last, so that it is AI-NIORT's current relevé for 2026-10 (SPEC §7).
    drop_statement(config, "AI-NIORT", "releve-octobre.xlsx", at=DROPPED + timedelta(hours=1))
    drop_bytes(config, "AI-NIORT", "contrats/contrat-dupont.pdf", b"%PDF-1.4\n%%EOF\n", at=DROPPED)
    inputs = {p.relative_to(folder): sha256_of(p.read_bytes()) for p in folder.rglob("*")
              if p.is_file()}
    reply = clauses("--config", str(root / "config.yaml"), "ingest", "--date", INGEST_DATE,
                    cwd=base)
    return SimpleNamespace(root=root, config=config, inputs=inputs, reply=reply, cwd=base)


def test_ingest_of_mixed_files_exits_zero(ingested):
    assert ingested.reply.returncode == 0, ingested.reply.stderr
    assert no_traceback(ingested.reply.stdout, ingested.reply.stderr)


def test_ingest_keeps_every_received_file_in_the_archive(ingested):
    kept = {p.name.split(".")[0] for p in ingested.config.archive.rglob("*") if p.is_file()}
    assert set(ingested.inputs.values()) <= kept


def test_ingest_takes_every_file_out_of_the_inbox(ingested):
    assert not [p for p in ingested.config.inbox.rglob("*") if p.is_file()]


@pytest.mark.parametrize("name, code", BAD_FILES.items(), ids=BAD_FILES.keys())
def test_ingest_quarantines_each_bad_file_with_its_reason(ingested, name, code):
    kept = ingested.config.quarantine / "AI-NIORT" / name
    assert sha256_of(kept.read_bytes()) == ingested.inputs[Path(name)]
    reason = kept.with_name(name + ".motif.txt").read_text(encoding="utf-8")
    assert reason.startswith(f"{code} — ")


def test_ingest_prints_a_french_summary(ingested):
    out = ingested.reply.stdout
    total, refused = len(ingested.inputs), len(BAD_FILES)
    assert (f"{total} fichiers reçus : {total - refused} traités, {refused} en quarantaine, "
            "0 déjà reçu.") in out
    assert "Lignes d'heures : 2 acceptées" in out
    assert "Quarantaine — AI-NIORT/corrompu.xlsx : FICHIER_ILLISIBLE" in out
    assert "Comptes rendus de contrôle" in out


def test_ingest_mails_each_control_report_as_an_eml(ingested):
    mails = list((ingested.config.outbox / "courriels").rglob("*.eml"))
    # every file but the pièce justificative gets its control report back
    assert len(mails) == len(ingested.inputs) - 1


# --- reports, templates, status on the ingested workspace -------------------------------------------


def test_monthly_report_writes_the_months_workbooks(ingested):
    reply = invoke("--config", str(ingested.config.source), "report", "monthly", "2026-10",
                   "--date", "2026-11-11")
    assert reply.exit_code == 0, reply.output
    month = ingested.config.outbox / "2026-10"
    assert (month / "maitres-ouvrage" / "CAN-rapport-mensuel-2026-10.xlsx").is_file()
    assert len(list((month / "entreprises").glob("*-rapport-mensuel-2026-10.xlsx"))) == 2
    assert (month / "suivi-depots-2026-10.xlsx").is_file()
    assert "Rapports mensuels de 2026-10" in reply.stdout
    assert no_traceback(reply.stdout, reply.stderr)


def test_provisional_semester_report_writes_each_structures_table(ingested):
    reply = invoke("--config", str(ingested.config.source), "report", "semester", "2026-S2",
                   "--provisoire", "--date", REPORT_DATE)
    assert reply.exit_code == 0, reply.output
    assert (ingested.config.outbox / "2026-S2" / "structures"
            / "AI-NIORT-salaries-2026-S2-provisoire.xlsx").is_file()
    assert no_traceback(reply.stdout, reply.stderr)


def test_finished_semester_report_runs_without_provisoire(ingested):
    reply = invoke("--config", str(ingested.config.source), "report", "semester", "2026-S1",
                   "--date", REPORT_DATE)
    assert reply.exit_code == 0, reply.output
    assert "Tableaux semestriels 2026-S1" in reply.stdout


def test_unfinished_semester_is_refused_without_provisoire(ingested):
    reply = invoke("--config", str(ingested.config.source), "report", "semester", "2026-S2",
                   "--date", REPORT_DATE)
    assert reply.exit_code not in (0, None)
    [sentence] = error_lines(reply.stderr)
    assert sentence.startswith("Erreur : ")
    assert no_traceback(reply.stdout, reply.stderr)


def test_provisional_annual_report_writes_the_bilan(ingested):
    reply = invoke("--config", str(ingested.config.source), "report", "annual", "2026",
                   "--provisoire", "--date", REPORT_DATE)
    assert reply.exit_code == 0, reply.output
    assert (ingested.config.outbox / "2026" / "bilan-annuel-2026-provisoire.xlsx").is_file()
    assert no_traceback(reply.stdout, reply.stderr)


def test_templates_writes_one_workbook_per_structure(ingested):
    reply = invoke("--config", str(ingested.config.source), "templates", "2026-11")
    assert reply.exit_code == 0, reply.output
    written = sorted(p.name for p in (ingested.config.outbox / "modeles" / "2026-11").glob("*.xlsx"))
    assert len(written) == 2
    assert written[0].startswith("AI-NIORT") and written[1].startswith("ETTI-SUD")
    assert no_traceback(reply.stdout, reply.stderr)


def test_status_prints_the_deposit_table(ingested, monkeypatch):
    monkeypatch.setenv("COLUMNS", "140")
    reply = invoke("--config", str(ingested.config.source), "status", "2026-10")
    assert reply.exit_code == 0, reply.output
    out = reply.stdout
    assert "Suivi des dépôts — octobre 2026" in out
    assert "AI-NIORT" in out and "Dans les délais" in out
    assert "ETTI-SUD" in out and "Manquant" in out
    assert no_traceback(reply.stdout, reply.stderr)


def test_status_table_fits_an_80_column_terminal(ingested):
    reply = clauses("--config", str(ingested.config.source), "status", "2026-10",
                    cwd=ingested.cwd, env=clean_env(PYTHONPATH=str(REPO), COLUMNS="80"))
    assert reply.returncode == 0
    assert "Manquant" in reply.stdout
    assert "159,17 h" in reply.stdout
    assert max(len(line) for line in reply.stdout.splitlines()) <= 80


def test_status_shows_the_deadline_and_a_total_in_the_workbooks_words(ingested):
    reply = clauses("--config", str(ingested.config.source), "status", "2026-10",
                    cwd=ingested.cwd, env=clean_env(PYTHONPATH=str(REPO), COLUMNS="80"))
    out = reply.stdout
    assert "Date limite de dépôt : 10/11/2026" in out
    assert "Dans les délais : 1" in out and "Manquant : 1" in out
    (total,) = [line for line in out.splitlines() if line.startswith("Total")]
    assert "159,17 h" in total


@pytest.mark.parametrize(("args", "sentence"), [
    (["report", "monthly"], "Erreur : il manque l'argument MOIS."),
    (["report", "annual", "deux-mille"], "Erreur : valeur invalide pour ANNEE."),
    (["ingest", "--vite"], "Erreur : option inconnue « --vite »."),
    (["publier"], "Erreur : commande inconnue (publier)."),
], ids=["missing-argument", "bad-value", "unknown-option", "unknown-command"])
def test_usage_mistakes_get_one_french_sentence(tmp_path, args, sentence):
    reply = clauses(*args, cwd=tmp_path)
    assert reply.returncode == 2
    assert reply.stderr.startswith(sentence), reply.stderr
    assert no_traceback(reply.stdout, reply.stderr)


def test_init_completes_a_folder_that_has_only_its_config(tmp_path):
    root = tmp_path / "clone"
    root.mkdir()
    text = "# réglages du guichet\nterritoire: \"Agglo test\"\n"
    (root / "config.yaml").write_text(text, encoding="utf-8")
    reply = invoke("init", str(root))
    assert reply.exit_code == 0, reply.output
    assert (root / "config.yaml").read_text(encoding="utf-8") == text
    assert (root / "registers" / "referentiel.xlsx").is_file()
    assert (root / "inbox").is_dir() and (root / "state").is_dir()
