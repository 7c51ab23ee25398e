"""Mission facts from both sources a structure sends (SPEC §5.2, issue 15): the relevé d'heures
and the tableau de suivi. Pure functions of the ledger's hours and tracking frames.

Precedence (shown to the reader, `PRECEDENCE`): for a participant's mission on a marché with a
structure, the contract type and the mission dates are the relevé's when its latest line gives
them; otherwise the structure's current tableau de suivi's (its line for that participant and
marché with the latest mission start). The exit situation only comes from the tableau de suivi.
"""

from __future__ import annotations

import pandas as pd

from clauses.periods import month_end, month_start

KEY = ["id_participant", "code_marche", "code_structure"]
FACTS = ["date_debut_mission", "date_fin_mission", "type_contrat"]
PRECEDENCE = (
    "Type de contrat et dates de mission : ceux du dernier relevé d'heures quand il les donne, "
    "sinon ceux du dernier tableau de suivi de la structure (sa ligne la plus récente pour ce "
    "participant et ce marché) ; la situation à la sortie vient du tableau de suivi.")
DISAGREEMENT_LABELS = {"date_debut_mission": "date de début de mission",
                       "date_fin_mission": "date de fin de mission",
                       "type_contrat": "type de contrat"}


def _with_facts(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every FACTS column (a frame built without them has none known)."""
    missing = [c for c in FACTS if c not in frame.columns]
    return frame.assign(**dict.fromkeys(missing, None)) if missing else frame


def _current(tracking: pd.DataFrame | None) -> pd.DataFrame:
    if tracking is None or tracking.empty:
        return pd.DataFrame(columns=[*KEY, *FACTS, "date_sortie", "recu_le"])
    if "actif" in tracking:
        tracking = tracking[tracking["actif"].astype(bool)]
    return _with_facts(tracking.dropna(subset=["id_participant", "code_marche"]))


def from_relevés(lines: pd.DataFrame) -> pd.DataFrame:
    """Per KEY, the facts of its latest month's line (several lines: the latest start)."""
    known = _with_facts(lines.dropna(subset=["id_participant", "code_marche"]))
    ordered = known.sort_values([*KEY, "mois", "date_debut_mission"], na_position="first",
                                kind="stable")
    return ordered.groupby(KEY, as_index=False).tail(1)[[*KEY, "mois", *FACTS]]


def from_tracking(tracking: pd.DataFrame | None) -> pd.DataFrame:
    """Per KEY, the current tableau de suivi's line with the latest mission start."""
    current = _current(tracking)
    ordered = current.sort_values([*KEY, "date_debut_mission", "recu_le"], na_position="first",
                                  kind="stable")
    columns = [*KEY, *FACTS, *(["date_sortie"] if "date_sortie" in current else [])]
    return ordered.groupby(KEY, as_index=False).tail(1)[columns]


def missions(lines: pd.DataFrame, tracking: pd.DataFrame | None) -> pd.DataFrame:
    """One row per KEY found in either source: FACTS by precedence, `date_sortie` from the
    tableau de suivi, and `suivi` (True when the tableau de suivi has the mission)."""
    relevé, suivi = from_relevés(lines), from_tracking(tracking)
    merged = relevé.merge(suivi, on=KEY, how="outer", suffixes=("", "_suivi"),
                          indicator=True)
    for fact in FACTS:
        merged[fact] = merged[fact].where(merged[fact].notna(), merged[f"{fact}_suivi"])
    merged["suivi"] = merged["_merge"] != "left_only"
    if "date_sortie" not in merged:
        merged["date_sortie"] = pd.NaT
    return merged[[*KEY, *FACTS, "date_sortie", "suivi"]].reset_index(drop=True)


def running_in(facts: pd.DataFrame, month: str) -> pd.Series:
    """Missions running during `month`: started by its end, not ended nor exited before it.
    An open end counts only when the tableau de suivi holds the mission (a relevé alone says
    nothing about the months after it)."""
    first, last = pd.Timestamp(month_start(month)), pd.Timestamp(month_end(month))
    start = pd.to_datetime(facts["date_debut_mission"])
    end = pd.to_datetime(facts["date_fin_mission"])
    exit_ = pd.to_datetime(facts["date_sortie"])
    open_end = end.isna() & facts["suivi"].astype(bool)
    return (start <= last) & ((end >= first) | open_end) & ~(exit_ < first)


def filled_from_tracking(lines: pd.DataFrame, tracking: pd.DataFrame | None,
                         fact: str) -> pd.Series:
    """Each line's `fact` (one of FACTS), the tableau de suivi's when the relevé gives none."""
    lines = _with_facts(lines)
    suivi = from_tracking(tracking).set_index(KEY)[fact]
    if suivi.empty or lines.empty:
        return lines[fact]
    keys = pd.MultiIndex.from_frame(lines[KEY].astype(object))
    fallback = pd.Series(suivi.reindex(keys).to_numpy(), index=lines.index)
    return lines[fact].where(lines[fact].notna(), fallback)


def contract_types(lines: pd.DataFrame, tracking: pd.DataFrame | None) -> pd.Series:
    """Each line's contract type, the tableau de suivi's when the relevé gives none."""
    return filled_from_tracking(lines, tracking, "type_contrat")


def disagreements(lines: pd.DataFrame, tracking: pd.DataFrame | None) -> pd.DataFrame:
    """Missions where both sources give a fact and differ: KEY, `fait`, `releve`, `suivi`."""
    both = from_relevés(lines).merge(from_tracking(tracking), on=KEY, suffixes=("", "_suivi"))
    rows = []
    for fact, label in DISAGREEMENT_LABELS.items():
        given = both[both[fact].notna() & both[f"{fact}_suivi"].notna()]
        differ = given[given[fact] != given[f"{fact}_suivi"]]
        rows.append(pd.DataFrame({**{k: differ[k] for k in KEY}, "fait": label,
                                  "releve": differ[fact], "suivi": differ[f"{fact}_suivi"]}))
    return pd.concat(rows, ignore_index=True)
