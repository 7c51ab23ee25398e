"""E-mail addresses of the registers and of config.yaml (SPEC §9), checked when they load.

An address cell may list several contacts (« a@x.fr ; b@x.fr »): each one is validated with
email-validator (syntax only, no DNS look-up: the guichet may run offline). A cell holding a line
break or any other control character is refused outright: it is how a header is smuggled into a
message (« a@b.fr↵Bcc: x@y »).
"""

from __future__ import annotations

import re
from email.utils import parseaddr

from email_validator import EmailNotValidError, validate_email

_SEPARATORS = re.compile(r"[;,\s]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def shown(text: str) -> str:
    """A value on one line, control characters made visible (↵ for a line break)."""
    return _CONTROL.sub(lambda m: "↵" if m.group() in "\r\n" else "�", text)


def address_problem(address: str) -> str | None:
    """Why `address` (one address) cannot be used, in French; None when it is valid."""
    if _CONTROL.search(address):
        return (f"« {shown(address)} » contient un retour à la ligne ou un caractère de "
                "contrôle : une adresse par contact, séparées par « ; »")
    try:
        validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return f"« {address} » n'est pas une adresse électronique valide (ex. nom@domaine.fr)"
    return None


def split_addresses(cell: object) -> tuple[str, ...]:
    """The addresses of a register's `email` cell: empty, one, or several separated by « ; »,
    « , » or spaces (facilitators often list a second contact in the same cell)."""
    if not isinstance(cell, str):
        return ()
    return tuple(part for part in _SEPARATORS.split(cell.strip()) if part)


def cell_problems(cell: object) -> list[str]:
    """What is wrong with an `email` cell, one French phrase per bad address."""
    if not isinstance(cell, str):
        return []
    if _CONTROL.search(cell):
        return [f"« {shown(cell)} » contient un retour à la ligne ou un caractère de contrôle : "
                "écrivez les adresses sur une seule ligne, séparées par « ; »"]
    return [problem for part in split_addresses(cell) if (problem := address_problem(part))]


def sender_problem(sender: str) -> str | None:
    """Why the `From` of config.yaml (« Nom <adresse> » or an address) is unusable, or None."""
    if _CONTROL.search(sender):
        return f"« {shown(sender)} » contient un retour à la ligne ou un caractère de contrôle"
    return address_problem(parseaddr(sender)[1] or sender)
