"""E-mail (SPEC §9): every report and control report leaves by e-mail, never twice.

Each (message, recipient role) is one delivery: the message's own recipients (« destinataire »,
all the addresses of its register cell in one transaction) or the guichet's copy
(« copie-guichet »). The send log is keyed by message and role, not by address, so an address
changed in the register receives what comes next, not the history again. A delivery is claimed in
the ledger before it leaves (clauses/ledger/sendlog.py): two runs at once never both send it.
One bad message (a refused address, an accent the server cannot carry) fails alone, with a French
reason, and the batch goes on. With no SMTP host configured (the embedded default) a delivery is
an RFC 5322 `.eml` file under `outbox/courriels/<date>/`. The SMTP password is read from the
environment here, at the edge, and nowhere else (STYLE §5).
"""

from __future__ import annotations

import base64
import mimetypes
import os
import re
import smtplib
import socket
import ssl
import time
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Protocol

from clauses.atomic import write_atomically
from clauses.config import Config, Smtp
from clauses.errors import ConfigError, WorkspaceError

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Statuses of the send log (`courriels`) and of the results shown in the flow runs.
SENT = "envoyé"
FAILED = "échec"
SENDING = "en cours"
ALREADY_SENT = "déjà envoyé"
# Recipient roles of the send log.
RECIPIENTS = "destinataire"
GUICHET_COPY = "copie-guichet"


@dataclass(frozen=True)
class Message:
    """One e-mail to one or several recipients; `key` names it for the send log
    (e.g. "rapport-mensuel-mo/2026-10/MO-CAN") so the same message never goes twice."""

    key: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    attachments: tuple[Path, ...] = ()


@dataclass(frozen=True)
class SendResult:
    """The outcome of one delivery (message × recipient), for the flow's run artifacts."""

    key: str
    recipient: str
    subject: str
    status: str  # SENT, FAILED or ALREADY_SENT
    attempts: int = 0
    error: str | None = None
    eml: Path | None = None  # the file written when no SMTP server is configured

    @property
    def failed(self) -> bool:
        return self.status == FAILED


class SendLog(Protocol):
    """The part of `clauses.ledger.Ledger` this module needs (the `courriels` table)."""

    def send_states(self, keys: Collection[str]) -> dict[tuple[str, str], tuple[int, str]]: ...

    def claim_send(self, *, key: str, role: str, round_: int, recipients: str, subject: str,
                   attachment: str | None, at: datetime, claimed_by: str,
                   finishing: dict[str, Any] | None = None) -> bool: ...

    def finish_send(self, *, key: str, role: str, round_: int, status: str, attempts: int,
                    error: str | None, at: datetime) -> None: ...


class _Transport(Protocol):
    down: str | None  # why the server cannot be reached, once retries gave up

    def send(self, email: EmailMessage, sender: str, recipients: list[str],
             name: str) -> Path | None: ...

    def close(self) -> None: ...


def smtp_password(config: Config, environ: Mapping[str, str] | None = None) -> str | None:
    """The SMTP password, from the environment variable named in `courriel.smtp`."""
    environ = os.environ if environ is None else environ
    return environ.get(config.courriel.smtp.mot_de_passe_env) or None


def slug(text: str) -> str:
    """A file-name-safe, accent-free form of a key or an address."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:120] or "courriel"


def build_email(message: Message, recipient: str, *, sender: str, now: datetime) -> EmailMessage:
    # `recipient`: one address, or several joined by ", " (one role's addresses, validated when
    # the registers and config.yaml loaded; the email library refuses any line break anyway).
    """The MIME message of one delivery; quoted-printable keeps the French text readable in a
    `.eml` and safe through servers without 8BITMIME; attachment names use RFC 2231."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now if now.tzinfo else now.astimezone())
    email["Message-ID"] = make_msgid(domain=_domain(sender))
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies loops
    email["X-Clauses-Cle"] = message.key
    email.set_content(message.body, cte="quoted-printable")
    for path in message.attachments:
        maintype, subtype = _mime_type(path).split("/", 1)
        email.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype,
                             filename=path.name)
    return email


