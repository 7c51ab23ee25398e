"""Folders a run writes to, checked before it starts (SPEC §11: an unwritable folder stops the
run with one French sentence, before any file is touched, rather than failing file by file)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from clauses.errors import WorkspaceError


def ensure_writable(*folders: Path) -> None:
    """Create each folder if needed and write-test it; raise `WorkspaceError` naming the first
    one that refuses (a read-only share, wrong permissions, a full disk)."""
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, probe = tempfile.mkstemp(dir=folder, prefix=".clauses-essai-")
            os.close(handle)
            os.unlink(probe)
        except OSError as exc:
            raise WorkspaceError(
                f"Le dossier {folder} n'est pas accessible en écriture ({exc.strerror}) : "
                "Clauses doit pouvoir y écrire ; vérifiez ses droits (voir « Fiabilité et "
                "sécurité » dans le README).") from exc
