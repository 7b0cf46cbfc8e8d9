"""The dependency rules: the import graph of libops has no cycle, and each layer imports only
what it may (libops.domain is pure, importing no outer layer and no I/O module).

Imports are read from the source with ast, everywhere in a module: at the top, inside
functions, under ``if TYPE_CHECKING:``, relative imports, and ``importlib.import_module`` /
``__import__`` calls with a literal name.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
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
    "libops.http",
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
        if any(_within(module, layer) for layer in OUTER_LAYERS) or (
            _within(module, "libops")
            and module != "libops"
            and not _within(module, "libops.domain")
        ):
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
            ("from libops.analysis import observations\n", "imports libops.analysis"),
            ("import libops.report.model\n", "imports libops.report.model"),
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


# --- the import graph of the whole package ----------------------------------------------------

Graph = Mapping[str, Sequence[tuple[str, str]]]
"""Each libops module's imports of libops modules: ``(the module, the name as written)``."""

TRANSITIONAL: frozenset[tuple[str, str]] = frozenset()
"""Imports the rules let through for now, each with the reason beside it."""

ENTRY_POINTS = (
    "libops.bootstrap",
    "libops.cli",
    "libops.demo",
    "libops.http",
    "libops.reference",
    "libops.report",
    "libops.testing",
    "libops.web",
)
"""The modules (with the package root, ``libops`` itself) that may import libops.bootstrap."""


def _module_files() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(SRC.rglob("*.py"))}


