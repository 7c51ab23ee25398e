"""Where runs are recorded: a reachable Prefect server, or none (SPEC §10).

A temporary Prefect server takes 10–20 s to start; a CLI command must answer in seconds. So the
CLI records its runs in Prefect only when a server is already up — `PREFECT_API_URL`, or the one
`clauses serve` started for this workspace (its URL is written in `state/prefect/api-url`) —
and otherwise runs the same pipeline functions directly.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from clauses.config import Config


def api_url_file(config: Config) -> Path:
    return config.state / "prefect" / "api-url"


def is_reachable(api_url: str, timeout: float = 0.5) -> bool:
    try:
        with urllib.request.urlopen(api_url.rstrip("/") + "/health", timeout=timeout) as reply:
            return reply.status == 200
    except (OSError, urllib.error.URLError, ValueError):
        return False


def reachable_prefect_api(config: Config) -> str | None:
    """The API URL of a Prefect server that is up now, or None."""
    candidates = [os.environ.get("PREFECT_API_URL", "")]
    marker = api_url_file(config)
    if marker.is_file():
        candidates.append(marker.read_text(encoding="utf-8").strip())
    for url in candidates:
        if url and is_reachable(url):
            return url
    return None


@contextmanager
def prefect_api(url: str) -> Iterator[None]:
    """Point Prefect at `url` for this block. Prefect reads its settings when it is imported, so
    the environment alone is not enough once it is loaded: its own override is used too."""
    # Imported here: Prefect takes seconds to import, and most commands never need it.
    from prefect.settings import PREFECT_API_URL, temporary_settings

    previous = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous
