"""A throwaway PostgreSQL cluster for the tests: `initdb` in a temporary folder, `pg_ctl` on a
free loopback port, trust authentication, stopped and deleted at the end of the session.

`initdb` refuses to run as root: as root, the cluster belongs to the `postgres` system user (the
Debian package creates it) and its commands run through `runuser`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

DATABASE = "clauses_test"


def binaries() -> Path | None:
    """The newest PostgreSQL server binaries on this machine (Debian layout, then PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda path: int(Path(path).parents[1].name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def why_unavailable() -> str | None:
    """None when a cluster can be started here, else the reason in one sentence."""
    if binaries() is None:
        return ("binaires PostgreSQL introuvables (initdb) : installez le paquet « postgresql » "
                "ou définissez CLAUSES_TEST_POSTGRES_URL")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "lancé en root sans utilisateur système « postgres » pour porter le cluster"
        if shutil.which("runuser") is None:
            return "lancé en root sans « runuser » pour passer à l'utilisateur postgres"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def throwaway_cluster(timeout: float = 60) -> Iterator[str]:
    """Start a cluster and yield a SQLAlchemy URL to an empty database `clauses_test`."""
    bin_dir = binaries()
    assert bin_dir is not None, why_unavailable()
    as_root = os.geteuid() == 0
    home = Path(tempfile.mkdtemp(prefix="clauses-pg-"))
    data, sockets = home / "data", home / "sockets"
    sockets.mkdir()
    if as_root:
        owner = pwd.getpwnam("postgres")
        home.chmod(0o755)
        for path in (home, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
        return subprocess.run([*prefix, *command], check=True, capture_output=True, text=True,
                              timeout=timeout)

    port = _free_port()
    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
        "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
    # Durability is pointless for a throwaway cluster: fsync off makes schema resets instant.
    options = f"-h 127.0.0.1 -p {port} -k {sockets} -c fsync=off -c full_page_writes=off"
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(home / "server.log"),
        "-o", options, "-w", "-t", str(int(timeout)), "start")
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                run(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                    "-U", "postgres", DATABASE)
                break
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/{DATABASE}"
    finally:
        subprocess.run(
            [*(["runuser", "-u", "postgres", "--"] if as_root else []), str(bin_dir / "pg_ctl"),
             "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True, timeout=timeout, check=False)
        shutil.rmtree(home, ignore_errors=True)


def empty_postgres(url: str) -> None:
    """Drop every table (and the Alembic bookkeeping) so that a test starts from nothing."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
