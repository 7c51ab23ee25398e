"""The `clauses` command (SPEC §11). Every message in French; never a traceback.

A command exits 0 when its run completed, whatever the verdicts on the files it read; it exits
non-zero only when the run itself could not complete, with one French sentence.
"""

from __future__ import annotations

import functools
import logging
import sys
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from clauses import clock
from clauses.app import jobs
from clauses.config import Config, load_config
from clauses.demo.run import run_demo
from clauses.errors import ClausesError
from clauses.periods import parse_month, semester_code
from clauses.workspace.init import init_workspace
from flows import commands

try:  # Typer ≥ 0.16 ships its own copy of Click
    from typer._click import exceptions as click
except ImportError:  # pragma: no cover — older Typer on plain Click
    import click  # type: ignore[no-redef]

app = typer.Typer(
    help="Clauses : contrôle et bilans des heures d'insertion des clauses sociales.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
report_app = typer.Typer(help="Écrire les rapports d'une période.", no_args_is_help=True)
app.add_typer(report_app, name="report")

_state: dict[str, Path] = {"config": Path("config.yaml")}


def _say(text: str, *, err: bool = False) -> None:
    typer.echo(text, err=err)


def _fail(message: str, code: int) -> None:
    _say(f"Erreur : {message}", err=True)
    raise typer.Exit(code)


def _error_log() -> Path:
    """Where an unexpected error's details go: the workspace's state folder when there is one."""
    state = _state["config"].parent / "state"
    return (state if state.is_dir() else Path.cwd()) / "clauses-erreurs.log"


def guarded(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain errors into one French sentence and an exit code; log anything else."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except typer.Exit:
            raise
        except ClausesError as error:
            _fail(str(error), error.exit_code)
        except KeyboardInterrupt:
            _fail("interrompu à la demande.", 130)
        except OSError as error:
            where = f" ({error.filename})" if error.filename else ""
            _fail(f"accès impossible à un fichier ou dossier{where} : {error.strerror}.", 4)
        except Exception:  # noqa: BLE001 — the user gets a sentence, the log the traceback
            log = _error_log()
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(f"--- {clock.now():%Y-%m-%d %H:%M:%S}\n{traceback.format_exc()}")
            _fail(
                f"erreur inattendue ; le détail technique est dans {log}. "
                "Transmettez-le à l'équipe qui maintient Clauses.",
                1,
            )

    return wrapper


def _config() -> Config:
    return load_config(_state["config"])


def _parse_now(value: str | None) -> datetime | None:
    """`--date`: a date or date-time, with or without an offset; without one it is the
    workspace's wall-clock time (the job puts it in `planification.fuseau`, clauses/clock.py)."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        _fail(f"date « {value} » illisible : écrivez-la AAAA-MM-JJ (ex. 2026-11-12).", 2)
    return None


NowOption = Annotated[
    str | None,
    typer.Option("--date", help="Date du traitement (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM, heure du "
                 "fuseau de l'espace de travail sauf décalage explicite +01:00), pour rejouer "
                 "un jour passé."),
]


@app.callback()
def main_options(
    config: Annotated[
        Path, typer.Option("--config", "-c", help="Fichier de configuration de l'espace de travail.")
    ] = Path("config.yaml"),
) -> None:
    _state["config"] = config


@app.command()
@guarded
def init(directory: Annotated[Path, typer.Argument(help="Dossier de l'espace de travail.")]) -> None:
    """Créer un espace de travail vide : configuration commentée et registres à remplir."""
    init_workspace(directory)
    _say(f"Espace de travail créé dans {directory}.")
    _say(f"Remplissez les registres ({directory / 'registers' / 'referentiel.xlsx'}),")
    _say(f"puis lancez : clauses --config {directory / 'config.yaml'} ingest")


@app.command()
@guarded
def demo(
    directory: Annotated[Path, typer.Argument(help="Dossier à créer pour la démonstration.")],
    participants: Annotated[int, typer.Option(help="Nombre de participants.")] = 600,
    mois: Annotated[int, typer.Option(help="Nombre de mois d'historique.")] = 12,
    graine: Annotated[int, typer.Option(help="Graine du générateur.")] = 2026,
) -> None:
    """Créer un territoire de démonstration réaliste et dérouler toute une année."""
    for line in run_demo(directory, participants=participants, months=mois, seed=graine):
        _say(line)


@app.command()
@guarded
def ingest(now: NowOption = None) -> None:
    """Relever le dossier de dépôt : archiver, contrôler, enregistrer, répondre aux structures."""
    for line in commands.ingest(_config(), now=_parse_now(now)):
        _say(line)


@report_app.command("monthly")
@guarded
def report_monthly(
    mois: Annotated[str, typer.Argument(help="Mois AAAA-MM.")], now: NowOption = None
) -> None:
    """Rapports mensuels des maîtres d'ouvrage et des entreprises, suivi des dépôts."""
    parse_month(mois)
    for line in commands.recorded(_config(), "monthly-reports", jobs.run_monthly, month=mois,
                         now=_parse_now(now)):
        _say(line)


@report_app.command("semester")
@guarded
def report_semester(
    periode: Annotated[str, typer.Argument(help="Semestre AAAA-S1 ou AAAA-S2.")],
    provisoire: Annotated[bool, typer.Option(help="Accepter une période non terminée.")] = False,
    now: NowOption = None,
) -> None:
    """Tableaux semestriels des salariés en parcours clauses, un par structure."""
    for line in commands.recorded(_config(), "semester-reports", jobs.run_semester,
                         period=semester_code(periode), provisoire=provisoire,
                         now=_parse_now(now)):
        _say(line)


@report_app.command("annual")
@guarded
def report_annual(
    annee: Annotated[int, typer.Argument(help="Année AAAA.")],
    provisoire: Annotated[bool, typer.Option(help="Accepter une année non terminée.")] = False,
    now: NowOption = None,
) -> None:
    """Bilan annuel du guichet unique pour la DDETS-PP et les structures."""
    for line in commands.recorded(_config(), "annual-report", jobs.run_annual, year=annee,
                         provisoire=provisoire, now=_parse_now(now)):
        _say(line)


@app.command()
@guarded
def status(
    mois: Annotated[str, typer.Argument(help="Mois AAAA-MM.")], now: NowOption = None
) -> None:
    """Afficher le suivi des dépôts d'un mois et les envois en échec."""
    jobs.show_status(_config(), mois, now=_parse_now(now))


@app.command()
@guarded
def send(
    now: NowOption = None,
    renvoyer: Annotated[list[str] | None, typer.Option(
        "--renvoyer", help="Renvoyer aussi un courriel déjà parti, désigné par sa clé ou son "
        "début (ex. rapport-mensuel-mo/2026-10/CAN ; voir « clauses status »).")] = None,
) -> None:
    """Envoyer les courriels dus qui ne sont pas encore partis."""
    for line in jobs.run_send(_config(), now=_parse_now(now), resend=renvoyer):
        _say(line)


@app.command()
@guarded
def remind(now: NowOption = None) -> None:
    """Relancer les structures dont le relevé du mois précédent manque."""
    for line in commands.recorded(_config(), "reminders", jobs.run_reminders, now=_parse_now(now)):
        _say(line)


@app.command()
@guarded
def templates(mois: Annotated[str, typer.Argument(help="Mois AAAA-MM.")]) -> None:
    """Écrire pour chaque structure un relevé pré-rempli du mois, avec listes déroulantes."""
    for line in jobs.run_templates(_config(), mois):
        _say(line)


@app.command()
@guarded
def serve() -> None:
    """Démarrer Prefect et servir tous les flux planifiés (Ctrl-C pour arrêter)."""
    commands.serve_workspace(_config(), _state["config"])


def _parameter_name(error: click.UsageError) -> str:
    name = getattr(getattr(error, "param", None), "name", None)
    return (name or "un argument").upper()


def _usage_sentence(error: click.UsageError) -> str:
    """Click's usage errors, in French."""
    command = error.ctx.command_path if error.ctx else "clauses"
    if isinstance(error, click.NoSuchOption):
        what = f"option inconnue « {error.option_name} »"
    elif isinstance(error, click.MissingParameter):
        what = f"il manque l'argument {_parameter_name(error)}"
    elif isinstance(error, click.BadParameter):
        what = f"valeur invalide pour {_parameter_name(error)}"
    elif isinstance(error, click.NoArgsIsHelpError):
        return error.format_message() if hasattr(error, "format_message") else str(error)
    elif "No such command" in error.message:
        what = f"commande inconnue ({error.message.split(chr(39))[1]})"
    else:
        what = error.message
    return f"Erreur : {what}. Voir « {command} --help »."


def main() -> None:
    logging.getLogger("prefect").setLevel(logging.WARNING)
    try:
        code = app(standalone_mode=False)
    except click.UsageError as error:
        typer.echo(_usage_sentence(error), err=True)
        sys.exit(2)
    except typer.Abort:
        typer.echo("Interrompu.", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)  # help and commands return None: success


if __name__ == "__main__":
    main()
