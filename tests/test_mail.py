"""E-mail (SPEC §9) against a real SMTP server on the loopback (aiosmtpd): recipients, French
text, attachments, never twice, retries of transient failures, `.eml` files without SMTP."""

from __future__ import annotations

import dataclasses
import email
import socket
from collections.abc import Iterator
from datetime import datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from clauses.config import Config
from clauses.errors import ConfigError, WorkspaceError
from clauses.ledger import FileRecord, Ledger
from clauses.mail import sending
from clauses.mail.messages import (
    addresses,
    annual_messages,
    control_report_message,
    monthly_buyer_message,
    monthly_company_message,
    quarantine_message,
    semester_message,
)
from clauses.mail.sending import (
    ALREADY_SENT,
    FAILED,
    SENT,
    XLSX_TYPE,
    Message,
    send_messages,
    smtp_password,
)
from clauses.vocabulary import FILE_REASONS, Kind

PASSWORDS = {b"secret", "s3crét".encode()}
NOW = datetime(2026, 11, 11, 7, 0, tzinfo=ZoneInfo("Europe/Paris"))
BODY = "Bonjour,\n\nVoilà le rapport d'exécution d'octobre : « heures réalisées », déjà à jour.\n"


class Recorder:
    """An SMTP handler that keeps what it received; `replies` are answered to DATA first."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.replies: list[str] = []
        self.data_calls = 0
        self.peers: set[Any] = set()
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_calls += 1
        self.peers.add(session.peer)
        if self.replies:
            return self.replies.pop(0)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        self.logins.append((auth_data.login, auth_data.password))
        # handled=False: let aiosmtpd answer "535" itself on a wrong password
        return AuthResult(success=auth_data.password in PASSWORDS, handled=False)

    def received(self) -> list[EmailMessage]:
        return [email.message_from_bytes(e.content, policy=policy.default)
                for e in self.envelopes]


def _body(message: EmailMessage) -> str:
    # Sent with CRLF line ends (RFC 5322); compare the text a person reads.
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Recorder]]:
    handler = Recorder()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port,
                            authenticator=handler.authenticate, auth_require_tls=False)
    controller.start()
    try:
        yield port, handler
    finally:
        controller.stop()


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(f"sqlite:///{tmp_path / 'clauses.sqlite'}") as opened:
        yield opened


def _config(tmp_path: Path, port: int | None = None, **mail: Any) -> Config:
    smtp: dict[str, Any] = {"hote": "127.0.0.1", "port": port, "securite": "aucune",
                            "delai_secondes": 5}
    smtp.update(mail.pop("smtp", {}))
    courriel = {"smtp": smtp if port else {}, **mail}
    config = Config.model_validate({"courriel": courriel, "guichet": "Guichet du Niortais"})
    return config.model_copy(update={"root": tmp_path})


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "rapports" / "Synthèse d'exécution – octobre.xlsx"
    path.parent.mkdir()
    path.write_bytes(b"PK\x03\x04 classeur factice \xff\x00\x01")
    return path


def _message(report: Path, *recipients: str, key: str = "rapport-mensuel-mo/2026-10/MO-CAN",
             ) -> Message:
    return Message(key, recipients, "Rapport d'exécution d'octobre 2026 — clauses sociales",
                   BODY, (report,))


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_the_recipients_of_a_message_get_it_in_one_delivery_with_its_attachment(
    tmp_path: Path, smtp_server: tuple[int, Recorder], ledger: Ledger, report: Path
) -> None:
    port, server = smtp_server
    recipients = ("mo@agglo.example.fr", "suivi@agglo.example.fr")
    results = send_messages([_message(report, *recipients)], config=_config(tmp_path, port),
                            ledger=ledger, now=NOW)
    assert [(r.recipient, r.status, r.attempts) for r in results] == [
        ("mo@agglo.example.fr, suivi@agglo.example.fr", SENT, 1)]
    assert [e.rcpt_tos for e in server.envelopes] == [list(recipients)]
    assert server.envelopes[0].mail_from == "guichet.clauses@example.org"
    received = server.received()[0]
    assert received["Subject"] == "Rapport d'exécution d'octobre 2026 — clauses sociales"
    assert received["To"] == "mo@agglo.example.fr, suivi@agglo.example.fr"
    assert _body(received) == BODY
    (attachment,) = received.iter_attachments()
    assert attachment.get_content_type() == XLSX_TYPE
    assert attachment.get_filename() == report.name
    assert attachment.get_content() == report.read_bytes()


def test_message_id_date_and_rfc2231_file_name_are_set(
    tmp_path: Path, smtp_server: tuple[int, Recorder], ledger: Ledger, report: Path
) -> None:
    port, server = smtp_server
    send_messages([_message(report, "mo@agglo.example.fr")], config=_config(tmp_path, port),
                  ledger=ledger, now=NOW)
    received = server.received()[0]
    assert received["Message-ID"].endswith("@example.org>")
    assert received["Date"].datetime == NOW
    assert b"filename*0*=utf-8''Synth%C3%A8se" in server.envelopes[0].content


def test_a_message_is_never_sent_twice(
    tmp_path: Path, smtp_server: tuple[int, Recorder], ledger: Ledger, report: Path
) -> None:
    port, server = smtp_server
    config = _config(tmp_path, port)
    send_messages([_message(report, "mo@agglo.example.fr")], config=config, ledger=ledger,
                  now=NOW)
    again = send_messages([_message(report, "mo@agglo.example.fr")], config=config,
                          ledger=ledger, now=NOW)
    assert [r.status for r in again] == [ALREADY_SENT]
    assert server.data_calls == 1
    assert ledger.sends()["status"].tolist() == [SENT]


def test_a_run_stopped_between_two_messages_has_recorded_the_one_that_left(
    tmp_path: Path, smtp_server: tuple[int, Recorder], ledger: Ledger, report: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A delivery's end is recorded with the next claim (one commit per message): when the run
    stops before the next one, what already left is still logged « envoyé », and what was
    claimed but may not have left stays « en cours » for the facilitator (never resent)."""
    port, server = smtp_server
    built = []
    real_build = sending.build_email

    def build_then_stop(*args: Any, **kwargs: Any) -> EmailMessage:
        built.append(1)
        if len(built) == 2:
            raise KeyboardInterrupt  # the run is stopped while preparing the second message
        return real_build(*args, **kwargs)

    monkeypatch.setattr(sending, "build_email", build_then_stop)
    messages = [_message(report, "a@agglo.example.fr"),
                _message(report, "b@agglo.example.fr", key="rapport-mensuel-mo/2026-10/MO-NIO")]
    with pytest.raises(KeyboardInterrupt):
        send_messages(messages, config=_config(tmp_path, port), ledger=ledger, now=NOW)
    assert server.data_calls == 1
    assert ledger.sends()["status"].tolist() == [SENT, "en cours"]