def send_messages(messages: Iterable[Message], *, config: Config, ledger: SendLog,
                  now: datetime, password: str | None = None,
                  sleep: Callable[[float], None] = time.sleep,
                  resend: Callable[[str], bool] | None = None) -> list[SendResult]:
    """Deliver each message to each recipient role not yet served, over one SMTP connection (or
    as `.eml` files); returns one result per delivery, failures included, for the flow to show.
    `resend(key)`: the facilitator asks for these messages again (a new round in the log)."""
    mail = config.courriel
    if mail.smtp.hote:
        password = password if password is not None else smtp_password(config)
        if mail.smtp.utilisateur and not password:
            raise ConfigError(
                f"Le mot de passe SMTP est attendu dans la variable d'environnement "
                f"« {mail.smtp.mot_de_passe_env} », qui n'est pas définie."
            )
        transport: _Transport = _SmtpTransport(mail.smtp, password)
    else:
        transport = _EmlTransport(config.outbox / "courriels" / now.date().isoformat())
    messages = list(messages)
    states = ledger.send_states([message.key for message in messages])  # one query per batch
    claimed_by = f"{socket.gethostname()}:{os.getpid()}"
    results: list[SendResult] = []
    unrecorded = _Unrecorded()
    try:
        for message in messages:
            for role, addresses in _roles(message, mail.copie_guichet):
                round_, status = states.get((message.key, role), (0, None))
                if status is not None and resend is not None and resend(message.key):
                    round_, status = round_ + 1, None
                    states[message.key, role] = (round_, "demandé")  # once per run
                results.append(_deliver(message, role, addresses, round_, status, transport,
                                        config=config, ledger=ledger, now=now, sleep=sleep,
                                        claimed_by=claimed_by, unrecorded=unrecorded))
    finally:
        try:
            if (last := unrecorded.take()) is not None:
                ledger.finish_send(**last)
        finally:
            transport.close()
    return results


@dataclass
class _Unrecorded:
    """How this run's last delivery ended, not yet in the send log: recorded in the same
    transaction as the next claim (one commit, one fsync, per message), or when the run ends.
    A crash in between leaves it « en cours », as a crash between sending and recording did."""

    finish: dict[str, Any] | None = None

    def take(self) -> dict[str, Any] | None:
        finish, self.finish = self.finish, None
        return finish


def _roles(message: Message, copies: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    # The guichet's own copy is one more delivery, logged like the others: one copy per message.
    roles = [(RECIPIENTS, tuple(dict.fromkeys(message.recipients)))]
    if copies:
        roles.append((GUICHET_COPY, tuple(dict.fromkeys(copies))))
    return roles


def _deliver(message: Message, role: str, addresses: tuple[str, ...], round_: int,
             status: str | None, transport: _Transport, *, config: Config, ledger: SendLog,
             now: datetime, sleep: Callable[[float], None], claimed_by: str,
             unrecorded: _Unrecorded) -> SendResult:
    shown = ", ".join(addresses)

    def result(status: str, attempts: int = 0, error: str | None = None,
               eml: Path | None = None) -> SendResult:
        return SendResult(message.key, shown, message.subject, status, attempts, error, eml)

    if not addresses:
        # Not logged: once the register holds an address, the next run sends it.
        return result(FAILED, error="Aucune adresse électronique dans le registre.")
    if status in (SENT, SENDING):
        # Sent, or being sent by another run (or by one that died mid-send: it may have left).
        return result(ALREADY_SENT)
    if transport.down:
        # The server could not be reached even after retries: fail the rest of the batch at
        # once (not logged) rather than wait through every retry again; the next run resends.
        return result(FAILED, error=f"Non tenté : {transport.down}")
    attachment = ", ".join(path.name for path in message.attachments) or None
    finishing = unrecorded.take()
    try:
        claimed = ledger.claim_send(key=message.key, role=role, round_=round_, recipients=shown,
                                    subject=message.subject, attachment=attachment, at=now,
                                    claimed_by=claimed_by, finishing=finishing)
    except BaseException:
        unrecorded.finish = finishing  # rolled back with the claim: still to record
        raise
    if not claimed:
        return result(ALREADY_SENT)  # another run took it a moment ago
    attempts, error, eml = 0, None, None
    try:
        missing = [str(path) for path in message.attachments if not path.is_file()]
        if missing:
            raise _Refused(f"Pièce jointe introuvable : {', '.join(missing)}.")
        sender = config.courriel.expediteur
        email = build_email(message, shown, sender=sender, now=now)
        name = f"{slug(message.key)}--{slug(addresses[0])}" + (f"-{round_}" if round_ else "")
        attempts, failure, eml = _with_retries(
            lambda: transport.send(email, parseaddr(sender)[1], list(addresses), name),
            tries=config.courriel.tentatives,
            first_wait=config.courriel.attente_initiale_secondes,
            sleep=sleep,
        )
        error = _describe(failure) if failure else None
        if failure and not isinstance(failure, _REPLIES):
            transport.down = error
    except WorkspaceError:
        ledger.finish_send(key=message.key, role=role, round_=round_, status=FAILED,
                           attempts=attempts, error="Dossier des courriels inaccessible.", at=now)
        raise
    except Exception as exc:  # noqa: BLE001 — one bad message never stops the others
        attempts, error = max(attempts, 1), _describe(exc)
    status = FAILED if error else SENT
    unrecorded.finish = {"key": message.key, "role": role, "round_": round_, "status": status,
                         "attempts": attempts, "error": error, "at": now}
    return result(status, attempts, error, eml)


def _with_retries(send: Callable[[], Path | None], *, tries: int, first_wait: float,
                  sleep: Callable[[float], None]) -> tuple[int, OSError | None, Path | None]:
    """Try up to `tries` times; wait `first_wait`, then twice as long after each transient
    failure (4xx, lost connection, timeout). A permanent refusal (5xx) is not retried."""
    for attempt in range(1, tries + 1):
        try:
            return attempt, None, send()
        except OSError as exc:  # smtplib.SMTPException is an OSError too
            if attempt == tries or not _is_transient(exc):
                return attempt, exc, None
            sleep(first_wait * 2 ** (attempt - 1))
    raise AssertionError("unreachable: tries >= 1")  # pragma: no cover


class _Refused(smtplib.SMTPException):
    """This message cannot go (its French reason); the next one may well."""


# The server's answer to this very message: the next message may well go through.
_REPLIES = (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused, _Refused)


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPException):  # a subclass of OSError: decide first
        return isinstance(exc, smtplib.SMTPServerDisconnected)
    return True  # connection refused or reset, time-out, name resolution


