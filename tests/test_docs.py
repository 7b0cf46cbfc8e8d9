"""The documentation's Python examples run, file by file, as a reader would run them.

Every fenced block whose info string is ``python`` in README.md and docs/*.md is executed. The
blocks of one file run in order in one module namespace (a later block uses names an earlier one
defined), in a fresh temporary working directory, so ``sqlite:///libops.db`` in an example makes
a file there and nowhere else. A block marked ``python no-run`` is shown but not run. A block
that raises fails its file's test with the file, the block's line and the error.
"""

from __future__ import annotations

import os
import re
import sys
import traceback
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from libops import LibOps

ROOT = Path(__file__).resolve().parent.parent
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_ISOLATED_ENV = ("LIBOPS_STORE", "POSTGRES_ENABLE_DB_FUNCTIONS")


@dataclass(frozen=True)
class Block:
    """One fenced code block: where it starts, its info string and its text."""

    line: int
    """The line number (from 1) of the opening fence in its file."""
    info: str
    code: str

    @property
    def runs(self) -> bool:
        """A ``python`` block runs unless its info string also says ``no-run``."""
        words = self.info.split()
        return bool(words) and words[0] == "python" and "no-run" not in words[1:]


class DocExampleError(AssertionError):
    """A documentation example raised."""


def fenced_blocks(text: str) -> list[Block]:
    """Every fenced code block of a Markdown text (CommonMark fences, ``` or ~~~)."""
    lines = text.splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None or (opening["fence"][0] == "`" and "`" in opening["info"]):
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        body: list[str] = []
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            line = lines[end]
            strip = len(line) - len(line.lstrip(" "))
            body.append(line[min(strip, indent) :])
            end += 1
        blocks.append(Block(index + 1, opening["info"].strip(), "\n".join(body) + "\n"))
        index = end + 1
    return blocks


def documentation_files() -> list[Path]:
    """README.md and docs/*.md, in a stable order."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def runnable_files() -> list[Path]:
    """The documentation files that hold at least one block to run."""
    return [p for p in documentation_files() if any(b.runs for b in fenced_blocks(p.read_text()))]


@contextmanager
def _example_module(name: str) -> Iterator[types.ModuleType]:
    """A real, importable module for a file's examples (eventsourcing resolves topics by module)."""
    module = types.ModuleType(name)
    module.__dict__["__builtins__"] = __builtins__
    sys.modules[name] = module
    try:
        yield module
    finally:
        for value in list(module.__dict__.values()):
            if isinstance(value, LibOps):
                value.close()
        del sys.modules[name]


def run_examples(path: Path, workdir: Path, *, shown_as: str | None = None) -> int:
    """Run the runnable blocks of ``path`` in order inside ``workdir``; return how many ran."""
    shown = shown_as or str(path)
    name = "libops_docs_" + re.sub(r"\W", "_", shown)
    ran = 0
    previous = Path.cwd()
    saved = dict(os.environ)
    for key in _ISOLATED_ENV:
        os.environ.pop(key, None)
    os.chdir(workdir)
    try:
        with _example_module(name) as module:
            for block in fenced_blocks(path.read_text()):
                if not block.runs:
                    continue
                # Pad with newlines so tracebacks give line numbers of the Markdown file.
                source = "\n" * block.line + block.code
                try:
                    exec(compile(source, str(path), "exec"), module.__dict__)
                except Exception as error:
                    trace = traceback.format_exception(error)
                    mine = [t for t in trace if str(path) in t] or trace[-1:]
                    raise DocExampleError(
                        f"{shown}: the python block at line {block.line} raised "
                        f"{type(error).__name__}: {error}\n" + "".join(mine)
                    ) from error
                ran += 1
    finally:
        os.chdir(previous)
        # Whatever an example set in the environment stays in the example.
        os.environ.clear()
        os.environ.update(saved)
    return ran