@pytest.mark.parametrize(
    "changed",
    [pytest.param(("b@agglo.example.fr",), id="adresse remplacée"),
     pytest.param(("a@agglo.example.fr", "b@agglo.example.fr"), id="second contact ajouté")],
)
def test_an_address_change_does_not_send_a_sent_message_again(
    tmp_path: Path, smtp_server: tuple[int, Recorder], ledger: Ledger, report: Path,
    changed: tuple[str, ...],
) -> None:
    port, server = smtp_server
    config = _config(tmp_path, port)
    send_messages([_message(report, "a@agglo.example.fr")], config=config, ledger=ledger,
                  now=NOW)
    results = send_messages([_message(report, *changed),
                             _message(report, *changed, key="rapport-mensuel-mo/2026-11/MO-CAN")],
                            config=config, ledger=ledger, now=NOW)
    # The log is keyed by message and role, not address: only what comes next goes out.
    assert [r.status for r in results] == [ALREADY_SENT, SENT]
    assert [e.rcpt_tos for e in server.envelopes] == [["a@agglo.example.fr"], list(changed)]


def test_the_facilitator_can_ask_for_a_sent_message_again(
    tmp_path: Path, smtp_server: tuple[int, Recorder], ledger: Ledger, report: Path
) -> None:
    port, server = smtp_server
    config = _config(tmp_path, port)
    send_messages([_message(report, "a@agglo.example.fr")], config=config, ledger=ledger, now=NOW)
    again = send_messages([_message(report, "b@agglo.example.fr")], config=config, ledger=ledger,
                          now=NOW, resend=lambda key: key.startswith("rapport-mensuel-mo/2026-10"))
    assert [r.status for r in again] == [SENT]
    assert [e.rcpt_tos for e in server.envelopes] == [["a@agglo.example.fr"],
                                                      ["b@agglo.example.fr"]]
    assert ledger.sends()["round"].tolist() == [0, 1]


