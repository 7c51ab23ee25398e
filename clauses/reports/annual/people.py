"""People figures of the bilan annuel (SPEC §8): profile, exits, barriers, and the statistical
secrecy applied to every count of people. Pure functions of the ledger's counted, current hours,
its current tracking lines (`Ledger.tracking(current_only=True)`) and the registers.

Definitions:

- *Participants of the year*: distinct `id_participant` with counted hours in the year.
- *Age band*: age in whole years on the first day of the participant's first month with hours in
  the year (hours are declared by month), from the register's `date_naissance`:
  moins de 26 ans / 26 à 49 ans / 50 ans et plus.
- *Criteria*: a participant may hold several, so the shares add up to more than 100 %.
- *Exits*: for each participant, the newest tracking line (latest mission start, then newest
  table) across every structure's current tableau de suivi; it counts when its `date_sortie`
  falls in the year. A person who left one structure for a mission with another is therefore
  not an exit.
- *Barriers*: the union of `freins` over the current tracking lines of each participant of the year.
- *Secrecy*: a count of 1 to `seuil - 1` people is shown as `< seuil` and its share as `s`
  (INSEE's mark for « secret statistique »); 0 is shown (it discloses no one); hours are never
  masked. `seuil = 0` disables it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from clauses.periods import parse_year
from clauses.registers.load import Registers
from clauses.reports.annual.year import YearLines
from clauses.vocabulary import BARRIERS, CRITERION_LABELS, EDUCATION_LEVELS, EXIT_SITUATIONS

UNKNOWN = "Non renseigné"
SHARE_MASK = "s"
PEOPLE = "Participants"
SHARE = "Part des participants"
AGE_BANDS: tuple[str, ...] = ("Moins de 26 ans", "26 à 49 ans", "50 ans et plus")
DYNAMIC_EXITS = "Sorties dynamiques (emploi durable, de transition ou sortie positive)"


def masked(count: int, threshold: int) -> int | str:
    """`count`, or `< threshold` when it counts 1 to threshold - 1 people."""
    return f"< {threshold}" if 0 < count < threshold else count


def suppress_small_counts(frame: pd.DataFrame, threshold: int, *,
                          counts: Sequence[str], shares: dict[str, str]) -> pd.DataFrame:
    """Mask small people counts (`counts` columns) and the shares computed from them
    (`shares`: share column → its count column)."""
    out = frame.copy()
    for column in counts:
        small = (out[column] > 0) & (out[column] < threshold)
        for share, source in shares.items():
            if source == column:
                out[share] = out[share].astype(object).where(~small, SHARE_MASK)
        out[column] = out[column].astype(object).where(~small, f"< {threshold}")
    return out


def participants_of_year(year: YearLines, registers: Registers) -> pd.DataFrame:
    """One row per participant of the year: register columns + `premier_mois` of the year."""
    first = year.months(year.span_of_year["min"]).rename("premier_mois").reset_index()
    return first.merge(registers.participants.drop(columns=["code_structure"], errors="ignore"),
                       on="id_participant", how="left").sort_values("id_participant")


def age_bands(births: pd.Series, months: pd.Series) -> pd.Series:
    """Each participant's age band (AGE_BANDS, UNKNOWN without a birth date): age in whole years
    on the first day of their month (`AAAA-MM`), for a whole column at once (60 000
    participants in a national year)."""
    born = pd.to_datetime(births)
    year = months.str[:4].astype(int).to_numpy()
    month = months.str[5:7].astype(int).to_numpy()
    born_month, born_day = born.dt.month.to_numpy(), born.dt.day.to_numpy()
    # The birthday not reached yet on the 1st of the month (NaN birth dates compare False).
    before = (month < born_month) | ((month == born_month) & (born_day > 1))
    age = year - born.dt.year.to_numpy() - before
    bands = np.select([born.isna().to_numpy(), age < 26, age < 50],
                      [UNKNOWN, AGE_BANDS[0], AGE_BANDS[1]], AGE_BANDS[2])
    return pd.Series(bands, index=births.index, dtype=object)


def _count_table(label: str, categories: Sequence[str], members: pd.Series,
                 population: int) -> pd.DataFrame:
    """People per category (`members`: one category per person, or a list for several)."""
    exploded = members.explode()
    counts = exploded.value_counts()
    rows = list(categories) + ([UNKNOWN] if counts.get(UNKNOWN, 0) and UNKNOWN not in categories
                               else [])
    people = [int(counts.get(row, 0)) for row in rows]
    return pd.DataFrame({
        label: rows,
        PEOPLE: people,
        SHARE: [n / population if population else 0.0 for n in people],
    })


def _split(text: str | None) -> list[str]:
    return sorted({p.strip() for p in str(text).split(";") if p.strip()}) if pd.notna(text) else []


def profile_tables(people: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The `Profil des participants` tables, by heading (counts not yet masked), of the
    participants of the year (`participants_of_year`)."""
    n = len(people)
    sex = people["sexe"].map({"F": "Femmes", "M": "Hommes"}).fillna(UNKNOWN)
    ages = age_bands(people["date_naissance"], people["premier_mois"]).to_numpy()
    criteria = people["criteres"].map(_split).map(lambda codes: [CRITERION_LABELS.get(c, c)
                                                                 for c in codes])
    qpv = people["qpv"].map({True: "oui", False: "non"}).fillna(UNKNOWN)
    level = people["niveau_formation"].fillna(UNKNOWN)
    prescribers = people["prescripteur"].fillna(UNKNOWN)
    named = sorted(set(prescribers) - {UNKNOWN})
    return {
        "Sexe": _count_table("Sexe", ["Femmes", "Hommes"], sex, n),
        "Âge à la première heure de l'année": _count_table("Âge", AGE_BANDS, pd.Series(ages), n),
        "Critères d'éligibilité (cumulables)": _count_table(
            "Critère", list(CRITERION_LABELS.values()), criteria, n),
        "Résidence en quartier prioritaire (QPV)": _count_table("Résident d'un QPV",
                                                                ["oui", "non"], qpv, n),
        "Niveau de formation": _count_table("Niveau de formation", EDUCATION_LEVELS, level, n),
        "Prescripteur": _count_table("Prescripteur", named, prescribers, n),
    }