@pytest.mark.parametrize("path", runnable_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_documentation_examples_run(path: Path, tmp_path: Path) -> None:
    """Every python block of this file runs, in order, without raising."""
    try:
        ran = run_examples(path, tmp_path, shown_as=str(path.relative_to(ROOT)))
    except DocExampleError as error:
        pytest.fail(str(error), pytrace=False)
    assert ran > 0


class TestDocumentationCoverage:
    def test_storage_doc_has_runnable_examples(self) -> None:
        """docs/storage.md carries examples that this suite runs."""
        assert ROOT / "docs" / "storage.md" in runnable_files()


class TestFencedBlocks:
    def test_finds_python_blocks_and_their_lines(self) -> None:
        """Blocks are found with the line of their fence, their info string and their text."""
        text = "# T\n\n```python\nx = 1\n```\n\ntext\n\n~~~~ python no-run\ny = 2\n~~~~\n"
        blocks = fenced_blocks(text)
        assert blocks == [
            Block(3, "python", "x = 1\n"),
            Block(9, "python no-run", "y = 2\n"),
        ]
        assert [b.runs for b in blocks] == [True, False]

    def test_other_languages_and_nested_fences(self) -> None:
        """Shell and plain blocks do not run; a shorter fence inside a longer one is text."""
        text = (
            "````markdown\n```python\nboom()\n```\n````\n```console\n$ libops\n```\n```\nx\n```\n"
        )
        blocks = fenced_blocks(text)
        assert [b.info for b in blocks] == ["markdown", "console", ""]
        assert not any(b.runs for b in blocks)

    def test_indented_fence_in_a_list(self) -> None:
        """A fence indented inside a list item loses that indentation from its lines."""
        text = "1. Step:\n\n   ```python\n   if True:\n       z = 3\n   ```\n"
        (block,) = fenced_blocks(text)
        assert block.code == "if True:\n    z = 3\n"


class TestRunExamples:
    def test_blocks_share_one_namespace_in_a_temporary_directory(self, tmp_path: Path) -> None:
        """Later blocks see earlier names; files the examples write land in the work directory."""
        doc = tmp_path / "doc.md"
        doc.write_text(
            "```python\nfrom pathlib import Path\nname = 'made.txt'\n```\n"
            "```python no-run\nraise SystemExit('never runs')\n```\n"
            "```python\nPath(name).write_text('hi')\n```\n"
        )
        work = tmp_path / "work"
        work.mkdir()
        assert run_examples(doc, work) == 2
        assert (work / "made.txt").read_text() == "hi"
        assert Path.cwd() != work

    def test_failure_names_file_and_line(self, tmp_path: Path) -> None:
        """A block that raises is reported with the file, the block's line and the error."""
        doc = tmp_path / "broken.md"
        doc.write_text("intro\n\n```python\nok = 1\n```\n\n```python\nx = ok\n1 / 0\n```\n")
        with pytest.raises(DocExampleError) as raised:
            run_examples(doc, tmp_path, shown_as="docs/broken.md")
        message = str(raised.value)
        assert message.startswith("docs/broken.md: the python block at line 7 raised")
        assert "ZeroDivisionError" in message
        assert "line 9" in message  # the traceback points at the Markdown file's own line

    def test_libops_stores_are_closed_and_environment_isolated(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Examples cannot see LIBOPS_STORE, and a LibOps they leave open is closed."""
        monkeypatch.setenv("LIBOPS_STORE", "memory://")
        doc = tmp_path / "doc.md"
        doc.write_text(
            "```python\nimport os\nfrom libops import LibOps\n"
            "assert 'LIBOPS_STORE' not in os.environ\nops = LibOps.open('memory://')\n```\n"
        )
        assert run_examples(doc, tmp_path) == 1
        assert os.environ["LIBOPS_STORE"] == "memory://"

    def test_environment_changes_stay_in_the_example(self, tmp_path: Path) -> None:
        """An example that sets an environment variable does not leak it into other tests."""
        doc = tmp_path / "doc.md"
        doc.write_text(
            "```python\nimport os\nos.environ['POSTGRES_ENABLE_DB_FUNCTIONS'] = 'y'\n```\n"
        )
        run_examples(doc, tmp_path)
        assert "POSTGRES_ENABLE_DB_FUNCTIONS" not in os.environ
