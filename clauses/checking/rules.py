"""Control rules of a relevé line (SPEC §6, line level), declared as one table (STYLE §3).

Each rule is a small function returning a boolean mask (numpy) over the *facts* of the lines
(the lines with what the registers say about their participant and marché:
`facts.facts_of`), declared in `RULES` with its reason code, default severity and French
message template (filled by `explanations.py`). `check_lines` runs them all at once, vectorised
(no loop over lines), applies the configured severities and the facilitator's Décisions
(`decisions.py`), and gives each line its status, codes and explanations.

Choices where the SPEC leaves room:
- a rule whose input is missing does not fire: the line is VALEUR_INVALIDE instead (no
  MARCHE_INCONNU without a code, no PARTICIPANT_INCONNU without an identity, …);
- TOTAL_INCOHERENT is a fact about the file (one Total per file): with its default severity
  (alerte) it is ONE alert of the file (`total_message`, in the control report's summary, the
  ledger's file row and the e-mail) and the lines keep their own status (issue 15); set to
  « rejet » in config.yaml, every line carries it and the file's lines are refused as a whole;
- ENTREPRISE_DIFFERENTE accepts the attributaire's name, SIRET or SIREN;
- `en_retard` comes from `late_months`, which the caller computes from the file's date.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import numpy as np
import pandas as pd

from clauses.checking.decisions import (
    Applied,
    applied_decisions,
    decisions_naming,
    invalidated_outright,
)
from clauses.checking.explanations import explain_lines, joined_codes
from clauses.checking.facts import (
    REQUIRED_VALUES,
    Context,
    Facts,
    RegisterIndex,
    Rule,
    eligibility_end,
    facts_of,
    missing,
    prescription_deadline,
    register_index,
    totals_differ,
    written_company,
)
from clauses.checking.matching import AMBIGUOUS, UNKNOWN, matched_columns, normalised_codes, resolve
from clauses.config import Rules
from clauses.reading.notations import french_number
from clauses.registers.load import Registers
from clauses.vocabulary import LineStatus, Severity

REJECT, ALERT = Severity.REJECT.value, Severity.ALERT.value

# --- the rules, in the order their codes are listed (SPEC §6) --------------------------------
# Comparisons with an empty value (NaN, NaT, None) are False: a rule never fires on a gap.


def invalid_value(f: Facts, ctx: Context) -> np.ndarray:
    return np.logical_or.reduce([f[f"invalide_{key}"] for key in REQUIRED_VALUES])


def hours_out_of_bounds(f: Facts, ctx: Context) -> np.ndarray:
    # The line, and the participant's whole month across files and structures (SPEC §6).
    limit = ctx.settings.max_heures_mois
    return (f["heures"] <= 0) | (f["heures"] > limit) | (f["total_mois"] > limit)


def unknown_participant(f: Facts, ctx: Context) -> np.ndarray:
    # A missing identity is VALEUR_INVALIDE, not an unknown participant.
    return (f["correspondance"] == UNKNOWN) & ~f["invalide_identite"]


def ambiguous_participant(f: Facts, ctx: Context) -> np.ndarray:
    return f["correspondance"] == AMBIGUOUS


def eligibility_not_validated(f: Facts, ctx: Context) -> np.ndarray:
    never_validated = ~missing(f["id_participant"]) & np.isnat(f["date_validation"])
    return never_validated | (f["date_debut_mission"] < f["date_validation"])


def prescription_expired(f: Facts, ctx: Context) -> np.ndarray:
    deadline = prescription_deadline(f["date_prescription"], ctx.settings)
    return f["date_validation"] > deadline


def eligibility_expired(f: Facts, ctx: Context) -> np.ndarray:
    end = eligibility_end(f["date_validation"], ctx.settings)
    return f["debut_mois"] > end


def unknown_market(f: Facts, ctx: Context) -> np.ndarray:
    # A missing code is VALEUR_INVALIDE, not an unknown marché.
    return ~f["invalide_code_marche"] & ~f["marche_connu"]


def outside_market_period(f: Facts, ctx: Context) -> np.ndarray:
    return (f["fin_mois"] < f["date_debut_marche"]) | (f["debut_mois"] > f["date_fin_marche"])


def mission_outside_month(f: Facts, ctx: Context) -> np.ndarray:
    # An open mission (no end date) runs until today: only its start can miss the month.
    return (f["date_debut_mission"] > f["fin_mois"]) | (f["date_fin_mission"] < f["debut_mois"])


def future_period(f: Facts, ctx: Context) -> np.ndarray:
    # The month has ended only once its last day is past (hours of the 31st are worked on it).
    return f["fin_mois"] >= ctx.today_us


def duplicate_line(f: Facts, ctx: Context) -> np.ndarray:
    # The first line counts; the second and later ones are the duplicates (SPEC §6).
    first = f["premiere_position"]
    return (first >= 0) & (first != np.arange(len(f)))


def _same(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return (left == right) & ~missing(left) & ~missing(right)


def company_differs(f: Facts, ctx: Context) -> np.ndarray:
    given = ~missing(f["entreprise"]) & f["marche_connu"]
    if not given.any():
        return given
    # The attributaire's SIRET, its SIREN (the same company) or its name all designate it.
    written = written_company(f)
    same = (
        written["blank"]
        | _same(written["digits"], f["siret_attributaire"])
        | _same(written["digits"], f["siren_attributaire"])
        | _same(written["folded"], f["nom_attributaire_plie"])
    )
    return given & ~same


def structure_differs(f: Facts, ctx: Context) -> np.ndarray:
    registered = f["cle_structure_participant"]
    return ~missing(registered) & (registered != ctx.code_structure.strip().upper())


def declared_elsewhere(f: Facts, ctx: Context) -> np.ndarray:
    return ~missing(f["structures_ailleurs"])


def total_differs(f: Facts, ctx: Context) -> np.ndarray:
    # One Total for the file: an alert stays the file's (`total_message`); a severity changed
    # to « rejet » in config.yaml puts it on every line, refusing them as a whole (SPEC §6).
    refuses = ctx.settings.severites.get("TOTAL_INCOHERENT", ALERT) == REJECT
    return np.full(len(f), ctx.total_differs and refuses, dtype=bool)


RULES: tuple[Rule, ...] = (
    Rule("VALEUR_INVALIDE", REJECT, invalid_value,
         "Valeur obligatoire vide ou illisible : {colonnes_invalides}."),
    Rule("HEURES_HORS_LIMITES", REJECT, hours_out_of_bounds,
         "Le participant totalise {total_depasse} h {du_mois}, toutes structures et tous "
         "relevés confondus (dont {heures} h sur cette ligne) : au-delà de {max_heures_mois} h.",
         {"total_depasse": "{heures} h déclarées : les heures d'un mois doivent être "
                           "supérieures à 0 et ne pas dépasser {max_heures_mois} h."}),
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
    Rule("DOUBLE_DECLARATION", ALERT, declared_elsewhere,
         "Les heures de ce participant sur le marché {code_marche} pour {le_mois} sont aussi "
         "déclarées par {structures_ailleurs} : double déclaration à vérifier avec le guichet."),
)  # fmt: skip


def severities(settings: Rules) -> dict[str, str]:
    """Each code's severity: the default of `RULES`, unless `config.yaml` changes it."""
    return {rule.code: settings.severites.get(rule.code, rule.severity) for rule in RULES}


