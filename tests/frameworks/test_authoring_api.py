"""The authoring API: every route works, hides other organisations (404), refuses weak roles (403),
names the bad field (422), and refuses published versions and stale revisions (409)."""

from __future__ import annotations

import pytest
from django.test import Client

from soms.frameworks.models import Area, FrameworkVersion, StatementMapping
from soms.frameworks.services.authoring import framework_version_draft_create, version_publish
from tests.frameworks.conftest import call, locs

pytestmark = pytest.mark.django_db

V = "/api/v1/framework-versions"


def ids(version):
    # SOMS counts elements as areas and declares none; give each draft one declared area to edit.
    Area.objects.get_or_create(version=version, code="front-office", defaults={"name": "Front office"})
    return {
        "element": version.elements.get(code="delivery").pk,
        "level": version.levels.get(code="practitioner").pk,
        "statement": version.statements.get(code="DL-P1").pk,
        "area": version.areas.get(code="front-office").pk,
    }


def item_bodies(version):
    i = ids(version)
    return {
        "levels": (
            {"code": "expert", "name": "Expert", "rank": 4},
            {"name": "Expert practitioner"},
            "levels",
            i["level"],
        ),
        "elements": ({"code": "culture", "name": "Culture"}, {"group": "People"}, "elements", i["element"]),
        "areas": (
            {"code": "digital", "name": "Digital", "element_id": i["element"]},
            {"name": "Tech"},
            "areas",
            i["area"],
        ),
        "statements": (
            {
                "code": "DL-P3",
                "text": "Designs digital journeys.",
                "element_id": i["element"],
                "level_id": i["level"],
            },
            {"text": "Maps value streams with the team."},
            "statements",
            i["statement"],
        ),
    }


# --- creation -------------------------------------------------------------------------------------


def test_create_a_blank_framework_and_adapt_soms(world, soms):
    client = world.client_for(world.alice)
    blank = call(
        client, "POST", "/api/v1/frameworks", {"code": "blank", "name": "Blank", "kind": "capability"}
    )
    assert blank.status_code == 201 and blank.json()["status"] == "draft" and blank.json()["revision"] == 1
    adapted = call(
        client, "POST", "/api/v1/frameworks", {"code": "ours", "name": "Ours", "base_version_id": soms.pk}
    )
    assert adapted.status_code == 201 and adapted.json()["based_on_id"] == soms.pk
    version = FrameworkVersion.objects.get(pk=adapted.json()["id"])
    assert (
        version.framework.organisation == world.org_a
        and version.statements.count() == soms.statements.count()
    )
    # GET /frameworks still answers on the same path.
    assert any(f["code"] == "ours" for f in client.get("/api/v1/frameworks").json())


def test_create_framework_names_the_bad_field(world, soms, b_draft, draft):
    client = world.client_for(world.alice)
    bad = call(client, "POST", "/api/v1/frameworks", {"code": "Bad Code", "name": "X"})
    assert bad.status_code == 422 and locs(bad) == ["body.payload.code"]
    assert locs(call(client, "POST", "/api/v1/frameworks", {"code": "ok", "name": "X", "kind": "maze"})) == [
        "body.payload.kind"
    ]
    taken = call(client, "POST", "/api/v1/frameworks", {"code": "alpha-skills", "name": "X"})
    assert taken.status_code == 422 and locs(taken) == ["body.payload.code"]
    # Another organisation's version cannot be a base: it is not there for us.
    foreign = call(
        client, "POST", "/api/v1/frameworks", {"code": "x", "name": "X", "base_version_id": b_draft.pk}
    )
    assert foreign.status_code == 422 and locs(foreign) == ["body.payload.base_version_id"]
    unpublished = call(
        client, "POST", "/api/v1/frameworks", {"code": "y", "name": "Y", "base_version_id": draft.pk}
    )
    assert unpublished.status_code == 422 and locs(unpublished) == ["body.payload.base"]


@pytest.mark.parametrize("who", ["charlie", "dana"])
def test_weaker_roles_cannot_create(world, soms, who):
    client = world.client_for(getattr(world, who))
    assert call(client, "POST", "/api/v1/frameworks", {"code": "x", "name": "X"}).status_code == 403


def test_unauthenticated_writes_are_refused(draft):
    assert call(Client(), "POST", "/api/v1/frameworks", {"code": "x", "name": "X"}).status_code == 401
    assert call(Client(), "POST", f"{V}/{draft.pk}/publish", {"revision": 1}).status_code == 401


def test_new_draft_from_a_published_version(world, draft, b_draft, soms):
    client = world.client_for(world.alice)
    url = f"/api/v1/frameworks/{draft.framework_id}/versions"
    unpublished = call(client, "POST", url, {"base_version_id": draft.pk, "label": "2"})
    assert unpublished.status_code == 422 and locs(unpublished) == ["body.payload.base"]
    version_publish(version=draft, expected_revision=1, actor=world.alice)
    created = call(client, "POST", url, {"base_version_id": draft.pk, "label": "2"})
    assert created.status_code == 201 and created.json()["based_on_id"] == draft.pk
    again = call(client, "POST", url, {"base_version_id": draft.pk, "label": "2"})
    assert again.status_code == 422 and locs(again) == ["body.payload.label"]
    wrong_base = call(client, "POST", url, {"base_version_id": soms.pk, "label": "3"})
    assert wrong_base.status_code == 422 and locs(wrong_base) == ["body.payload.base_version_id"]
    # Built-in: readable, never a place for drafts. Another organisation's: not found.
    builtin = call(
        client,
        "POST",
        f"/api/v1/frameworks/{soms.framework_id}/versions",
        {"base_version_id": soms.pk, "label": "x"},
    )
    assert builtin.status_code == 403
    foreign = call(
        client,
        "POST",
        f"/api/v1/frameworks/{b_draft.framework_id}/versions",
        {"base_version_id": b_draft.pk, "label": "x"},
    )
    assert foreign.status_code == 404
    assert (
        call(
            world.client_for(world.charlie), "POST", url, {"base_version_id": draft.pk, "label": "9"}
        ).status_code
        == 403
    )


def test_contents_give_ids_and_revision(world, draft, b_draft):
    body = world.client_for(world.alice).get(f"{V}/{draft.pk}/contents").json()
    assert body["version"]["revision"] == 1 and len(body["elements"]) == 7 and body["statements"][0]["id"]
    assert world.client_for(world.alice).get(f"{V}/{b_draft.pk}/contents").status_code == 404


# --- items ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["levels", "elements", "areas", "statements"])
def test_item_create_update_delete(world, draft, kind):
    client = world.client_for(world.alice)
    create, patch, _, existing = item_bodies(draft)[kind]
    created = call(client, "POST", f"{V}/{draft.pk}/{kind}", {"revision": 1, **create})
    assert created.status_code == 201, created.content
    assert created.json()["revision"] == 2 and created.json()["item"]["code"] == create["code"]
    updated = call(client, "PATCH", f"{V}/{draft.pk}/{kind}/{existing}", {"revision": 2, **patch})
    assert updated.status_code == 200 and updated.json()["revision"] == 3
    field, value = next(iter(patch.items()))
    assert updated.json()["item"][field] == value
    # Drafts are read by their authors (framework_version.read_draft); a member is not shown them.
    assert world.client_for(world.charlie).get(f"{V}/{draft.pk}/{kind}/{existing}").status_code == 404
    read = world.client_for(world.alice).get(f"{V}/{draft.pk}/{kind}/{existing}")
    assert read.status_code == 200 and read.json()[field] == value
    deleted = call(client, "DELETE", f"{V}/{draft.pk}/{kind}/{created.json()['item']['id']}?revision=3")
    assert deleted.status_code == 200 and deleted.json() == {"revision": 4}


