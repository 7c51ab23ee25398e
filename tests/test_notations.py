"""French notations (clauses/reading/notations.py): the table of examples is the specification."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from clauses.reading import notations as formats
from clauses.reading.notations import (
    BARRIER_VARIANTS,
    CONTRACT_TYPE_VARIANTS,
    EXIT_VARIANTS,
    NOTATIONS,
    find_month,
    fold_text,
    french_number,
    parse_dates,
    parse_hours,
    parse_months,
)
from clauses.vocabulary import BARRIERS, CONTRACT_TYPES, EXIT_SITUATIONS

ACCEPTED = [
    pytest.param(parse, value, expected, id=f"{kind}|{notation.name}|{value!r}")
    for kind, (notations, parse) in NOTATIONS.items()
    for notation in notations
    for value, expected in notation.accepts.items()
]
REFUSED = [
    pytest.param(parse, value, id=f"{kind}|{notation.name}|{value!r}")
    for kind, (notations, parse) in NOTATIONS.items()
    for notation in notations
    for value in notation.refuses
]
PARSERS = [pytest.param(parse, id=kind) for kind, (_, parse) in NOTATIONS.items()]


def _one(parse, value):
    return parse(pd.Series([value], dtype=object))


@pytest.mark.parametrize(("parse", "value", "expected"), ACCEPTED)
def test_notation_reads_its_example(parse, value, expected) -> None:
    parsed = _one(parse, value)
    if isinstance(expected, dt.date):
        expected = pd.Timestamp(expected)
    if isinstance(expected, float):
        assert parsed.values.iloc[0] == pytest.approx(expected)
    else:
        assert parsed.values.iloc[0] == expected
    assert not parsed.unreadable.iloc[0]


@pytest.mark.parametrize(("parse", "value"), REFUSED)
def test_notation_flags_its_counter_example_as_unreadable(parse, value) -> None:
    parsed = _one(parse, value)
    assert parsed.unreadable.iloc[0]
    assert pd.isna(parsed.values.iloc[0])


@pytest.mark.parametrize(
    ("variants", "vocabulary"),
    [
        pytest.param(CONTRACT_TYPE_VARIANTS, CONTRACT_TYPES, id="types de contrat"),
        pytest.param(EXIT_VARIANTS, EXIT_SITUATIONS, id="situations de sortie"),
        pytest.param(BARRIER_VARIANTS, BARRIERS, id="freins"),
    ],
)
def test_variant_table_covers_the_whole_vocabulary(variants, vocabulary) -> None:
    assert sorted(n.name for n in variants) == sorted(vocabulary)


@pytest.mark.parametrize("blank", [None, float("nan"), "", "   ", "\u00a0"])
@pytest.mark.parametrize("parse", PARSERS)
def test_empty_cell_is_missing_not_unreadable(parse, blank) -> None:
    parsed = _one(parse, blank)
    assert pd.isna(parsed.values.iloc[0])
    assert not parsed.unreadable.iloc[0]


@pytest.mark.parametrize("parse", PARSERS)
def test_parser_keeps_the_index_of_the_column(parse) -> None:
    values = pd.Series(["x", None], index=[7, 3], dtype=object)
    parsed = parse(values)
    assert list(parsed.values.index) == [7, 3]
    assert list(parsed.unreadable.index) == [7, 3]


@pytest.mark.parametrize(
    ("parse", "dtype"),
    [
        pytest.param(parse_dates, "datetime64[us]", id="dates"),
        pytest.param(parse_months, "str", id="mois"),
        pytest.param(parse_hours, "float64", id="heures"),
        pytest.param(formats.parse_contract_types, "str", id="types de contrat"),
    ],
)
def test_parsed_column_has_its_canonical_dtype(parse, dtype) -> None:
    parsed = parse(pd.Series(["03/10/2026", 7.5, None], dtype=object))
    assert parsed.values.dtype == dtype
    assert parsed.unreadable.dtype == bool


def test_mixed_column_is_read_cell_by_kind() -> None:
    column = pd.Series([dt.datetime(2026, 10, 1), 46299, "3/10/26", "bientôt"], dtype=object)
    parsed = parse_dates(column)
    assert parsed.values.tolist()[:3] == [pd.Timestamp(2026, 10, d) for d in (1, 4, 3)]
    assert parsed.unreadable.tolist() == [False, False, False, True]


# The reader calls each parser's array form (`read_*`), cheaper on a 160-line relevé.
ARRAY_FORMS = [
    pytest.param(formats.read_dates, parse_dates, id="dates"),
    pytest.param(formats.read_months, parse_months, id="mois"),
    pytest.param(formats.read_hours, parse_hours, id="heures"),
    pytest.param(formats.read_contract_types, formats.parse_contract_types, id="contrats"),
    pytest.param(formats.read_exit_situations, formats.parse_exit_situations, id="sorties"),
    pytest.param(formats.read_barriers, formats.parse_barriers, id="freins"),
]


@pytest.mark.parametrize(("read", "parse"), ARRAY_FORMS)
def test_array_form_reads_a_column_like_the_parser(read, parse) -> None:
    examples = [value for notations, _ in NOTATIONS.values() for notation in notations
                for value in (*notation.accepts, *notation.refuses)]
    moments = [dt.datetime(1969, 12, 31, 23, 59, 59, 999999), dt.datetime(2026, 10, 3),
               pd.Timestamp("2026-10-03 08:30"), dt.date(2026, 10, 3)]
    cells = pd.Series(examples + moments + [None, "", "  "] + examples, dtype=object)
    parsed = parse(cells)
    values, unreadable = read(cells.to_numpy(dtype=object))
    pd.testing.assert_series_equal(pd.Series(values, dtype=parsed.values.dtype), parsed.values)
    assert unreadable.tolist() == parsed.unreadable.tolist()


def test_excel_date_cells_are_read_to_the_microsecond() -> None:
    # Calamine gives datetime objects; they are converted once per distinct value.
    cells = [dt.datetime(1969, 12, 31, 23, 59, 59, 999999), dt.datetime(2026, 10, 3, 8, 30),
             dt.datetime(1, 1, 1), dt.datetime(1969, 12, 31, 23, 59, 59, 999999)]
    stamps, _ = formats.read_dates(pd.Series(cells, dtype=object).to_numpy())
    expected = pd.to_datetime(pd.Series(cells)).dt.normalize().to_numpy()
    assert stamps.tolist() == expected.astype("datetime64[us]").tolist()


@pytest.mark.parametrize(
    ("written", "year"), [("1/1/29", 2029), ("1/1/30", 1930), ("1/1/00", 2000)]
)
def test_two_digit_years_follow_excels_pivot(written, year) -> None:
    assert _one(parse_dates, written).values.iloc[0].year == year


@pytest.mark.parametrize(
    "spelling", ["Marie-Hélène D'Arc", "  MARIE HELENE  D ARC ", "marie-hélène d’arc"]
)
def test_fold_text_gives_one_key_for_every_spelling_of_a_name(spelling) -> None:
    assert fold_text(pd.Series([spelling])).iloc[0] == "marie helene d arc"


def test_fold_text_keeps_missing_names_missing() -> None:
    assert fold_text(pd.Series(["Dupont", None])).isna().tolist() == [False, True]


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        pytest.param("Lefèvre", "lefevre", id="accent"),
        pytest.param("LEFÈVRE", "lefevre", id="capital-accent"),
        pytest.param("Jean-Pierre", "jean pierre", id="hyphen"),
        pytest.param("  Jean   Pierre ", "jean pierre", id="spaces"),
        pytest.param("Jean\u00a0Pierre", "jean pierre", id="no-break-space"),
        pytest.param("D'Arc", "d arc", id="apostrophe"),
        pytest.param("D’Arc", "d arc", id="typographic-apostrophe"),
        pytest.param("Cœur", "coeur", id="ligature"),
        pytest.param("Ñúñez-Çelik", "nunez celik", id="other-diacritics"),
        pytest.param("STRAẞE", "strasse", id="capital-sharp-s"),
        pytest.param("   ", None, id="blank"),
        pytest.param(None, None, id="missing"),
    ],
)
def test_fold_text_ignores_what_names_differ_by(written: str | None, folded: str | None) -> None:
    # What participant matching relies on (SPEC §5.3).
    result = fold_text(pd.Series([written], dtype="str")).iloc[0]
    assert (pd.isna(result) and folded is None) or result == folded


@pytest.mark.parametrize(
    ("value", "written"),
    [(7.5, "7,5"), (12.0, "12"), (151.67, "151,67"), (1234.5, "1\u202f234,5"),
     (1234567.891, "1\u202f234\u202f567,89"), (0.0, "0")],
)
def test_french_number_has_a_decimal_comma_and_narrow_spaces(value: float, written: str) -> None:
    assert french_number(value) == written


@pytest.mark.parametrize(
    ("title", "month"),
    [
        ("Période : octobre 2026", "2026-10"),
        ("Relevé d'heures – oct. 2026", "2026-10"),
        ("Période du 01/09/2026 au 30/09/2026", "2026-09"),
        ("Mois: 10/2026", "2026-10"),
        ("FÉVRIER 2027", "2027-02"),
        ("Feuil1", None),
        ("Marché 2026", None),
    ],
)
def test_find_month_reads_the_month_inside_a_title(title, month) -> None:
    assert find_month(title) == month


def test_barriers_are_listed_once_in_vocabulary_order() -> None:
    parsed = formats.parse_barriers(pd.Series(["Logement, mobilité; LOGEMENT"]))
    assert parsed.values.iloc[0] == "mobilité;logement"


def test_no_barrier_is_empty_not_unreadable() -> None:
    parsed = formats.parse_barriers(pd.Series(["Aucun"]))
    assert pd.isna(parsed.values.iloc[0])
    assert not parsed.unreadable.iloc[0]
