"""``libops serve`` as a subprocess, for tests and benchmarks that use the API as clients do.

    from libops.testing.serving import running_server, user_with_token

    token = user_with_token(store, "li.na", name="Li Na", roles=["content_planner"])
    with running_server(store, log=tmp_path / "serve.log") as server:
        ...  # requests to server.base with "Authorization: Bearer <token>"
    print(server.output())

:func:`user_with_token` prepares a store as an operator would, through the CLI: it migrates
it, adds a user without a password and issues an API token, whose text it returns.
:func:`running_server` starts ``libops serve`` on a free loopback port, waits until
``/healthz`` answers, and stops the server when the block ends (SIGINT, a clean stop, or
SIGKILL to test a crash). The server's output goes to a file, never to a pipe: a pipe nobody
reads fills up and stops the server. Only the standard library is used.

:func:`user_with_password` adds a user with a password instead of a token: a person who
signs in to the web app that ``libops serve`` serves at ``/`` (docs/web.md).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "Server",
    "cli_environment",
    "free_port",
    "running_server",
    "user_with_password",
    "user_with_token",
]

LIBOPS: tuple[str, ...] = (sys.executable, "-m", "libops.cli")
"""The ``libops`` command, run by this Python."""


def free_port() -> int:
    """A TCP port free on the loopback address now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def cli_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (by default this process's environment) without ``LIBOPS_STORE``: the store is
    always named with ``--store``, never picked up by accident."""
    return {k: v for k, v in (os.environ if env is None else env).items() if k != "LIBOPS_STORE"}


def _migrated_with_user(
    store: str,
    login: str,
    *,
    name: str,
    roles: Sequence[str],
    password: str | None,
    environment: Mapping[str, str],
) -> None:
    """Migrate ``store`` and add ``login`` with ``roles``: with ``password`` (read from
    standard input, as an operator's script would give it) or without one."""
    subprocess.run(
        [*LIBOPS, "db", "migrate", "--store", store],
        check=True,
        env=environment,
        capture_output=True,
    )
    role_options = [option for role in roles for option in ("--role", role)]
    how = "--no-password" if password is None else "--password-stdin"
    subprocess.run(
        [*LIBOPS, "users", "add", login, "--name", name, *role_options, how, "--store", store],
        check=True,
        env=environment,
        capture_output=True,
        input=None if password is None else password.encode("utf-8"),
    )


def user_with_token(
    store: str,
    login: str,
    *,
    name: str,
    roles: Sequence[str],
    env: Mapping[str, str] | None = None,
) -> str:
    """Migrate ``store``, add the user ``login`` (no password) with ``roles`` and issue an API
    token for them, all with the ``libops`` CLI; the token's text."""
    environment = cli_environment(env)
    _migrated_with_user(
        store, login, name=name, roles=roles, password=None, environment=environment
    )
    issued = subprocess.run(
        [*LIBOPS, "users", "tokens", "issue", login, "--store", store],
        check=True,
        env=environment,
        capture_output=True,
        text=True,
    )
    return issued.stdout.strip()


def user_with_password(
    store: str,
    login: str,
    *,
    name: str,
    roles: Sequence[str],
    password: str,
    env: Mapping[str, str] | None = None,
) -> None:
    """Migrate ``store`` and add the user ``login`` with ``roles`` and ``password`` (read
    from standard input), all with the ``libops`` CLI: a person who signs in to the web app
    (docs/web.md)."""
    _migrated_with_user(
        store, login, name=name, roles=roles, password=password, environment=cli_environment(env)
    )


class Server:
    """A running ``libops serve``: its address, its process and its output's file."""

    def __init__(self, port: int, process: subprocess.Popen[bytes], log: Path) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        """The API's base URL."""
        self.process = process
        self.log = log

    def output(self) -> str:
        """What the server printed so far (its stdout and stderr)."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def healthy(self) -> bool:
        """Whether ``GET /healthz`` answers 200 now."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def stop(self, how: signal.Signals = signal.SIGINT, timeout: float = 30) -> int:
        """Stop the server with ``how`` (killed if it has not stopped within ``timeout``);
        its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(how)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@contextmanager
def running_server(
    store: str,
    *,
    workers: int = 1,
    options: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
    stop: signal.Signals = signal.SIGINT,
    startup: float = 60,
) -> Iterator[Server]:
    """``libops serve --store store`` on a free loopback port, ready (``/healthz`` answers)
    when the block starts and stopped with ``stop`` when it ends.

    ``options`` are more ``serve`` options; the output goes to ``log`` (by default a
    temporary file, removed afterwards). :class:`RuntimeError` if the server stops or does
    not answer within ``startup`` seconds.
    """
    with tempfile.TemporaryDirectory(prefix="libops-serve-") as temporary:
        path = Path(temporary) / "serve.log" if log is None else log
        port = free_port()
        command = [*LIBOPS, "serve", "--store", store, "--port", str(port)]
        command += ["--workers", str(workers), *options]
        with path.open("wb") as output:
            process = subprocess.Popen(
                command, env=cli_environment(env), stdout=output, stderr=subprocess.STDOUT
            )
        server = Server(port, process, path)
        try:
            deadline = time.monotonic() + startup
            while not server.healthy():
                if process.poll() is not None:
                    raise RuntimeError(f"libops serve stopped:\n{server.output()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"libops serve did not answer in {startup:g} s")
                time.sleep(0.1)
            yield server
        finally:
            server.stop(stop)
