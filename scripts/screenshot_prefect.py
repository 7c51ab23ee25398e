"""Screenshots of the Prefect UI for the documentation (docs/img/prefect-*.png, docs/PREFECT.md).

Not run by CI: it needs Debian's Chromium (`apt-get install -y chromium`) and about a minute and a
half. ImageMagick, if present, checks that no image is blank and keeps each under MAX_BYTES.

    .venv/bin/python scripts/screenshot_prefect.py              # demo workspace in a temp dir
    .venv/bin/python scripts/screenshot_prefect.py --espace DIR  # an existing workspace (modified!)

Steps: build a small demo workspace (or take the given one), drop one more relevé into its inbox
(a corrected copy of the latest relevé the ledger knows), start `clauses serve` on a free port, wait
for the API and the deployments, run `clauses ingest` (recorded in the served Prefect because
`state/prefect/api-url` exists), find that flow run with the Prefect client, screenshot the run,
its artifacts and the deployments with headless Chromium, then stop `clauses serve` with Ctrl-C
(SIGINT) and check that no process of it is left.

If the run is not in the served Prefect (it went to a temporary server: Prefect reads
PREFECT_API_URL when it is imported, and `clauses ingest` sets it later), the script says so
(« ANOMALIE ») and ingests a second copy with PREFECT_API_URL in the environment.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CAPTURE_CONFIG = "config-captures-prefect.yaml"
# (file in docs/img, what it shows, path in the UI, window width × height).
# {run} is the flow run's id, {artifact:KEY} the id of its artifact KEY. The table of received files
# is wide: a wider page shows it up to « Motif du fichier » (the UI scrolls it sideways).
SHOTS = [
    ("prefect-execution.png", "page de l'exécution", "/runs/flow-run/{run}", (1440, 1000)),
    ("prefect-artefacts.png", "onglet Artifacts de l'exécution", "/runs/flow-run/{run}?tab=Artifacts",
     (1440, 1000)),
    ("prefect-artefact-fichiers.png", "table « fichiers-recus »",
     "/artifacts/artifact/{artifact:fichiers-recus}", (1920, 640)),
    ("prefect-artefact-a-examiner.png", "markdown « a-examiner »",
     "/artifacts/artifact/{artifact:a-examiner}", (1440, 900)),
    ("prefect-deploiements.png", "déploiements et planifications", "/deployments", (1440, 700)),
]
MAX_BYTES = 400_000


class CaptureError(Exception):
    """A step failed; the message is for the person running the script."""


def say(message: str) -> None:
    print(message, flush=True)


def clauses_command(*args: str, config_path: Path | None = None) -> list[str]:
    exe = Path(sys.executable).with_name("clauses")
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "clauses.cli"]
    return [*base, *(["--config", str(config_path)] if config_path else []), *args]


def clean_env() -> dict[str, str]:
    """The environment of the child commands: no PREFECT_API_URL, so `clauses serve` starts its own
    server and `clauses ingest` finds it through `state/prefect/api-url`, as a facilitator's would."""
    return {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}


def restore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- Workspace -------------------------------------------------------------------------------------

def build_demo(directory: Path) -> None:
    say(f"Construction d'un petit territoire de démonstration dans {directory}…")
    done = subprocess.run(clauses_command("demo", str(directory), "--participants", "60", "--mois", "2"),
                          env=clean_env(), capture_output=True, text=True, cwd=directory.parent)
    if done.returncode != 0:
        errors = directory.parent / "clauses-erreurs.log"  # written where the command runs
        detail = errors.read_text(errors="replace")[-3000:] if errors.is_file() else done.stderr[-3000:]
        raise CaptureError(f"« clauses demo » a échoué (code {done.returncode}) :\n{detail}")