@pytest.mark.parametrize("kind", ["levels", "elements", "areas", "statements"])
def test_item_writes_with_a_stale_revision_conflict(world, draft, kind):
    client = world.client_for(world.alice)
    create, patch, _, existing = item_bodies(draft)[kind]
    assert call(client, "POST", f"{V}/{draft.pk}/{kind}", {"revision": 1, **create}).status_code == 201
    # A second writer who read revision 1 is told, not silently applied.
    stale = call(client, "PATCH", f"{V}/{draft.pk}/{kind}/{existing}", {"revision": 1, **patch})
    assert stale.status_code == 409 and "changed by someone else" in stale.json()["detail"]
    assert call(client, "DELETE", f"{V}/{draft.pk}/{kind}/{existing}?revision=1").status_code == 409


@pytest.mark.parametrize("kind", ["levels", "elements", "areas", "statements"])
def test_published_versions_answer_409(world, draft, kind):
    version_publish(version=draft, expected_revision=1, actor=world.alice)
    client = world.client_for(world.alice)
    create, patch, _, existing = item_bodies(draft)[kind]
    assert call(client, "POST", f"{V}/{draft.pk}/{kind}", {"revision": 2, **create}).status_code == 409
    response = call(client, "PATCH", f"{V}/{draft.pk}/{kind}/{existing}", {"revision": 2, **patch})
    assert response.status_code == 409 and "published" in response.json()["detail"]
    assert call(client, "DELETE", f"{V}/{draft.pk}/{kind}/{existing}?revision=2").status_code == 409


@pytest.mark.parametrize("kind", ["levels", "elements", "areas", "statements"])
def test_items_of_another_organisation_are_not_found(world, draft, b_draft, kind):
    client = world.client_for(world.alice)
    create, patch, _, existing_a = item_bodies(draft)[kind]
    _, _, _, existing_b = item_bodies(b_draft)[kind]
    missing = call(client, "PATCH", f"{V}/999999/{kind}/1", {"revision": 1, **patch})
    for response in [
        client.get(f"{V}/{b_draft.pk}/{kind}/{existing_b}"),
        call(client, "POST", f"{V}/{b_draft.pk}/{kind}", {"revision": 1, **create}),
        call(client, "PATCH", f"{V}/{b_draft.pk}/{kind}/{existing_b}", {"revision": 1, **patch}),
        call(client, "DELETE", f"{V}/{b_draft.pk}/{kind}/{existing_b}?revision=1"),
        # An item of B reached through A's version is just as absent.
        call(client, "PATCH", f"{V}/{draft.pk}/{kind}/{existing_b}", {"revision": 1, **patch}),
    ]:
        assert response.status_code == 404 and response.json() == missing.json()


@pytest.mark.parametrize("who", ["charlie", "dana"])
@pytest.mark.parametrize("kind", ["levels", "elements", "areas", "statements"])
def test_items_need_an_admin(world, draft, who, kind):
    client = world.client_for(getattr(world, who))
    create, patch, _, existing = item_bodies(draft)[kind]
    assert call(client, "POST", f"{V}/{draft.pk}/{kind}", {"revision": 1, **create}).status_code == 403
    assert (
        call(client, "PATCH", f"{V}/{draft.pk}/{kind}/{existing}", {"revision": 1, **patch}).status_code
        == 403
    )
    assert call(client, "DELETE", f"{V}/{draft.pk}/{kind}/{existing}?revision=1").status_code == 403


def test_builtin_versions_are_read_only(world, soms):
    client = world.client_for(world.alice)
    st = soms.statements.first()
    response = call(client, "PATCH", f"{V}/{soms.pk}/statements/{st.pk}", {"revision": 1, "text": "Mine now"})
    assert response.status_code == 403 and "read-only" in response.json()["detail"]


def test_item_bad_input_names_the_field(world, draft, b_draft):
    client = world.client_for(world.alice)
    i, foreign = ids(draft), ids(b_draft)
    cases = [
        ("levels", {"revision": 1, "code": "x", "name": "X", "rank": 0}, "rank"),
        ("levels", {"revision": 1, "code": "x", "name": "X", "rank": 2}, "body.payload.rank"),
        ("elements", {"revision": 1, "code": "delivery", "name": "Again"}, "body.payload.code"),
        ("elements", {"revision": 1, "code": "Not A Slug", "name": "X"}, "code"),
        (
            "statements",
            {"revision": 1, "code": "N1", "text": "  ", "element_id": i["element"], "level_id": i["level"]},
            "text",
        ),
        (
            "statements",
            {
                "revision": 1,
                "code": "N1",
                "text": "T",
                "element_id": foreign["element"],
                "level_id": i["level"],
            },
            "body.payload.element_id",
        ),
        (
            "statements",
            {
                "revision": 1,
                "code": "N1",
                "text": "T",
                "element_id": i["element"],
                "level_id": i["level"],
                "area_ids": [foreign["area"]],
            },
            "body.payload.area_ids",
        ),
        ("areas", {"revision": 1, "code": "a", "name": "A", "element_id": 999999}, "body.payload.element_id"),
        (
            "statements",
            {"code": "N1", "text": "T", "element_id": i["element"], "level_id": i["level"]},
            "revision",
        ),
    ]
    for kind, body, field in cases:
        response = call(client, "POST", f"{V}/{draft.pk}/{kind}", body)
        assert response.status_code == 422, (kind, body, response.content)
        assert any(loc.endswith(field) for loc in locs(response)), (field, locs(response))
    malformed = client.post(f"{V}/{draft.pk}/elements", "{not json", content_type="application/json")
    assert malformed.status_code == 422


def test_reorder(world, draft):
    client = world.client_for(world.alice)
    elements = list(draft.elements.values_list("pk", flat=True))
    ok = call(client, "PUT", f"{V}/{draft.pk}/order/elements", {"revision": 1, "ids": elements[::-1]})
    assert ok.status_code == 200 and ok.json()["revision"] == 2
    assert list(draft.elements.values_list("pk", flat=True)) == elements[::-1]
    partial = call(client, "PUT", f"{V}/{draft.pk}/order/elements", {"revision": 2, "ids": elements[:2]})
    assert partial.status_code == 422 and locs(partial) == ["body.payload.ids"]
    assert (
        call(client, "PUT", f"{V}/{draft.pk}/order/widgets", {"revision": 2, "ids": [1]}).status_code == 422
    )
    assert (
        call(client, "PUT", f"{V}/{draft.pk}/order/elements", {"revision": 1, "ids": elements}).status_code
        == 409
    )


# --- rules and publishing -------------------------------------------------------------------------


def test_rules(world, draft, b_draft):
    client = world.client_for(world.alice)
    rules = {**draft.rules, "refresh_due_months_before": 6}
    assert call(client, "PUT", f"{V}/{draft.pk}/rules", {"revision": 1, "rules": rules}).json() == {
        "revision": 2
    }
    assert FrameworkVersion.objects.get(pk=draft.pk).rules["refresh_due_months_before"] == 6
    unknown = call(
        client, "PUT", f"{V}/{draft.pk}/rules", {"revision": 2, "rules": {**rules, "colour": "red"}}
    )
    assert unknown.status_code == 422 and any("colour" in loc for loc in locs(unknown))
    negative = call(
        client,
        "PUT",
        f"{V}/{draft.pk}/rules",
        {"revision": 2, "rules": {**rules, "refresh_due_months_before": -1}},
    )
    assert negative.status_code == 422 and any(
        loc.endswith("refresh_due_months_before") for loc in locs(negative)
    )
    no_level = {**rules, "standing": [{"label": "Top", "level": "grandmaster"}]}
    missing = call(client, "PUT", f"{V}/{draft.pk}/rules", {"revision": 2, "rules": no_level})
    assert missing.status_code == 422 and locs(missing) == ["body.payload.rules.standing.0.level"]
    assert (
        call(
            client, "PUT", f"{V}/{draft.pk}/rules", {"revision": 1, "rules": {**rules, "scale_note": "x"}}
        ).status_code
        == 409
    )
    assert call(client, "PUT", f"{V}/{b_draft.pk}/rules", {"revision": 1, "rules": rules}).status_code == 404
    assert (
        call(
            world.client_for(world.dana), "PUT", f"{V}/{draft.pk}/rules", {"revision": 2, "rules": rules}
        ).status_code
        == 403
    )


