"""Errors in words a person can act on: the rules editor's YAML errors name the line in plain words,
and the import page shows a CSV's columns as help beside the problems."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

pytestmark = pytest.mark.django_db

# What PyYAML says in its own words; none of it may reach the page.
RAW_PYYAML = (
    "while parsing",
    "while scanning",
    "<stream end>",
    "<block end>",
    "expected ','",
    "cannot start any token",
)


@pytest.mark.parametrize(
    ("rules", "line", "words"),
    [
        ("cumulative_levels: [unclosed", "line 1", "a list opened with &#x27;[&#x27; is not closed"),
        ('scale_note: "open\ncumulative_levels: true', "line 2", "a quoted text is not closed"),
        ("cumulative_levels: true\n\tscale_note: x", "line 2", "indent with spaces, not tabs"),
        ("cumulative_levels: true\n  scale_note: x", "line 2", "indent the line like its neighbours"),
    ],
)
def test_rules_editor_says_what_is_wrong_with_the_yaml_in_plain_words(world, draft, rules, line, words):
    url = reverse("framework-rules", args=[draft.pk])
    page = world.client_for(world.alice).post(url, {"revision": 1, "rules": rules})
    body = page.content.decode()
    assert page.status_code == 400 and f"Not readable as YAML at {line}" in body and words in body
    assert not [raw for raw in RAW_PYYAML if raw in body]


def test_rules_editor_names_the_line_of_a_rule_it_does_not_know(world, draft):
    url = reverse("framework-rules", args=[draft.pk])
    page = world.client_for(world.alice).post(
        url, {"revision": 1, "rules": "cumulative_levels: true\ncolour: red\nrefresh_due_months_before: many"}
    )
    body = page.content.decode()
    assert "Line 2, colour: not a rule SOMS knows" in body
    assert "Line 3, refresh_due_months_before: use a whole number" in body
    assert "Extra inputs are not permitted" not in body


def test_import_page_gives_the_columns_as_help_not_as_a_problem(world):
    bad = b"element,level_code,statement_code,statement_text\r\ne1,b,S1,x\r\n"
    page = world.client_for(world.alice).post(
        reverse("framework-import"), {"file": SimpleUploadedFile("x.csv", bad)}
    )
    body = page.content.decode()
    problems, rest = body.split('class="card import-problems"', 1)[1].split("</section>", 1)
    assert page.status_code == 422 and "unknown column" in problems and "statement_parent" not in problems
    assert 'id="import-help"' in rest and "statement_parent" in rest.split('id="import-help"', 1)[1]


def test_api_gives_the_columns_as_help(world):
    bad = b"element,level_code,statement_code,statement_text\r\ne1,b,S1,x\r\n"
    answer = world.client_for(world.alice).post(
        "/api/v1/frameworks/import?filename=x.csv", bad, content_type="text/csv"
    )
    body = answer.json()
    assert answer.status_code == 422 and not any("statement_parent" in p["msg"] for p in body["detail"])
    assert "statement_parent" in body["help"][0]