def capture_config(workspace: Path, port: int) -> Path:
    """A copy of the workspace's configuration with `prefect.port` set, beside it (relative paths
    keep their meaning); removed at the end."""
    source = workspace / "config.yaml"
    if not source.is_file():
        raise CaptureError(f"{source} est introuvable : indiquez le dossier d'un espace de travail.")
    data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    data.setdefault("prefect", {})["port"] = port
    target = workspace / CAPTURE_CONFIG
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def pick_releve(config_path: Path) -> tuple[Path, Path, str]:
    """The latest relevé the ledger knows (its archived copy), and where a corrected copy of it goes:
    `inbox/<structure>/<same name> - corrigé.xlsx`."""
    from clauses.config import load_config
    from clauses.ledger import Ledger

    config = load_config(config_path)
    ledger = Ledger.from_config(config)
    try:
        files = ledger.files()
    finally:
        ledger.close()
    releves = files[(files["type"] == "relevé d'heures") & (files["statut"] == "traité")
                    & files["nom_fichier"].str.lower().str.endswith(".xlsx")]
    if releves.empty:
        raise CaptureError("Aucun relevé .xlsx traité dans le registre des heures : rien à renvoyer.")
    # The latest month first, and in it the relevé with the most lines to look at.
    releves = releves.assign(a_voir=releves["alertes"] + releves["rejetees"])
    row = releves.sort_values(["mois", "a_voir", "lignes"], ascending=False).iloc[0]
    name = Path(row["nom_fichier"])
    target = config.inbox / row["code_structure"] / name.with_name(f"{name.stem} - corrigé{name.suffix}")
    return config.root / row["chemin_archive"], target, str(row["mois"])


def drop_copy(archived: Path, target: Path, attempt: int = 0) -> None:
    """Re-save the archived workbook into the inbox: new bytes (so a new SHA-256, ingested as a
    correction rather than « déjà reçu »), same content."""
    import openpyxl

    target.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.load_workbook(archived)
    book.properties.modified = datetime.now().replace(microsecond=0) + timedelta(seconds=attempt)
    book.save(target)
    # Written an hour ago: past the inbox's stability delay, ready to be taken.
    stamp = (datetime.now() - timedelta(hours=1)).timestamp()
    os.utime(target, (stamp, stamp))


# --- Prefect ---------------------------------------------------------------------------------------

def http_json(url: str, body: dict | None = None, timeout: float = 5) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return json.loads(reply.read() or b"null")


def healthy(api: str) -> bool:
    try:
        http_json(f"{api}/health", timeout=1)
        return True
    except (OSError, urllib.error.URLError, ValueError):
        return False


def wait_for_server(api: str, serve: subprocess.Popen, expected: int, timeout: float = 180) -> None:
    say("Attente du serveur Prefect et des déploiements…")
    deadline = time.monotonic() + timeout
    count = 0
    while time.monotonic() < deadline:
        if serve.poll() is not None:
            raise CaptureError(f"« clauses serve » s'est arrêté (code {serve.returncode}).")
        if healthy(api):
            try:
                count = len(http_json(f"{api}/deployments/filter", {}))  # type: ignore[arg-type]
            except (OSError, urllib.error.URLError, ValueError):
                count = 0
            if count >= expected:
                say(f"Serveur prêt : {count} déploiements.")
                return
        time.sleep(1)
    raise CaptureError(f"Le serveur Prefect n'est pas prêt après {timeout:.0f} s ({count} déploiements).")


def expected_deployments(config_path: Path) -> int:
    from clauses.config import load_config
    from flows.deployments import build_deployments

    return len(build_deployments(load_config(config_path), str(config_path)))