def test_publish(world, draft, b_draft):
    client = world.client_for(world.alice)
    assert call(client, "POST", f"{V}/{draft.pk}/publish", {"revision": 7}).status_code == 409
    assert call(client, "POST", f"{V}/{b_draft.pk}/publish", {"revision": 1}).status_code == 404
    assert (
        call(world.client_for(world.charlie), "POST", f"{V}/{draft.pk}/publish", {"revision": 1}).status_code
        == 403
    )
    published = call(client, "POST", f"{V}/{draft.pk}/publish", {"revision": 1})
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert call(client, "POST", f"{V}/{draft.pk}/publish", {"revision": 2}).status_code == 409


def test_publish_lists_what_is_missing(world):
    client = world.client_for(world.alice)
    version_id = call(client, "POST", "/api/v1/frameworks", {"code": "e", "name": "E"}).json()["id"]
    call(client, "POST", f"{V}/{version_id}/levels", {"revision": 1, "code": "one", "name": "One", "rank": 1})
    call(client, "POST", f"{V}/{version_id}/elements", {"revision": 2, "code": "el", "name": "El"})
    blocked = call(client, "POST", f"{V}/{version_id}/publish", {"revision": 3})
    assert blocked.status_code == 422
    # What is missing belongs to the stored version the path names, not to the body sent.
    assert locs(blocked) == ["path.version_id.statements", "path.version_id.elements.el"]


# --- diff and mappings ----------------------------------------------------------------------------


@pytest.fixture
def v2(world, draft):
    """Alpha's v1 published and a v2 draft with one reworded, one re-coded, one removed statement."""
    version_publish(version=draft, expected_revision=1, actor=world.alice)
    v2 = framework_version_draft_create(framework=draft.framework, base=draft, label="2", actor=world.alice)
    v2.statements.filter(code="CX-F1").update(
        text="Knows every customer group and how each one reaches the team."
    )
    v2.statements.filter(code="DC-F1").update(code="DC-F9")
    v2.statements.filter(code="PM-P2").delete()
    return v2


def test_diff(world, draft, v2, soms, b_draft):
    client = world.client_for(world.alice)
    body = client.get(f"{V}/{v2.pk}/diff?base={draft.pk}").json()
    assert (
        body["counts"]["reworded"] == 1 and body["counts"]["renamed"] == 1 and body["counts"]["removed"] == 1
    )
    renamed = next(c for c in body["statements"] if c["change"] == "renamed")
    assert (
        renamed["old"]["code"] == "DC-F1"
        and renamed["new"]["code"] == "DC-F9"
        and renamed["similarity"] == 1.0
    )
    other = client.get(f"{V}/{v2.pk}/diff?base={soms.pk}")
    assert other.status_code == 422 and locs(other) == ["query.base"]
    assert client.get(f"{V}/{v2.pk}/diff").status_code == 422
    assert client.get(f"{V}/{v2.pk}/diff?base=abc").status_code == 422
    assert world.client_for(world.bob).get(f"{V}/{v2.pk}/diff?base={draft.pk}").status_code == 404


