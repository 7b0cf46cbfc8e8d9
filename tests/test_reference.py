"""docs/reference.md is written from the code, and is current."""

from __future__ import annotations

from pathlib import Path

from libops import all_commands
from libops.domain import errors
from libops.projections.standard import standard_projections
from libops.reference import AGGREGATES, render

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "reference.md"


class TestReference:
    def test_the_file_is_what_the_code_writes_today(self) -> None:
        """docs/reference.md equals a fresh render (else: python -m libops.reference > it)."""
        assert REFERENCE.read_text(encoding="utf-8") == render(), (
            "docs/reference.md is stale: run `python -m libops.reference > docs/reference.md`"
        )

    def test_every_command_is_listed_with_its_fields_and_roles(self) -> None:
        """Each command has a heading, a roles line and a row per field."""
        text = render()
        for name, spec in all_commands().items():
            section = text.split(f"### `{name}`: {spec.type.__name__}\n", 1)[1].split("###")[0]
            assert "- roles: " in section
            for field in spec.type.__attrs_attrs__:
                if field.name != "idempotency_key":
                    assert f"| `{field.name}`" in section, (name, field.name)

    def test_every_event_view_and_error_is_listed(self) -> None:
        """Every stored event's topic, every standard view and every error class appear."""
        text = render()
        for aggregate in AGGREGATES:
            assert f"### {aggregate.__name__}\n" in text
        for topic in ("libops:Campaign.Planned", "libops:Budget.ExpenseRecorded"):
            assert f"`{topic}`" in text
        for projection in standard_projections():
            assert f"### `{projection.name}`: {type(projection).__name__}" in text
        for name, value in vars(errors).items():
            is_error = isinstance(value, type) and issubclass(value, Exception)
            if is_error and value.__module__ == errors.__name__:
                assert f"| `{name}` |" in text

    def test_every_standard_view_names_its_documents(self) -> None:
        """Each standard view's section says which documents it keeps."""
        text = render()
        for projection in standard_projections():
            section = text.split(f"### `{projection.name}`: ", 1)[1].split("\n### ")[0]
            assert "Documents" in section or "document" in section, projection.name


class TestTypeText:
    def test_a_type_reads_the_same_resolved_or_as_written(self) -> None:
        """A field's type as the class states it (text) and as resolved (a type) read alike,
        so the reference does not depend on whether something resolved the classes' types."""
        from uuid import UUID

        from libops.application.catalogue import type_text
        from libops.domain.values import Objective

        for resolved, written in [
            (tuple[Objective, ...] | None, "tuple[Objective, ...] | None"),
            (tuple[tuple[str, ...], ...], "tuple[tuple[str, ...], ...]"),
            (dict[str, int] | None, "dict[str, int] | None"),
            (UUID | str, "UUID | str"),
        ]:
            assert type_text(resolved) == type_text(written) == written