def test_a_transient_refusal_is_retried_after_a_wait(
    tmp_path: Path, smtp_server: tuple[int, Recorder], ledger: Ledger, report: Path
) -> None:
    port, server = smtp_server
    server.replies = ["451 4.3.0 Try again later"]
    sleeps = Sleeps()
    (result,) = send_messages([_message(report, "mo@agglo.example.fr")],
                              config=_config(tmp_path, port), ledger=ledger, now=NOW,
                              sleep=sleeps)
    assert (result.status, result.attempts, result.error) == (SENT, 2, None)
    assert sleeps == [2.0]
    assert len(server.envelopes) == 1
    log = ledger.sends()
    assert log[["status", "attempts"]].values.tolist() == [[SENT, 2]]


def test_a_permanent_refusal_is_not_retried_and_is_reported(
    tmp_path: Path, smtp_server: tuple[int, Recorder], ledger: Ledger, report: Path
) -> None:
    port, server = smtp_server
    server.replies = ["550 5.1.1 Mailbox unavailable"]
    sleeps = Sleeps()
    (result,) = send_messages([_message(report, "inconnu@agglo.example.fr")],
                              config=_config(tmp_path, port), ledger=ledger, now=NOW,
                              sleep=sleeps)
    assert result.failed and result.attempts == 1
    assert "550 5.1.1 Mailbox unavailable" in (result.error or "")
    assert sleeps == [] and server.data_calls == 1
    log = ledger.sends()
    assert log[["status", "attempts"]].values.tolist() == [[FAILED, 1]]
    # The next run tries again.
    assert ledger.send_states([result.key]) == {(result.key, "destinataire"): (0, FAILED)}


def test_an_unreachable_server_is_retried_with_doubling_waits(
    tmp_path: Path, ledger: Ledger, report: Path
) -> None:
    config = _config(tmp_path, _free_port(), tentatives=3, attente_initiale_secondes=1.5)
    sleeps = Sleeps()
    first, second = send_messages(
        [_message(report, "mo@agglo.example.fr"), _message(report, "x@y.fr", key="autre")],
        config=config, ledger=ledger, now=NOW, sleep=sleeps)
    assert first.failed and first.attempts == 3
    assert first.error and first.error.startswith("Connexion au serveur SMTP impossible")
    assert sleeps == [1.5, 3.0]  # the rest of the batch does not wait through retries again
    assert second.failed and second.attempts == 0
    assert second.error == f"Non tenté : {first.error}"
    assert ledger.sends()["status"].tolist() == [FAILED]


def test_a_batch_uses_one_connection(
    tmp_path: Path, smtp_server: tuple[int, Recorder], ledger: Ledger, report: Path
) -> None:
    port, server = smtp_server
    messages = [_message(report, f"mo{n}@agglo.example.fr", key=f"cle/{n}") for n in range(3)]
    send_messages(messages, config=_config(tmp_path, port), ledger=ledger, now=NOW)
    assert server.data_calls == 3 and len(server.peers) == 1


