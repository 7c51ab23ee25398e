"""Control rules of a relevé line (SPEC §6, line level), declared as one table (STYLE §3).

Each rule is a small function returning a boolean mask over the *facts* frame (the lines joined
with what the registers say about their participant and marché: see `_facts`), declared in
`RULES` with its reason code, default severity and French message template. `check_lines` runs
them all at once, vectorised (no loop over lines), applies the configured severities and the
facilitator's Décisions, and gives each line its status, codes and explanations.

Message templates: `{name}` is a column of the facts frame (dates shown 31/12/2025, numbers
7,5), a derived text of `_FIELDS`, or a setting of the run (`_settings`). `when_missing` gives
the template to use instead when a column is empty on the line.

Choices where the SPEC leaves room:
- a rule whose input is missing does not fire: the line is VALEUR_INVALIDE instead (no
  MARCHE_INCONNU without a code, no PARTICIPANT_INCONNU without an identity, …);
- only the required values of SPEC §5.2 give VALEUR_INVALIDE; an unreadable optional value
  (end of mission) is left empty, as if it had not been written;
- TOTAL_INCOHERENT is set on every line of the file (one Total per file), and `total_message`
  gives its sentence once for the control report's summary;
- ENTREPRISE_DIFFERENTE accepts the attributaire's name, SIRET or SIREN;
- a decision « invalider » turns an alert it names into a rejection, the mirror of « valider »;
- `en_retard` comes from `late_months`, which the caller computes from the file's date.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from clauses.config import Rules
from clauses.matching import (
    AMBIGUOUS,
    UNKNOWN,
    fold_name,
    map_distinct,
    match_participants,
    normalise_code,
)
from clauses.registers import Registers
from clauses.vocabulary import LineStatus, Severity

REJECT, ALERT = Severity.REJECT.value, Severity.ALERT.value

# Required values of a relevé line (SPEC §5.2) → the column name a structure reads.
REQUIRED_VALUES: dict[str, str] = {
    "identite": "N° participant, ou Nom + Prénom + Date de naissance",
    "code_marche": "Code marché",
    "date_debut_mission": "Date de début de mission",
    "heures": "Heures",
    "mois": "Mois",
}
_IDENTITY_PARTS = ("nom", "prenom", "date_naissance")
# Optional columns of a relevé (SPEC §5.2): absent from a file, they are empty on every line.
_OPTIONAL_COLUMNS = {"entreprise": "str", "date_fin_mission": "datetime64[us]"}
_DUPLICATE_KEY = ["id_participant", "code_marche", "mois"]
TOTAL_TOLERANCE = 0.01  # hours: rounding in a spreadsheet's Total line is not an error


@dataclass(frozen=True)
class Context:
    """What a rule needs besides the lines: the settings and the file being checked."""

    settings: Rules
    today: pd.Timestamp
    code_structure: str
    declared_total: float | None
    lines_total: float

    @property
    def total_differs(self) -> bool:
        return _totals_differ(self.declared_total, self.lines_total)


def _totals_differ(declared_total: float | None, lines_total: float) -> bool:
    return declared_total is not None and abs(declared_total - lines_total) > TOTAL_TOLERANCE + 1e-9


Mask = Callable[[pd.DataFrame, Context], pd.Series]


@dataclass(frozen=True)
class Rule:
    """One control rule: its code, its default severity, what breaks it, what the line is told."""

    code: str
    severity: str  # default (SPEC §6); `Rules.severites` may change it
    broken: Mask
    message: str
    when_missing: Mapping[str, str] = field(default_factory=dict)


def _months_after(dates: pd.Series, months: int) -> pd.Series:
    # Calendar months (15/10 + 2 months = 15/12), as the convention counts them.
    return dates + pd.DateOffset(months=months)


# --- the rules, in the order their codes are listed (SPEC §6) --------------------------------


def invalid_value(f: pd.DataFrame, ctx: Context) -> pd.Series:
    return f[[f"invalide_{key}" for key in REQUIRED_VALUES]].any(axis=1)


def hours_out_of_bounds(f: pd.DataFrame, ctx: Context) -> pd.Series:
    return (f["heures"] <= 0) | (f["heures"] > ctx.settings.max_heures_mois)


def unknown_participant(f: pd.DataFrame, ctx: Context) -> pd.Series:
    # A missing identity is VALEUR_INVALIDE, not an unknown participant.
    return (f["correspondance"] == UNKNOWN) & ~f["invalide_identite"]


def ambiguous_participant(f: pd.DataFrame, ctx: Context) -> pd.Series:
    return f["correspondance"] == AMBIGUOUS


def eligibility_not_validated(f: pd.DataFrame, ctx: Context) -> pd.Series:
    never_validated = f["id_participant"].notna() & f["date_validation"].isna()
    return never_validated | (f["date_debut_mission"] < f["date_validation"])


def prescription_expired(f: pd.DataFrame, ctx: Context) -> pd.Series:
    deadline = _months_after(f["date_prescription"], ctx.settings.validite_prescription_mois)
    return f["date_validation"] > deadline


def eligibility_expired(f: pd.DataFrame, ctx: Context) -> pd.Series:
    end = _months_after(f["date_validation"], ctx.settings.duree_eligibilite_mois)
    return f["debut_mois"] > end


def unknown_market(f: pd.DataFrame, ctx: Context) -> pd.Series:
    # A missing code is VALEUR_INVALIDE, not an unknown marché.
    return ~f["invalide_code_marche"] & ~f["marche_connu"]


def outside_market_period(f: pd.DataFrame, ctx: Context) -> pd.Series:
    return (f["fin_mois"] < f["date_debut_marche"]) | (f["debut_mois"] > f["date_fin_marche"])


def mission_outside_month(f: pd.DataFrame, ctx: Context) -> pd.Series:
    # An open mission (no end date) runs until today: only its start can miss the month.
    return (f["date_debut_mission"] > f["fin_mois"]) | (f["date_fin_mission"] < f["debut_mois"])


def future_period(f: pd.DataFrame, ctx: Context) -> pd.Series:
    # The month has ended only once its last day is past (hours of the 31st are worked on it).
    return f["fin_mois"] >= ctx.today


def duplicate_line(f: pd.DataFrame, ctx: Context) -> pd.Series:
    # The first line counts; the second and later ones are the duplicates (SPEC §6).
    return f["premiere_position"].ge(0) & (f["premiere_position"] != np.arange(len(f)))


def _designates_attributaire(named: pd.DataFrame) -> pd.Series:
    # The attributaire's SIRET, its SIREN (the same company) or its name all designate it.
    digits = named["entreprise"].str.replace(r"[\s.\-]", "", regex=True)
    siret = named["siret_attributaire"]
    return (
        normalise_code(named["entreprise"]).isna()
        | (digits == siret)
        | (digits == siret.str[:9])
        | (fold_name(named["entreprise"]) == fold_name(named["nom_attributaire"]))
    )


def company_differs(f: pd.DataFrame, ctx: Context) -> pd.Series:
    given = f["entreprise"].notna() & f["marche_connu"]
    columns = ["entreprise", "siret_attributaire", "nom_attributaire"]
    same = _on_distinct_rows(f.loc[given, columns], _designates_attributaire)
    return given & ~same.reindex(f.index, fill_value=True)


def structure_differs(f: pd.DataFrame, ctx: Context) -> pd.Series:
    registered = f["cle_structure_participant"]
    return registered.notna() & (registered != ctx.code_structure.strip().upper())


def total_differs(f: pd.DataFrame, ctx: Context) -> pd.Series:
    # One Total for the file: every line carries the alert, so that a severity changed to
    # « rejet » in config.yaml refuses the file's lines as a whole (SPEC §6).
    return pd.Series(ctx.total_differs, index=f.index)


RULES: tuple[Rule, ...] = (
    Rule("VALEUR_INVALIDE", REJECT, invalid_value,
         "Valeur obligatoire vide ou illisible : {colonnes_invalides}."),
    Rule("HEURES_HORS_LIMITES", REJECT, hours_out_of_bounds,
         "{heures} h déclarées : les heures d'un mois doivent être supérieures à 0 "
         "et ne pas dépasser {max_heures_mois} h."),
    Rule("PARTICIPANT_INCONNU", REJECT, unknown_participant,
         "Aucun participant du registre d'éligibilité n'a le N° « {id_declare} ».",
         {"id_declare": "Aucun participant du registre d'éligibilité ne correspond à "
                        "{nom} {prenom}, né(e) le {date_naissance}."}),
    Rule("PARTICIPANT_AMBIGU", REJECT, ambiguous_participant,
         "Plusieurs participants du registre d'éligibilité ont le N° « {id_declare} ».",
         {"id_declare": "Plusieurs participants du registre d'éligibilité correspondent à "
                        "{nom} {prenom}, né(e) le {date_naissance} : "
                        "indiquez son N° participant."}),
    Rule("ELIGIBILITE_NON_VALIDEE", REJECT, eligibility_not_validated,
         "La mission a commencé le {date_debut_mission}, avant la validation de l'éligibilité "
         "par le guichet unique le {date_validation}.",
         {"date_validation": "L'éligibilité du participant n'a pas encore été validée "
                             "par le guichet unique."}),
    Rule("PRESCRIPTION_EXPIREE", REJECT, prescription_expired,
         "L'éligibilité a été validée le {date_validation}, plus de {validite_prescription_mois} "
         "mois après la fiche de prescription du {date_prescription}."),
    Rule("ELIGIBILITE_EXPIREE", REJECT, eligibility_expired,
         "L'éligibilité validée le {date_validation} a pris fin le {fin_eligibilite} "
         "(après {duree_eligibilite_mois} mois), avant le début {du_mois}."),
    Rule("MARCHE_INCONNU", REJECT, unknown_market,
         "Le marché « {code_marche} » n'est pas dans le registre des marchés."),
    Rule("HORS_PERIODE_MARCHE", REJECT, outside_market_period,
         "Le marché {code_marche} court du {date_debut_marche} au {date_fin_marche} : "
         "les heures {du_mois} sont en dehors de cette période."),
    Rule("MISSION_HORS_MOIS", REJECT, mission_outside_month,
         "La mission du {date_debut_mission} au {date_fin_mission} ne couvre aucun jour {du_mois}.",
         {"date_fin_mission": "La mission commencée le {date_debut_mission} ne couvre aucun "
                              "jour {du_mois}."}),
    Rule("PERIODE_FUTURE", REJECT, future_period,
         "Les heures {du_mois} ne peuvent être déclarées qu'une fois le mois terminé "
         "(contrôle du {aujourdhui})."),
    Rule("DOUBLON", REJECT, duplicate_line,
         "Ligne en double : le même participant a déjà des heures sur le marché {code_marche} "
         "pour {le_mois}, {premiere_occurrence}."),
    Rule("ENTREPRISE_DIFFERENTE", ALERT, company_differs,
         "L'entreprise indiquée, « {entreprise} », n'est pas l'attributaire du marché "
         "{code_marche} ({nom_attributaire}, SIRET {siret_attributaire}) : "
         "est-ce un sous-traitant ?",
         {"nom_attributaire": "L'entreprise indiquée, « {entreprise} », n'est pas l'attributaire "
                              "du marché {code_marche} (SIRET {siret_attributaire}) : "
                              "est-ce un sous-traitant ?"}),
    Rule("STRUCTURE_DIFFERENTE", ALERT, structure_differs,
         "Le participant est rattaché à la structure {structure_participant} dans le registre "
         "d'éligibilité, et non à {code_structure}."),
    Rule("TOTAL_INCOHERENT", ALERT, total_differs,
         "Le total indiqué dans le fichier ({total_declare} h) diffère de la somme "
         "des lignes ({total_lignes} h)."),
)  # fmt: skip


def _row_groups(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Group number of each row's values (-1 when one is missing) and each group's first row."""
    group = np.zeros(len(frame), dtype=np.int64)
    for column in frame.columns:
        codes, distinct = pd.factorize(frame[column])
        group = np.where((group < 0) | (codes < 0), -1, group * (len(distinct) + 1) + codes)
    _, first, inverse = np.unique(group, return_index=True, return_inverse=True)
    return np.where(group < 0, -1, inverse), first


