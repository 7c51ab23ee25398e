"""Nothing counted twice, nothing delivered twice, under concurrent runs (issue 13, « What is
wrong » 5 and 6; issue 14.3): real `clauses` processes on one workspace, a real SMTP server
(aiosmtpd) on the loopback."""

from __future__ import annotations

import email
import os
import socket
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller
from workspace_factory import drop_statement, make_workspace

from clauses.config import Config, load_config
from clauses.ledger import Ledger
from clauses.mail.sending import ALREADY_SENT, FAILED, SENT, Message, send_messages

REPO = Path(__file__).parent.parent
INGEST_DATE = "2026-11-09T12:00"
FILES = 16


class Inbox:
    """What the SMTP server received: one envelope per delivery."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def keys(self) -> Counter[tuple[str, str]]:
        parsed = [email.message_from_bytes(e.content, policy=policy.default)
                  for e in self.envelopes]
        return Counter((m["X-Clauses-Cle"], m["To"]) for m in parsed)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(port: int, *, utf8: bool = True) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, enable_SMTPUTF8=utf8)
    controller.start()
    return controller, inbox


def _workspace(root: Path, port: int) -> Config:
    config = make_workspace(root)
    raw = yaml.safe_load(config.source.read_text(encoding="utf-8")) or {}
    raw["courriel"] = {"smtp": {"hote": "127.0.0.1", "port": port, "securite": "aucune",
                                "delai_secondes": 5}, "tentatives": 1}
    raw.setdefault("depot", {})["delai_stabilite_secondes"] = 0
    config.source.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    config = load_config(config.source)
    dropped = datetime(2026, 11, 5, 9, 0)
    for number in range(FILES):
        structure = ("AI-NIORT", "ETTI-SUD")[number % 2]
        hours = f"{10 + number},5"
        drop_statement(config, structure, f"releve-{number:02d}.xlsx",
                       rows=[("P001", "M-001", "01/10/2026", "", hours, "CDDI")],
                       at=dropped + timedelta(minutes=number))
    return config


def _start(config: Config, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.Popen([sys.executable, "-m", "clauses.cli", "--config", str(config.source),
                             *args], cwd=config.root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish(processes: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    outputs = [p.communicate(timeout=300) for p in processes]
    return [(p.returncode, out, err) for p, (out, err) in zip(processes, outputs, strict=True)]


@pytest.mark.parametrize("runs", [2, 3], ids=["deux relèves", "trois relèves"])
def test_concurrent_ingests_count_each_file_and_mail_each_report_once(tmp_path: Path,
                                                                     runs: int) -> None:
    port = _free_port()
    controller, inbox = _serve(port)
    try:
        config = _workspace(tmp_path / "espace", port)
        outcomes = _finish([_start(config, "ingest", "--date", INGEST_DATE) for _ in range(runs)])
    finally:
        controller.stop()
    codes = sorted(code for code, _, _ in outcomes)
    assert set(codes) <= {0, 5} and codes[0] == 0, outcomes
    for code, _, stderr in outcomes:
        if code == 5:  # the documented exit code and sentence (README)
            assert stderr.startswith("Erreur : Une relève est déjà en cours depuis "), stderr
    with Ledger(config.database_url) as ledger:
        files = ledger.files()
        hours = ledger.hours(month="2026-10")
    processed = files[files["statut"] == "traité"]
    assert len(processed) == FILES
    assert processed["sha256"].is_unique
    # One current relevé per structure for October (the last one dropped), never two.
    assert sorted(hours["heures"].tolist()) == [24.5, 25.5]
    assert not list(config.inbox.rglob("*.xlsx"))
    delivered = inbox.keys()
    assert len(delivered) == FILES and set(delivered.values()) == {1}


def test_concurrent_sends_deliver_each_message_once(tmp_path: Path) -> None:
    port = _free_port()
    config = _workspace(tmp_path / "espace", port)
    # No server yet: the pass records every file, every control report fails and waits.
    first = _finish([_start(config, "ingest", "--date", INGEST_DATE)])
    assert first[0][0] == 0, first
    with Ledger(config.database_url) as ledger:
        assert set(ledger.sends()["status"]) == {FAILED}
    controller, inbox = _serve(port)
    try:
        outcomes = _finish([_start(config, "send", "--date", "2026-11-09") for _ in range(3)])
    finally:
        controller.stop()
    assert [code for code, _, _ in outcomes] == [0, 0, 0], outcomes
    delivered = inbox.keys()
    assert len(delivered) == FILES and set(delivered.values()) == {1}


def test_the_next_ingest_sends_what_an_earlier_pass_left_unsent(tmp_path: Path) -> None:
    port = _free_port()
    config = _workspace(tmp_path / "espace", port)
    first = _finish([_start(config, "ingest", "--date", INGEST_DATE)])  # SMTP down: all fail
    assert first[0][0] == 0, first
    controller, inbox = _serve(port)
    try:
        # Nothing new in the inbox: the pass itself has nothing to do, the backlog leaves.
        second = _finish([_start(config, "ingest", "--date", INGEST_DATE)])
    finally:
        controller.stop()
    assert second[0][0] == 0, second
    assert len(inbox.keys()) == FILES
    with Ledger(config.database_url) as ledger:
        assert set(ledger.sends()["status"]) == {SENT}


def test_a_second_ingest_while_one_runs_exits_5_with_the_holder(tmp_path: Path) -> None:
    config = make_workspace(tmp_path / "espace")
    with Ledger(config.database_url) as holder:
        holder.lock_pass()
        (reply,) = _finish([_start(config, "ingest")])
    code, stdout, stderr = reply
    assert code == 5, stdout + stderr
    # Shown in the workspace's time zone (stored in UTC).
    assert stderr.startswith("Erreur : Une relève est déjà en cours depuis "
                             f"{datetime.now(config.zone):%H}")
    assert f"({socket.gethostname()}, pid {os.getpid()})" in stderr
    assert "Traceback" not in stderr


# --- one bad message fails alone -------------------------------------------------------------


def _smtp_config(tmp_path: Path, port: int) -> Config:
    config = Config.model_validate({"courriel": {
        "smtp": {"hote": "127.0.0.1", "port": port, "securite": "aucune", "delai_secondes": 5},
        "tentatives": 1}})
    return config.model_copy(update={"root": tmp_path})


def _note(key: str, *recipients: str) -> Message:
    return Message(key, recipients, "Compte rendu de contrôle", "Bonjour,\n\nCi-joint.\n")


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        pytest.param("élodie@exemple.fr", "n'accepte pas les adresses accentuées",
                     id="adresse non ASCII sans SMTPUTF8"),
        pytest.param("a@exemple.fr\nBcc: espion@exemple.fr", "Message impossible",
                     id="en-tête glissé dans l'adresse"),
    ],
)
def test_a_bad_message_fails_alone_and_blocks_nothing_later(tmp_path: Path, bad: str,
                                                            reason: str) -> None:
    port = _free_port()
    controller, inbox = _serve(port, utf8=False)  # many real servers lack SMTPUTF8
    try:
        config = _smtp_config(tmp_path, port)
        with Ledger(f"sqlite:///{tmp_path / 'clauses.sqlite'}") as ledger:
            now = datetime(2026, 11, 9, 8, 0)
            results = send_messages([_note("a", "a@exemple.fr"), _note("b", bad),
                                     _note("c", "c@exemple.fr")],
                                    config=config, ledger=ledger, now=now)
            later = send_messages([_note("d", "d@exemple.fr"), _note("b", bad)], config=config,
                                  ledger=ledger, now=now)
    finally:
        controller.stop()
    assert [r.status for r in results] == [SENT, FAILED, SENT]
    assert reason in (results[1].error or "")
    assert [r.status for r in later] == [SENT, FAILED]
    recipients = [address for e in inbox.envelopes for address in e.rcpt_tos]
    assert recipients == ["a@exemple.fr", "c@exemple.fr", "d@exemple.fr"]
    assert ALREADY_SENT not in [r.status for r in later]