def test_mappings_read_suggest_and_replace(world, draft, v2, b_draft):
    client = world.client_for(world.alice)
    got = client.get(f"{V}/{v2.pk}/mappings?base={draft.pk}").json()
    assert got["mappings"] == [] and got["revision"] == 1
    suggestions = got["suggestions"]
    assert {"from_code": "DC-F1", "to_code": "DC-F9", "kind": "same"} in suggestions
    assert {"from_code": "PM-P2", "to_code": None, "kind": "removed"} in suggestions
    put = call(
        client,
        "PUT",
        f"{V}/{v2.pk}/mappings",
        {"revision": 1, "base_version_id": draft.pk, "mappings": suggestions},
    )
    assert put.status_code == 200, put.content
    assert put.json()["revision"] == 2 and len(put.json()["mappings"]) == len(suggestions)
    assert (
        StatementMapping.objects.filter(to_version=v2, kind="removed", to_statement__isnull=True).count() == 1
    )
    # A split: one old statement, two successors.
    split = [
        {"from_code": "CX-F1", "to_code": "CX-F1", "kind": "split"},
        {"from_code": "CX-F1", "to_code": "CX-P1", "kind": "split"},
    ]
    assert (
        call(
            client,
            "PUT",
            f"{V}/{v2.pk}/mappings",
            {"revision": 2, "base_version_id": draft.pk, "mappings": split},
        ).status_code
        == 200
    )
    assert world.client_for(world.alice).get(f"{V}/{v2.pk}/mappings").json()["mappings"][0]["kind"] == "split"
    assert world.client_for(world.bob).get(f"{V}/{v2.pk}/mappings").status_code == 404


def test_mappings_refusals(world, draft, v2, soms, b_draft):
    client = world.client_for(world.alice)

    def put(body, who=client, version=v2):
        return call(
            who, "PUT", f"{V}/{version.pk}/mappings", {"revision": 1, "base_version_id": draft.pk, **body}
        )

    assert locs(put({"mappings": [{"from_code": "NOPE", "to_code": None, "kind": "removed"}]})) == [
        "body.payload.mappings.0.from_code"
    ]
    assert locs(put({"mappings": [{"from_code": "CX-F1", "to_code": "NOPE", "kind": "same"}]})) == [
        "body.payload.mappings.0.to_code"
    ]
    removed_with_successor = put(
        {"mappings": [{"from_code": "CX-F1", "to_code": "CX-F1", "kind": "removed"}]}
    )
    assert removed_with_successor.status_code == 422
    assert (
        put({"mappings": [{"from_code": "CX-F1", "to_code": "CX-F1", "kind": "sideways"}]}).status_code == 422
    )
    twice = put({"mappings": [{"from_code": "CX-F1", "to_code": "CX-F1", "kind": "same"}] * 2})
    assert twice.status_code == 422 and locs(twice) == ["body.payload.mappings.1"]
    wrong_base = call(
        client, "PUT", f"{V}/{v2.pk}/mappings", {"revision": 1, "base_version_id": soms.pk, "mappings": []}
    )
    assert wrong_base.status_code == 422 and locs(wrong_base) == ["body.payload.base_version_id"]
    ok = [{"from_code": "CX-F1", "to_code": "CX-F1", "kind": "reworded"}]
    assert put({"mappings": ok}, who=world.client_for(world.dana)).status_code == 403
    assert put({"mappings": ok}, version=b_draft).status_code == 404
    assert put({"mappings": ok}).status_code == 200
    assert (
        put({"mappings": ok + [{"from_code": "CX-P1", "to_code": "CX-P1", "kind": "same"}]}).status_code
        == 409
    )
    version_publish(version=v2, expected_revision=2, actor=world.alice)
    assert put({"mappings": ok}).status_code == 409


def test_openapi_lists_the_authoring_routes(world):
    paths = world.client_for(world.alice).get("/api/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/frameworks"] and "get" in paths["/api/v1/frameworks"]
    for path in [
        "/api/v1/frameworks/{framework_id}/versions",
        "/api/v1/framework-versions/{version_id}/statements/{item_id}",
        "/api/v1/framework-versions/{version_id}/rules",
        "/api/v1/framework-versions/{version_id}/publish",
        "/api/v1/framework-versions/{version_id}/diff",
        "/api/v1/framework-versions/{version_id}/mappings",
    ]:
        assert path in paths