def _on_distinct_rows(rows: pd.DataFrame, check: Callable[[pd.DataFrame], pd.Series]) -> pd.Series:
    """`check` run once per distinct combination of values, spread back to every row."""
    group, first = _row_groups(rows.fillna(""))
    verdict = check(rows.iloc[first]).to_numpy(dtype=bool, na_value=False)
    return pd.Series(verdict[group], index=rows.index, dtype=bool)


def severities(settings: Rules) -> dict[str, str]:
    """Each code's severity: the default of `RULES`, unless `config.yaml` changes it."""
    return {rule.code: settings.severites.get(rule.code, rule.severity) for rule in RULES}


# --- facts: the lines joined with the registers ------------------------------------------------


def _blank(values: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(values) or values.dtype == object:
        return normalise_code(values).isna()
    return values.isna()


def _invalid_values(
    lines: pd.DataFrame, unreadable: pd.DataFrame, month_start: pd.Series
) -> dict[str, np.ndarray]:
    """Per required value (SPEC §6 VALEUR_INVALIDE): `invalide_<key>` (empty or unreadable)
    and `illisible_<key>` (a value was written but could not be read). `lines` are matched
    (`id_declare`) and carry `cle_marche`."""

    def unread(column: str) -> np.ndarray:
        if column not in unreadable:
            return np.zeros(len(lines), dtype=bool)
        return unreadable[column].to_numpy(dtype=bool, na_value=False)

    def blank_where(column: str, rows: np.ndarray) -> np.ndarray:
        # Text checks run on the few lines that need them only.
        blank = np.zeros(len(lines), dtype=bool)
        blank[rows] = _blank(lines.loc[rows, column]).to_numpy(dtype=bool)
        return blank

    invalid: dict[str, np.ndarray] = {}
    # Identity: the identifier, or else all of name, first name and birth date (SPEC §5.2).
    no_id = lines["id_declare"].isna().to_numpy()
    parts = [blank_where(column, no_id) for column in _IDENTITY_PARTS]
    invalid["identite"] = no_id & np.logical_or.reduce(parts)
    unread_parts = [unread(column) for column in _IDENTITY_PARTS]
    unread_identity = invalid["identite"] & np.logical_or.reduce(
        [part & unread_part for part, unread_part in zip(parts, unread_parts, strict=True)]
    )
    invalid["code_marche"] = lines["cle_marche"].isna().to_numpy()
    invalid["date_debut_mission"] = lines["date_debut_mission"].isna().to_numpy()
    invalid["heures"] = lines["heures"].isna().to_numpy()
    # A month written in a shape that is not YYYY-MM is as unreadable as one the reader refused.
    invalid["mois"] = month_start.isna().to_numpy()
    unread_month = unread("mois") | (invalid["mois"] & ~blank_where("mois", invalid["mois"]))
    states = {f"invalide_{key}": invalid[key] for key in REQUIRED_VALUES}
    states |= {f"illisible_{key}": invalid[key] & unread(key) for key in REQUIRED_VALUES}
    return states | {"illisible_identite": unread_identity, "illisible_mois": unread_month}


def _with_participants(f: pd.DataFrame, participants: pd.DataFrame) -> pd.DataFrame:
    register = participants.drop_duplicates("id_participant").set_index("id_participant")
    register = register.assign(_structure=normalise_code(register["code_structure"]))
    found = register.reindex(f["id_participant"].to_numpy(dtype=object, na_value=None))
    return f.assign(
        date_prescription=found["date_prescription"].to_numpy(),
        date_validation=found["date_validation"].to_numpy(),
        structure_participant=pd.Series(found["code_structure"].to_numpy(), dtype="str"),
        cle_structure_participant=pd.Series(found["_structure"].to_numpy(), dtype="str"),
    )


def _with_markets(f: pd.DataFrame, markets: pd.DataFrame, companies: pd.DataFrame) -> pd.DataFrame:
    register = (
        markets.assign(_code=normalise_code(markets["code_marche"]))
        .drop_duplicates("_code")
        .set_index("_code")
    )
    found = register.reindex(f["cle_marche"].to_numpy(dtype=object, na_value=None))
    known = found["code_marche"].notna().to_numpy()
    # The register's spelling, so that the ledger and the reports join on one code.
    code = pd.Series(found["code_marche"].to_numpy(), dtype="str")
    code[~known] = map_distinct(f.loc[~known, "code_marche"], lambda text: text.str.strip())
    names = companies.drop_duplicates("siret").set_index("siret")["nom"]
    siret = pd.Series(found["siret"].to_numpy(), dtype="str")
    return f.assign(
        code_marche=code.where(code != ""),
        marche_connu=known,
        date_debut_marche=found["date_debut"].to_numpy(),
        date_fin_marche=found["date_fin"].to_numpy(),
        siret_attributaire=siret,
        nom_attributaire=siret.map(names).astype("str"),
    )


def _facts(
    lines: pd.DataFrame, registers: Registers, unreadable: pd.DataFrame | None
) -> pd.DataFrame:
    """The lines (index 0..n-1) with the resolved participant, its register dates and
    structure, the marché's dates and attributaire, the month's first and last days, and the
    state of each required value."""
    lines = lines.reset_index(drop=True)
    for column, dtype in _OPTIONAL_COLUMNS.items():
        if column not in lines:
            lines[column] = pd.Series(None, index=lines.index, dtype=dtype)
    lines = match_participants(lines, registers.participants)
    lines = lines.assign(cle_marche=normalise_code(lines["code_marche"]))
    unreadable = pd.DataFrame(index=lines.index) if unreadable is None else unreadable
    unreadable = unreadable.reset_index(drop=True).reindex(lines.index)
    month_start = pd.to_datetime(lines["mois"], format="%Y-%m", errors="coerce")
    f = lines.assign(
        debut_mois=month_start,
        fin_mois=month_start + pd.offsets.MonthEnd(0),
        **_invalid_values(lines, unreadable, month_start),
    )
    f = _with_markets(_with_participants(f, registers.participants), registers.markets,
                      registers.companies)
    # Position of the first line with the same participant, marché and month (DOUBLON).
    group, first = _row_groups(f[_DUPLICATE_KEY])
    return f.assign(premiere_position=np.where(group >= 0, first[group], -1))


# --- French texts of the messages --------------------------------------------------------------

_MONTH_NAMES = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                "septembre", "octobre", "novembre", "décembre")  # fmt: skip


