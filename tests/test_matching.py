"""Participant matching (SPEC §5.3: names match whatever their accents, hyphens, spaces or case,
see `fold_text` in tests/test_notations.py; SPEC §6: an identity shared by several participants is
never guessed)."""

from __future__ import annotations

import pandas as pd
import pytest

from clauses.checking.matching import ParticipantIndex, match_participants
from tests.rules_fixtures import lines, participants


def _match(*rows: dict, register: pd.DataFrame | None = None) -> pd.DataFrame:
    return match_participants(lines(*rows), participants() if register is None else register)


def _by_name(**identity: object) -> dict:
    return {"id_participant": None, "nom": "Lefèvre", "prenom": "Éloïse",
            "date_naissance": "1990-04-03", **identity}  # fmt: skip


@pytest.mark.parametrize(
    "written", [pytest.param("P001", id="exact"), pytest.param("  p001 ", id="case-and-spaces")]
)
def test_identifier_matches_after_trim_and_case(written: str) -> None:
    matched = _match({"id_participant": written})
    assert matched.loc[0, "id_participant"] == "P001"
    assert matched.loc[0, "correspondance"] == "identifiant"
    assert matched.loc[0, "id_declare"] == written.strip()


@pytest.mark.parametrize(
    ("nom", "prenom"),
    [
        pytest.param("Lefèvre", "Éloïse", id="as-registered"),
        pytest.param("LEFEVRE", "ELOISE", id="capitals-without-accents"),
        pytest.param("lefèvre ", "  éloïse", id="lower-case-spaces"),
    ],
)
def test_identity_matches_whatever_the_spelling(nom: str, prenom: str) -> None:
    matched = _match(_by_name(nom=nom, prenom=prenom))
    assert matched.loc[0, "id_participant"] == "P001"
    assert matched.loc[0, "correspondance"] == "identité"


def test_compound_names_match_with_hyphens_or_double_spaces() -> None:
    register = participants({"nom": "Martin-Dupont", "prenom": "Anne Sophie"})
    matched = _match(_by_name(nom="MARTIN  DUPONT", prenom="anne-sophie"), register=register)
    assert matched.loc[0, "correspondance"] == "identité"


def test_same_identity_twice_in_the_register_is_ambiguous() -> None:
    register = participants({}, {"id_participant": "P002", "nom": "LEFEVRE"})
    matched = _match(_by_name(), register=register)
    assert matched.loc[0, "correspondance"] == "ambigu"
    assert pd.isna(matched.loc[0, "id_participant"])  # never guessed


def test_unknown_identifier_is_not_rerouted_by_name() -> None:
    # The identifier is what the structure asserted: a typo must be corrected at the source.
    matched = _match(_by_name(id_participant="P999"))
    assert matched.loc[0, "correspondance"] == "inconnu"
    assert pd.isna(matched.loc[0, "id_participant"])
    assert matched.loc[0, "id_declare"] == "P999"


@pytest.mark.parametrize(
    "identity",
    [
        pytest.param({"date_naissance": "1990-04-04"}, id="other-birth-date"),
        pytest.param({"prenom": "Eloïsa"}, id="other-first-name"),
        pytest.param({"date_naissance": None}, id="no-birth-date"),
        pytest.param({"nom": None}, id="no-name"),
    ],
)
def test_identity_that_differs_or_is_incomplete_is_unknown(identity: dict) -> None:
    matched = _match(_by_name(**identity))
    assert matched.loc[0, "correspondance"] == "inconnu"
    assert pd.isna(matched.loc[0, "id_participant"])


def test_matching_twice_gives_the_same_result() -> None:
    # The ingest matches before check_lines, which matches again.
    once = _match({}, {"id_participant": "P999"}, _by_name())
    twice = match_participants(once, participants())
    pd.testing.assert_frame_equal(once, twice)


def test_lines_keep_their_index_and_order() -> None:
    frame = lines({"id_participant": "P999"}, {}, _by_name())
    frame.index = [10, 11, 12]
    matched = match_participants(frame, participants())
    assert list(matched.index) == [10, 11, 12]
    assert list(matched["correspondance"]) == ["inconnu", "identifiant", "identité"]


def test_index_built_once_matches_like_the_register_frame() -> None:
    # An ingest run keys the register once and passes the index to every file's matching.
    register = participants({}, {"id_participant": "P002", "nom": "Martin", "prenom": "Anne"})
    frame = lines({"id_participant": "p002"}, {"id_participant": "P999"}, _by_name(),
                  _by_name(nom="MARTIN", prenom="anne"))
    pd.testing.assert_frame_equal(
        match_participants(frame, ParticipantIndex.of(register)),
        match_participants(frame, register),
    )