def find_ingest_run(api: str, since: datetime) -> tuple[object, list] | None:
    """The `ingest-inbox` run started since `since` that processed files (it is renamed
    `ingest STRUCTURE MOIS`), and its artifacts; None if the served Prefect has none."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterStartTime,
    )
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # Prefect reads its settings when it is imported: setting the environment variable now would
    # not be seen (and the client would start a temporary server of its own).
    with temporary_settings(updates={PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["ingest-inbox"])),
            flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=since)),
            sort=FlowRunSort.START_TIME_DESC, limit=20,
        )
        run = next((r for r in runs if r.name.startswith("ingest ")), None)
        if run is None:
            return None
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))
    return run, artifacts


def ingest(config_path: Path, workspace: Path, api: str | None = None) -> None:
    env = clean_env() | ({"PREFECT_API_URL": api} if api else {})
    done = subprocess.run(clauses_command("ingest", config_path=config_path), cwd=workspace,
                          env=env, capture_output=True, text=True, timeout=600)
    say("  " + done.stdout.strip().replace("\n", "\n  "))
    if done.returncode != 0:
        raise CaptureError(f"« clauses ingest » a échoué (code {done.returncode}) :\n{done.stderr[-2000:]}")


# --- Chromium --------------------------------------------------------------------------------------

def require_chromium() -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise CaptureError(
            "Chromium est introuvable. Installez-le une fois pour toutes (Debian, Ubuntu) :\n"
            "    sudo apt-get install -y chromium\n"
            "puis relancez ce script. Clauses lui-même n'en a pas besoin : seules les captures "
            "d'écran de la documentation l'utilisent."
        )
    return chromium


def distinct_colours(png: Path) -> int | None:
    """How many colours the image has (a blank or loading page has a handful), if ImageMagick is here."""
    identify = shutil.which("identify")
    if not identify:
        return None
    out = subprocess.run([identify, "-format", "%k", str(png)], capture_output=True, text=True)
    return int(out.stdout) if out.returncode == 0 and out.stdout.strip().isdigit() else None


def screenshot(chromium: str, url: str, target: Path, *, budget_ms: int, width: int, height: int) -> None:
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        command = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--hide-scrollbars", "--lang=fr-FR", f"--user-data-dir={profile}",
            f"--window-size={width},{height}", f"--virtual-time-budget={budget_ms}",
            f"--screenshot={target}", url,
        ]
        # Times in the UI as a facilitator in France reads them.
        subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, "TZ": "Europe/Paris"}, timeout=120 + budget_ms / 1000)
    if not target.is_file():
        raise CaptureError(f"Chromium n'a pas écrit {target} ({url}).")


def shrink(png: Path) -> None:
    """Keep each image under MAX_BYTES: fewer colours first, then a smaller size (ImageMagick)."""
    convert = shutil.which("magick") or shutil.which("convert")
    if not convert or png.stat().st_size <= MAX_BYTES:
        return
    for resize in ("100%", "85%", "70%"):
        subprocess.run([convert, str(png), "-resize", resize, "-strip", "-colors", "256",
                        f"PNG8:{png}.tmp"], check=True)
        Path(f"{png}.tmp").replace(png)
        if png.stat().st_size <= MAX_BYTES:
            return


def take_screenshots(chromium: str, ui: str, run_id: str, artifacts: dict[str, str], out: Path,
                     budget_ms: int) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, what, path, (width, height) in SHOTS:
        if "{artifact:" in path:
            key = path[path.index("{artifact:") + 10:path.index("}", path.index("{artifact:"))]
            if key not in artifacts:
                say(f"  {name} : pas d'artefact « {key} » dans cette exécution, image non refaite.")
                continue
            path = path.replace(f"{{artifact:{key}}}", artifacts[key])
        url = ui + path.format(run=run_id)
        target = out / name
        for attempt in range(3):
            screenshot(chromium, url, target, budget_ms=budget_ms * (attempt + 1), width=width, height=height)
            colours = distinct_colours(target)
            if colours is None or colours > 64:
                break
            say(f"  {name} semble vide ({colours} couleurs) : nouvel essai plus long.")
        shrink(target)
        say(f"  {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target} — {what} "
            f"({target.stat().st_size // 1024} Ko) ← {url}")
        written.append(target)
    return written


# --- Stopping --------------------------------------------------------------------------------------

def group_members(pgid: int) -> list[tuple[int, str]]:
    """Processes still in the serve's process group (it was started in a session of its own)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                members.append((int(entry.name), cmd.strip()))
        except (OSError, ValueError):
            continue
    return members


