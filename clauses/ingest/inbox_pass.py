"""Ingest the inbox (SPEC §5–§7): archive, classify, check, record, report back.

A pass has three steps. *Receive* (in order): archive each file, and settle at once what needs
no reading — already received, unknown structure, too large, pièce justificative. *Check* (in
parallel worker processes when there are many files; clauses/ingest/one_file.py): read each
spreadsheet, apply the rules, write its control report. *Commit* (in order, one transaction per
file): record it in the ledger, then take it out of the inbox — so a correction dropped after the
file it corrects still replaces it. `ingest_candidate` does the three steps for one file: the
Prefect flow `ingest-inbox` runs the same pass as the CLI (`run_pass`), recording each file
in a Prefect task that takes only the file's name and hash: the heavy context (registers and
their lookups) stays in this process, cached per register file, and is never a task parameter.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import pickle
import traceback
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from clauses.atomic import atomic_path
from clauses.checking.facts import RegisterIndex
from clauses.checking.months import replacements, with_replacements
from clauses.checking.reevaluation import (
    candidates,
    fingerprint,
    reevaluate,
    register_fingerprints,
)
from clauses.clock import now_or
from clauses.config import Config
from clauses.errors import ClausesError, FileRejected
from clauses.ingest.guard import Failure, GuardedPool, Limits, resident_memory
from clauses.ingest.one_file import (
    CheckContext,
    Checked,
    FileResult,
    Received,
    across_structures,
    check_spreadsheet,
    file_report,
    participant_months,
    refuse,
    statement_report,
    tracking_report,
)
from clauses.ledger import (
    AlreadyRecorded,
    ElsewhereChanged,
    FileRecord,
    JudgedElsewhere,
    Ledger,
)
from clauses.periods import add_months
from clauses.reading.notations import fold_code, french_number
from clauses.reading.sizes import ReadLimits
from clauses.reading.submission import SPREADSHEET_SUFFIXES
from clauses.registers.load import Registers, load_registers
from clauses.reports.missions import disagreements
from clauses.vocabulary import FILE_REASONS, Kind
from clauses.workspace.archive import archive_file, remove_from_inbox
from clauses.workspace.folders import ensure_writable
from clauses.workspace.inbox import Candidate, scan_inbox

__all__ = ["WAITING", "FileResult", "IngestRun", "batch_codes", "failed_result",
           "ingest_candidate", "ingest_inbox", "open_guard", "run_pass"]

# Status of a file left in the inbox because it changed while being read (not a FileRecord
# status: nothing is recorded).
WAITING = "en attente"


# How long a batch waits for another's re-evaluation (seconds at national size) before it
# gives up, its files left for the next pass.
REEVALUATION_WAIT_SECONDS = 600.0

@dataclass
class IngestRun:
    """Everything one pass over the inbox needs, loaded once."""

    config: Config
    registers: Registers
    ledger: Ledger
    now: datetime
    index: RegisterIndex  # the registers' lookups, built once for every file of the pass
    seen: set[str] = field(default_factory=set)  # files received in this pass
    # Lines given a new verdict at the start of the pass, the registers having changed (SPEC §6),
    # and, per structure, those not yet told in one of its control reports.
    reevaluated: pd.DataFrame = field(default_factory=pd.DataFrame)
    untold: dict[str, pd.DataFrame] = field(default_factory=dict)
    limits: ReadLimits = field(default_factory=ReadLimits)  # what a file may hold once read
    guard: GuardedPool | None = None  # the worker of `ingest_candidate`, one file at a time

    @classmethod
    def open(cls, config: Config, now: datetime | None = None,
             structures: Collection[str] | None = None) -> IngestRun:
        """A pass over the whole inbox, or over `structures`' folders only (one batch)."""
        ensure_writable(config.inbox, config.archive, config.quarantine, config.outbox / "controles")
        registers, index = register_context(config)
        run = cls(config, registers, Ledger.from_config(config), now_or(now, config.zone), index)
        try:
            # One pass at a time per structure, CLI or flow, on any machine: a batch holds
            # only its structures, so batches of other structures run beside it (issue 14.2).
            run.ledger.lock_pass(structures=None if structures is None
                                 else batch_codes(structures))
            # Batches take turns here: one that gathered its structures' untold verdicts while
            # another was still re-evaluating would miss them for good (each is told once).
            with run.ledger.reevaluation_turn(seconds=REEVALUATION_WAIT_SECONDS):
                run.reevaluated = reevaluate_received_lines(run)
                run.untold = run.ledger.reevaluations_untold()
        except BaseException:
            run.ledger.close()
            raise
        return run

    @property
    def context(self) -> CheckContext:
        return CheckContext(self.config, self.index, self.now, self.untold, self.limits)

    def close(self) -> None:
        if self.guard is not None:
            self.guard.close()
        self.ledger.close()

    @functools.cached_property
    def known_structures(self) -> set[str]:
        # Once per pass (the registers do not change during one), not once per file received.
        return set(self.registers.structures["code_structure"])

    def registered_structure(self, folder: str) -> str | None:
        """The register's `code_structure` a drop folder stands for: `ai-niort` is AI-NIORT
        (case, accents and spaces ignored, as the rules compare codes); None when unknown."""
        return self._folded_structures.get(fold_code(folder)) if folder else None

    @functools.cached_property
    def _folded_structures(self) -> dict[str, str]:
        # Once per pass, not once per file: 370 codes folded for each of 370 files was 4 ms each.
        return {fold_code(code): code for code in self.known_structures}


