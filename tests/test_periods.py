from datetime import date

import pytest

from clauses.errors import ClausesError
from clauses.periods import (
    PeriodError,
    PeriodNotOver,
    add_months,
    deadline_of,
    is_period_over,
    month_end,
    month_label,
    months_between,
    of_month,
    parse_semester,
    parse_year,
    period_bounds,
    period_end,
    period_label,
    period_months,
    previous_month,
    previous_semester,
    previous_year,
    provisional_marks,
    require_period_over,
    semester_code,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-S1", ("2026-01", "2026-06")), ("2026-S2", ("2026-07", "2026-12")),
     ("2026-s2", ("2026-07", "2026-12")), (" 2025-S1 ", ("2025-01", "2025-06"))],
    ids=["first-half", "second-half", "lower-case", "spaces"],
)
def test_semester_is_parsed_to_its_first_and_last_month(text, expected):
    assert parse_semester(text) == expected


@pytest.mark.parametrize("text", ["2026-S3", "2026S1", "2026-1", "S1-2026", ""])
def test_unknown_semester_notation_is_refused_in_french(text):
    with pytest.raises(PeriodError, match="Semestre invalide"):
        parse_semester(text)


def test_year_is_parsed_from_text_or_number():
    assert parse_year(2026) == parse_year("2026") == ("2026-01", "2026-12")
    with pytest.raises(PeriodError, match="Année invalide"):
        parse_year("26")


@pytest.mark.parametrize(
    ("period", "bounds"),
    [("2026-10", ("2026-10", "2026-10")), ("2026-S2", ("2026-07", "2026-12")),
     (2026, ("2026-01", "2026-12"))],
    ids=["month", "semester", "year"],
)
def test_period_bounds_accept_month_semester_and_year(period, bounds):
    assert period_bounds(period) == bounds


def test_period_bounds_refuse_anything_else():
    with pytest.raises(PeriodError, match="Période invalide"):
        period_bounds("octobre")


def test_months_between_includes_both_ends_and_crosses_years():
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert months_between("2026-03", "2026-02") == []
    assert len(period_months("2026-S1")) == 6


@pytest.mark.parametrize(
    ("month", "count", "expected"),
    [("2026-12", 1, "2027-01"), ("2026-01", -1, "2025-12"), ("2026-05", 0, "2026-05")],
)
def test_add_months(month, count, expected):
    assert add_months(month, count) == expected


@pytest.mark.parametrize(
    ("month", "last_day"),
    [("2026-02", date(2026, 2, 28)), ("2028-02", date(2028, 2, 29)),
     ("2026-12", date(2026, 12, 31))],
    ids=["february", "leap-february", "december"],
)
def test_month_end(month, last_day):
    assert month_end(month) == last_day


def test_deadline_is_the_limit_day_of_the_following_month():
    assert deadline_of("2026-12", 10) == date(2027, 1, 10)


@pytest.mark.parametrize(
    ("period", "today", "over"),
    [("2026-S1", date(2026, 6, 30), False), ("2026-S1", date(2026, 7, 1), True),
     (2026, date(2026, 12, 31), False), (2026, date(2027, 1, 1), True),
     ("2026-10", date(2026, 11, 1), True)],
    ids=["last-day-of-half", "day-after-half", "last-day-of-year", "new-year", "month"],
)
def test_a_period_is_over_from_the_day_after_its_last_day(period, today, over):
    assert is_period_over(period, today) is over


def test_unfinished_period_is_refused_with_a_french_sentence():
    with pytest.raises(PeriodNotOver) as refused:
        require_period_over("2026-S2", date(2026, 12, 15))
    message = str(refused.value)
    assert "2e semestre 2026" in message and "31 décembre 2026" in message
    assert "--provisoire" in message
    assert isinstance(refused.value, ClausesError)


def test_unfinished_period_is_accepted_as_provisional():
    require_period_over("2026-S2", date(2026, 12, 15), provisoire=True)


@pytest.mark.parametrize(
    ("period", "label"),
    [("2026-S1", "1er semestre 2026"), ("2026-S2", "2e semestre 2026"), (2026, "année 2026"),
     ("2026-08", "août 2026")],
)
def test_period_labels_are_french(period, label):
    assert period_label(period) == label


def test_month_label_and_period_end():
    assert month_label("2026-02") == "février 2026"
    assert period_end("2026-S1") == date(2026, 6, 30)


@pytest.mark.parametrize(
    ("month", "expected"),
    [("2026-10", "d'octobre 2026"), ("2026-11", "de novembre 2026"),
     ("2026-04", "d'avril 2026"), ("2026-08", "d'août 2026"), ("2027-01", "de janvier 2027")],
)
def test_month_names_take_french_elision(month: str, expected: str) -> None:
    assert of_month(month) == expected


def test_semester_code_is_canonical():
    assert semester_code("2026-s2") == "2026-S2"


@pytest.mark.parametrize(
    ("today", "semester", "year"),
    [(date(2027, 1, 15), "2026-S2", 2026), (date(2026, 7, 15), "2026-S1", 2025)],
    ids=["january", "july"],
)
def test_previous_semester_and_year_for_the_scheduled_runs(today, semester, year):
    assert previous_semester(today) == semester
    assert previous_year(today) == year


@pytest.mark.parametrize(
    ("today", "month"),
    [(date(2026, 11, 5), "2026-10"), (date(2027, 1, 1), "2026-12"),
     (date(2026, 3, 31), "2026-02")],
)
def test_previous_month(today: date, month: str) -> None:
    assert previous_month(today) == month


def test_provisional_marks_title_and_notes():
    assert provisional_marks("Bilan", False) == ("Bilan", [])
    title, notes = provisional_marks("Bilan", True)
    assert title == "Bilan — PROVISOIRE" and notes[0].startswith("PROVISOIRE")
