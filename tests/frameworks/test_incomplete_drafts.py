"""A draft is work in progress: it may not (yet) be a whole framework document. Reading it (API, grid
page) answers what is stored; exporting it says what is missing (409 / a message / CommandError);
and authoring keeps the rules pointing at levels that exist."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from soms.frameworks import io
from soms.frameworks.io.native import dump_yaml
from soms.frameworks.models import FrameworkVersion, Level
from soms.frameworks.selectors.versions import VersionIncomplete, describe_rules, version_document
from soms.frameworks.services.authoring import ItemInUse, version_item_delete, version_item_update
from soms.frameworks.services.exchange import framework_import, framework_version_export
from tests.frameworks.conftest import call

pytestmark = pytest.mark.django_db

V = "/api/v1/framework-versions"


def _blank(world):
    client = world.client_for(world.alice)
    created = call(client, "POST", "/api/v1/frameworks", {"code": "qa-empty", "name": "QA empty"})
    assert created.status_code == 201
    return client, FrameworkVersion.objects.get(pk=created.json()["id"])


def test_a_fresh_framework_reads_as_stored_and_says_what_is_missing(world):
    client, version = _blank(world)
    response = client.get(f"{V}/{version.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["document"]["levels"] == [] and body["document"]["elements"] == []
    assert {p["loc"] for p in body["problems"]} == {"levels", "elements"}
    # The grid page of an empty draft renders too.
    assert client.get(reverse("framework-version", args=[version.pk])).status_code == 200


def test_published_versions_have_no_problems(world, soms):
    body = world.client_for(world.charlie).get(f"{V}/{soms.pk}").json()
    assert body["problems"] == [] and len(body["document"]["levels"]) == 3


def _rules_point_at_a_missing_level(draft):
    """What drafts written before authoring kept rules consistent can hold: rules naming a level the
    draft no longer has (the level renamed underneath them)."""
    Level.objects.filter(version=draft, code="senior-practitioner").update(code="senior")


def test_an_inconsistent_draft_still_reads(world, draft):
    _rules_point_at_a_missing_level(draft)
    client = world.client_for(world.alice)
    response = client.get(f"{V}/{draft.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["document"]["version"]["rules"]["change_project"]["level"] == "senior-practitioner"
    assert {"loc": "version.rules", "msg": "rules name unknown level 'senior-practitioner'"} in body[
        "problems"
    ]
    page = client.get(reverse("framework-version", args=[draft.pk]))
    assert page.status_code == 200
    # Rules name the level by its code when the draft has no level of that code.
    assert "senior-practitioner" in page.content.decode()


@pytest.mark.parametrize("format", io.FORMATS)
def test_exporting_an_incomplete_draft_is_a_conflict_listing_the_problems(world, draft, format):
    _rules_point_at_a_missing_level(draft)
    client = world.client_for(world.alice)
    response = client.get(f"{V}/{draft.pk}/export?format={format}")
    assert response.status_code == 409, response.content
    assert response.json()["detail"] == [
        {
            "loc": ["version", "rules"],
            "msg": "rules name unknown level 'senior-practitioner'",
            "type": "incomplete",
        }
    ]
    with pytest.raises(VersionIncomplete):
        framework_version_export(version=draft, format=format)


def test_exporting_an_empty_draft_is_a_conflict(world):
    client, version = _blank(world)
    response = client.get(f"{V}/{version.pk}/export?format=yaml")
    assert response.status_code == 409
    assert {tuple(p["loc"]) for p in response.json()["detail"]} == {("levels",), ("elements",)}


def test_download_page_of_an_incomplete_draft_explains_and_returns_to_the_grid(world):
    client, version = _blank(world)
    response = client.get(reverse("framework-version-export", args=[version.pk, "csv"]), follow=True)
    assert response.redirect_chain == [(reverse("framework-version", args=[version.pk]), 302)]
    assert "cannot be exported yet" in response.content.decode()
    assert "at least one level" in response.content.decode()


def test_cli_export_of_an_incomplete_draft_is_a_command_error(world):
    _, version = _blank(world)
    with pytest.raises(CommandError, match="cannot be exported yet.*levels: a framework needs at least one"):
        call_command("framework", "export", str(version.pk), "--format", "yaml", stdout=StringIO())


# --- authoring keeps the rules consistent --------------------------------------------------------


def test_renaming_a_level_renames_it_in_the_rules(world, draft):
    client = world.client_for(world.alice)
    level = draft.levels.get(code="senior-practitioner")
    response = call(client, "PATCH", f"{V}/{draft.pk}/levels/{level.pk}", {"revision": 1, "code": "senior"})
    assert response.status_code == 200, response.content
    rules = FrameworkVersion.objects.get(pk=draft.pk).rules
    assert rules["change_project"]["level"] == "senior"
    assert [s["level"] for s in rules["standing"]] == ["senior", "practitioner", "foundation"]
    assert client.get(f"{V}/{draft.pk}").json()["problems"] == []
    assert client.get(f"{V}/{draft.pk}/export?format=yaml").status_code == 200


def test_renaming_a_level_renames_it_in_capability_expectations(world, capability):
    version = framework_import(
        organisation=world.org_a, actor=world.alice, data=dump_yaml(capability), filename="c.yaml"
    )
    for old, new in (("managed", "mgd"), ("defined", "def")):
        version_item_update(
            version=version,
            kind="levels",
            item=version.levels.get(code=old),
            values={"code": new},
            expected_revision=version.revision,
            actor=world.alice,
        )
    expectations = FrameworkVersion.objects.get(pk=version.pk).rules["expectations"]
    assert (expectations["specialist_min_level"], expectations["backup_min_level"]) == ("mgd", "def")
    version_document(version=version)  # whole and consistent


def test_deleting_a_level_the_rules_name_is_refused_naming_the_rule(world, draft):
    client = world.client_for(world.alice)
    level = draft.levels.get(code="practitioner")
    response = call(client, "DELETE", f"{V}/{draft.pk}/levels/{level.pk}?revision=1")
    assert response.status_code == 409
    assert "standing 'Practitioner'" in response.json()["detail"]
    assert Level.objects.filter(pk=level.pk).exists()
    assert FrameworkVersion.objects.get(pk=draft.pk).revision == 1
    with pytest.raises(ItemInUse, match="change project"):
        version_item_delete(
            version=draft,
            kind="levels",
            item=draft.levels.get(code="senior-practitioner"),
            expected_revision=1,
            actor=world.alice,
        )


def test_delete_page_of_a_level_the_rules_name_explains(world, draft):
    client = world.client_for(world.alice)
    level = draft.levels.get(code="foundation")
    response = client.post(
        reverse("framework-item-delete", args=[draft.pk, "levels", level.pk]), {"revision": 1}
    )
    assert response.status_code == 409
    assert "standing" in response.content.decode()
    assert Level.objects.filter(pk=level.pk).exists()


def test_describe_rules_names_missing_levels_by_code(world, capability):
    version = framework_import(
        organisation=world.org_a, actor=world.alice, data=dump_yaml(capability), filename="c.yaml"
    )
    Level.objects.filter(version=version, code="managed").update(code="gone")
    sentences = " ".join(describe_rules(version=version, levels=list(version.levels.all())))
    assert "None" not in sentences and "at managed or above" in sentences


def test_external_associations_follow_their_element_and_go_with_it(world, capability):
    version = framework_import(
        organisation=world.org_a, actor=world.alice, data=dump_yaml(capability), filename="c.yaml"
    )
    incident = version.elements.get(code="incident")
    version_item_update(
        version=version,
        kind="elements",
        item=incident,
        values={"code": "incidents"},
        expected_revision=version.revision,
        actor=world.alice,
    )
    stored = FrameworkVersion.objects.get(pk=version.pk)
    assert [a["origin"] for a in stored.external_associations] == ["incidents"]
    version_document(version=version)
    version_item_delete(
        version=version, kind="elements", item=incident, expected_revision=version.revision, actor=world.alice
    )
    assert FrameworkVersion.objects.get(pk=version.pk).external_associations == []
    version_document(version=version)


def test_a_statement_of_a_tree_stays_in_its_element(world, capability):
    version = framework_import(
        organisation=world.org_a, actor=world.alice, data=dump_yaml(capability), filename="c.yaml"
    )
    client = world.client_for(world.alice)
    child = version.statements.get(code="PF-3.a")
    other = version.elements.get(code="supplier")
    response = call(
        client,
        "PATCH",
        f"{V}/{version.pk}/statements/{child.pk}",
        {"revision": version.revision, "element_id": other.pk},
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "element_id"
    version_document(version=version)