# The registers and their lookups, per register file version: a national register (60 000
# participants) takes 10 s or more to read and index, longer than checking a month of files on
# two cores. Every pass needs them, and a Prefect worker starts each run in a new process: so they
# are kept in this process and pickled in `state/cache/` (0.2 s to load), keyed by the register's
# bytes, the header aliases and the code that builds them (an upgrade rebuilds the cache).
_REGISTERS: dict[str, tuple[Registers, RegisterIndex]] = {}
_CODE = Path(__file__).resolve().parents[1]  # the whole clauses package


def _code_identity() -> str:
    digest = hashlib.sha256()
    for source in sorted(_CODE.rglob("*.py")):
        stat = source.stat()
        digest.update(f"{source.relative_to(_CODE)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def register_context(config: Config) -> tuple[Registers, RegisterIndex]:
    """The workspace's registers and their lookups, loaded once per register file version."""
    path = config.registers_path
    try:
        content = path.read_bytes()
    except OSError:
        content = None  # load_registers says what is wrong, in French
    if content is None:
        registers = load_registers(path, extra_aliases=config.entetes)
        return registers, RegisterIndex.of(registers)
    key = hashlib.sha256(content + repr(sorted((config.entetes or {}).items())).encode()
                         + _code_identity().encode()).hexdigest()
    cached = _REGISTERS.get(key) or _read_cache(config, key)
    if cached is None:
        registers = load_registers(path, extra_aliases=config.entetes)
        cached = (registers, RegisterIndex.of(registers))
        _write_cache(config, key, cached)
    _REGISTERS.clear()  # one workspace per process: keep only its current registers
    _REGISTERS[key] = cached
    return cached


def _cache_file(config: Config) -> Path:
    return config.state / "cache" / "registres.pickle"


def _read_cache(config: Config, key: str) -> tuple[Registers, RegisterIndex] | None:
    try:
        with open(_cache_file(config), "rb") as handle:
            stored_key, value = pickle.load(handle)  # noqa: S301 — our own file in state/
    except Exception:  # noqa: BLE001 — absent, partial or from older code: rebuilt
        return None
    return value if stored_key == key else None


def _write_cache(config: Config, key: str, value: tuple[Registers, RegisterIndex]) -> None:
    target = _cache_file(config)
    try:
        # Atomic: a reader sees the old cache or the new, never half of one.
        with atomic_path(target) as partial, open(partial, "wb") as handle:
            pickle.dump((key, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:
        pass  # a read-only state folder only costs the next pass the load


def reevaluate_received_lines(run: IngestRun) -> pd.DataFrame:
    """When the registers changed since the last pass, give the lines already received whose
    verdict can change their new verdict, as a new version (SPEC §4, §6). Returns those lines
    (`Ledger.reevaluated` columns); empty when nothing changed."""
    prints = register_fingerprints(run.registers)
    current = fingerprint(prints)
    if run.ledger.register_fingerprint() == current:
        return pd.DataFrame()
    months = {key[2] for key in run.index.decided if key[2]}
    lines = candidates(run.ledger.reevaluation_lines(months), run.index)
    verdicts = reevaluate(lines, run.index, run.config.regles, run.now)
    sheets = "\n".join(f"{name}={value}" for name, value in sorted(prints.items()))
    if not run.ledger.record_reevaluation(verdicts, fingerprint=current, sheets=sheets,
                                          at=run.now):
        return pd.DataFrame()
    return run.ledger.reevaluated(at=run.now)


def _record(run: IngestRun, received: Received, result: FileResult, statut: str) -> FileRecord:
    candidate, root = received.candidate, run.config.root
    archived = received.archived
    return FileRecord(
        sha256=received.sha, code_structure=candidate.structure, nom_fichier=candidate.name,
        chemin_archive=str(archived.relative_to(root) if archived.is_relative_to(root) else archived),
        taille=candidate.size, modifie_le=candidate.modified, recu_le=run.now,
        type=result.kind, mois=result.mois, statut=statut, motif=result.motif,
        message=result.message, en_retard=result.en_retard, lignes=result.lignes,
        acceptees=result.acceptees, alertes=result.alertes, rejetees=result.rejetees,
        arrive_le=candidate.arrived,
    )


def _already_received(run: IngestRun, received: Received) -> Checked:
    """Same bytes as a file already counted: logged, nothing counted twice (SPEC §6)."""
    message = FILE_REASONS["FICHIER_DEJA_RECU"]
    candidate = received.candidate
    result = FileResult(candidate.structure, candidate.name, "déjà reçu",
                        motif="FICHIER_DEJA_RECU", message=message, sha256=received.sha)
    result.control_report = file_report(run.context, received, "FICHIER_DEJA_RECU", message)
    return Checked(received, result)


def _supporting_document(received: Received) -> Checked:
    """A PDF contract or an evaluation sheet: archived and logged, never rejected (SPEC §5.1).
    It belongs to the month before the one it arrived in, like the relevés sent on the 10th."""
    candidate = received.candidate
    month = add_months(f"{candidate.arrived:%Y-%m}", -1)
    return Checked(received, FileResult(candidate.structure, candidate.name, "traité",
                                        kind=Kind.PIECE.value, mois=month, sha256=received.sha))


def _size_text(size: float) -> str:
    if size >= 1024 * 1024:
        return f"{french_number(size / 1024 / 1024)} Mo"
    return f"{french_number(size / 1024)} ko"


def _refusal_before_reading(run: IngestRun, candidate: Candidate) -> FileRejected | None:
    if candidate.structure not in run.known_structures:
        where = (f"Le dossier « {candidate.structure} » ne correspond à aucune structure du "
                 "registre" if candidate.structure else "Le fichier a été déposé à la racine du "
                 "dépôt, hors de tout dossier de structure")
        return FileRejected("STRUCTURE_INCONNUE",
                            f"{where} : déposez-le dans le dossier de votre structure.")
    limit = run.config.depot.taille_max_mo * 1024 * 1024
    if candidate.size > limit:
        return FileRejected(
            "FICHIER_TROP_VOLUMINEUX",
            f"Le fichier pèse {_size_text(candidate.size)}, au-delà de la limite de "
            f"{_size_text(limit)}.")
    return None


def waiting_result(candidate: Candidate) -> FileResult:
    """A file that changed while the pass read it: it stays in the inbox, untouched."""
    return FileResult(candidate.structure, candidate.name, WAITING,
                      message="Le fichier a changé pendant la relève : il sera repris au "
                      "prochain passage.")


def receive(run: IngestRun, candidate: Candidate) -> Received | Checked | FileResult:
    """Archive the file; settle what needs no reading, hand spreadsheets on to be checked.

    The inbox file is read once, into the archive: what is hashed, read and counted is that
    archived copy (clauses/checking/one_file.py), whatever happens to the inbox file meanwhile."""
    code = run.registered_structure(candidate.structure)
    if code is not None and code != candidate.structure:
        # From here on the file is the structure's, under its register code (ledger, reports).
        candidate = dataclasses.replace(candidate, structure=code)
    suffix = Path(candidate.name).suffix
    archived = archive_file(run.config.archive, candidate.path, suffix, candidate.stamp)
    if archived is None:
        return waiting_result(candidate)
    sha = archived[0]
    received = Received(candidate, sha, archived[1])
    if sha in run.seen or run.ledger.is_known_file(sha):
        return _already_received(run, received)
    run.seen.add(sha)
    refusal = _refusal_before_reading(run, candidate)
    if refusal is not None:
        return refuse(run.context, received, refusal)
    if suffix.lower() not in SPREADSHEET_SUFFIXES:
        return _supporting_document(received)
    return received


def _judged_with_nothing_elsewhere(checked: Checked) -> JudgedElsewhere | None:
    """What a relevé's cross-structure rules (SPEC §6) were judged with as checked: no other
    structure's line. None when it declares no participant (nothing to judge across)."""
    participants, months = participant_months(checked)
    if not participants:
        return None
    return JudgedElsewhere(frozenset(participants), frozenset(months))


def _replacing(run: IngestRun, checked: Checked) -> pd.DataFrame | None:
    """The month rows of a relevé with what it replaces (SPEC §7), its control report
    rewritten to say so. Looked up in the ledger here, in drop order, so that a correction
    dropped in the same pass as the file it corrects still sees it."""
    months, hours = checked.months, checked.hours
    if months is None or hours is None or months.empty:
        return months
    declared = list(months.loc[months["declare"].astype(bool), "mois"])
    structure = checked.received.candidate.structure
    before = run.ledger.hours(code_structure=structure, months=declared, counted_only=False)
    if before.empty:
        return months
    files = run.ledger.files(sha256s=set(before["sha256"]))
    replaced = replacements(before, files, hours, declared,
                            threshold=run.config.controles.remplacement_alerte)
    result = checked.result
    result.remplacements = replaced.to_dict("records")
    if checked.raw is not None:
        alert = result.message if result.motif == "TOTAL_INCOHERENT" else None
        result.control_report = statement_report(run.context, checked.received, checked.raw,
                                                 hours, months, replaced, file_alert=alert)
    return with_replacements(months, replaced)


def _disagreeing(run: IngestRun, checked: Checked) -> None:
    """A tableau de suivi whose contract types or mission dates differ from the structure's
    relevés: its control report says so, and which one the reports use (issue 15)."""
    tracking = checked.tracking
    if tracking is None or not len(tracking) or checked.raw is None:
        return
    structure = checked.result.structure
    lines = run.ledger.hours(code_structure=structure)
    gaps = disagreements(lines, tracking.assign(code_structure=structure,
                                                recu_le=pd.Timestamp(run.now)))
    if len(gaps):
        checked.result.control_report = tracking_report(run.context, checked.received,
                                                        checked.raw, gaps)


# How many times a file is judged again because other structures' lines for its participants
# changed while it was being recorded (another batch recording at the same moment).
JUDGING_ATTEMPTS = 5


def _record_judged(run: IngestRun, checked: Checked, elsewhere: JudgedElsewhere | None) -> FileResult:
    """One attempt at recording a file judged with `elsewhere` (raises `ElsewhereChanged`)."""
    result = checked.result
    _disagreeing(run, checked)
    months = _replacing(run, checked)
    run.ledger.record_file(_record(run, checked.received, result, result.statut),
                           hours=checked.hours, tracking=checked.tracking, months=months,
                           revised=checked.revised, elsewhere=elsewhere)
    return result


def commit(run: IngestRun, checked: Checked) -> FileResult:
    """Record a checked file in the ledger (one transaction), then take it out of the inbox.

    What other structures declared for its participants and months (SPEC §6) is read inside
    the recording transaction, under the ledger's write lock, so that batches recording in
    parallel never miss each other's lines (issue 14.2). Usually there is none and the file is
    recorded as checked; otherwise it is judged again with those lines, outside the lock, and
    recorded if they have not changed meanwhile."""
    received = checked.received
    judged, elsewhere = checked, _judged_with_nothing_elsewhere(checked)
    try:
        for _ in range(JUDGING_ATTEMPTS):
            try:
                result = _record_judged(run, judged, elsewhere)
                break
            except ElsewhereChanged as changed:
                assert elsewhere is not None  # only raised for a file judged across structures
                judged = across_structures(run.context, checked, changed.lines,
                                           rewrite=judged is not checked)
                elsewhere = dataclasses.replace(
                    elsewhere, ids=frozenset(int(i) for i in changed.lines["id"]))
        else:
            raise RuntimeError("les lignes des autres structures pour les mêmes participants "
                               f"ont changé {JUDGING_ATTEMPTS} fois pendant l'enregistrement")
    except AlreadyRecorded:
        # Another pass counted these bytes meanwhile (the ledger asks inside its transaction):
        # logged as a re-send, nothing counted twice.
        result = FileResult(received.candidate.structure, received.candidate.name, "déjà reçu",
                            motif="FICHIER_DEJA_RECU", message=FILE_REASONS["FICHIER_DEJA_RECU"],
                            sha256=received.sha)
        run.ledger.record_file(_record(run, received, result, result.statut))
    # The commit is on disk when record_file returns (SQLite synchronous=FULL, see
    # clauses/ledger/engine.py): only now may the inbox copy go.
    remove_from_inbox(received.candidate.path, received.archived, received.candidate.stamp)
    return result


def ingest_candidate(run: IngestRun, candidate: Candidate) -> FileResult:
    """The three steps for one file; it leaves the inbox only once archived and recorded."""
    received = receive(run, candidate)
    if isinstance(received, FileResult):
        return received
    if isinstance(received, Received):
        if run.guard is None:  # one worker, kept for the files after this one
            run.guard = open_guard(run, 1)
        [outcome] = run.guard.map([received])
        return commit_checked(run, received, _checked(run, received, outcome, run.guard.limits))
    return commit(run, received)


def failed_result(candidate: Candidate) -> FileResult:
    """An unexpected error on one file: the file stays in the inbox for the next pass."""
    return FileResult(
        candidate.structure, candidate.name, "erreur",
        message="Erreur inattendue pendant le traitement : le fichier reste dans le dépôt "
        "et sera repris au prochain passage.",
    )


def _log_error(config: Config, now: datetime, candidate: Candidate, text: str) -> None:
    log = config.state / "erreurs.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    # A file name may hold any bytes: they are escaped, never a reason for the log to fail.
    with open(log, "a", encoding="utf-8", errors="backslashreplace") as handle:
        handle.write(f"--- {now} {candidate.path}\n{text}")


# --- the guarded check (clauses/ingest/guard.py) -----------------------------------------------

_WORKER: dict[str, CheckContext] = {}
# What one worker needs at the least to read an ordinary relevé (measured: 50 000 lines ≈ 150 Mo).
MIN_WORKER_MEMORY = 256 * 1024 * 1024


def _check_in_worker(received: Received) -> Checked:
    return check_spreadsheet(_WORKER["context"], received)


def open_guard(run: IngestRun, files: int) -> GuardedPool[Received, Checked]:
    """Worker processes sized so that the pass (this process and its workers) stays within
    `depot.memoire_max_mo`; each worker's reads are limited to what its share affords."""
    depot = run.config.depot
    room = depot.memoire_max_mo * 1024 * 1024 - resident_memory()
    workers = max(1, min(os.cpu_count() or 1, 4, files, room // MIN_WORKER_MEMORY))
    memory = max(MIN_WORKER_MEMORY, room // workers)
    run.limits = ReadLimits.for_memory(memory, depot.texte_max_caracteres)
    # fork: the workers inherit the registers without pickling them, and start in milliseconds.
    _WORKER["context"] = run.context
    return GuardedPool(_check_in_worker, workers=workers,
                       limits=Limits(memory, depot.lecture_max_secondes),
                       log=run.config.state / "erreurs-lecture.log")


def refusal_of(failure: Failure, candidate: Candidate, limits: Limits) -> FileRejected:
    """The French reason of a file whose check did not come back (issue 13)."""
    name = f"« {Path(candidate.name).name} »"
    if failure.cause == "mémoire":
        return FileRejected("FICHIER_TROP_VOLUMINEUX", (
            f"La lecture du fichier {name} demande plus de {limits.memory_bytes // 2**20} Mo de "
            "mémoire, au-delà de la limite fixée : découpez-le en plusieurs fichiers."))
    if failure.cause == "temps":
        return FileRejected("FICHIER_TROP_VOLUMINEUX", (
            f"La lecture du fichier {name} dépasse {french_number(limits.seconds)} secondes, "
            "au-delà de la limite fixée : découpez-le en plusieurs fichiers."))
    return FileRejected("FICHIER_ILLISIBLE", (
        f"Le fichier {name} ne peut pas être lu : sa lecture interrompt le lecteur de tableurs "
        "(fichier endommagé ou mal formé). Ouvrez-le et enregistrez-le à nouveau avec votre "
        "tableur, puis déposez-le."))


def _checked(run: IngestRun, received: Received, outcome: Checked | Failure,
             limits: Limits) -> Checked | str:
    """A check that came back, or what its failure means for the file: quarantined with a
    French reason, or (an unexpected error, its traceback) left in the inbox and logged."""
    if not isinstance(outcome, Failure):
        return outcome
    if outcome.cause == "erreur":
        return outcome.detail
    _log_error(run.config, run.now, received.candidate, f"{outcome.cause}: {outcome.detail}\n")
    try:
        return refuse(run.context, received, refusal_of(outcome, received.candidate, limits))
    except Exception:  # noqa: BLE001 — e.g. the quarantine unwritable: the file stays
        return traceback.format_exc()


Step = Received | Checked | FileResult


def _receive_safely(run: IngestRun, candidate: Candidate) -> Step | FileResult:
    try:
        return receive(run, candidate)
    except ClausesError:
        raise
    except Exception:  # noqa: BLE001 — one bad file must not stop the others
        _log_error(run.config, run.now, candidate, traceback.format_exc())
        return failed_result(candidate)


Commit = Callable[[IngestRun, Received, "Checked | str"], FileResult]


def commit_checked(run: IngestRun, received: Received, outcome: Checked | str) -> FileResult:
    """Record one checked file; a check that failed in its worker (its traceback) raises here."""
    if isinstance(outcome, str):
        raise RuntimeError(outcome)
    return commit(run, outcome)


def run_pass(run: IngestRun, candidates: list[Candidate],
             record: Commit = commit_checked) -> list[FileResult]:
    """Receive every file in order, check the spreadsheets in guarded worker processes, and
    commit each file in drop order as soon as its check is back, through `record` (the Prefect
    flow records each file in a task, the CLI directly). (Receiving while the workers check was
    measured slower on 2 cores: the archive writes then compete with them.)"""
    steps = [_receive_safely(run, candidate) for candidate in candidates]
    pending = [step for step in steps if isinstance(step, Received)]
    if not pending:
        return _commit_in_order(run, steps, iter(()), record)
    with open_guard(run, len(pending)) as guard:
        checked = (_checked(run, received, outcome, guard.limits)
                   for received, outcome in zip(pending, guard.map(pending), strict=True))
        return _commit_in_order(run, steps, checked, record)


def _commit_in_order(run: IngestRun, steps: list[Step], checked: Iterator[Checked | str],
                     record: Commit) -> list[FileResult]:
    """Record every file in the order it was dropped, each as soon as its check is back."""
    results = []
    for step in steps:
        if isinstance(step, FileResult):  # failed on receipt
            results.append(step)
            continue
        received = step if isinstance(step, Received) else step.received
        try:
            outcome = next(checked) if isinstance(step, Received) else step
            results.append(record(run, received, outcome))
        except ClausesError:
            raise
        except Exception as error:  # noqa: BLE001 — one bad file must not stop the others
            _log_error(run.config, run.now, received.candidate,
                       str(error) or traceback.format_exc())
            results.append(failed_result(received.candidate))
    return results


def without_waiting(candidates: list[Candidate], results: list[FileResult],
                    waiting: list[Path]) -> tuple[list[FileResult], list[Path]]:
    """The files that changed while the pass read them join the waiting ones (next pass)."""
    waiting = waiting + [c.path for c, r in zip(candidates, results, strict=True)
                         if r.statut == WAITING]
    return [r for r in results if r.statut != WAITING], waiting


def batch_codes(structures: Iterable[str]) -> set[str]:
    """The structures of a batch as drop folders are matched to the register (`ai-niort` is
    AI-NIORT): what batches are split by, and locked by."""
    return {fold_code(structure) for structure in structures}


def in_batch(candidates: list[Candidate], structures: Collection[str] | None) -> list[Candidate]:
    """The files of these structures only (all when None): a batch of structures is ingested by
    one run, so several runs on several machines never touch the same structure's files."""
    if structures is None:
        return candidates
    wanted = batch_codes(structures)
    return [candidate for candidate in candidates if fold_code(candidate.structure) in wanted]


def ingest_inbox(
    config: Config, *, now: datetime | None = None, structures: Collection[str] | None = None
) -> tuple[list[FileResult], list[Path]]:
    """One pass over the inbox without Prefect (only `structures`' folders when given: one
    batch): the results and the files left waiting."""
    run = IngestRun.open(config, now, structures)
    try:
        candidates, waiting = scan_inbox(
            config.inbox, now=run.now, stable_seconds=config.depot.delai_stabilite_secondes
        )
        candidates = in_batch(candidates, structures)
        return without_waiting(candidates, run_pass(run, candidates), waiting)
    finally:
        run.close()
