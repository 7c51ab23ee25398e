"""What the convention promises the DDETS-PP beyond hours (art. 5, SPEC §8, issue 15): the support
and training given, figures per structure for each structure's dialogue de gestion, and the
length of paths and hours per participant. Pure functions of the ledger's counted, current hours,
its current tracking lines and the registers; counts of people are masked by the writer.

Definitions (shown to the reader, `DEFINITIONS`):

- *Support and training*: the actions written in the `Accompagnement` and `Formation` columns of
  the current tableaux de suivi, for the participants of the year; one action per item separated
  by « ; », its hours when written (« CACES R482 (35 h) »); an action is counted once per person.
  *Participants reached*: distinct people with at least one action of the kind.
- *Per structure*: the participants whose hours the structure declared in the year; profile at
  their first month of the year (as in `Profil des participants`); exits of the year whose newest
  tracking line is the structure's; barriers from all their tracking lines.
- *Hours per participant*: counted hours of the year, all marchés and structures together.
  *Path length*: months from the participant's first counted month ever to their last counted
  month of the year, both included.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from clauses.periods import parse_year
from clauses.registers.load import Registers
from clauses.reports.annual.people import (
    AGE_BANDS,
    PEOPLE,
    SHARE,
    age_bands,
    newest_tracking_lines,
)
from clauses.reports.annual.year import YearLines
from clauses.vocabulary import EXIT_SITUATIONS

SUPPORT, TRAINING = "Accompagnement", "Formation"
HOUR_BANDS: tuple[tuple[str, float], ...] = (
    ("Moins de 35 h", 35.0), ("35 à 149 h", 150.0), ("150 à 449 h", 450.0),
    ("450 à 899 h", 900.0), ("900 h et plus", float("inf")))
# (label, first value above the band): a value falls in the first band whose bound exceeds it.
LENGTH_BANDS: tuple[tuple[str, float], ...] = (
    ("1 mois", 2), ("2 à 3 mois", 4), ("4 à 6 mois", 7), ("7 à 12 mois", 13),
    ("Plus de 12 mois", float("inf")))
STRUCTURE_COUNTS = ["Participants", "Femmes", "Moins de 26 ans", "50 ans et plus",
                    "Résidents QPV", "Sorties de l'année", "Sorties dynamiques",
                    "Avec au moins un frein"]
DEFINITIONS: tuple[str, ...] = (
    "Accompagnement et formation : actions écrites dans les colonnes « Accompagnement » et "
    "« Formation » des derniers tableaux de suivi, pour les participants de l'année ; une action "
    "par élément séparé par « ; », avec ses heures quand elles sont écrites (« 35 h ») ; une "
    "action compte une fois par personne. Participants touchés : personnes distinctes ayant au "
    "moins une action.",
    "Par structure : participants dont la structure a déclaré des heures dans l'année ; profil "
    "au premier mois de l'année ; sorties de l'année dont la ligne de suivi la plus récente est "
    "celle de la structure ; freins de toutes leurs lignes de suivi.",
    "Parcours : heures par participant = heures comptées de l'année, tous marchés et structures "
    "confondus ; durée du parcours = nombre de mois du premier mois compté (toutes années) au "
    "dernier mois compté de l'année, inclus.",
)
_HOURS = re.compile(r"\(?\s*(\d+(?:[.,]\d+)?)\s*h(?:eures?)?\b\s*\)?", re.IGNORECASE)


def _actions(text: object) -> list[tuple[str, float]]:
    """« Suivi (6 h); Aide au permis » → [("Suivi", 6.0), ("Aide au permis", 0.0)]."""
    if not isinstance(text, str):
        return []
    actions = []
    for item in re.split(r"[;\n]", text):
        found = _HOURS.search(item)
        hours = float(found.group(1).replace(",", ".")) if found else 0.0
        label = " ".join(_HOURS.sub(" ", item).split()).strip(" -–:,")
        if label:
            actions.append((label[:1].upper() + label[1:], hours))
    return actions


def support_actions(year: YearLines, tracking: pd.DataFrame) -> pd.DataFrame:
    """One row per (kind, participant, action): `Type`, `id_participant`, `Action`, `Heures`."""
    lines = tracking[tracking["id_participant"].isin(year.ids)]
    rows = [(kind, person, label, h)
            for kind, column in ((SUPPORT, "accompagnement"), (TRAINING, "formation"))
            if column in lines
            for person, text in zip(lines["id_participant"], lines[column], strict=True)
            for label, h in _actions(text)]
    frame = pd.DataFrame(rows, columns=["Type", "id_participant", "Action", "Heures"])
    return frame.drop_duplicates(["Type", "id_participant", "Action"], ignore_index=True)


def support_table(actions: pd.DataFrame) -> pd.DataFrame:
    """Actions and hours by kind and action, with the participants reached."""
    grouped = actions.groupby(["Type", "Action"], sort=True).agg(
        Participants=("id_participant", "nunique"), Heures=("Heures", "sum")).reset_index()
    return grouped[["Type", "Action", "Participants", "Heures"]]


def support_summary(actions: pd.DataFrame) -> list[tuple[str, int | float, str]]:
    """(label, value, kind) pairs: participants reached and hours by kind."""
    pairs: list[tuple[str, int | float, str]] = []
    for kind, reached, of_kind in ((SUPPORT, "accompagnés", "d'accompagnement"),
                                   (TRAINING, "formés", "de formation")):
        own = actions[actions["Type"] == kind]
        pairs.append((f"Participants {reached}", int(own["id_participant"].nunique()),
                      "integer"))
        pairs.append((f"Heures {of_kind} renseignées", float(own["Heures"].sum()),
                      "hours"))
    return pairs


def structure_table(year: YearLines, registers: Registers, tracking: pd.DataFrame,
                    participants: pd.DataFrame) -> pd.DataFrame:
    """The `Par structure` sheet (counts not yet masked), one row per structure with hours
    (`participants`: `participants_of_year`)."""
    lines = year.lines.dropna(subset=["id_participant", "code_structure"])
    columns = ["Code structure", "Nom", "Heures de l'année", *STRUCTURE_COUNTS]
    if lines.empty:
        return pd.DataFrame([], columns=columns)
    people = participants.set_index("id_participant")
    newest = newest_tracking_lines(tracking)
    first, last = parse_year(year.year)
    exit_month = pd.to_datetime(newest["date_sortie"]).dt.strftime("%Y-%m")
    exits = newest[exit_month.between(first, last)]
    with_barrier = tracking.loc[tracking["freins"].fillna("").str.strip() != "", "id_participant"]
    names = registers.structures.set_index("code_structure")["nom"]
    # One row per (structure, participant of its year), each person's facts looked up once:
    # counting them by structure replaces a dozen look-ups per structure (370 nationally).
    pairs = year.distinct(["code_structure", "id_participant"]).dropna()
    ids = pairs["id_participant"]
    band = pairs["id_participant"].map(age_bands(people["date_naissance"], people["premier_mois"]))
    left = pairs.merge(exits[["code_structure", "id_participant", "situation_sortie"]],
                       on=["code_structure", "id_participant"], how="inner")
    facts = pd.DataFrame({
        "code_structure": pairs["code_structure"],
        "Participants": 1,
        "Femmes": ids.map(people["sexe"]) == "F",
        "Moins de 26 ans": band == AGE_BANDS[0],
        "50 ans et plus": band == AGE_BANDS[2],
        "Résidents QPV": ids.map(people["qpv"]).fillna(False).astype(bool),
        "Avec au moins un frein": ids.isin(with_barrier.dropna().unique()),
    })
    by_structure = facts.groupby("code_structure", sort=True).sum()
    codes = by_structure.index
    exited = left.groupby("code_structure")
    dynamic = left["situation_sortie"].isin(EXIT_SITUATIONS[:3]).groupby(left["code_structure"]).sum()
    # Each structure's own float sum, as before (a group-by sum adds in another order).
    hours_of = {code: float(own.sum()) for code, own in lines.groupby(
        "code_structure", sort=True)["heures"]}
    table = pd.DataFrame({
        "Code structure": codes.to_numpy(),
        "Nom": [names.get(code, code) for code in codes],
        "Heures de l'année": [hours_of[code] for code in codes],
        **{column: by_structure[column].to_numpy(dtype="int64") for column in (
            "Participants", "Femmes", "Moins de 26 ans", "50 ans et plus", "Résidents QPV")},
        "Sorties de l'année": exited.size().reindex(codes, fill_value=0).to_numpy(dtype="int64"),
        "Sorties dynamiques": dynamic.reindex(codes, fill_value=0).to_numpy(dtype="int64"),
        "Avec au moins un frein": by_structure["Avec au moins un frein"].to_numpy(dtype="int64"),
    })
    return table[columns]


def _banded(values: pd.Series, bands: tuple[tuple[str, float], ...], label: str) -> pd.DataFrame:
    tops = [top for _, top in bands]
    labels = [name for name, _ in bands]
    # A value falls in the first band whose top exceeds it (tops ascending).
    chosen = pd.Series(np.array(labels, dtype=object)[
        np.searchsorted(tops, values.to_numpy(dtype=float), side="right")])
    counts = chosen.value_counts().reindex(labels, fill_value=0)
    total = int(counts.sum())
    return pd.DataFrame({label: labels, PEOPLE: counts.to_numpy(dtype=int),
                         SHARE: [n / total if total else 0.0 for n in counts]})


def hours_per_participant(year: YearLines) -> pd.Series:
    """Counted hours of the year per participant (all marchés and structures)."""
    return year.lines.dropna(subset=["id_participant"]).groupby(
        "id_participant")["heures"].sum()


def path_lengths(year: YearLines) -> pd.Series:
    """Months from each participant's first counted month ever to their last of the year, for
    the participants of the year (their last month up to December is in the year)."""
    ranks = year.span_until.loc[year.ids]
    span = pd.DataFrame({edge: year.months(ranks[edge]) for edge in ("min", "max")})

    def number(months: pd.Series) -> np.ndarray:  # AAAA-MM → months since year 0
        return (months.str[:4].astype(int) * 12 + months.str[5:].astype(int)).to_numpy()

    return pd.Series(number(span["max"]) - number(span["min"]) + 1, index=span.index,
                     dtype=int)


def path_tables(per_person: pd.Series, lengths: pd.Series) -> dict[str, pd.DataFrame]:
    """The `Parcours` distributions, by heading (counts not yet masked), from
    `hours_per_participant` and `path_lengths`."""
    return {
        "Heures par participant dans l'année": _banded(per_person, HOUR_BANDS,
                                                      "Heures dans l'année"),
        "Durée des parcours": _banded(lengths, LENGTH_BANDS, "Durée du parcours"),
    }


def path_summary(per_person: pd.Series, lengths: pd.Series) -> list[tuple[str, float, str]]:
    """Mean and median hours per participant, mean path length."""
    if per_person.empty:
        return []
    return [("Heures par participant (moyenne)", float(per_person.mean()), "hours"),
            ("Heures par participant (médiane)", float(per_person.median()), "hours"),
            ("Durée moyenne des parcours (mois)", float(lengths.mean()), "number")]