# --- the whole check -----------------------------------------------------------------------------


def check_lines(
    submission_lines: pd.DataFrame,
    *,
    registers: Registers | RegisterIndex,
    rules: Rules,
    code_structure: str,
    unreadable: pd.DataFrame | None = None,
    declared_total: float | None = None,
    today: date,
    late_months: Collection[str] = frozenset(),
    elsewhere: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Run every rule of `RULES` on the lines of one relevé (SPEC §6).

    `registers` is the `Registers` or, to key them once for many files, their
    `RegisterIndex.of(registers)`. Returns `schemas.submissions.CheckedHourLine`: the lines
    (same index), with `id_participant` the register's identifier (NaN when not found) and
    `code_marche` the register's spelling, plus `statut`, `motifs` (codes broken, ";"-joined in
    table order), `explications` (one French sentence per code, " ; "-joined), `en_retard`
    (the line's month is in `late_months`: the caller judges lateness from the file's date,
    SPEC §6 jour_limite), `decision` (the Décisions applied, "" when none), `correspondance`
    and `id_declare` (see `matching.match_participants`; lines already matched are accepted
    as they are). `elsewhere`: the current lines other structures declared for these
    participants and months (`Ledger.declared_elsewhere`), for HEURES_HORS_LIMITES on the
    participant's month and DOUBLE_DECLARATION (`checking/elsewhere.py`).
    """
    index = register_index(registers)
    ctx = Context(
        settings=rules,
        today=pd.Timestamp(today).normalize(),
        code_structure=code_structure,
        declared_total=declared_total,
        lines_total=float(submission_lines["heures"].sum()),
    )
    match = resolve(submission_lines, index.participants)
    facts = facts_of(submission_lines, index, unreadable, match, elsewhere)
    limit = rules.max_heures_mois
    line_hours = facts["heures"].astype(float)
    within = (line_hours > 0) & (line_hours <= limit)
    # The sentence of HEURES_HORS_LIMITES names the month's total when the line alone is fine.
    facts.derived["total_depasse"] = np.where(within & (facts["total_mois"] > limit),
                                              facts["total_mois"], np.nan)
    broken = np.zeros((len(facts), len(RULES)), dtype=bool)
    for i, rule in enumerate(RULES):
        broken[:, i] = rule.broken(facts, ctx)
    rejected, applied, (outright, citations) = _rejected(facts, ctx, broken, index)
    explanations, cited = explain_lines(RULES, broken, applied, facts, ctx)
    if outright.size:
        rejected[outright] = True
        for column in (explanations, cited):
            column[outright] = [f"{text} ; {citation}" if text else citation
                                for text, citation in zip(column[outright], citations, strict=True)]
    status = np.select(
        [rejected, broken.any(axis=1)],
        [LineStatus.REJECTED.value, LineStatus.ALERT.value],
        LineStatus.ACCEPTED.value,
    )
    added = ["statut", "motifs", "explications", "en_retard", "decision", "correspondance",
             "id_declare"]  # fmt: skip
    kept = [column for column in submission_lines.columns if column not in added]
    lines_index = submission_lines.index
    matched = matched_columns(match, lines_index)
    late = set(late_months)
    months = facts["mois"].tolist()
    return submission_lines[kept].assign(
        id_participant=matched["id_participant"],
        code_marche=pd.Series(facts["code_marche"], index=lines_index, dtype="str"),
        statut=pd.Series(status, index=lines_index, dtype="str"),
        motifs=pd.Series(joined_codes(broken, [rule.code for rule in RULES]), index=lines_index,
                         dtype="str"),
        explications=pd.Series(explanations, index=lines_index, dtype="str"),
        en_retard=np.fromiter((month in late for month in months), bool, len(months)),
        decision=pd.Series(cited, index=lines_index, dtype="str"),
        correspondance=matched["correspondance"],
        id_declare=matched["id_declare"],
    )


def _rejected(
    facts: Facts, ctx: Context, broken: np.ndarray, index: RegisterIndex
) -> tuple[np.ndarray, Applied, tuple[np.ndarray, np.ndarray]]:
    """Per line, whether it is rejected once the severities and the Décisions apply (a
    decision flips the severity of the rule it names on its line), the decisions that
    did (`decisions.applied_decisions`), and the lines an « invalider » rejects outright with
    their citations (`decisions.invalidated_outright`)."""
    severity = severities(ctx.settings)
    rejects = np.array([severity[rule.code] == REJECT for rule in RULES], dtype=bool)
    applied = Applied.none()
    outright = (np.zeros(0, np.int64), np.zeros(0, dtype=object))
    if index.decided:
        keys = list(zip(normalised_codes(facts["id_participant"]).tolist(),
                        facts["cle_marche"].tolist(), facts["mois"].tolist(), strict=True))
        named = decisions_naming(keys, facts["mois"], index.decisions, index.decided)
        applied = applied_decisions(named, [rule.code for rule in RULES], rejects, broken)
        outright = invalidated_outright(named, applied, rejects)
    flipped = np.zeros_like(broken)
    flipped[applied.positions, applied.rules] = True
    return (broken & (rejects != flipped)).any(axis=1), applied, outright


def total_message(lines: pd.DataFrame, declared_total: float | None,
                  settings: Rules | None = None) -> str | None:
    """The TOTAL_INCOHERENT sentence of a file (declared, read, the difference), or None when
    the Total matches or when the configured severity puts it on the lines instead."""
    lines_total = float(lines["heures"].sum())
    if declared_total is None or not totals_differ(declared_total, lines_total):
        return None
    if settings is not None and settings.severites.get("TOTAL_INCOHERENT", ALERT) == REJECT:
        return None
    template = next(rule.message for rule in RULES if rule.code == "TOTAL_INCOHERENT")
    sentence = template.format(
        total_declare=french_number(declared_total), total_lignes=french_number(lines_total)
    )
    gap = french_number(abs(declared_total - lines_total))
    return (f"{sentence[:-1]} : écart de {gap} h. Les lignes gardent leur propre statut : "
            "leurs heures sont comptées.")