def test_reorder_hides_other_organisations_and_needs_an_admin(world, draft, b_draft):
    b_elements = list(b_draft.elements.values_list("pk", flat=True))
    a_elements = list(draft.elements.values_list("pk", flat=True))
    alice, charlie = world.client_for(world.alice), world.client_for(world.charlie)
    body = {"revision": 1, "ids": b_elements}
    assert call(alice, "PUT", f"{V}/{b_draft.pk}/order/elements", body).status_code == 404
    assert (
        call(charlie, "PUT", f"{V}/{draft.pk}/order/elements", {"revision": 1, "ids": a_elements}).status_code
        == 403
    )


# --- edges found by fuzzing the API -----------------------------------------------------------------

NOT_NULL = [
    ("levels", "code"),
    ("levels", "name"),
    ("levels", "rank"),
    ("levels", "description"),
    ("elements", "code"),
    ("elements", "name"),
    ("elements", "description"),
    ("elements", "group"),
    ("areas", "code"),
    ("areas", "name"),
    ("statements", "code"),
    ("statements", "text"),
    ("statements", "element_id"),
    ("statements", "level_id"),
    ("statements", "area_ids"),
]


@pytest.mark.parametrize(("kind", "field"), NOT_NULL)
def test_patch_with_null_for_a_field_that_cannot_be_empty_is_422(world, draft, kind, field):
    client = world.client_for(world.alice)
    existing = item_bodies(draft)[kind][3]
    response = call(client, "PATCH", f"{V}/{draft.pk}/{kind}/{existing}", {"revision": 1, field: None})
    assert response.status_code == 422, response.content
    assert locs(response) == [f"body.payload.{field}"]
    assert FrameworkVersion.objects.get(pk=draft.pk).revision == 1


def test_patch_schemas_advertise_null_only_where_it_means_something(world):
    schemas = world.client_for(world.alice).get("/api/openapi.json").json()["components"]["schemas"]
    for name, field in [("LevelPatch", "code"), ("StatementPatch", "area_ids"), ("ElementPatch", "group")]:
        prop = schemas[name]["properties"][field]
        assert "anyOf" not in prop and "default" not in prop, (name, field, prop)
    for name, field in [("LevelPatch", "validity_months"), ("AreaPatch", "element_id")]:
        assert {"type": "null"} in schemas[name]["properties"][field]["anyOf"]


def test_null_clears_validity_and_detaches_an_area(world, draft):
    client = world.client_for(world.alice)
    i = ids(draft)
    level = draft.levels.get(pk=i["level"])
    level.validity_months = 36
    level.save()
    cleared = call(
        client, "PATCH", f"{V}/{draft.pk}/levels/{i['level']}", {"revision": 1, "validity_months": None}
    )
    assert cleared.status_code == 200 and cleared.json()["item"]["validity_months"] is None
    attached = call(
        client, "PATCH", f"{V}/{draft.pk}/areas/{i['area']}", {"revision": 2, "element_id": i["element"]}
    )
    assert attached.json()["item"]["element_id"] == i["element"]
    detached = call(client, "PATCH", f"{V}/{draft.pk}/areas/{i['area']}", {"revision": 3, "element_id": None})
    assert detached.status_code == 200 and detached.json()["item"]["element_id"] is None
    assert Area.objects.get(pk=i["area"]).element_id is None
    # Leaving the field out leaves it as it is.
    renamed = call(client, "PATCH", f"{V}/{draft.pk}/areas/{i['area']}", {"revision": 4, "name": "Front"})
    assert renamed.json()["item"]["element_id"] is None and renamed.json()["revision"] == 5


HUGE = 99999999999999999999