def _resolve(name: str, modules: Sequence[str] | Mapping[str, object]) -> str | None:
    """The libops module ``name`` is, or lies in (``libops.x.Thing`` is in ``libops.x``)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def import_graph(
    sources: Mapping[str, tuple[str, bool]], *, packages_too: bool = False
) -> dict[str, list[tuple[str, str]]]:
    """The graph of ``sources`` (module name: (its source, whether it is a package)).

    ``from package import name`` counts as importing ``package.name`` when that is a module,
    else ``package`` (so ``from libops.projections import View`` is an import of the
    package's ``__init__``, and ``from libops.projections import engine`` one of the module).
    With ``packages_too`` it counts as importing the package as well, as Python runs the
    package's ``__init__`` first: what the cycle check uses.
    """
    graph: dict[str, list[tuple[str, str]]] = {}
    for importer, (source, is_package) in sources.items():
        edges: list[tuple[str, str]] = []
        found = imported_modules(source, importer, is_package=is_package)
        for index, name in enumerate(found):
            # imported_modules lists "package" before each "package.name" of a from-import:
            # the package itself counts only when no name after it is a module of its own.
            following = found[index + 1 :]
            if not packages_too and any(
                other.startswith(name + ".") and other in sources for other in following
            ):
                continue
            target = _resolve(name, sources)
            if target is None or target == importer:
                continue
            if all(target != known for known, _ in edges):
                edges.append((target, name))
        graph[importer] = edges
    return graph


def package_graph(*, packages_too: bool = False) -> dict[str, list[tuple[str, str]]]:
    """The import graph of src/libops (see :func:`import_graph` for ``packages_too``)."""
    files = _module_files()
    return import_graph(
        {
            name: (path.read_text(encoding="utf-8"), path.name == "__init__.py")
            for name, path in files.items()
        },
        packages_too=packages_too,
    )


def cycles(graph: Graph, *, allowed: frozenset[tuple[str, str]] = frozenset()) -> list[list[str]]:
    """One cycle (``[a, b, ..., a]``) for each group of modules that import each other."""
    edges = {
        module: sorted({target for target, _ in imports if (module, target) not in allowed})
        for module, imports in graph.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in edges.get(module, []):
            if target not in index:
                connect(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1 or module in edges.get(module, []):
                groups.append(sorted(group))

    for module in sorted(edges):
        if module not in index:
            connect(module)
    return [_a_cycle(group, edges) for group in sorted(groups)]


def _a_cycle(group: list[str], edges: Mapping[str, list[str]]) -> list[str]:
    """The shortest cycle through the first module of a strongly connected ``group``."""
    start = group[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        module = queue.pop(0)
        for target in edges.get(module, []):
            if target == start:
                return [*paths[module], start]
            if target in group and target not in paths:
                paths[target] = [*paths[module], target]
                queue.append(target)
    return [*group, start]


def forbidden_imports(
    graph: Graph,
    layer: str,
    banned: Sequence[str],
    *,
    allowed: frozenset[tuple[str, str]] = frozenset(),
) -> list[str]:
    """Each import by a module of ``layer`` of a module within ``banned``, in words."""
    return [
        f"{module} imports {target} (as {name!r})"
        for module, imports in sorted(graph.items())
        if _within(module, layer)
        for target, name in imports
        if any(_within(target, b) for b in banned)
        and not _within(target, layer)
        and (module, target) not in allowed
    ]


def bootstrap_importers(graph: Graph) -> list[str]:
    """Each import of libops.bootstrap (or of the package root, which imports it) by a module
    that is not an entry point, in words."""
    return [
        f"{module} imports {target} (as {name!r})"
        + (", the package root, which imports libops.bootstrap" if target == "libops" else "")
        for module, imports in sorted(graph.items())
        if module != "libops" and not any(_within(module, e) for e in ENTRY_POINTS)
        for target, name in imports
        if target in ("libops", "libops.bootstrap")
    ]


def _report(problems: list[str]) -> str:
    return "\n".join(problems)


class TestLayers:
    def test_the_graph_covers_the_package(self) -> None:
        """The graph has every layer's modules and their real imports."""
        graph = package_graph()
        assert {"libops", "libops.bootstrap", "libops.projections.engine"} <= set(graph)
        assert ("libops.projections.ports", "libops.projections.ports") in graph[
            "libops.projections.engine"
        ]
        assert any(t == "libops.bootstrap" for t, _ in graph["libops"])

    def test_no_import_cycle(self) -> None:
        """No group of libops modules imports each other, at any depth or place (a
        ``from package import module`` imports the package's ``__init__`` too)."""
        found = cycles(package_graph(packages_too=True), allowed=TRANSITIONAL)
        assert found == [], "import cycles:\n" + _report([" -> ".join(c) for c in found])

    def test_domain_imports_only_the_domain(self) -> None:
        """libops.domain imports no libops module outside libops.domain."""
        problems = forbidden_imports(package_graph(), "libops.domain", ["libops"])
        assert problems == [], _report(problems)

    def test_projections_import_no_outer_layer(self) -> None:
        """libops.projections imports nothing from application, bootstrap, cli, adapters, demo,
        report."""
        problems = forbidden_imports(
            package_graph(),
            "libops.projections",
            PROJECTIONS_BANNED,
            allowed=TRANSITIONAL,
        )
        assert problems == [], _report(problems)

    def test_adapters_import_no_outer_layer(self) -> None:
        """libops.adapters imports nothing from application, bootstrap or cli."""
        problems = forbidden_imports(package_graph(), "libops.adapters", ADAPTERS_BANNED)
        assert problems == [], _report(problems)

    def test_application_imports_no_adapter(self) -> None:
        """libops.application imports nothing from adapters, bootstrap or cli."""
        problems = forbidden_imports(package_graph(), "libops.application", APPLICATION_BANNED)
        assert problems == [], _report(problems)

    def test_http_imports_no_cli(self) -> None:
        """libops.http, an entry point beside the command line, imports nothing from it."""
        problems = forbidden_imports(package_graph(), "libops.http", HTTP_BANNED)
        assert problems == [], _report(problems)

    def test_nothing_imports_http(self) -> None:
        """No other part of libops imports libops.http (an outermost layer) but the
        ``libops serve`` command, which runs it."""
        problems = http_importers(package_graph())
        assert problems == [], _report(problems)

    def test_only_entry_points_import_bootstrap(self) -> None:
        """Only bootstrap, cli, demo, report, testing and the package root import bootstrap."""
        problems = bootstrap_importers(package_graph())
        assert problems == [], _report(problems)

    def test_transitional_imports_are_still_there(self) -> None:
        """Each import let through for now still exists (remove it from the list when it goes)."""
        graph = package_graph()
        for module, target in TRANSITIONAL:
            assert any(t == target for t, _ in graph.get(module, [])), (
                f"{module} no longer imports {target}: take it out of TRANSITIONAL"
            )


PROJECTIONS_BANNED = (
    "libops.application",
    "libops.bootstrap",
    "libops.cli",
    "libops.adapters",
    "libops.demo",
    "libops.report",
    "libops.http",
)
ADAPTERS_BANNED = ("libops.application", "libops.bootstrap", "libops.cli", "libops.http")
APPLICATION_BANNED = ("libops.adapters", "libops.bootstrap", "libops.cli", "libops.http")
HTTP_BANNED = ("libops.cli", "libops.demo")
"""The HTTP API may use application, bootstrap, projections and report, not the other entry
points."""


HTTP_IMPORTERS = ("libops.cli.serve_command",)
"""The one module outside libops.http that may import it: ``libops serve`` runs the app."""


def http_importers(graph: Graph) -> list[str]:
    """Each import of libops.http by a module outside it (but ``libops serve``), in words."""
    return [
        f"{module} imports {target} (as {name!r})"
        for module, imports in sorted(graph.items())
        if not _within(module, "libops.http") and module not in HTTP_IMPORTERS
        for target, name in imports
        if _within(target, "libops.http")
    ]


def _graph(**modules: str) -> dict[str, list[tuple[str, str]]]:
    """The graph of a few synthetic modules, named with "_" for "." (``libops_a_b=...``)."""
    sources = {name.replace("_", "."): (source, False) for name, source in modules.items()}
    return import_graph(sources)


class TestTheRulesThemselves:
    def test_a_cycle_is_found_and_shown(self) -> None:
        """Three modules importing each other in a ring (one inside a function) are a cycle."""
        graph = _graph(
            libops_a="import libops.b\n",
            libops_b="def f():\n    from libops import c\n",
            libops_c="from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import libops.a\n",
            libops_d="import libops.a\n",
            libops="",
        )
        assert cycles(graph) == [["libops.a", "libops.b", "libops.c", "libops.a"]]

    def test_a_cycle_through_a_package_init_is_found(self) -> None:
        """A module taking a sibling through its package, whose __init__ imports the module,
        is a cycle: Python runs the package's __init__ first."""
        sources = {
            "libops.web": ("from libops.web.app import create\n", True),
            "libops.web.app": ("from libops.web import strings\n", False),
            "libops.web.strings": ("", False),
        }
        assert cycles(import_graph(sources)) == []
        assert cycles(import_graph(sources, packages_too=True)) == [
            ["libops.web", "libops.web.app", "libops.web"]
        ]

    def test_an_allowed_edge_breaks_a_cycle(self) -> None:
        """An import listed as allowed does not count towards a cycle."""
        graph = _graph(libops_a="import libops.b\n", libops_b="import libops.a\n")
        assert cycles(graph) != []
        assert cycles(graph, allowed=frozenset({("libops.b", "libops.a")})) == []

    def test_no_cycle_in_a_tree(self) -> None:
        """A graph without a ring has no cycle."""
        graph = _graph(libops_a="import libops.b\nimport libops.c\n", libops_b="import libops.c\n")
        graph["libops.c"] = []
        assert cycles(graph) == []

    @pytest.mark.parametrize(
        ("layer", "banned", "importer", "source", "named"),
        [
            ("libops.domain", ["libops"], "libops.domain.x", "import libops.adapters.y\n", "y"),
            ("libops.domain", ["libops"], "libops.domain.x", "from libops import y\n", "y"),
            (
                "libops.projections",
                PROJECTIONS_BANNED,
                "libops.projections.x",
                "def f():\n    from libops.application.y import Z\n",
                "libops.application.y",
            ),
            (
                "libops.projections",
                PROJECTIONS_BANNED,
                "libops.projections.x",
                "from ..report import y\n",
                "libops.report.y",
            ),
            (
                "libops.adapters",
                ADAPTERS_BANNED,
                "libops.adapters.x",
                "if TYPE_CHECKING:\n    from libops.bootstrap import L\n",
                "libops.bootstrap",
            ),
            (
                "libops.application",
                APPLICATION_BANNED,
                "libops.application.x",
                "from libops.adapters.y import T\n",
                "libops.adapters.y",
            ),
        ],
    )
    def test_a_forbidden_import_is_named(
        self, layer: str, banned: Sequence[str], importer: str, source: str, named: str
    ) -> None:
        """A layer's forbidden import is reported with the importing module and the import."""
        sources = {
            importer: (source, False),
            "libops": ("", True),
            "libops.y": ("", False),
            "libops.adapters.y": ("", False),
            "libops.application.y": ("", False),
            "libops.report.y": ("", False),
            "libops.bootstrap": ("", False),
        }
        problems = forbidden_imports(import_graph(sources), layer, banned)
        assert len(problems) == 1, problems
        assert problems[0].startswith(f"{importer} imports "), problems
        assert named in problems[0], problems

    def test_a_layer_may_import_itself_and_what_is_allowed(self) -> None:
        """Imports within the layer, of allowed layers and of other packages are not reported."""
        sources = {
            "libops.adapters.x": (
                "import sqlite3\nfrom libops.adapters import y\nfrom libops.domain import z\n"
                "from libops.projections.ports import ViewStore\n",
                False,
            ),
            "libops.adapters.y": ("", False),
            "libops.domain.z": ("", False),
            "libops.projections.ports": ("", False),
        }
        assert forbidden_imports(import_graph(sources), "libops.adapters", ADAPTERS_BANNED) == []

    def test_http_importers_are_named(self) -> None:
        """An import of libops.http from outside it is reported; its own imports are not."""
        sources = {
            "libops.http": ("from libops.http.app import create_app\n", True),
            "libops.http.app": ("from libops.bootstrap import LibOps\n", False),
            "libops.bootstrap": ("", False),
            "libops.cli.serve": ("from libops.http import create_app\n", False),
        }
        problems = http_importers(import_graph(sources))
        assert problems == ["libops.cli.serve imports libops.http (as 'libops.http')"], problems

    def test_bootstrap_importers_are_named(self) -> None:
        """Importing bootstrap, or the package root, outside the entry points is reported."""
        sources = {
            "libops": ("from libops.bootstrap import LibOps\n", True),
            "libops.bootstrap": ("", False),
            "libops.cli.main": ("from libops.bootstrap import LibOps\n", False),
            "libops.projections.x": ("from libops.bootstrap import LibOps\n", False),
            "libops.application.y": ("from libops import LibOps\n", False),
        }
        problems = bootstrap_importers(import_graph(sources))
        assert len(problems) == 2, problems
        assert problems[0].startswith("libops.application.y imports libops "), problems
        assert "package root" in problems[0]
        assert problems[1].startswith("libops.projections.x imports libops.bootstrap"), problems
