"""The team's people from a file, so a report shows names and roles instead of actor ids.

Events record only the acting person's id (``li.na``); the report shows a name and a role
when it is told who is who (``build_report(..., people=...)``). :func:`load_people` reads
that list from a JSON or CSV file, as ``libops report --people FILE`` does:

- JSON: a list of objects, each with ``id``, ``name`` and ``roles`` (a list of role names:
  ``content_planner``, ``reviewer``, ``operations_admin``, ``technical_support``,
  ``budget_owner``, ``auditor``); ``name`` and ``roles`` may be left out.
- CSV (UTF-8, with or without a byte-order mark): a header row ``id,name,roles``, then one
  person a row, several roles separated by ``;``.

Anything else raises :class:`PeopleFileError` naming the file, the entry (or line) and the
field, and nothing is read.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any, Final

from libops.domain.errors import InvalidValueError, LibopsError
from libops.domain.values import Actor

__all__ = ["MAX_PEOPLE", "PeopleFileError", "load_people"]

MAX_PEOPLE: Final = 1_000
"""The most people a file may list."""

_MAX_BYTES: Final = 1_000_000


class PeopleFileError(InvalidValueError):
    """A people file (``libops report --people``) cannot be read: not there, not JSON or CSV
    of the expected form, or an entry that is not a valid person."""


def load_people(path: str | os.PathLike[str]) -> tuple[Actor, ...]:
    """The people listed in the JSON or CSV file at ``path`` (by its suffix: ``.json``, else
    ``.csv``), in the file's order; :class:`PeopleFileError` for anything wrong."""
    where = Path(path)
    try:
        with where.open("rb") as file:
            data = file.read(_MAX_BYTES + 1)
    except OSError as error:
        raise PeopleFileError(
            f"cannot read the people file {str(where)!r}: {error.strerror or error}"
        ) from None
    if len(data) > _MAX_BYTES:
        raise PeopleFileError(f"the people file {str(where)!r} is over {_MAX_BYTES:,} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PeopleFileError(
            f"the people file {str(where)!r} is not UTF-8 (byte {error.start})"
        ) from None
    if where.suffix.lower() == ".json":
        entries = _json_entries(where, text)
    else:
        entries = _csv_entries(where, text)
    if len(entries) > MAX_PEOPLE:
        raise PeopleFileError(
            f"the people file {str(where)!r} lists {len(entries):,} people; at most {MAX_PEOPLE:,}"
        )
    people: list[Actor] = []
    seen: dict[str, str] = {}
    for label, entry in entries:
        person = _person(where, label, entry)
        if person.id in seen:
            raise PeopleFileError(
                f"{where}: {label} lists {person.id!r} again (first at {seen[person.id]})"
            )
        seen[person.id] = label
        people.append(person)
    return tuple(people)


def _json_entries(where: Path, text: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        found = json.loads(text)
    except json.JSONDecodeError as error:
        raise PeopleFileError(
            f"{where}: not JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    if not isinstance(found, list):
        raise PeopleFileError(
            f"{where}: a JSON list of people is expected, not a {type(found).__name__}"
        )
    entries = []
    for index, entry in enumerate(found, start=1):
        label = f"entry {index}"
        if not isinstance(entry, dict):
            raise PeopleFileError(
                f"{where}: {label} is a {type(entry).__name__}, not an object with id, name "
                "and roles"
            )
        unknown = sorted(set(entry) - {"id", "name", "roles"})
        if unknown:
            raise PeopleFileError(
                f"{where}: {label} has unknown field {unknown[0]!r} (known: id, name, roles)"
            )
        entries.append((label, entry))
    return entries


def _csv_entries(where: Path, text: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise PeopleFileError(f"{where}: not CSV ({error})") from None
    if not rows:
        raise PeopleFileError(f"{where}: empty; the first line is the header id,name,roles")
    header = [cell.strip().lower() for cell in rows[0]]
    if "id" not in header or set(header) - {"id", "name", "roles"}:
        raise PeopleFileError(
            f"{where}: line 1 is the header id,name,roles (name and roles optional), "
            f"not {','.join(rows[0])!r}"
        )
    entries = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        label = f"line {number}"
        if len(row) != len(header):
            raise PeopleFileError(
                f"{where}: {label} has {len(row)} fields; the header has {len(header)}"
            )
        entry: dict[str, Any] = dict(zip(header, (cell.strip() for cell in row), strict=True))
        if "roles" in entry:
            entry["roles"] = [r.strip() for r in entry["roles"].split(";") if r.strip()]
        entries.append((label, entry))
    return entries


def _person(where: Path, label: str, entry: dict[str, Any]) -> Actor:
    if "id" not in entry:
        raise PeopleFileError(f"{where}: {label} has no id")
    for field, kind in (("id", str), ("name", str), ("roles", list)):
        if field in entry and not isinstance(entry[field], kind):
            raise PeopleFileError(
                f"{where}: {label}: {field} is a {type(entry[field]).__name__}, not a "
                f"{'list of role names' if kind is list else 'text'}"
            )
    try:
        return Actor(entry["id"], entry.get("roles", []), name=entry.get("name", ""))
    except (LibopsError, ValueError) as error:
        raise PeopleFileError(f"{where}: {label}: {error}") from None