def current_tracking(tracking: pd.DataFrame) -> pd.DataFrame:
    """Each structure's newest tableau de suivi only (SPEC §5.2), whatever the caller passed."""
    if "actif" in tracking.columns:
        tracking = tracking[tracking["actif"].astype(bool)]
    return tracking


def newest_tracking_lines(tracking: pd.DataFrame,
                          key: Sequence[str] = ("id_participant",)) -> pd.DataFrame:
    """Each participant's newest tracking line: latest mission start, then newest table (per
    `key`: with `code_structure` too, each structure's own newest line of the participant)."""
    known = tracking.dropna(subset=list(key))
    ordered = known.sort_values([*key, "date_debut_mission", "recu_le"],
                                na_position="first", kind="stable")
    return ordered.groupby(list(key)).tail(1)


def exits_table(tracking: pd.DataFrame, year: int) -> pd.DataFrame:
    """The `Sorties` sheet: exits of the year by situation, with the total and dynamic exits."""
    newest = newest_tracking_lines(tracking)
    first, last = parse_year(year)
    months = pd.to_datetime(newest["date_sortie"]).dt.strftime("%Y-%m")
    exits = newest[months.between(first, last)]
    situations = exits["situation_sortie"].fillna(UNKNOWN)
    labels = {s: s[:1].upper() + s[1:] for s in EXIT_SITUATIONS}
    table = _count_table("Situation à la sortie", list(labels.values()),
                         situations.map(lambda s: labels.get(s, s)), len(exits))
    dynamic = int(situations.isin(EXIT_SITUATIONS[:3]).sum())
    extra = pd.DataFrame({"Situation à la sortie": ["Total", DYNAMIC_EXITS],
                          PEOPLE: [len(exits), dynamic],
                          SHARE: [1.0 if len(exits) else 0.0,
                                  dynamic / len(exits) if len(exits) else 0.0]})
    table = pd.concat([table, extra], ignore_index=True)
    return table.rename(columns={PEOPLE: "Sorties", SHARE: "Part des sorties"})


def barriers_table(year: YearLines, tracking: pd.DataFrame) -> pd.DataFrame:
    """The `Freins` sheet: participants of the year with each barrier (cumulable)."""
    ids = year.ids
    lines = tracking[tracking["id_participant"].isin(ids)]
    # Each person's distinct barriers (as `_split` reads a text), for all people at once.
    written = lines[["id_participant", "freins"]].dropna(subset=["freins"])
    named = written.assign(frein=written["freins"].astype(str).str.split(";")).explode("frein")
    named = named.assign(frein=named["frein"].str.strip())
    named = named[named["frein"] != ""].drop_duplicates(["id_participant", "frein"])
    none = "Aucun frein renseigné"
    without = len(ids) - named["id_participant"].nunique()
    labels = [b[:1].upper() + b[1:] for b in BARRIERS]
    members = pd.Series([*(named["frein"].str[:1].str.upper() + named["frein"].str[1:]),
                         *[none] * without], dtype=object)
    return _count_table("Frein à l'emploi", [*labels, none], members, len(ids))
