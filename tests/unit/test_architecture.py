"""The dependency rule: libops.domain is pure, importing no outer layer and no I/O module.

Imports are read from the source with ast, everywhere in a module: at the top, inside
functions, under ``if TYPE_CHECKING:``, relative imports, and ``importlib.import_module`` /
``__import__`` calls with a literal name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import libops

SRC = Path(libops.__file__).parent
DOMAIN = SRC / "domain"

OUTER_LAYERS = (
    "libops.adapters",
    "libops.application",
    "libops.projections",
    "libops.bootstrap",
    "libops.cli",
    "libops.testing",
)
"""What the domain may never import: everything outside it depends on it, not the reverse."""

IO_MODULES = (
    "sqlite3",
    "psycopg",
    "psycopg2",
    "psycopg_pool",
    "httpx",
    "requests",
    "urllib3",
    "aiohttp",
    "socket",
    "ssl",
    "http.client",
    "urllib.request",
    "eventsourcing.sqlite",
    "eventsourcing.postgres",
)
"""Modules that talk to files, databases or networks (os.path is allowed)."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(module: str | None, level: int, importer: str, is_package: bool) -> str:
    """The absolute name of ``from <level dots><module> import ...`` written in ``importer``."""
    if level == 0:
        return module or ""
    package = importer.split(".")
    if not is_package:
        package = package[:-1]
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imported_modules(source: str, importer: str, *, is_package: bool = False) -> list[str]:
    """Every module name ``source`` imports, anywhere in it, as absolute names.

    ``from package import name`` yields both ``package`` and ``package.name`` (the name may
    be a submodule). Literal ``importlib.import_module(...)`` and ``__import__(...)`` count.
    """
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, importer, is_package)
            found.append(base)
            found += [f"{base}.{alias.name}" for alias in node.names if alias.name != "*"]
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if called in ("import_module", "__import__") and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.append(first.value)
    return found


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def violations(source: str, importer: str, *, is_package: bool = False) -> list[str]:
    """The imports of ``source`` that break the domain's dependency rule."""
    problems = []
    for module in imported_modules(source, importer, is_package=is_package):
        if any(_within(module, layer) for layer in OUTER_LAYERS):
            problems.append(f"{importer} imports {module}")
        elif any(_within(module, io) for io in IO_MODULES):
            problems.append(f"{importer} imports the I/O module {module}")
        elif module == "libops":
            # The package root wires everything together (it imports libops.bootstrap).
            problems.append(f"{importer} imports the libops package root, not libops.domain")
    return problems


def _domain_files() -> list[Path]:
    return sorted(DOMAIN.rglob("*.py"))


class TestDependencyRule:
    def test_the_domain_has_modules(self) -> None:
        """The scan reads the domain's modules (campaign, values, schema ... are among them)."""
        names = {_module_name(path) for path in _domain_files()}
        assert {"libops.domain", "libops.domain.campaign", "libops.domain.values"} <= names

    @pytest.mark.parametrize("path", _domain_files(), ids=lambda p: _module_name(p))
    def test_domain_module_is_pure(self, path: Path) -> None:
        """A domain module imports no outer layer and no I/O module, even inside functions."""
        source = path.read_text(encoding="utf-8")
        importer = _module_name(path)
        assert violations(source, importer, is_package=path.name == "__init__.py") == []

    def test_the_domain_does_import_something(self) -> None:
        """The scan sees the domain's real imports (eventsourcing, attrs, its own modules)."""
        source = (DOMAIN / "campaign.py").read_text(encoding="utf-8")
        found = imported_modules(source, "libops.domain.campaign")
        assert "eventsourcing.domain" in found
        assert "libops.domain.values" in found


class TestTheScanItself:
    @pytest.mark.parametrize(
        ("source", "complaint"),
        [
            ("import libops.adapters.storage\n", "imports libops.adapters.storage"),
            ("from libops.application import app\n", "imports libops.application"),
            ("from libops import bootstrap\n", "imports libops.bootstrap"),
            ("from libops import LibOps\n", "package root"),
            ("import libops\n", "package root"),
            ("from ..adapters.clock import SystemClock\n", "imports libops.adapters.clock"),
            ("from .. import projections\n", "imports libops.projections"),
            ("def f():\n    import sqlite3\n", "I/O module sqlite3"),
            ("def f():\n    from psycopg import connect\n", "I/O module psycopg"),
            ("class C:\n    def m(self):\n        import httpx\n", "I/O module httpx"),
            ("import socket as s\n", "I/O module socket"),
            ("from urllib.request import urlopen\n", "I/O module urllib.request"),
            ("from urllib import request\n", "I/O module urllib.request"),
            ("import requests.adapters\n", "I/O module requests.adapters"),
            (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                "    from libops.cli import main\n",
                "imports libops.cli",
            ),
            ("import importlib\nimportlib.import_module('libops.adapters')\n", "libops.adapters"),
            ("__import__('sqlite3')\n", "I/O module sqlite3"),
        ],
    )
    def test_catches(self, source: str, complaint: str) -> None:
        """Each way of importing a forbidden module is reported."""
        problems = violations(source, "libops.domain.example")
        assert any(complaint in problem for problem in problems), problems

    def test_allows(self) -> None:
        """The domain may import itself, the standard library's pure parts and its libraries."""
        source = (
            "import os.path\nimport re\nfrom decimal import Decimal\nimport attrs\n"
            "from eventsourcing.domain import Aggregate\nfrom . import values\n"
            "from .errors import LibopsError\nfrom libops.domain.values import Money\n"
            "from urllib.parse import urlsplit\n"
        )
        assert violations(source, "libops.domain.example") == []

    def test_relative_imports_resolve_from_the_package(self) -> None:
        """'from . import x' in a package's __init__ means the package itself."""
        assert imported_modules("from . import values\n", "libops.domain", is_package=True) == [
            "libops.domain",
            "libops.domain.values",
        ]
        assert imported_modules("from .. import cli\n", "libops.domain.post") == [
            "libops",
            "libops.cli",
        ]