def french_number(value: float) -> str:
    """`1234.5` → `"1 234,5"` (narrow no-break space, decimal comma, at most 2 decimals)."""
    text = f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")
    return text.rstrip("0").rstrip(",")


def _shown(distinct: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(distinct):
        return distinct.dt.strftime("%d/%m/%Y")
    if pd.api.types.is_numeric_dtype(distinct) and not pd.api.types.is_bool_dtype(distinct):
        return distinct.map(french_number)
    return distinct.astype("str")


def _text(values: pd.Series) -> np.ndarray:
    return map_distinct(values, _shown).fillna("").to_numpy(dtype=object)


def _month_names(months: pd.Series) -> pd.Series:
    start = pd.to_datetime(months, format="%Y-%m", errors="coerce")
    names = start.dt.month.map(lambda m: _MONTH_NAMES[int(m) - 1], na_action="ignore")
    return (names + " " + start.dt.year.astype("Int64").astype("str")).fillna(months)


def _months_of(months: pd.Series) -> pd.Series:
    names = _month_names(months)
    elided = names.str.match(r"^(avril|août|octobre)")  # « du mois d'avril », « de mai »
    return "du mois " + pd.Series(np.where(elided, "d'", "de "), index=names.index) + names


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
        _append(listed, started, rows[f"invalide_{key}"].to_numpy(), texts, ", ")
    return listed


def _first_occurrence(rows: _Rows) -> np.ndarray:
    first = rows.facts.iloc[rows["premiere_position"].to_numpy()]
    return ("ligne " + first["ligne"].astype("str") + " de la feuille « " + first["feuille"]
            + " »").to_numpy(dtype=object)


# Derived texts a template may name: (lines the rule broke, context) → one text per line.
_FIELDS: dict[str, Callable[[_Rows, Context], object]] = {
    "colonnes_invalides": lambda rows, ctx: _invalid_columns(rows),
    "le_mois": lambda rows, ctx: map_distinct(rows["mois"], _month_names),
    "du_mois": lambda rows, ctx: map_distinct(rows["mois"], _months_of),
    "fin_eligibilite": lambda rows, ctx: _months_after(
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


def _codes(broken: np.ndarray) -> np.ndarray:
    """The ";"-joined codes of each line, in table order, built once per combination."""
    pattern = broken.astype(np.int64) @ (np.int64(1) << np.arange(len(RULES), dtype=np.int64))
    distinct, inverse = np.unique(pattern, return_inverse=True)
    joined = [
        ";".join(rule.code for bit, rule in enumerate(RULES) if combination >> bit & 1)
        for combination in distinct.tolist()
    ]
    return np.asarray(joined, dtype=object)[inverse]


# --- the facilitator's Décisions (SPEC §4, §6) -------------------------------------------------

VALIDATE, INVALIDATE = "valider", "invalider"
_DECISION_KEY = ["_id", "_marche", "mois"]


def _citations(rows: pd.DataFrame) -> pd.Series:
    def part(prefix: str, values: pd.Series) -> pd.Series:
        values = values.astype("str").str.strip()
        return (prefix + values.where(values != "")).fillna("")

    verb = np.where(rows["decision"] == VALIDATE, "Heures validées", "Heures invalidées")
    text = (
        pd.Series(verb, index=rows.index, dtype="str")
        + " par décision"
        + part(" de ", rows["auteur"])
        + part(" du ", pd.to_datetime(rows["date"], errors="coerce").dt.strftime("%d/%m/%Y"))
        + part(" : ", rows["commentaire"])
    )
    return text + np.where(text.str.endswith((".", "!", "?")), "", ".")


def _decisions(facts: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """One row (`_pos` of the line, `motif`, `decision`, `citation`) per decision naming a
    line's participant, marché and month; the newest wins for the same line and code."""
    recorded = decisions.assign(
        _id=normalise_code(decisions["id_participant"]),
        _marche=normalise_code(decisions["code_marche"]),
        mois=normalise_code(decisions["mois"]),
        motif=normalise_code(decisions["motif"]),
        decision=decisions["decision"].astype("str").str.strip().str.lower(),
        date=pd.to_datetime(decisions["date"], errors="coerce"),
    )
    recorded = recorded[recorded["decision"].isin([VALIDATE, INVALIDATE])]
    # Only the few lines whose marché has a decision are looked at closely.
    concerned = facts["cle_marche"].isin(recorded["_marche"].dropna().unique()).to_numpy(copy=True)
    concerned[concerned] = facts.loc[concerned, "id_participant"].notna().to_numpy()
    lines = pd.DataFrame(
        {
            "_pos": np.flatnonzero(concerned),
            "_id": normalise_code(facts.loc[concerned, "id_participant"]).to_numpy(),
            "_marche": facts.loc[concerned, "cle_marche"].to_numpy(),
            "mois": facts.loc[concerned, "mois"].to_numpy(),
        }
    )
    rows = lines.merge(recorded, on=_DECISION_KEY)
    rows = rows.sort_values("date", na_position="first", kind="stable").drop_duplicates(
        ["_pos", "motif"], keep="last"
    )
    return rows.assign(citation=_citations(rows))[["_pos", "motif", "decision", "citation"]]


# --- the whole check ---------------------------------------------------------------------------


def check_lines(
    submission_lines: pd.DataFrame,
    *,
    registers: Registers,
    rules: Rules,
    code_structure: str,
    unreadable: pd.DataFrame | None = None,
    declared_total: float | None = None,
    today: date,
    late_months: Collection[str] = frozenset(),
) -> pd.DataFrame:
    """Run every rule of `RULES` on the lines of one relevé (SPEC §6).

    Returns `schemas.submissions.CheckedHourLine`: the lines (same index), with `id_participant`
    the register's identifier (NaN when not found) and `code_marche` the register's spelling,
    plus `statut`, `motifs` (codes broken, ";"-joined in table order), `explications` (one
    French sentence per code, " ; "-joined), `en_retard` (the line's month is in
    `late_months`: the caller judges lateness from the file's date, SPEC §6 jour_limite),
    `decision` (the Décisions applied, "" when none), `correspondance` and `id_declare` (see
    `matching.match_participants`; lines already matched are accepted as they are).

    A decision « valider » whose motif is a rejection of the line turns it into an alert; a
    decision « invalider » whose motif is an alert of the line turns it into a rejection (the
    MO's choice either way). The code stays listed and its explanation cites the decision.
    """
    ctx = Context(
        settings=rules,
        today=pd.Timestamp(today).normalize(),
        code_structure=code_structure,
        declared_total=declared_total,
        lines_total=float(submission_lines["heures"].sum()),
    )
    facts = _facts(submission_lines, registers, unreadable)
    broken, rejected, explanations, cited = _run_rules(facts, ctx, registers.decisions)
    status = np.select(
        [rejected, broken.any(axis=1)],
        [LineStatus.REJECTED.value, LineStatus.ALERT.value],
        LineStatus.ACCEPTED.value,
    )
    added = ["statut", "motifs", "explications", "en_retard", "decision", "correspondance",
             "id_declare"]  # fmt: skip
    kept = [column for column in submission_lines.columns if column not in added]
    checked = facts[kept].assign(
        statut=pd.Series(status, dtype="str"),
        motifs=pd.Series(_codes(broken), dtype="str"),
        explications=pd.Series(explanations, dtype="str"),
        en_retard=facts["mois"].isin(list(late_months)).to_numpy(dtype=bool),
        decision=pd.Series(cited, dtype="str"),
        correspondance=facts["correspondance"],
        id_declare=facts["id_declare"],
    )
    checked.index = submission_lines.index
    return checked


def _run_rules(
    facts: pd.DataFrame, ctx: Context, decisions: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per line: which rules are broken (a column per rule), whether the line is rejected once
    severities and decisions apply, its explanations and the decisions it cites."""
    decided = _decisions(facts, decisions)
    severity = severities(ctx.settings)
    n = len(facts)
    broken = np.zeros((n, len(RULES)), dtype=bool)
    rejected = np.zeros(n, dtype=bool)
    explanations, cited = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    explained, has_decision = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for i, rule in enumerate(RULES):
        mask = rule.broken(facts, ctx).to_numpy(dtype=bool, na_value=False)
        if not mask.any():
            continue
        broken[:, i] = mask
        is_reject = severity[rule.code] == REJECT
        # A decision flips the severity on the lines it names (SPEC §6, Décisions).
        flips = decided[
            (decided["motif"] == rule.code)
            & (decided["decision"] == (VALIDATE if is_reject else INVALIDATE))
        ]
        flips = flips[mask[flips["_pos"].to_numpy()]]
        changed = np.zeros(n, dtype=bool)
        changed[flips["_pos"].to_numpy()] = True
        rejected |= mask & (is_reject != changed)

        where = np.flatnonzero(mask)
        texts = _explain(rule, _Rows(facts, where), ctx)
        if len(flips):
            citation = np.full(n, "", dtype=object)
            citation[flips["_pos"].to_numpy()] = flips["citation"].to_numpy(dtype=object)
            texts = np.where(changed[where], texts + " " + citation[where], texts)
            _append(cited, has_decision, changed, citation[changed], " ; ")
        _append(explanations, explained, mask, texts, " ; ")
    return broken, rejected, explanations, cited


def total_message(lines: pd.DataFrame, declared_total: float | None) -> str | None:
    """The TOTAL_INCOHERENT sentence of a file, or None: for the control report's summary, where
    a file-wide mismatch reads better once than on every line."""
    lines_total = float(lines["heures"].sum())
    if declared_total is None or not _totals_differ(declared_total, lines_total):
        return None
    template = next(rule.message for rule in RULES if rule.code == "TOTAL_INCOHERENT")
    return template.format(
        total_declare=french_number(declared_total), total_lignes=french_number(lines_total)
    )
