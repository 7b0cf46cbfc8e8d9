"""The report as PDF: the self-contained HTML page printed by headless Chromium.

The HTML carries a print stylesheet (A4, margins, rows kept whole, charts at the page's
width: :mod:`libops.report.render`), so the PDF is the page as a reader would print it from
a browser, with the same fonts (Chinese included: the browser uses the system's CJK font,
e.g. Debian's ``fonts-wqy-microhei`` or ``fonts-noto-cjk``).

Which Chromium: the ``chromium=`` argument, else the ``LIBOPS_CHROMIUM`` environment
variable, else the first of :data:`BROWSER_NAMES` on the ``PATH``. None found raises
:class:`BrowserNotFoundError`; the browser failing, writing nothing or running past the
timeout raises :class:`BrowserFailedError` with the last lines it wrote to stderr. Chromium
runs with a fresh profile in a temporary directory, which is removed afterwards, in a
process group of its own, which is killed on a timeout.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from libops.domain.errors import InvalidValueError, LibopsError

__all__ = [
    "BROWSER_NAMES",
    "CHROMIUM_VAR",
    "DEFAULT_TIMEOUT",
    "BrowserFailedError",
    "BrowserNotFoundError",
    "find_chromium",
    "print_pdf",
    "screenshot",
]

CHROMIUM_VAR: Final = "LIBOPS_CHROMIUM"
"""The environment variable naming the Chromium (or Chrome) executable to use."""

BROWSER_NAMES: Final = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
"""The executables looked for on the ``PATH``, in this order."""

DEFAULT_TIMEOUT: Final = 120.0
"""Seconds Chromium may take to print one report."""

_FLAGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
_STDERR_LINES: Final = 12
_PDF_DATE: Final = re.compile(rb"(/(?:CreationDate|ModDate) ?\()(D:\d{14}[^)]{0,8})\)")


class BrowserNotFoundError(LibopsError):
    """No headless Chromium was found to print the report as PDF (or take a screenshot)."""


class BrowserFailedError(LibopsError):
    """Chromium ran but failed, timed out or wrote no file."""


def find_chromium(chromium: str | os.PathLike[str] | None = None) -> str:
    """The Chromium executable to run: ``chromium``, else ``$LIBOPS_CHROMIUM``, else the
    first of :data:`BROWSER_NAMES` on the ``PATH``.

    A path given (argument or variable) that is not an executable file raises
    :class:`BrowserNotFoundError` naming it; nothing found raises it with how to install one.
    """
    given, source = (
        (os.fspath(chromium), "chromium=")
        if chromium is not None
        else (os.environ.get(CHROMIUM_VAR) or None, CHROMIUM_VAR)
    )
    if given is not None:
        found = shutil.which(given)
        if found is None:
            raise BrowserNotFoundError(
                f"{source} names {given!r}, which is not an executable Chromium: point it at "
                "the browser (e.g. /usr/bin/chromium) or install one (`apt-get install -y "
                "chromium`)"
            )
        return found
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found is not None:
            return found
    raise BrowserNotFoundError(
        "the PDF report needs headless Chromium and none was found (looked for "
        f"{', '.join(BROWSER_NAMES)} on the PATH): install it (`apt-get install -y chromium`) "
        f"or set {CHROMIUM_VAR} to the browser's path"
    )


def print_pdf(
    page: str,
    *,
    chromium: str | os.PathLike[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    dated: datetime | None = None,
) -> bytes:
    """The HTML ``page`` printed to PDF by headless Chromium, as bytes.

    The page is written to a temporary directory with the browser's profile, printed there
    (no header or footer; the page's ``@page`` rule sets A4 and the margins), read back,
    and the directory removed: nothing is left anywhere else. Chromium dates the PDF
    (``/CreationDate``, ``/ModDate``) with the clock; with ``dated``, both say that moment
    instead, so the same page printed twice gives the same bytes.
    """
    if dated is not None and dated.tzinfo is None:
        raise InvalidValueError(f"a PDF's date must be timezone-aware, not {dated!r}")
    browser = find_chromium(chromium)
    with tempfile.TemporaryDirectory(prefix="libops-pdf-") as scratch:
        work = Path(scratch)
        source = work / "report.html"
        source.write_text(page, encoding="utf-8")
        out = work / "report.pdf"
        _run(
            browser,
            [f"--print-to-pdf={out}", "--no-pdf-header-footer", source.as_uri()],
            work,
            timeout,
            "print the report as PDF",
        )
        data = _read_output(out, "PDF")
    if not data.startswith(b"%PDF"):
        raise BrowserFailedError("Chromium wrote a file that is not a PDF")
    return data if dated is None else _redated(data, dated)


def _redated(data: bytes, moment: datetime) -> bytes:
    """``data`` with the PDF's creation and modification dates set to ``moment`` (UTC).

    Each date is replaced by one of the same length, so every byte offset the PDF's
    cross-reference table records stays right; a date of another shape is left alone.
    """
    stamp = moment.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'").encode("ascii")

    def replace(found: re.Match[bytes]) -> bytes:
        date = found[2]
        return found[1] + (stamp if len(stamp) == len(date) else date) + b")"

    return _PDF_DATE.sub(replace, data)


def screenshot(
    page: str | os.PathLike[str],
    *,
    width: int,
    height: int,
    chromium: str | os.PathLike[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> bytes:
    """A PNG screenshot (``width`` x ``height`` CSS pixels) of the top of the HTML file
    ``page``, taken by headless Chromium, as bytes."""
    browser = find_chromium(chromium)
    source = Path(page).resolve()
    if not source.is_file():
        raise BrowserFailedError(f"no HTML file to take a screenshot of at {str(source)!r}")
    with tempfile.TemporaryDirectory(prefix="libops-shot-") as scratch:
        work = Path(scratch)
        out = work / "screenshot.png"
        _run(
            browser,
            [f"--screenshot={out}", f"--window-size={width},{height}", source.as_uri()],
            work,
            timeout,
            "take a screenshot of the report",
        )
        return _read_output(out, "screenshot")


def _run(browser: str, arguments: list[str], work: Path, timeout: float, task: str) -> None:
    """Run Chromium with a fresh profile in ``work``, in a process group of its own, and
    kill that group if it outlives ``timeout``."""
    command = [browser, *_FLAGS, f"--user-data-dir={work / 'profile'}", *arguments]
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=work,
            start_new_session=True,
        )
    except OSError as error:
        raise BrowserFailedError(
            f"could not start Chromium ({browser}) to {task}: {error.strerror or error}"
        ) from None
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        _, err = process.communicate()
        raise BrowserFailedError(
            f"Chromium ({browser}) did not {task} within {timeout:g} s{_tail(err)}"
        ) from None
    _kill_group(process)  # helpers it left behind, if any
    if process.returncode != 0:
        raise BrowserFailedError(
            f"Chromium ({browser}) failed to {task} (exit code {process.returncode}){_tail(err)}"
        )


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _read_output(out: Path, what: str) -> bytes:
    try:
        data = out.read_bytes()
    except OSError:
        data = b""
    if not data:
        raise BrowserFailedError(f"Chromium exited without writing the {what}")
    return data


def _tail(err: bytes | None) -> str:
    """The last lines Chromium wrote to stderr, for the error's message."""
    lines = (err or b"").decode("utf-8", "replace").strip().splitlines()
    if not lines:
        return ""
    return ":\n" + "\n".join(lines[-_STDERR_LINES:])
