"""What the authoring pages offer before anyone types: the next label and statement code, a first
step on an empty draft, no Delete button for a level the rules need, and comparisons that read
older → newer with the changed statements first."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from soms.frameworks.services.authoring import (
    framework_create,
    framework_version_draft_create,
    version_publish,
)
from soms.frameworks.suggest import free_code, next_label, next_statement_code

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


@pytest.mark.parametrize(
    ("label", "taken", "expected"),
    [
        ("1", [], "2"),
        ("2024.1", [], "2024.2"),
        ("v3", [], "v4"),
        ("2025-1", [], "2025-2"),
        ("v09", [], "v10"),
        ("1", ["1", "2"], "3"),
        ("draft", [], "draft-2"),
        ("2024 (rev 1) final", [], "2024 (rev 2) final"),
    ],
)
def test_next_label(label, taken, expected):
    assert next_label(label, taken) == expected


def test_next_statement_code():
    taken = {"CX-F1", "CX-F2", "CX-P1"}
    # After the cell's last statement; in the element's style for an empty level; from codes at last.
    assert (
        next_statement_code(
            cell_codes=["CX-F1", "CX-F2"],
            element_codes=["CX-F1"],
            element_code="customer-experience",
            level_code="foundation",
            taken=taken,
        )
        == "CX-F3"
    )
    assert (
        next_statement_code(
            cell_codes=[],
            element_codes=["CX-F1"],
            element_code="customer-experience",
            level_code="senior",
            taken=taken,
        )
        == "CX-S1"
    )
    assert (
        next_statement_code(
            cell_codes=[],
            element_codes=[],
            element_code="customer-experience",
            level_code="foundation",
            taken=set(),
        )
        == "CE-F1"
    )
    assert free_code("soms", {"soms-2"}) == "soms-3"


def test_new_draft_suggests_the_label_after_the_latest(world, draft):
    client = world.client_for(world.alice)
    version_publish(version=draft, expected_revision=1, actor=world.alice)
    page = client.get(reverse("framework-draft-create", args=[draft.pk]))
    assert 'name="label" value="2"' in text(page)
    v2 = framework_version_draft_create(framework=draft.framework, base=draft, label="2", actor=world.alice)
    version_publish(version=v2, expected_revision=v2.revision, actor=world.alice)
    # Started from 1 again, the draft still gets the next free label.
    assert 'name="label" value="3"' in text(client.get(reverse("framework-draft-create", args=[draft.pk])))


def test_add_statement_suggests_the_next_code_in_its_cell(world, draft):
    client = world.client_for(world.alice)
    element = draft.elements.get(code="customer-experience")
    foundation = draft.levels.get(code="foundation")
    url = reverse("framework-item-new", args=[draft.pk, "statements"])
    page = text(client.get(f"{url}?element={element.pk}&level={foundation.pk}"))
    codes = list(draft.statements.filter(element=element, level=foundation).values_list("code", flat=True))
    expected = next_label(sorted(codes)[-1])
    assert re.search(rf'name="code"[^>]*value="{re.escape(expected)}"', page), page


def test_a_blank_framework_says_what_to_do_first(world):
    blank = framework_create(
        organisation=world.org_a,
        actor=world.alice,
        code="blank",
        name="Blank",
        description="",
        kind="skills",
        label="1",
        base=None,
    )
    page = text(world.client_for(world.alice).get(reverse("framework-version", args=[blank.pk])))
    assert 'id="first-steps"' in page and "Add the levels" in page and "Add the elements" in page
    assert reverse("framework-item-new", args=[blank.pk, "levels"]) in page


def test_a_level_the_rules_name_has_no_delete_button_only_the_reason(world, draft):
    page = text(world.client_for(world.alice).get(reverse("framework-structure", args=[draft.pk])))
    levels = page.split('id="levels"', 1)[1].split("</table>", 1)[0]
    named = [lv for lv in draft.levels.all() if draft.rules and lv.code in str(draft.rules)]
    assert named, "SOMS's rules name its levels"
    for level in draft.levels.all():
        delete = reverse("framework-item-delete", args=[draft.pk, "levels", level.pk])
        if level in named:
            assert delete not in levels
        else:
            assert delete in levels
    assert "change the rules before deleting it" in levels


@pytest.fixture
def v1_v2(world, draft):
    version_publish(version=draft, expected_revision=1, actor=world.alice)
    v2 = framework_version_draft_create(framework=draft.framework, base=draft, label="2", actor=world.alice)
    v2.statements.filter(code="DC-F1").update(code="DC-F9")
    return draft, v2


@pytest.mark.parametrize("page", ["framework-diff", "framework-mappings"])
def test_compare_and_map_from_an_older_version_read_older_to_newer(world, v1_v2, page):
    v1, v2 = v1_v2
    client = world.client_for(world.alice)
    opened = client.get(reverse(page, args=[v1.pk]))
    assert opened.status_code == 302
    assert opened["Location"] == reverse(page, args=[v2.pk]) + f"?base={v1.pk}"
    assert "1 → 2" in text(client.get(opened["Location"]))
    # A member who may not read the newer draft stays on the older version.
    member = world.client_for(world.charlie).get(reverse(page, args=[v1.pk]))
    assert member.status_code == 200


def test_mapping_page_shows_changed_statements_first_and_folds_the_rest(world, v1_v2):
    v1, v2 = v1_v2
    body = text(world.client_for(world.alice).get(reverse("framework-mappings", args=[v2.pk])))
    changed, rest = body.split('id="mapping-table"', 1)[1].split("<details", 1)
    code = '<span class="st-code">{}</span>'.format
    assert code("DC-F1") in changed and code("CX-F1") not in changed
    assert 'id="mapping-same"' in rest and code("CX-F1") in rest
    unchanged = v1.statements.count() - 1
    assert f"{unchanged} unchanged statements</summary>" in rest