def test_ids_beyond_the_database_range_are_422(world, draft):
    client = world.client_for(world.alice)
    i = ids(draft)
    statement = {"revision": 1, "code": "N1", "text": "T", "element_id": i["element"], "level_id": i["level"]}
    for body, field in [
        ({**statement, "area_ids": [HUGE]}, "body.payload.area_ids.0"),
        ({**statement, "element_id": HUGE}, "body.payload.element_id"),
        ({**statement, "level_id": 2**63}, "body.payload.level_id"),
        ({**statement, "area_ids": [0]}, "body.payload.area_ids.0"),
    ]:
        response = call(client, "POST", f"{V}/{draft.pk}/statements", body)
        assert response.status_code == 422 and locs(response) == [field], (body, response.content)
    patched = call(
        client, "PATCH", f"{V}/{draft.pk}/statements/{i['statement']}", {"revision": 1, "area_ids": [HUGE]}
    )
    assert patched.status_code == 422
    area = call(
        client, "POST", f"{V}/{draft.pk}/areas", {"revision": 1, "code": "x", "name": "X", "element_id": HUGE}
    )
    assert area.status_code == 422 and locs(area) == ["body.payload.element_id"]
    for url in [f"{V}/{draft.pk}/diff?base={HUGE}", f"{V}/{draft.pk}/mappings?base={HUGE}"]:
        response = client.get(url)
        assert response.status_code == 422 and locs(response) == ["query.base"], url
    for body in [{"code": "x", "name": "X", "base_version_id": HUGE}]:
        response = call(client, "POST", "/api/v1/frameworks", body)
        assert response.status_code == 422 and locs(response) == ["body.payload.base_version_id"]
    mapped = call(
        client, "PUT", f"{V}/{draft.pk}/mappings", {"revision": 1, "base_version_id": HUGE, "mappings": []}
    )
    assert mapped.status_code == 422 and locs(mapped) == ["body.payload.base_version_id"]
    reorder = call(client, "PUT", f"{V}/{draft.pk}/order/elements", {"revision": 1, "ids": [HUGE]})
    assert reorder.status_code == 422
    for url in [
        f"{V}/{HUGE}",
        f"{V}/{HUGE}/contents",
        f"{V}/{draft.pk}/levels/{HUGE}",
        f"/api/v1/frameworks/{HUGE}",
    ]:
        assert client.get(url).status_code == 422, url
    assert FrameworkVersion.objects.get(pk=draft.pk).revision == 1
    # Pages take any number in the path: one beyond the range is simply not there.
    assert client.get(f"/frameworks/versions/{HUGE}/").status_code == 404
    assert client.get(f"/frameworks/versions/{draft.pk}/levels/{HUGE}/edit/").status_code == 404


def test_text_of_spaces_only_is_refused_as_the_schema_says(world, draft):
    client = world.client_for(world.alice)
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert schemas["LevelIn"]["properties"]["name"]["pattern"] == r"\S"
    assert schemas["StatementIn"]["properties"]["text"]["pattern"] == r"\S"
    assert schemas["FrameworkCreateIn"]["properties"]["name"]["pattern"] == r"\S"
    i = ids(draft)
    for kind, body, field in [
        ("levels", {"code": "x", "name": "   ", "rank": 9}, "name"),
        ("elements", {"code": "x", "name": "\t\n"}, "name"),
        ("areas", {"code": "x", "name": " "}, "name"),
        (
            "statements",
            {"code": "X1", "text": "  ", "element_id": i["element"], "level_id": i["level"]},
            "text",
        ),
        # Codes are identifiers, taken exactly: spaces around one do not match its pattern.
        ("elements", {"code": " culture", "name": "Culture"}, "code"),
    ]:
        response = call(client, "POST", f"{V}/{draft.pk}/{kind}", {"revision": 1, **body})
        assert response.status_code == 422 and locs(response) == [f"body.payload.{field}"], (
            body,
            response.content,
        )
    blank = call(client, "POST", "/api/v1/frameworks", {"code": "x", "name": "  ", "label": "1"})
    assert locs(blank) == ["body.payload.name"]
    assert locs(call(client, "POST", "/api/v1/frameworks", {"code": "x", "name": "X", "label": " "})) == [
        "body.payload.label"
    ]
    # Words are trimmed and kept.
    ok = call(
        client, "POST", f"{V}/{draft.pk}/elements", {"revision": 1, "code": "culture", "name": "  Culture "}
    )
    assert ok.status_code == 201 and ok.json()["item"]["name"] == "Culture"
