"""SIRET and SIREN validation (clauses/siret.py, python-stdnum), one implementation for the
product and the demo."""

from __future__ import annotations

import pytest

from clauses.siret import complete_siret, is_valid_siren, is_valid_siret, normalise_siret


@pytest.mark.parametrize(
    ("written", "valid"),
    [
        pytest.param("73282932000074", True, id="valid"),
        pytest.param("732 829 320 00074", True, id="spaces"),
        pytest.param("732.829.320.00074", True, id="dots"),
        pytest.param("732\u00a0829\u00a0320\u00a000074", True, id="non-breaking-spaces"),
        pytest.param("73282932000074.0", True, id="number-cell-dot-zero"),
        pytest.param(73282932000074, True, id="integer-cell"),
        # Luhn-valid over 14 digits, but its SIREN 455408478 fails its own key (issue 12.4).
        pytest.param("45540847898097", False, id="siren-key-wrong"),
        pytest.param("73282932000075", False, id="siret-key-wrong"),
        pytest.param("7328293200007", False, id="13-digits"),
        # La Poste: SIREN 356 000 000, digits summing to a multiple of 5 instead of Luhn.
        pytest.param("35600000049837", True, id="la-poste-establishment"),
        pytest.param("35600000049838", False, id="la-poste-sum-not-multiple-of-5"),
        pytest.param(None, False, id="empty"),
    ],
)
def test_siret_validity(written: object, valid: bool) -> None:
    assert is_valid_siret(written) is valid


def test_normalised_siret_keeps_only_the_digits() -> None:
    assert normalise_siret(" 732 829.320-00074 ") == "73282932000074"


@pytest.mark.parametrize(("written", "valid"), [("732829320", True), ("455408478", False)],
                         ids=["valid", "key-wrong"])
def test_siren_validity(written: str, valid: bool) -> None:
    assert is_valid_siren(written) is valid


def test_completed_siret_is_valid_and_keeps_the_other_digits() -> None:
    assert complete_siret("1234567890001") == "12345678200010"
