"""The import screen's uploads (``/imports``): a platform export uploaded for a dry-run
preview is kept in the store's view tables (``web.uploads``, like the sessions and the
sign-off links: not an event) under a random id bound to the person who uploaded it, until
they confirm the import, or it expires (:data:`KEPT`). The browser only ever sends that id
back, never a path.

The record holds the file itself (at most :data:`MAX_UPLOAD`, 10 MiB, kept as base64 text)
with its uploader, name and expiry, so every server process of the store (``libops serve
--workers 4``, or several machines on one PostgreSQL) can confirm it: no folder needs to be
shared. The store keeps only the id's SHA-256. Confirming claims the upload by a
compare-and-set on the view's position, so it is used once even when two processes are
asked at the same time; its record is deleted by the claim (given back only when the import
fails unexpectedly, so the same form may be sent again). While a preview or an import
reads the file, it sits in a private temporary folder of that process, deleted right after.
Expired uploads are deleted when the next one is kept, when the import screen is opened
and at each sign-in; an upload no form can confirm (a preview with refused rows, a refused
import) is deleted at once.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Final

import attrs
from starlette.responses import Response

import libops.web.calendar as calendar
from libops.bootstrap import LibOps
from libops.domain.errors import MalformedRequestError
from libops.domain.permissions import authorize
from libops.domain.platforms import REGISTRY
from libops.projections.listings import ListingStore
from libops.web.base import MAX_UPLOAD as MAX_UPLOAD  # (re-exported)
from libops.web.base import Page, Refused, WebBase, tr
from libops.web.view_tables import ViewTable, hashed_secret

KEPT: Final = timedelta(minutes=30)
"""How long an uploaded file waits for its import to be confirmed."""

SUFFIXES: Final = (".csv", ".xls", ".xlsx")
"""The kinds of export the importers read (the name's ending picks the reader)."""


@attrs.frozen
class Upload:
    """An uploaded export waiting for its import to be confirmed."""

    key: str
    login: str
    name: str
    platform: str | None
    matched_only: bool
    expires: datetime


def file_name(given: str) -> str:
    """The uploaded file's own name (no folders), or :class:`MalformedRequestError` when it is
    not an export the importers read."""
    name = PureWindowsPath(PurePosixPath(given).name).name.strip()
    if not name or not name.isprintable() or len(name) > 200:
        raise MalformedRequestError("file", "choose the export file to upload")
    if not name.lower().endswith(SUFFIXES):
        raise MalformedRequestError(
            "file", f"an export is a {', '.join(SUFFIXES)} file, not {name!r}"
        )
    return name


UPLOADS: Final = "web.uploads"
"""The view holding the uploads: ``u:<sha256 of the id>`` (uploader, name, options, expiry)
and ``f:<sha256 of the id>`` (the file, base64)."""
_ID: Final = re.compile(r"[A-Za-z0-9_-]{32}")
_PURGED: Final = 1_000
"""The most expired uploads deleted at once."""


@contextmanager
def spooled(upload: Upload, data: bytes) -> Iterator[Path]:
    """``data`` in a private temporary file named as the upload (the importers read a
    file; its name's ending picks the reader), deleted on leaving."""
    with tempfile.TemporaryDirectory(prefix="libops-web-import-") as folder:
        path = Path(folder) / upload.name
        path.write_bytes(data)
        yield path


class Uploads(ViewTable):
    """The uploads waiting in one store's view tables (every server process sees them)."""

    TABLE = UPLOADS

    @staticmethod
    def _record(upload: Upload) -> str:
        return json.dumps(
            {
                "login": upload.login,
                "name": upload.name,
                "platform": upload.platform,
                "matched_only": upload.matched_only,
                "expires": upload.expires.isoformat(),
            }
        )

    def keep(
        self, login: str, name: str, data: bytes, *, platform: str | None, matched_only: bool
    ) -> Upload:
        """Keep ``data`` (the file called ``name``) for ``login`` under a new random id."""
        name = file_name(name)
        if len(data) > MAX_UPLOAD:
            raise MalformedRequestError(
                "file", f"an export is at most {MAX_UPLOAD // (1024 * 1024)} MB"
            )
        self.purge()
        key = secrets.token_urlsafe(24)
        upload = Upload(key, login, name, platform, matched_only, self._now() + KEPT)
        hashed = hashed_secret(key)
        self._write(
            {
                f"u:{hashed}": self._record(upload),
                f"f:{hashed}": json.dumps(base64.b64encode(data).decode("ascii")),
            }
        )
        return upload

    def _refused(self) -> MalformedRequestError:
        return MalformedRequestError(
            "upload", "this upload has expired or was imported already: upload the file again"
        )

    def _load(self, key: str, login: str) -> tuple[int, Upload]:
        position = self._views.position(UPLOADS)
        if not isinstance(key, str) or not _ID.fullmatch(key):
            raise self._refused()
        text = self._views.load(UPLOADS, f"u:{hashed_secret(key)}")
        if text is None:
            raise self._refused()
        found: dict[str, Any] = json.loads(text)
        upload = Upload(
            key,
            found["login"],
            found["name"],
            found["platform"],
            bool(found["matched_only"]),
            datetime.fromisoformat(found["expires"]),
        )
        if upload.login != login or upload.expires <= self._now():
            raise self._refused()
        return position, upload

    def find(self, key: str, login: str) -> Upload:
        """The upload ``key`` of ``login``, or :class:`MalformedRequestError` when there is
        none (expired, imported already, another person's, or never made)."""
        return self._load(key, login)[1]

    def claim(self, key: str, login: str) -> tuple[Upload, bytes]:
        """Take the upload ``key`` of ``login`` and its file out of the store, once: a
        second claim, even at the same time in another process, is refused
        (:class:`MalformedRequestError`, as :meth:`find`)."""
        while True:
            position, upload = self._load(key, login)
            hashed = hashed_secret(key)
            text = self._views.load(UPLOADS, f"f:{hashed}")
            if text is None:
                raise self._refused()
            if self._commit(position, {f"u:{hashed}": None, f"f:{hashed}": None}):
                return upload, base64.b64decode(json.loads(text))

    def give_back(self, upload: Upload, data: bytes) -> None:
        """Keep a claimed upload again under its id (its import failed unexpectedly)."""
        hashed = hashed_secret(upload.key)
        self._write(
            {
                f"u:{hashed}": self._record(upload),
                f"f:{hashed}": json.dumps(base64.b64encode(data).decode("ascii")),
            }
        )

    def drop(self, key: str) -> None:
        """Forget the upload ``key`` and delete its file."""
        hashed = hashed_secret(key)
        self._write({f"u:{hashed}": None, f"f:{hashed}": None})

    def waiting(self) -> list[str]:
        """The SHA-256 of each waiting upload's id (expired ones included until purged)."""
        views = self._views
        assert isinstance(views, ListingStore)
        keys = views.scan(UPLOADS, "u:", "u;", descending=False, limit=MAX_LIMIT_SCAN)
        return [k[2:] for k in keys]

    def purge(self) -> int:
        """Delete the uploads that expired (up to :data:`_PURGED`); how many."""
        views = self._views
        if not isinstance(views, ListingStore):
            return 0
        keys = views.scan(UPLOADS, "u:", "u;", descending=False, limit=MAX_LIMIT_SCAN)
        now = self._now()
        expired = [
            key[2:]
            for key, text in views.load_many(UPLOADS, keys).items()
            if datetime.fromisoformat(json.loads(text)["expires"]) <= now
        ][:_PURGED]
        if expired:
            changes: dict[str, str | None] = {}
            for hashed in expired:
                changes[f"u:{hashed}"] = None
                changes[f"f:{hashed}"] = None
            self._write(changes)
        return len(expired)

    def close(self) -> None:
        """Nothing to release: the uploads stay in the store for the other processes."""


MAX_LIMIT_SCAN: Final = 100_000
"""The most waiting uploads looked at (far more than a team makes in 30 minutes)."""


SHOWN: Final = 200
"""Rows listed in the preview (the totals count them all)."""


class ImportsScreen(WebBase):
    """The import screen (``/imports``): a platform export uploaded, previewed, then run
    (``import.apply``)."""

    def __init__(self, ops: LibOps, *, secure_cookies: bool = True) -> None:
        super().__init__(ops, secure_cookies=secure_cookies)
        self.uploads = Uploads(self._views, ops.app.clock.now)

    def end_expired(self) -> None:
        """At each sign-in, also delete the uploads that expired."""
        super().end_expired()
        self.uploads.purge()

    def close(self) -> None:
        """Delete the uploads still waiting, then release the rest."""
        self.uploads.close()
        super().close()

    def imports(
        self,
        page: Page,
        *,
        preview: Any = None,
        upload: Upload | None = None,
        done: Any = None,
        error: str | None = None,
    ) -> Response:
        """Upload a platform's export for a dry run (``import.apply``: operations admins,
        technical support), then confirm it."""
        authorize(page.person, "import.apply")
        if page.request.method == "GET":
            self.uploads.purge()  # the uploads walked away from: gone once expired
        return self.render(
            page,
            "imports.html",
            422 if error else 200,
            preview=preview,
            upload=upload,
            done=done,
            error=error,
            shown=SHOWN,
            limit_mb=MAX_UPLOAD // (1024 * 1024),
            platforms=[(p.id, self._platform_names(page).get(p.id, p.id)) for p in REGISTRY],
        )

    def preview_import(self, page: Page) -> Response:
        authorize(page.person, "import.apply")
        if page.upload is None:
            return self.imports(page, error=tr(page, "imports.no_file"))
        name, data = page.upload
        platform = page.form.get("platform", "").strip() or None
        if platform is not None:
            platform = calendar.check_platform(platform)
        matched_only = page.form.get("matched_only") == "yes"
        try:
            kept = self.uploads.keep(
                page.person.id, name, data, platform=platform, matched_only=matched_only
            )
        except MalformedRequestError as refused:
            return self.imports(page, error=str(refused))
        try:
            with spooled(kept, data) as path:
                preview = self.attempt(
                    lambda: self.ops.imports.preview(
                        path, platform=platform, matched_only=matched_only
                    )
                )
        except BaseException:
            self.uploads.drop(kept.key)
            raise
        if isinstance(preview, Refused):
            self.uploads.drop(kept.key)
            return self.imports(page, error=preview.message)
        if preview.count("refused"):
            # No "Import it" form is offered for a file with refused rows: nothing to keep.
            self.uploads.drop(kept.key)
            return self.imports(page, preview=preview)
        return self.imports(page, preview=preview, upload=kept)

    def run_import(self, page: Page) -> Response:
        authorize(page.person, "import.apply")
        kept, data = self.uploads.claim(page.form.get("upload", ""), page.person.id)
        try:
            with spooled(kept, data) as path:
                done = self.attempt(
                    lambda: self.ops.imports.run(
                        page.person, path, platform=kept.platform, matched_only=kept.matched_only
                    )
                )
        except BaseException:
            self.uploads.give_back(kept, data)
            raise
        if isinstance(done, Refused):
            # The page says why and offers the upload form: the file is uploaded (and
            # previewed) again, so the claimed upload is not kept.
            return self.imports(page, error=done.message)
        return self.imports(page, done=done)
