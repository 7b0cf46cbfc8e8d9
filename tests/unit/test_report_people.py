"""``libops.report.load_people``: the team's names and roles from a JSON or CSV file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from libops import Actor, Role
from libops.report import PeopleFileError, load_people

LI_NA = Actor("li.na", [Role.CONTENT_PLANNER], name="Li Na")
WANG = Actor("wang.fang", [Role.REVIEWER, Role.AUDITOR], name="王芳")


def test_json(tmp_path: Path) -> None:
    path = tmp_path / "people.json"
    path.write_text(
        json.dumps(
            [
                {"id": "li.na", "name": "Li Na", "roles": ["content_planner"]},
                {"id": "wang.fang", "name": "王芳", "roles": ["reviewer", "auditor"]},
                {"id": "zhao.lei"},
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    assert load_people(path) == (LI_NA, WANG, Actor("zhao.lei", []))


@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_csv_with_or_without_a_byte_order_mark(tmp_path: Path, bom: str) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        f"{bom}id,name,roles\nli.na,Li Na,content_planner\n\nwang.fang,王芳,reviewer; auditor\n",
        encoding="utf-8",
    )
    assert load_people(path) == (LI_NA, WANG)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("p.json", "{", "not JSON (line 1, column 2"),
        ("p.json", '{"id": "x"}', "a JSON list of people is expected, not a dict"),
        ("p.json", '["x"]', "entry 1 is a str, not an object"),
        ("p.json", '[{"name": "X"}]', "entry 1 has no id"),
        ("p.json", '[{"id": "x", "email": "x@y"}]', "unknown field 'email'"),
        ("p.json", '[{"id": "x", "roles": "reviewer"}]', "roles is a str, not a list"),
        ("p.json", '[{"id": "x", "roles": ["boss"]}]', "entry 1: "),
        ("p.json", '[{"id": ""}]', "entry 1: "),
        ("p.json", '[{"id": "x"}, {"id": "x"}]', "entry 2 lists 'x' again (first at entry 1)"),
        ("p.json", '[{"id": "x", "name": "a\\nb"}]', "entry 1: "),
        ("p.csv", "", "empty; the first line is the header"),
        ("p.csv", "who,what\nx,y\n", "line 1 is the header id,name,roles"),
        ("p.csv", "id,name\nx,X,extra\n", "line 2 has 3 fields; the header has 2"),
        ("p.csv", "id,roles\nx,reviewer;boss\n", "line 2: "),
    ],
)
def test_bad_files(tmp_path: Path, name: str, content: str, message: str) -> None:
    """Each malformed file raises PeopleFileError naming the file, the entry and the field."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PeopleFileError) as raised:
        load_people(path)
    assert message in str(raised.value)
    assert str(path) in str(raised.value) or "cannot read" in str(raised.value)


def test_not_utf8_and_missing(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes("id,name\nli.na,李娜\n".encode("gb18030"))
    with pytest.raises(PeopleFileError, match="is not UTF-8"):
        load_people(path)
    with pytest.raises(PeopleFileError, match="cannot read the people file"):
        load_people(tmp_path / "absent.json")
