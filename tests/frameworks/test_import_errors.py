"""A bad file gets one clear message per problem, with its place."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import override_settings

from soms.frameworks import io
from soms.frameworks.io.problems import MAX_PROBLEMS

GOOD_YAML = """\
format: soms-framework/1
framework: {code: mini, name: Mini}
version: {label: "1"}
levels:
  - {code: basic, name: Basic, rank: 1}
elements:
  - code: e1
    name: One
    statements:
      - {code: S1, level: basic, text: Does it}
"""


def problems(data: bytes | str, filename: str = "", format: io.Format | None = None) -> list[io.Problem]:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(io.FrameworkImportError) as info:
        io.parse(raw, filename=filename, format=format)
    return info.value.problems


def test_good_yaml_parses():
    assert io.parse(GOOD_YAML.encode(), filename="mini.yaml").elements[0].statements[0].code == "S1"


def test_yaml_syntax_error_names_the_line():
    [p] = problems(GOOD_YAML.replace("name: One", "name: [One"), "mini.yaml")
    assert p.location.startswith("line ") and "malformed YAML" in p.message


def test_yaml_schema_problems_name_path_and_line():
    text = GOOD_YAML.replace("level: basic", "level: expert").replace("name: Mini", "name: Mini, colour: red")
    found = problems(text, "mini.yaml")
    # A shape problem and a cross-reference problem: one pass reports both.
    assert [p.location for p in found] == [
        "framework.colour (line 2)",
        "elements[0].statements[0].level (line 10)",
    ]
    [p] = problems(GOOD_YAML.replace("level: basic", "level: expert"), "mini.yaml")
    assert p.location == "elements[0].statements[0].level (line 10)"
    assert p.message == "statement 'S1' names unknown level 'expert'"


def test_every_problem_is_listed_separately():
    text = GOOD_YAML.replace(
        "      - {code: S1, level: basic, text: Does it}",
        "      - {code: S1, level: basic, text: Does it}\n"
        "      - {code: S1, level: nope, text: Twice}\n"
        "      - {code: S3, level: basic, text: Child, parent: S9}",
    )
    found = problems(text, "mini.yaml")
    messages = [p.message for p in found]
    assert "duplicate statement code 'S1'" in messages
    assert "statement 'S1' names unknown level 'nope'" in messages
    assert any("names parent 'S9'" in m for m in messages)
    assert len(found) == 3


def test_json_syntax_error_names_line_and_column():
    [p] = problems('{\n  "format": "soms-framework/1",\n  "framework": {\n}', "mini.json")
    assert p.location == "line 4, column 2" and p.message.startswith("malformed JSON")


def test_not_utf8_is_refused_with_its_line():
    data = GOOD_YAML.replace("Does it", "Dès it").encode("latin-1")
    [p] = problems(data, "mini.yaml")
    assert p.location == "line 10" and "not UTF-8" in p.message


@override_settings(SOMS_MAX_UPLOAD_BYTES=100)
def test_oversize_file_is_refused_before_parsing():
    with pytest.raises(io.FileTooLarge) as info:
        io.parse(b"x" * 101 + b"\xff not even utf-8")
    assert "largest accepted is 100 bytes" in str(info.value)


def test_yaml_alias_bomb_is_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for n in "bcdefg":
        prev = chr(ord(n) - 1)
        bomb += f"{n}: &{n} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
    [p] = problems(bomb, "bomb.yaml")
    assert "too many values" in p.message


CSV_HEADER = "element_code,element_name,level_code,level_name,level_rank,statement_code,statement_text\r\n"


def test_csv_parses_with_only_the_needed_columns():
    doc = io.parse(
        (CSV_HEADER + "e1,One,basic,Basic,1,S1,Does it\r\ne1,One,adv,Advanced,2,S2,Does more\r\n").encode(),
        filename="My skills.csv",
    )
    assert doc.framework.code == "my-skills" and doc.framework.name == "My skills"
    assert [lv.code for lv in doc.levels] == ["basic", "adv"]


def test_csv_problems_name_row_and_column():
    text = (
        CSV_HEADER
        + "e1,One,basic,Basic,1,S1,Does it\r\n"
        + "e1,Uno,basic,Basic,one,S2,Does more\r\n"
        + "e1,One,basic,Basic,1,S1,Again\r\n"
        + "e1,One,,,,S4,No level\r\n"
        + "E 2,Two,basic,Basic,1,S5,Bad element code\r\n"
    )
    found = [str(p) for p in problems(text, "x.csv")]
    assert (
        "row 3, column element_name: element 'e1' name says 'Uno' here but 'One' in an earlier row" in found
    )
    assert any(f.startswith("row 3, column level_rank: level rank must be a whole number") for f in found)
    assert "row 4, column statement_code: duplicate statement code 'S1' (also row 2)" in found
    assert "row 5, column level_code: statement 'S4' needs a level" in found
    # The bad element code is found in the same pass as the row problems.
    assert (
        "row 6, column element_code: element code 'E 2' must be lower-case letters, digits and hyphens"
        in found
    )
    assert len(found) == 5
    [p] = problems(CSV_HEADER + "E 2,Two,basic,Basic,1,S5,Bad element code\r\n", "x.csv")
    assert p.location == "row 2, column element_code" and "lower-case" in p.message


def test_csv_header_problems():
    with pytest.raises(io.FrameworkImportError) as info:
        io.parse(b"element,level_code,statement_code,statement_text\r\ne1,b,S1,x\r\n", filename="x.csv")
    found = info.value.problems
    assert found[0].location == "row 1, column element" and "unknown column" in found[0].message
    assert any("'element_code' is missing" in p.message for p in found)
    # The columns a CSV may have are help beside the problems, not a problem of their own.
    assert not any("statement_parent" in p.message for p in found)
    assert "statement_parent" in info.value.help[0] and "are required" in info.value.help[0]


def test_a_csv_with_two_kinds_of_problem_gets_both():
    # A header fault, a row fault and a fault of the rows together (a parent that is not there).
    text = (
        "element_code,level_code,level_rank,statement_code,statement_text,statement_parent,colour\r\n"
        "e1,basic,first,S1,Does it,,red\r\n"
        "e1,basic,1,S2,Does more,S9,\r\n"
    )
    found = [str(p) for p in problems(text, "x.csv")]
    assert "row 1, column colour: unknown column 'colour'" in found
    assert any(f.startswith("row 2, column level_rank: level rank must be a whole number") for f in found)
    assert any(f.startswith("row 3, column statement_parent") and "'S9'" in f for f in found)


def test_a_yaml_file_with_two_kinds_of_problem_gets_both():
    text = GOOD_YAML.replace("level: basic", "level: expert").replace("rank: 1", "rank: first")
    found = [str(p) for p in problems(text, "mini.yaml")]
    assert any(".rank" in f and "valid integer" in f for f in found)
    assert any("names unknown level 'expert'" in f for f in found)


def test_csv_formula_cells_are_neutralised_and_restored():
    doc = io.parse(
        (CSV_HEADER + 'e1,One,basic,Basic,1,S1,"=HYPERLINK(""http://evil"")"\r\n').encode(), filename="f.csv"
    )
    out = io.render(doc, format="csv", published=False, changed_at=datetime.now(UTC)).content.decode()
    assert "'=HYPERLINK" in out
    assert io.parse(out.encode(), filename="f.csv").elements[0].statements[0].text.startswith("=HYPERLINK")


def test_format_detection():
    assert io.detect_format('{"CFDocument": {}}', "") == "case"
    assert io.detect_format('{"format": "soms-framework/1"}', "x.json") == "json"
    assert io.detect_format("a,b\n", "x.csv") == "csv"
    assert io.detect_format(CSV_HEADER, "upload") == "csv"
    assert io.detect_format(GOOD_YAML, "upload") == "yaml"


def test_problem_list_is_capped():
    rows = "".join(f"e1,One,basic,Basic,x{i},S{i},t\r\n" for i in range(150))
    found = problems(CSV_HEADER + rows, "x.csv")
    assert len(found) == MAX_PROBLEMS + 1
    assert found[-1].message.startswith("… and ")


@pytest.mark.parametrize(
    "change",
    [
        ("{code: S1, level: basic, text: Does it}", "{code: null, level: basic, text: Does it}"),
        ("{code: S1, level: basic, text: Does it}", "{code: S1, level: basic, text: Does it, parent: null}"),
        ("{code: basic, name: Basic, rank: 1}", "{code: null, name: Basic, rank: 1}"),
        ("  - code: e1\n", "  - code: null\n"),
    ],
    ids=["statement code", "statement parent", "level code", "element code"],
)
def test_a_null_where_a_code_belongs_is_a_problem_with_its_place(change):
    """Fuzzing the running server: `code: null` on a statement reached the cross-reference check
    as None (KeyError in the tree-depth check) and the import answered 500."""
    try:
        found = problems(GOOD_YAML.replace(*change), "mini.yaml")
    except pytest.fail.Exception:
        return  # a null that only means "none" (a parent) is no problem
    assert found and all(p.location and p.message for p in found)