def _describe(exc: BaseException) -> str:
    if isinstance(exc, _Refused):
        return str(exc)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refusals = "; ".join(
            f"{code} {_text(reply)}" for code, reply in exc.recipients.values()
        )
        return f"Destinataire refusé par le serveur SMTP : {refusals}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"Refus du serveur SMTP : {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"Connexion au serveur SMTP perdue : {exc}"
    if isinstance(exc, smtplib.SMTPException):
        return f"Erreur SMTP : {exc}"
    if not isinstance(exc, OSError):
        return (f"Message impossible à construire ou à envoyer ({type(exc).__name__} : {exc}) : "
                "vérifiez l'adresse du registre et le nom du fichier joint.")
    return f"Connexion au serveur SMTP impossible : {exc or type(exc).__name__}"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "clauses.invalid"


def _mime_type(path: Path) -> str:
    # mimetypes does not know .xlsx on every platform; the reports are all .xlsx.
    if path.suffix.lower() == ".xlsx":
        return XLSX_TYPE
    guessed, encoding = mimetypes.guess_type(path.name)
    return guessed if guessed and not encoding else "application/octet-stream"


class _SmtpTransport:
    """One connection for the whole batch, opened on first use and reopened after a failure
    (the server may have dropped it, and a fresh session is the safe state to retry from)."""

    def __init__(self, settings: Smtp, password: str | None) -> None:
        self._settings = settings
        self._password = password
        self._connection: smtplib.SMTP | None = None
        self.down: str | None = None

    def send(self, email: EmailMessage, sender: str, recipients: list[str],
             name: str) -> Path | None:
        try:
            if self._connection is None:
                self._connection = _connect(self._settings, self._password)
            connection = self._connection
            utf8 = not all(address.isascii() for address in [sender, *recipients])
            if utf8:
                connection.ehlo_or_helo_if_needed()
                if not connection.has_extn("smtputf8"):
                    raise _Refused(
                        "Le serveur SMTP n'accepte pas les adresses accentuées (extension "
                        f"SMTPUTF8 absente) : « {', '.join(recipients)} » ne peut pas lui être "
                        "confiée. Écrivez une adresse sans accent dans le registre, ou faites "
                        "activer SMTPUTF8 sur le serveur.")
            # When only some of the role's addresses are refused, the others were served: the
            # message has left and must not be sent again (sendmail raises when all are refused).
            connection.sendmail(
                sender, recipients, email.as_bytes(policy=policy.SMTPUTF8 if utf8 else policy.SMTP),
                mail_options=["SMTPUTF8"] if utf8 else [])
        except _Refused:
            raise
        except Exception:
            self.close()  # a fresh session is the safe state for the next message
            raise
        return None

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.quit()
            except OSError:
                connection.close()


def _connect(settings: Smtp, password: str | None) -> smtplib.SMTP:
    timeout = settings.delai_secondes
    if settings.securite == "ssl":
        connection: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.hote, settings.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = smtplib.SMTP(settings.hote, settings.port, timeout=timeout)
    try:
        if settings.securite == "starttls":
            connection.starttls(context=ssl.create_default_context())
        if settings.utilisateur:
            _login(connection, settings.utilisateur, password or "")
    except BaseException:
        connection.close()
        raise
    return connection


def _login(connection: smtplib.SMTP, user: str, password: str) -> None:
    try:
        connection.login(user, password)
    except UnicodeEncodeError:
        # smtplib only sends ASCII credentials; AUTH PLAIN (RFC 4616) carries UTF-8, and a
        # French password may well hold an accent.
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
        code, reply = connection.docmd("AUTH", f"PLAIN {token}")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, reply) from None


class _EmlTransport:
    """No SMTP server: each delivery becomes `<folder>/<name>.eml`, written atomically."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self.down: str | None = None

    def send(self, email: EmailMessage, sender: str, recipients: list[str],
             name: str) -> Path | None:
        target = self._folder / f"{name}.eml"
        utf8 = not all(address.isascii() for address in recipients)
        try:
            write_atomically(target, email.as_bytes(policy=policy.SMTPUTF8 if utf8 else policy.SMTP))
        except OSError as exc:
            # An unwritable outbox stops the run (SPEC §11), it is not a failed delivery.
            raise WorkspaceError(f"Impossible d'écrire le courriel {target} : {exc}.") from exc
        return target

    def close(self) -> None:
        return None
