"""Register changes reach lines already received (SPEC §4, §6; issue 12 point 10).

The convention has the maître d'ouvrage decide *after* the guichet reports a problem, and the
facilitator completes the registers as people and marchés come in. So when the registers change,
the next pass checks again the lines whose verdict can change — rejected lines, and lines a
Décision names or named — with the same rules as on receipt (`rules.check_lines`), and keeps a
new verdict as a new version with its cause. This module is the pure part: which lines, their
new verdict, its cause; the ledger records it (`Ledger.record_reevaluation`).

Bounded: only candidate lines are read and checked, one vectorised `check_lines` per structure
(the rules compare the participant's structure with the sender's), never the whole history.

What the registers cannot change stays as received: a line rejected for something about the file
itself (`VALEUR_INVALIDE`, `DOUBLON`, `PERIODE_FUTURE`: the structure sends a corrected relevé)
is not a candidate, and a file's `TOTAL_INCOHERENT` stays on its lines. Eligibility validated
after a mission started still breaks `ELIGIBILITE_NON_VALIDEE` (convention art. 3): only a
Décision makes those hours count.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import numpy as np
import pandas as pd

from clauses.checking.facts import RegisterIndex
from clauses.checking.matching import normalise_code
from clauses.checking.rules import check_lines, severities
from clauses.config import Rules
from clauses.reading.cells import objects
from clauses.registers.load import Registers
from clauses.vocabulary import LineStatus

# Verdicts that depend on the file as sent, not on the registers.
FILE_BOUND = frozenset({"VALEUR_INVALIDE", "DOUBLON", "PERIODE_FUTURE"})
_FILE_BOUND = "(?:^|;)(?:" + "|".join(sorted(FILE_BOUND)) + ")(?:;|$)"
TOTAL = "TOTAL_INCOHERENT"
REGISTER_CHANGED = "registre modifié"
# What a line is checked on again: as stored, with the identity as the structure wrote it.
_LINE_COLUMNS = ["feuille", "ligne", "id_participant", "nom", "prenom", "date_naissance",
                 "code_marche", "mois", "heures", "date_debut_mission", "date_fin_mission",
                 "type_contrat", "entreprise", "poste"]
VERDICT_COLUMNS = ["id", "id_participant", "code_marche", "statut", "motifs", "explications",
                   "decision", "cause"]
SHEETS = ("structures", "buyers", "companies", "markets", "participants", "decisions")


def register_fingerprints(registers: Registers) -> dict[str, str]:
    """A SHA-256 per register sheet, of its content as loaded (a workbook saved again
    unchanged keeps its fingerprints)."""
    prints = {}
    for name in SHEETS:
        frame = getattr(registers, name)
        hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
        digest = hashlib.sha256("\x1f".join(map(str, frame.columns)).encode())
        digest.update(hashed.tobytes())
        prints[name] = digest.hexdigest()
    return prints


def fingerprint(prints: dict[str, str]) -> str:
    """One SHA-256 for all the sheets' fingerprints."""
    text = "\n".join(f"{name}={value}" for name, value in sorted(prints.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def candidates(lines: pd.DataFrame, index: RegisterIndex) -> pd.DataFrame:
    """Of current lines (rejected ones, and lines with a decision or in a month a decision
    names: `Ledger.reevaluation_lines`), those whose verdict a register change can alter."""
    motifs = lines["motifs"].fillna("")
    file_bound = motifs.str.contains(_FILE_BOUND, regex=True)
    rejected = lines["statut"] == LineStatus.REJECTED.value
    decided = lines["decision"].fillna("") != ""
    if index.decided:
        keys = zip(objects(normalise_code(lines["id_participant"])),
                   objects(normalise_code(lines["code_marche"])), objects(lines["mois"]),
                   strict=True)
        named = np.fromiter((key in index.decided for key in keys), bool, len(lines))
    else:
        named = np.zeros(len(lines), dtype=bool)
    return lines[~file_bound & (rejected | decided | named)]


def reevaluate(lines: pd.DataFrame, index: RegisterIndex, rules: Rules,
               now: datetime) -> pd.DataFrame:
    """The candidate `lines` whose verdict changes with the current registers: their ledger
    `id` and new `statut`, `motifs`, `explications`, `decision`, with its `cause`."""
    if lines.empty:
        return pd.DataFrame(columns=VERDICT_COLUMNS)
    verdicts = [_check(group, index, rules, now, str(structure))
                for structure, group in lines.groupby("code_structure", sort=True)]
    checked = pd.concat(verdicts)
    old = lines.loc[checked.index]
    changed = ((checked["statut"] != old["statut"])
               | (checked["id_participant"].fillna("") != old["id_participant"].fillna(""))
               | (checked["motifs"] != old["motifs"].fillna(""))
               | (checked["decision"] != old["decision"].fillna("")))
    checked, old = checked[changed], old[changed]
    cause = _causes(checked, old, index)
    return pd.DataFrame({"id": old["id"], "id_participant": checked["id_participant"],
                         "code_marche": checked["code_marche"], "statut": checked["statut"],
                         "motifs": checked["motifs"], "explications": checked["explications"],
                         "decision": checked["decision"], "cause": cause},
                        columns=VERDICT_COLUMNS).reset_index(drop=True)


def _check(group: pd.DataFrame, index: RegisterIndex, rules: Rules, now: datetime,
           structure: str) -> pd.DataFrame:
    submission = group[[c for c in _LINE_COLUMNS if c in group.columns]].copy()
    # Match again on the identity as written; lines stored before it was kept have only the
    # register identifier they were matched to.
    written = group["id_declare"] if "id_declare" in group else group["id_participant"]
    submission["id_participant"] = written.fillna(group["id_participant"])
    checked = check_lines(submission, registers=index, rules=rules, code_structure=structure,
                          today=now.date())
    return _keep_total(checked, group, rules)


def _keep_total(checked: pd.DataFrame, old: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """A file's TOTAL_INCOHERENT is about the whole file: it stays on its lines."""
    had = old["motifs"].fillna("").str.contains(rf"(?:^|;){TOTAL}(?:;|$)", regex=True)
    if not had.any():
        return checked
    sentence = old["explications"].fillna("").str.split(" ; ").map(
        lambda parts: next((p for p in parts if "total" in p.lower()), ""))
    motifs = checked["motifs"].where(~had, (checked["motifs"] + ";" + TOTAL).str.lstrip(";"))
    texts = checked["explications"].where(
        ~had, (checked["explications"] + " ; " + sentence).str.strip(" ;"))
    statut = checked["statut"]
    if severities(rules)[TOTAL] == "rejet":
        statut = statut.where(~had, LineStatus.REJECTED.value)
    else:
        statut = statut.where(~(had & (statut == LineStatus.ACCEPTED.value)),
                              LineStatus.ALERT.value)
    return checked.assign(motifs=motifs, explications=texts, statut=statut)


def _causes(checked: pd.DataFrame, old: pd.DataFrame, index: RegisterIndex) -> pd.Series:
    """« décision du 12/11/2026 » when a decision now applies that did not, the newest naming
    the line; « registre modifié » otherwise."""
    cause = pd.Series(REGISTER_CHANGED, index=checked.index, dtype="str")
    new_decision = (checked["decision"] != "") & (checked["decision"] != old["decision"].fillna(""))
    if not new_decision.any() or index.decisions.empty:
        return cause
    keyed = pd.DataFrame({
        "_id": normalise_code(checked["id_participant"]),
        "_marche": normalise_code(checked["code_marche"]),
        "mois": checked["mois"].astype("str"),
    }, index=checked.index)[new_decision]
    dated = index.decisions.dropna(subset=["date"]).groupby(["_id", "_marche", "mois"])[
        "date"].max()
    dates = pd.Series([dated.get(tuple(key)) for key in keyed.itertuples(index=False)],
                      index=keyed.index, dtype="datetime64[us]")
    text = ("décision du " + dates.dt.strftime("%d/%m/%Y")).fillna(REGISTER_CHANGED)
    cause.loc[keyed.index] = text
    return cause