def stop_serve(serve: subprocess.Popen, api: str) -> None:
    started = time.monotonic()
    if serve.poll() is None:
        say("Arrêt de « clauses serve » (Ctrl-C)…")
        serve.send_signal(signal.SIGINT)
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            say("  toujours là après 60 s : SIGTERM.")
            serve.terminate()
            try:
                serve.wait(timeout=20)
            except subprocess.TimeoutExpired:
                serve.kill()
                serve.wait()
    deadline = time.monotonic() + 30
    while group_members(serve.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    left = group_members(serve.pid)
    if left:
        for pid, cmd in left:
            say(f"  processus restant {pid} : {cmd[:120]} — arrêté.")
            os.kill(pid, signal.SIGKILL)
        raise CaptureError("« clauses serve » a laissé des processus derrière lui (voir ci-dessus).")
    if healthy(api):
        raise CaptureError(f"Un serveur Prefect répond encore sur {api}.")
    say(f"« clauses serve » arrêté en {time.monotonic() - started:.0f} s (code {serve.returncode}) ; "
        "aucun de ses processus ne reste, le port ne répond plus.")


# --- Main ------------------------------------------------------------------------------------------

def run(args: argparse.Namespace) -> int:
    chromium = require_chromium()
    with tempfile.TemporaryDirectory(prefix="clauses-captures-") as tmp:
        workspace = Path(args.espace).resolve() if args.espace else Path(tmp) / "demo"
        if not args.espace:
            build_demo(workspace)
        port = args.port or free_port()
        config_path = capture_config(workspace, port)
        api = f"http://127.0.0.1:{port}/api"
        ui = f"http://127.0.0.1:{port}" + ("" if args.interface == "v1" else "/v2")
        log_path = Path(tmp) / "serve.log"
        serve = None
        try:
            archived, dropped, month = pick_releve(config_path)
            drop_copy(archived, dropped)
            say(f"Relevé déposé : {dropped.relative_to(workspace)} (mois {month}).")
            expected = expected_deployments(config_path)
            say(f"Démarrage de « clauses serve » sur le port {port}…")
            with open(log_path, "wb") as log:
                # Its own session (to find all its processes at the end), and Ctrl-C honoured even
                # if this script was started with SIGINT ignored (a background job of a script).
                serve = subprocess.Popen(clauses_command("serve", config_path=config_path), cwd=workspace,
                                         env=clean_env(), stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True, preexec_fn=restore_sigint)
            wait_for_server(api, serve, expected)
            since = datetime.now(UTC)
            say("Relève du dépôt : clauses ingest (le serveur est trouvé par state/prefect/api-url)…")
            ingest(config_path, workspace)
            found = find_ingest_run(api, since)
            if found is None:
                say("ANOMALIE : l'exécution n'apparaît pas dans le Prefect servi (elle est partie dans un "
                    "serveur temporaire). Nouvel essai avec PREFECT_API_URL dans l'environnement…")
                drop_copy(archived, dropped, attempt=1)
                ingest(config_path, workspace, api)
                found = find_ingest_run(api, since)
            if found is None:
                raise CaptureError("Aucune exécution « ingest-inbox » n'a traité de fichier dans Prefect.")
            flow_run, artifacts = found
            say(f"Exécution « {flow_run.name} » ({flow_run.id}), état {flow_run.state_name} ; "
                f"artefacts : {', '.join(a.key or a.type for a in artifacts) or 'aucun'}.")
            say("Captures d'écran :")
            take_screenshots(chromium, ui, str(flow_run.id), {a.key: str(a.id) for a in artifacts if a.key},
                             Path(args.sortie).resolve(), args.budget)
        finally:
            if serve is not None:
                stop_serve(serve, api)
            config_path.unlink(missing_ok=True)
            if serve is not None and serve.returncode not in (0, None) and log_path.is_file():
                say("Fin du journal de « clauses serve » :\n"
                    + log_path.read_text(errors="replace")[-3000:])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Captures d'écran de l'interface Prefect (exécution, artefacts, déploiements) "
                    "pour docs/PREFECT.md.")
    parser.add_argument("--espace", help="Espace de travail existant à utiliser (un relevé y est déposé "
                                         "et relevé). Par défaut : une petite démonstration temporaire.")
    parser.add_argument("--sortie", default=str(ROOT / "docs" / "img"),
                        help="Dossier des images (défaut : docs/img).")
    parser.add_argument("--port", type=int, default=0, help="Port du serveur Prefect (défaut : libre).")
    parser.add_argument("--interface", choices=("v2", "v1"), default="v2",
                        help="Interface Prefect à photographier (v2 : celle qui s'ouvre par défaut).")
    parser.add_argument("--budget", type=int, default=15000,
                        help="Temps virtuel laissé à la page pour se charger, en ms (défaut : 15000).")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    try:
        return run(args)
    except CaptureError as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(f"Erreur : la commande {' '.join(map(str, error.cmd))} a échoué (code {error.returncode}).",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
