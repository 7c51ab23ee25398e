"""Workspaces (SPEC §3): a folder with `config.yaml`, registers, inbox, outbox, archive, state."""

from __future__ import annotations

from pathlib import Path

from clauses.config import Config, load_config
from clauses.errors import WorkspaceError
from clauses.registers.load import write_register_template

TEMPLATE_CONFIG = Path(__file__).parent.parent / "config.yaml"


def create_folders(config: Config) -> None:
    for folder in (config.inbox, config.outbox, config.archive, config.quarantine, config.state,
                   config.registers_path.parent):
        folder.mkdir(parents=True, exist_ok=True)


def init_workspace(directory: Path, *, territory: str | None = None) -> Config:
    """Create a workspace with a commented `config.yaml` and an empty register template.

    An existing `config.yaml` or register is never overwritten: a facilitator's work stays."""
    target = directory / "config.yaml"
    if target.exists():
        return _complete_workspace(directory, target)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        text = TEMPLATE_CONFIG.read_text(encoding="utf-8")
        if territory:
            text = text.replace(
                'territoire: "Communauté d\'Agglomération du Niortais"',
                f'territoire: "{territory}"',
            )
        target.write_text(text, encoding="utf-8")
        config = load_config(target)
        create_folders(config)
        if not config.registers_path.exists():
            write_register_template(config.registers_path)
    except OSError as exc:
        raise WorkspaceError(
            f"Impossible de créer l'espace de travail dans {directory} : {exc.strerror}."
        ) from exc
    return config


def _complete_workspace(directory: Path, target: Path) -> Config:
    """A folder with its config.yaml but no registers yet (the clone itself, for instance): add
    what is missing, never touching the configuration or a register."""
    config = load_config(target)
    if config.registers_path.exists():
        raise WorkspaceError(
            f"{directory} contient déjà un config.yaml et des registres : rien n'a été modifié. "
            "Choisissez un autre dossier."
        )
    try:
        create_folders(config)
        write_register_template(config.registers_path)
    except OSError as exc:
        raise WorkspaceError(
            f"Impossible de compléter l'espace de travail {directory} : {exc.strerror}."
        ) from exc
    return config
