"""The French sentence of every rule a line broke (SPEC §6), filled from the templates of `RULES`.

A template's `{name}` is a fact (`facts.facts_of`; dates shown 31/12/2025, numbers 7,5), a
derived text of `_FIELDS` (« du mois d'octobre 2026 », « ligne 5 de la feuille « Relevé » »), or
a setting of the run (`_settings`). A rule's `when_missing` gives the template to use instead
when a fact is empty on the line. Rendering is vectorised: a template is filled once per rule for
all the lines that broke it, never line by line, and each distinct value is shown once. Lines
that broke nothing (most of them) cost nothing here.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from clauses.checking.decisions import Applied
from clauses.checking.facts import (
    REQUIRED_VALUES,
    Context,
    Facts,
    Rule,
    eligibility_end,
    missing,
    month_bounds,
)
from clauses.periods import month_label, of_label
from clauses.reading.notations import french_number


def _per_distinct(values: np.ndarray, show: Callable[[Any], str]) -> np.ndarray:
    """`show` applied once per distinct value; "" where empty."""
    codes, distinct = pd.factorize(values)
    shown = np.array([show(v) for v in distinct] + [""], dtype=object)
    return shown[codes]  # code -1 (empty) takes the last: ""


@lru_cache(maxsize=4096)
def _day(moment: np.datetime64) -> str:
    return pd.Timestamp(moment).strftime("%d/%m/%Y")


def _text(values: np.ndarray) -> np.ndarray:
    """A fact as a person reads it: dates 31/12/2025, numbers 7,5, texts as they are."""
    if values.dtype.kind == "M":
        return _per_distinct(values.astype("datetime64[us]"), _day)
    if values.dtype.kind in "iuf":
        return _per_distinct(values, french_number)
    return _per_distinct(values, str)


def _in_words(months: np.ndarray, say: Callable[[str], str]) -> np.ndarray:
    """`say` applied to each distinct month's label (`periods.month_label`: octobre 2026); a
    month that is not YYYY-MM (it broke VALEUR_INVALIDE) is its own label."""

    def words(month: str) -> str:
        # Read as the rules read it (`facts_of`), so that "2026-1" is still janvier 2026.
        first, _ = month_bounds(month)
        return say(month if np.isnat(first) else month_label(pd.Timestamp(first).strftime("%Y-%m")))

    return _per_distinct(months, words)


class _Rows:
    """The lines a rule broke: facts are taken only when a message names them."""

    def __init__(self, facts: Facts, positions: np.ndarray) -> None:
        self.facts, self.positions = facts, positions

    def __len__(self) -> int:
        return len(self.positions)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.facts[name][self.positions]

    def subset(self, keep: np.ndarray) -> _Rows:
        return _Rows(self.facts, self.positions[keep])


def _invalid_columns(rows: _Rows) -> np.ndarray:
    listed, started = np.full(len(rows), "", dtype=object), np.zeros(len(rows), dtype=bool)
    for key, label in REQUIRED_VALUES.items():
        invalid = rows[f"invalide_{key}"]
        state = np.where(rows[f"illisible_{key}"][invalid], " (illisible)", " (vide)")
        _append(listed, started, invalid, ("« " + label + " »" + state).astype(object), ", ")
    return listed


def _first_occurrence(rows: _Rows) -> np.ndarray:
    first = rows["premiere_position"]
    return np.array([f"ligne {line} de la feuille « {sheet} »" for line, sheet in zip(
        rows.facts["ligne"][first].tolist(), rows.facts["feuille"][first].tolist(), strict=True)],
        dtype=object)


# Derived texts a template may name: (lines the rule broke, context) → one text per line.
_FIELDS: dict[str, Callable[[_Rows, Context], np.ndarray]] = {
    "colonnes_invalides": lambda rows, ctx: _invalid_columns(rows),
    "le_mois": lambda rows, ctx: _in_words(rows["mois"], str),
    "du_mois": lambda rows, ctx: _in_words(rows["mois"], lambda month: "du mois " + of_label(month)),
    "fin_eligibilite": lambda rows, ctx: _text(eligibility_end(rows["date_validation"],
                                                               ctx.settings)),
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


@lru_cache(maxsize=256)
def _parsed(template: str) -> tuple[tuple[str, str | None], ...]:
    return tuple((literal, name) for literal, name, _, _ in string.Formatter().parse(template))


def _render(template: str, rows: _Rows, ctx: Context, scalars: dict[str, str]) -> np.ndarray:
    parts: list[object] = [""]  # adjacent texts are merged: concatenating arrays costs
    for literal, name in _parsed(template):
        for text in (literal, scalars.get(name or "", "")):
            if isinstance(parts[-1], str):
                parts[-1] += text
            elif text:
                parts.append(text)
        if name in _FIELDS:
            parts.append(_FIELDS[name](rows, ctx))
        elif name and name not in scalars:
            parts.append(_text(rows[name]))
    out: np.ndarray = np.full(len(rows), parts[0], dtype=object)
    for part in parts[1:]:
        out = out + part
    return np.asarray(out, dtype=object)


def _explain(rule: Rule, rows: _Rows, ctx: Context, scalars: dict[str, str]) -> np.ndarray:
    texts = _render(rule.message, rows, ctx, scalars)
    done = np.zeros(len(rows), dtype=bool)
    for column, template in rule.when_missing.items():
        use = missing(rows[column]) & ~done
        if use.any():
            texts[use] = _render(template, rows.subset(use), ctx, scalars)
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
    if not broken.any():
        return np.full(len(broken), "", dtype=object)
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
    applied: Applied,
    facts: Facts,
    ctx: Context,
) -> tuple[np.ndarray, np.ndarray]:
    """Per line: the sentences of the rules it broke (" ; "-joined, in table order), each
    followed by the citation of the decision that flipped it, and those citations alone (the
    `decision` column). `applied` is `decisions.applied_decisions`."""
    n = len(facts)
    explanations, cited = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    explained, has_decision = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    scalars = _settings(ctx) if broken.any() else {}
    for i in np.flatnonzero(broken.any(axis=0)).tolist():
        mask = broken[:, i]
        where = np.flatnonzero(mask)
        texts = _explain(rules[i], _Rows(facts, where), ctx, scalars)
        flips = applied.rules == i
        if flips.any():
            changed = np.zeros(n, dtype=bool)
            changed[applied.positions[flips]] = True
            citation = np.full(n, "", dtype=object)
            citation[applied.positions[flips]] = applied.citations[flips]
            texts = np.where(changed[where], texts + " " + citation[where], texts)
            _append(cited, has_decision, changed, citation[changed], " ; ")
        _append(explanations, explained, mask, texts, " ; ")
    return explanations, cited