@pytest.mark.parametrize("password", ["secret", "s3crét"], ids=["ascii", "accent"])
def test_login_uses_the_password_given_by_the_caller(
    tmp_path: Path, smtp_server: tuple[int, Recorder], ledger: Ledger, report: Path,
    password: str,
) -> None:
    port, server = smtp_server
    config = _config(tmp_path, port, smtp={"utilisateur": "guichet"})
    (result,) = send_messages([_message(report, "mo@agglo.example.fr")], config=config,
                              ledger=ledger, now=NOW, password=password)
    assert result.status == SENT
    assert server.logins == [(b"guichet", password.encode())]


def test_a_wrong_password_is_a_permanent_failure(
    tmp_path: Path, smtp_server: tuple[int, Recorder], ledger: Ledger, report: Path
) -> None:
    port, _ = smtp_server
    config = _config(tmp_path, port, smtp={"utilisateur": "guichet"})
    sleeps = Sleeps()
    (result,) = send_messages([_message(report, "mo@agglo.example.fr")], config=config,
                              ledger=ledger, now=NOW, password="faux", sleep=sleeps)
    assert result.failed and result.attempts == 1 and sleeps == []
    assert "535" in (result.error or "")


def test_a_missing_smtp_password_is_a_configuration_error(
    tmp_path: Path, ledger: Ledger, report: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLAUSES_SMTP_MOT_DE_PASSE", raising=False)
    config = _config(tmp_path, 2525, smtp={"utilisateur": "guichet"})
    with pytest.raises(ConfigError, match="CLAUSES_SMTP_MOT_DE_PASSE"):
        send_messages([_message(report, "mo@agglo.example.fr")], config=config,
                      ledger=ledger, now=NOW)


def test_the_password_is_read_from_the_configured_variable(tmp_path: Path) -> None:
    config = _config(tmp_path, 2525, smtp={"mot_de_passe_env": "MOT_DE_PASSE_GUICHET"})
    assert smtp_password(config, {"MOT_DE_PASSE_GUICHET": "x"}) == "x"
    assert smtp_password(config, {}) is None


def test_the_guichet_copy_is_one_more_delivery(
    tmp_path: Path, smtp_server: tuple[int, Recorder], ledger: Ledger, report: Path
) -> None:
    port, server = smtp_server
    config = _config(tmp_path, port, copie_guichet=["guichet@agglo.example.fr"])
    results = send_messages([_message(report, "mo@agglo.example.fr")], config=config,
                            ledger=ledger, now=NOW)
    assert [r.recipient for r in results] == ["mo@agglo.example.fr", "guichet@agglo.example.fr"]
    assert len(server.envelopes) == 2


def test_a_message_without_address_is_reported_and_not_logged(
    tmp_path: Path, ledger: Ledger, report: Path
) -> None:
    (result,) = send_messages([_message(report)], config=_config(tmp_path), ledger=ledger,
                              now=NOW)
    assert result.failed and result.error == "Aucune adresse électronique dans le registre."
    assert ledger.sends().empty


def test_a_missing_attachment_is_reported(tmp_path: Path, ledger: Ledger) -> None:
    message = _message(tmp_path / "absent.xlsx", "mo@agglo.example.fr")
    (result,) = send_messages([message], config=_config(tmp_path), ledger=ledger, now=NOW)
    assert result.failed and "absent.xlsx" in (result.error or "")


def test_without_smtp_each_delivery_is_a_parseable_eml_file_written_once(
    tmp_path: Path, ledger: Ledger, report: Path
) -> None:
    config = _config(tmp_path)
    (result,) = send_messages([_message(report, "mo@agglo.example.fr")], config=config,
                              ledger=ledger, now=NOW)
    assert result.status == SENT and result.eml is not None
    assert result.eml.parent == tmp_path / "outbox" / "courriels" / "2026-11-11"
    assert result.eml.name == "rapport-mensuel-mo-2026-10-mo-can--mo-agglo-example-fr.eml"
    parsed = email.message_from_bytes(result.eml.read_bytes(), policy=policy.default)
    assert parsed["To"] == "mo@agglo.example.fr"
    assert parsed["Subject"] == "Rapport d'exécution d'octobre 2026 — clauses sociales"
    assert _body(parsed) == BODY
    (attachment,) = parsed.iter_attachments()
    assert attachment.get_filename() == report.name
    assert attachment.get_content() == report.read_bytes()
    result.eml.unlink()
    again = send_messages([_message(report, "mo@agglo.example.fr")], config=config,
                          ledger=ledger, now=NOW)
    assert [r.status for r in again] == [ALREADY_SENT]
    assert list(result.eml.parent.iterdir()) == []


def test_an_unwritable_outbox_stops_the_run(tmp_path: Path, ledger: Ledger,
                                            report: Path) -> None:
    (tmp_path / "outbox").write_text("un fichier, pas un dossier")
    with pytest.raises(WorkspaceError, match="Impossible d'écrire le courriel"):
        send_messages([_message(report, "mo@agglo.example.fr")], config=_config(tmp_path),
                      ledger=ledger, now=NOW)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (None, ()),
        (float("nan"), ()),
        ("", ()),
        ("contact@ai-niort.fr", ("contact@ai-niort.fr",)),
        (" a@x.fr ; b@x.fr,c@x.fr ", ("a@x.fr", "b@x.fr", "c@x.fr")),
    ],
    ids=["none", "nan", "empty", "one", "several"],
)
def test_register_email_cells_give_addresses(cell: Any, expected: tuple[str, ...]) -> None:
    assert addresses(cell) == expected


