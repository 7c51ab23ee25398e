"""The French sentence of every rule a line broke (SPEC §6), filled from the templates of `RULES`.

A template's `{name}` is a column of the facts frame (`rule_facts.facts_of`; dates shown
31/12/2025, numbers 7,5), a derived text of `_FIELDS` (« du mois d'octobre 2026 », « ligne 5 de
la feuille « Relevé » »), or a setting of the run (`_settings`). A rule's `when_missing` gives
the template to use instead when a column is empty on the line. Rendering is vectorised: a
template is filled once per rule for all the lines that broke it, never line by line.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from clauses.formats import french_number
from clauses.notations import map_distinct
from clauses.periods import month_label, of_label
from clauses.rule_facts import REQUIRED_VALUES, Context, months_after

if TYPE_CHECKING:  # rules.py imports this module to explain its table
    from clauses.rules import Rule


def _shown(distinct: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(distinct):
        return distinct.dt.strftime("%d/%m/%Y")
    if pd.api.types.is_numeric_dtype(distinct) and not pd.api.types.is_bool_dtype(distinct):
        return distinct.map(french_number)
    return distinct.astype("str")


def _text(values: pd.Series) -> np.ndarray:
    return map_distinct(values, _shown).fillna("").to_numpy(dtype=object)


def _in_words(months: pd.Series, say: Callable[[str], str]) -> pd.Series:
    """`say` applied to each distinct month's label (`periods.month_label`: octobre 2026); a
    month that is not YYYY-MM (it broke VALEUR_INVALIDE) is its own label."""

    def words(distinct: pd.Series) -> pd.Series:
        # Read as the rules read it (`facts_of`), so that "2026-1" is still janvier 2026.
        keys = pd.to_datetime(distinct, format="%Y-%m", errors="coerce").dt.strftime("%Y-%m")
        labels = [month_label(key) if isinstance(key, str) else month
                  for key, month in zip(keys, distinct, strict=True)]
        return pd.Series([say(label) for label in labels], index=distinct.index, dtype="str")

    return map_distinct(months, words)


class _Rows:
    """The lines a rule broke: columns of the facts frame are taken only when a message names
    them (a wide frame copied for every rule would cost more than the rules)."""

    def __init__(self, facts: pd.DataFrame, positions: np.ndarray) -> None:
        self.facts, self.positions = facts, positions

    def __len__(self) -> int:
        return len(self.positions)

    def __getitem__(self, column: str) -> pd.Series:
        return self.facts[column].iloc[self.positions]

    def subset(self, keep: np.ndarray) -> _Rows:
        return _Rows(self.facts, self.positions[keep])


def _invalid_columns(rows: _Rows) -> np.ndarray:
    listed, started = np.full(len(rows), "", dtype=object), np.zeros(len(rows), dtype=bool)
    for key, label in REQUIRED_VALUES.items():
        state = np.where(rows[f"illisible_{key}"].to_numpy(), " (illisible)", " (vide)")
        texts = ("« " + label + " »" + state).astype(object)
        invalid = rows[f"invalide_{key}"].to_numpy()
        _append(listed, started, invalid, texts[invalid], ", ")
    return listed


def _first_occurrence(rows: _Rows) -> np.ndarray:
    first = rows.facts.iloc[rows["premiere_position"].to_numpy()]
    return ("ligne " + first["ligne"].astype("str") + " de la feuille « " + first["feuille"]
            + " »").to_numpy(dtype=object)


# Derived texts a template may name: (lines the rule broke, context) → one text per line.
_FIELDS: dict[str, Callable[[_Rows, Context], object]] = {
    "colonnes_invalides": lambda rows, ctx: _invalid_columns(rows),
    "le_mois": lambda rows, ctx: _in_words(rows["mois"], str),
    "du_mois": lambda rows, ctx: _in_words(rows["mois"], lambda month: "du mois " + of_label(month)),
    "fin_eligibilite": lambda rows, ctx: months_after(
        rows["date_validation"], ctx.settings.duree_eligibilite_mois
    ),
    "premiere_occurrence": lambda rows, ctx: _first_occurrence(rows),
}


def _settings(ctx: Context) -> dict[str, str]:
    return {
        "max_heures_mois": french_number(ctx.settings.max_heures_mois),
        "validite_prescription_mois": str(ctx.settings.validite_prescription_mois),
        "duree_eligibilite_mois": str(ctx.settings.duree_eligibilite_mois),
        "code_structure": ctx.code_structure,
        "aujourdhui": ctx.today.strftime("%d/%m/%Y"),
        "total_declare": french_number(ctx.declared_total or 0.0),
        "total_lignes": french_number(ctx.lines_total),
    }


def _render(template: str, rows: _Rows, ctx: Context) -> np.ndarray:
    scalars = _settings(ctx)
    parts: list[object] = [""]  # adjacent texts are merged: concatenating arrays costs
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        for text in (literal, scalars.get(name or "", "")):
            if isinstance(parts[-1], str):
                parts[-1] += text
            elif text:
                parts.append(text)
        if name in _FIELDS:
            value = _FIELDS[name](rows, ctx)
            parts.append(_text(value) if isinstance(value, pd.Series) else value)
        elif name and name not in scalars:
            parts.append(_text(rows[name]))
    out: object = np.full(len(rows), parts[0], dtype=object)
    for part in parts[1:]:
        out = out + part
    return np.asarray(out, dtype=object)


def _explain(rule: Rule, rows: _Rows, ctx: Context) -> np.ndarray:
    texts = _render(rule.message, rows, ctx)
    done = np.zeros(len(rows), dtype=bool)
    for column, template in rule.when_missing.items():
        use = rows[column].isna().to_numpy() & ~done
        if use.any():
            texts[use] = _render(template, rows.subset(use), ctx)
            done |= use
    return texts


def _append(
    listed: np.ndarray, started: np.ndarray, where: np.ndarray, texts: np.ndarray, separator: str
) -> None:
    """Add `texts` (one per True of `where`) to the texts listed so far, in place."""
    positions = np.flatnonzero(where)
    first = ~started[positions]
    listed[positions[first]] = texts[first]
    more = positions[~first]
    listed[more] = listed[more] + separator + texts[~first]
    started[positions] = True


def joined_codes(broken: np.ndarray, codes: Sequence[str]) -> np.ndarray:
    """The ";"-joined codes of each line (a column of `broken` per code, in table order),
    built once per combination."""
    pattern = broken.astype(np.int64) @ (np.int64(1) << np.arange(len(codes), dtype=np.int64))
    distinct, inverse = np.unique(pattern, return_inverse=True)
    joined = [
        ";".join(code for bit, code in enumerate(codes) if combination >> bit & 1)
        for combination in distinct.tolist()
    ]
    return np.asarray(joined, dtype=object)[inverse]


def explain_lines(
    rules: Sequence[Rule],
    broken: np.ndarray,
    applied: pd.DataFrame,
    facts: pd.DataFrame,
    ctx: Context,
) -> tuple[np.ndarray, np.ndarray]:
    """Per line: the sentences of the rules it broke (" ; "-joined, in table order), each
    followed by the citation of the decision that flipped it, and those citations alone (the
    `decision` column). `applied` is `decisions.applied_decisions`."""
    n = len(facts)
    explanations, cited = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    explained, has_decision = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for i, rule in enumerate(rules):
        mask = broken[:, i]
        if not mask.any():
            continue
        where = np.flatnonzero(mask)
        texts = _explain(rule, _Rows(facts, where), ctx)
        flips = applied[applied["rule"] == i]
        if len(flips):
            changed = np.zeros(n, dtype=bool)
            changed[flips["_pos"].to_numpy()] = True
            citation = np.full(n, "", dtype=object)
            citation[flips["_pos"].to_numpy()] = flips["citation"].to_numpy(dtype=object)
            texts = np.where(changed[where], texts + " " + citation[where], texts)
            _append(cited, has_decision, changed, citation[changed], " ; ")
        _append(explanations, explained, mask, texts, " ; ")
    return explanations, cited
