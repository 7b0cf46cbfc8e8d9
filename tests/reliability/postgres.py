"""A throwaway PostgreSQL cluster of the suite's own, which it may stop the hard way.

Never the shared test server: the cluster is made by ``.ci/start-postgres.sh`` in a new
directory on a free loopback port, stopped with ``pg_ctl stop -m immediate`` (what a power
cut or an OOM kill of the postmaster looks like to clients: no shutdown checkpoint, crash
recovery on the next start) and removed at the end.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import suppress
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
START_SCRIPT = ROOT / ".ci" / "start-postgres.sh"


def postgres_bin() -> Path | None:
    """The directory of the newest PostgreSQL server binaries on this machine, if any."""
    found = sorted(
        Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb") if os.access(p, 1)
    )
    return found[-1] if found else None


def missing_reason() -> str | None:
    """Why no cluster can be made here (None when one can)."""
    if postgres_bin() is None:
        return "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin"
    if not START_SCRIPT.exists():
        return f"{START_SCRIPT} is missing"
    return None


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """A PostgreSQL cluster in a directory of its own, on a loopback port of its own."""

    def __init__(self) -> None:
        pgbin = postgres_bin()
        assert pgbin is not None, missing_reason()
        self.pg_ctl = str(pgbin / "pg_ctl")
        self.port = free_port()
        # Directly under /tmp: the server's user must reach it (pytest's tmp_path is 0700).
        self.dir = Path(tempfile.mkdtemp(prefix="libops-reliability-pg-"))
        # As root, the server runs as the postgres user (start-postgres.sh does the same).
        self.runas = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.url = ""

    def start(self) -> None:
        """Make the cluster and start it (start-postgres.sh prints its URL last)."""
        done = subprocess.run(
            [str(START_SCRIPT), str(self.dir), str(self.port)],
            capture_output=True,
            text=True,
            timeout=180,
        )
        if done.returncode != 0:
            raise RuntimeError(f"start-postgres.sh failed:\n{done.stderr}")
        self.url = done.stdout.strip().splitlines()[-1]
        assert self.url.startswith("postgresql://"), done.stdout

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.runas, self.pg_ctl, "-D", str(self.dir / "data"), *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def stop_immediately(self) -> None:
        """Stop the server abruptly: every backend killed, no checkpoint."""
        self._pg_ctl("-m", "immediate", "-w", "stop")

    def restart(self) -> None:
        """Start the stopped server again (it recovers from its write-ahead log)."""
        # The options start-postgres.sh starts it with.
        options = f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c max_connections=200 -c fsync=off"
        self._pg_ctl("-l", str(self.dir / "log"), "-w", "-o", options, "start")

    def new_store(self) -> str:
        """A store URL in a fresh schema of the cluster's database."""
        schema = f"rel_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        return f"{self.url}?schema={schema}"

    def destroy(self) -> None:
        """Stop the server if it runs and remove its directory."""
        if (self.dir / "data" / "postmaster.pid").exists():
            with suppress(subprocess.SubprocessError, OSError):
                self.stop_immediately()
        shutil.rmtree(self.dir, ignore_errors=True)