# --- the French messages (clauses/mail/messages.py) ---------------------------------------------

STRUCTURE = {"code_structure": "AI-NIORT", "nom": "AI du Niortais", "email": "contact@ai-niort.fr"}


def _record(**changes: Any) -> FileRecord:
    record = FileRecord(
        sha256="ab12cd", code_structure="AI-NIORT", nom_fichier="releve-octobre.xlsx",
        chemin_archive="archive/ab/ab12cd.xlsx", taille=2048, modifie_le=datetime(2026, 11, 5),
        recu_le=datetime(2026, 11, 5, 9), type=Kind.RELEVE.value, mois="2026-10",
        statut="traité", motif=None, message=None, en_retard=False,
        lignes=162, acceptees=158, alertes=3, rejetees=1,
    )
    return dataclasses.replace(record, **changes)


def test_control_report_message_summarises_the_file(tmp_path: Path, report: Path) -> None:
    message = control_report_message(_config(tmp_path), STRUCTURE, _record(), report)
    assert message.key == "compte-rendu/AI-NIORT/ab12cd"
    assert message.recipients == ("contact@ai-niort.fr",)
    assert message.subject == "Compte rendu de contrôle de votre fichier « releve-octobre.xlsx »"
    assert ("Compte rendu de contrôle de votre fichier « releve-octobre.xlsx » (période : "
            "octobre 2026) : 161 lignes comptées (dont 3 avec alerte), 1 rejetée.") in message.body
    assert message.body.startswith("Bonjour,")
    assert message.body.endswith("Bien cordialement,\n\nGuichet du Niortais\n"
                                 "Territoire de démonstration\n")
    assert message.attachments == (report,)
    assert "hors délai" not in message.body


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"acceptees": 1, "alertes": 0, "rejetees": 0},
         ": 1 ligne comptée (dont 0 avec alerte), 0 rejetée."),
        ({"acceptees": 0, "alertes": 2, "rejetees": 5},
         ": 2 lignes comptées (dont 2 avec alerte), 5 rejetées."),
        ({"type": Kind.SUIVI.value, "mois": None, "lignes": 12},
         "« releve-octobre.xlsx » (tableau de suivi) : 12 lignes enregistrées."),
        ({"en_retard": True}, "arrivé après le 10 du mois suivant la période"),
    ],
    ids=["singular", "plural", "tracking-table", "late"],
)
def test_control_report_message_wording(tmp_path: Path, report: Path, changes: dict[str, Any],
                                        expected: str) -> None:
    message = control_report_message(_config(tmp_path), STRUCTURE, _record(**changes), report)
    assert expected in message.body


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"motif": "COLONNES_MANQUANTES", "message": "Colonnes manquantes : « Heures »."},
         "Motif : Colonnes manquantes : « Heures »."),
        ({"motif": "FICHIER_ILLISIBLE", "message": None},
         f"Motif : {FILE_REASONS['FICHIER_ILLISIBLE']}"),
    ],
    ids=["own-sentence", "default-sentence"],
)
def test_quarantine_message_gives_the_reason(tmp_path: Path, changes: dict[str, Any],
                                             reason: str) -> None:
    record = _record(statut="quarantaine", type=None, **changes)
    message = quarantine_message(_config(tmp_path), STRUCTURE, record)
    assert message.key == "quarantaine/AI-NIORT/ab12cd"
    assert message.subject == "Fichier non pris en compte : « releve-octobre.xlsx »"
    assert reason in message.body
    assert "aucune de ses lignes n'a été comptée" in message.body
    assert message.attachments == ()


