"""Failures a user can cause, as a shell sees them (issue 13, « What is wrong » 7): one French
sentence, a documented exit code (README), no traceback, nothing touched.

Run as real processes. The read-only cases drop root's permission override (setpriv) when the
suite runs as root, as it does in the CI container: otherwise root writes anywhere.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from workspace_factory import drop_statement, make_workspace

REPO = Path(__file__).parent.parent
NO_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def clauses(*args: str, cwd: Path, unprivileged: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PYTHONPATH"] = str(REPO)
    prefix = NO_OVERRIDE if unprivileged and os.geteuid() == 0 else []
    return subprocess.run([*prefix, sys.executable, "-m", "clauses.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def read_only(*folders: Path) -> None:
    for folder in folders:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir():
                path.chmod(0o555)


@pytest.fixture
def workspace(tmp_path: Path):
    config = make_workspace(tmp_path / "espace")
    yield config
    for path in [config.root, *config.root.rglob("*")]:  # let pytest clean up
        if path.is_dir():
            path.chmod(0o755)


needs_setpriv = pytest.mark.skipif(os.geteuid() == 0 and not shutil.which("setpriv"),
                                   reason="setpriv absent : root écrit partout")


@needs_setpriv
def test_ingest_into_a_read_only_outbox_exits_4_and_leaves_the_file(workspace, tmp_path) -> None:
    dropped = drop_statement(workspace, "AI-NIORT", "releve-octobre.xlsx")
    (workspace.outbox / "controles").mkdir(parents=True, exist_ok=True)
    read_only(workspace.outbox)
    reply = clauses("--config", str(workspace.source), "ingest", "--date", "2026-11-12",
                    cwd=tmp_path, unprivileged=True)
    assert reply.returncode == 4, reply.stdout + reply.stderr
    assert f"Le dossier {workspace.outbox / 'controles'} n'est pas accessible en écriture" in (
        reply.stderr)
    assert "Traceback" not in reply.stderr and "inattendue" not in reply.stderr
    assert dropped.is_file()


@needs_setpriv
@pytest.mark.parametrize("month_folder_exists", [True, False], ids=["dossier du mois en lecture seule",
                                                                    "outbox en lecture seule"])
def test_a_monthly_report_into_a_read_only_outbox_exits_4(workspace, tmp_path,
                                                         month_folder_exists: bool) -> None:
    drop_statement(workspace, "AI-NIORT", "releve-octobre.xlsx")
    ingest = clauses("--config", str(workspace.source), "ingest", "--date", "2026-11-12",
                     cwd=tmp_path)
    assert ingest.returncode == 0, ingest.stderr
    if month_folder_exists:
        for kind in ("maitres-ouvrage", "entreprises"):
            (workspace.outbox / "2026-10" / kind).mkdir(parents=True, exist_ok=True)
    read_only(workspace.outbox)
    reply = clauses("--config", str(workspace.source), "report", "monthly", "2026-10", "--date",
                    "2026-11-12", cwd=tmp_path, unprivileged=True)
    assert reply.returncode == 4, reply.stdout + reply.stderr
    assert "Impossible d'écrire" in reply.stderr
    assert "accessible en écriture" in reply.stderr
    assert "Traceback" not in reply.stderr and "inattendue" not in reply.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    ("url", "code", "sentence"),
    [
        pytest.param("pas une url", 2, "« base_de_donnees » doit être une URL SQLAlchemy lisible",
                     id="URL illisible"),
        pytest.param("postgresql+pg8000://u@hote/base", 6, "n'est pas installé",
                     id="pilote absent"),
        pytest.param("inconnu://u@hote/base", 6, "n'est pas d'un type que Clauses sait ouvrir",
                     id="type de base inconnu"),
        pytest.param("postgresql+psycopg://clauses:secret@127.0.0.1:{port}/clauses", 6,
                     "ne répond pas", id="PostgreSQL injoignable"),
    ],
)
@pytest.mark.parametrize("command", [["ingest"], ["status", "2026-10"]], ids=["ingest", "status"])
def test_a_database_that_cannot_be_opened_gives_a_sentence_and_its_code(
        workspace, tmp_path, url: str, code: int, sentence: str, command: list[str]) -> None:
    if "pg8000" in url and importlib.util.find_spec("pg8000") is not None:
        pytest.skip("pg8000 est installé ici : le cas du pilote absent ne se produit pas")
    if "psycopg:" in url and importlib.util.find_spec("psycopg") is None:
        pytest.skip("psycopg absent")
    raw = workspace.source.read_text(encoding="utf-8")
    workspace.source.write_text(
        raw + f'\nbase_de_donnees: "{url.format(port=_free_port())}"\n', encoding="utf-8")
    reply = clauses("--config", str(workspace.source), *command, cwd=tmp_path)
    assert reply.returncode == code, reply.stdout + reply.stderr
    assert sentence in reply.stderr
    assert "secret" not in reply.stderr  # the password never reaches the screen
    assert "Traceback" not in reply.stderr and "inattendue" not in reply.stderr