def test_monthly_buyer_message(tmp_path: Path, report: Path) -> None:
    buyer = {"code_mo": "MO-CAN", "nom": "CA du Niortais", "email": "marches@agglo.example.fr"}
    message = monthly_buyer_message(_config(tmp_path), buyer, "2026-10", report)
    assert message.key == "rapport-mensuel-mo/2026-10/MO-CAN"
    assert message.subject == "Clauses sociales : rapport d'exécution d'octobre 2026"
    assert "aucune donnée nominative" in message.body
    assert message.recipients == ("marches@agglo.example.fr",)


def test_monthly_company_message(tmp_path: Path, report: Path) -> None:
    company = {"siret": "73282932000074", "nom": "BTP Sèvre", "email": "rh@btp.example.fr"}
    message = monthly_company_message(_config(tmp_path), company, "2026-08", report)
    assert message.key == "rapport-mensuel-entreprise/2026-08/73282932000074"
    assert message.subject == "Clauses sociales : heures d'insertion réalisées en août 2026"
    assert "pour le mois d'août 2026" in message.body
    assert "données personnelles" in message.body


def test_semester_message(tmp_path: Path, report: Path) -> None:
    message = semester_message(_config(tmp_path), STRUCTURE, "2026-S1", report)
    assert message.key == "tableau-semestriel/2026-S1/AI-NIORT"
    assert message.subject == "Tableau des salariés en parcours clauses : 1er semestre 2026"


def test_annual_messages_go_to_the_ddets_and_each_structure(tmp_path: Path,
                                                            report: Path) -> None:
    config = _config(tmp_path, ddets=["ddets-pp@deux-sevres.gouv.fr"])
    structures = pd.DataFrame([STRUCTURE, {"code_structure": "ETTI-SUD", "nom": "ETTI Sud",
                                           "email": None}])
    messages = annual_messages(config, structures, "2026", report)
    assert [(m.key, m.recipients) for m in messages] == [
        ("bilan-annuel/2026/ddets", ("ddets-pp@deux-sevres.gouv.fr",)),
        ("bilan-annuel/2026/AI-NIORT", ("contact@ai-niort.fr",)),
        ("bilan-annuel/2026/ETTI-SUD", ()),
    ]
    assert messages[0].subject == ("Bilan annuel 2026 des clauses sociales d'insertion — "
                                   "Territoire de démonstration")
