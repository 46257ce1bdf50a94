"""Authoring pages: they work, hide other organisations (404), refuse weaker roles (403), show the
field that is wrong, refuse published versions with a message, and keep input on a conflict."""

from __future__ import annotations

import pytest
from django.urls import reverse

from soms.frameworks.models import Framework, FrameworkVersion, Statement, StatementMapping
from soms.frameworks.services.authoring import (
    framework_version_draft_create,
    version_item_update,
    version_publish,
)

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages]


@pytest.fixture
def v2(world, draft):
    version_publish(version=draft, expected_revision=1, actor=world.alice)
    v2 = framework_version_draft_create(framework=draft.framework, base=draft, label="2", actor=world.alice)
    v2.statements.filter(code="CX-F1").update(
        text="Knows every customer group and how each one reaches the team."
    )
    v2.statements.filter(code="DC-F1").update(code="DC-F9")
    return v2


def page_urls(version):
    st = version.statements.get(code="CX-P1")
    el = version.elements.get(code="delivery")
    return {
        "structure": reverse("framework-structure", args=[version.pk]),
        "rules": reverse("framework-rules", args=[version.pk]),
        "publish": reverse("framework-publish", args=[version.pk]),
        "new-statement": reverse("framework-item-new", args=[version.pk, "statements"]),
        "edit-statement": reverse("framework-item-edit", args=[version.pk, "statements", st.pk]),
        "delete-element": reverse("framework-item-delete", args=[version.pk, "elements", el.pk]),
        "new-draft": reverse("framework-draft-create", args=[version.pk]),
    }


# --- creating -------------------------------------------------------------------------------------


def test_adapt_soms_into_a_new_framework(world, soms):
    client = world.client_for(world.alice)
    form = client.get(reverse("framework-create") + f"?base={soms.pk}")
    assert form.status_code == 200 and "Service Operating Model Skills (SOMS) (adapted)" in text(form)
    response = client.post(
        reverse("framework-create"),
        {"name": "Claims skills", "code": "claims-skills", "kind": "skills", "label": "1", "base": soms.pk},
    )
    version = FrameworkVersion.objects.get(framework__code="claims-skills")
    assert response.status_code == 302 and response["Location"] == reverse(
        "framework-version", args=[version.pk]
    )
    assert (
        version.statements.count() == soms.statements.count()
        and version.framework.organisation == world.org_a
    )


def test_create_shows_the_field_that_is_wrong(world, draft, b_draft):
    client = world.client_for(world.alice)
    bad = client.post(
        reverse("framework-create"), {"name": "X", "code": "Not a slug", "kind": "skills", "label": "1"}
    )
    assert bad.status_code == 400 and "lower-case letters" in text(bad)
    taken = client.post(
        reverse("framework-create"), {"name": "X", "code": "alpha-skills", "kind": "skills", "label": "1"}
    )
    assert taken.status_code == 400 and "already has a framework with code" in text(taken)
    # Another organisation's version is not offered, and not accepted, as a base.
    foreign = client.post(
        reverse("framework-create"),
        {"name": "X", "code": "x", "kind": "skills", "label": "1", "base": b_draft.pk},
    )
    assert foreign.status_code == 400 and "Select a valid choice" in text(foreign)
    assert not Framework.objects.filter(code="x").exists()


@pytest.mark.parametrize("who", ["charlie", "dana"])
def test_weaker_roles_get_403_on_every_authoring_page(world, draft, who):
    client = world.client_for(getattr(world, who))
    assert client.get(reverse("framework-create")).status_code == 403
    for url in page_urls(draft).values():
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"revision": 1}).status_code == 403, url
    move = reverse("framework-item-move", args=[draft.pk, "elements", draft.elements.first().pk])
    assert client.post(move, {"revision": 1, "direction": "down"}).status_code == 403
    mappings = reverse("framework-mappings", args=[draft.pk])
    assert client.post(mappings, {"revision": 1}).status_code == 403


def test_another_organisations_draft_is_not_found_on_every_page(world, b_draft, draft):
    client = world.client_for(world.alice)
    missing = client.get(reverse("framework-structure", args=[999999]))
    assert missing.status_code == 404
    for name, url in page_urls(b_draft).items():
        assert client.get(url).status_code == 404, url
        if name != "structure":  # a read-only page
            assert client.post(url, {"revision": 1}).status_code == 404, url
    for name in ["framework-diff", "framework-mappings"]:
        assert client.get(reverse(name, args=[b_draft.pk])).status_code == 404
    # Items of B reached through A's draft are just as absent.
    foreign_st = b_draft.statements.first()
    assert (
        client.get(reverse("framework-item-edit", args=[draft.pk, "statements", foreign_st.pk])).status_code
        == 404
    )
    assert client.get(reverse("framework-item-new", args=[draft.pk, "widgets"])).status_code == 404


def test_new_draft_page(world, draft, soms):
    client = world.client_for(world.alice)
    url = reverse("framework-draft-create", args=[draft.pk])
    unpublished = client.get(url)
    assert unpublished.status_code == 302 and "Only a published version" in messages_of(unpublished)[0]
    version_publish(version=draft, expected_revision=1, actor=world.alice)
    assert client.get(url).status_code == 200
    taken = client.post(url, {"label": "1"})
    assert taken.status_code == 400 and "already has a version labelled" in text(taken)
    created = client.post(url, {"label": "2"})
    v2 = FrameworkVersion.objects.get(framework=draft.framework, label="2")
    assert created.status_code == 302 and v2.based_on == draft and not v2.is_published
    # Built-in versions are adapted into a new framework instead.
    builtin = client.get(reverse("framework-draft-create", args=[soms.pk]))
    assert (
        builtin.status_code == 302 and builtin["Location"] == reverse("framework-create") + f"?base={soms.pk}"
    )


# --- the grid and editing -------------------------------------------------------------------------


def test_edit_controls_show_only_on_drafts_for_admins(world, draft, soms):
    grid = reverse("framework-version", args=[draft.pk])
    admin = text(world.client_for(world.alice).get(grid))
    assert "+ Add statement" in admin and "Publish…" in admin and 'hx-get="' in admin
    # A draft is its authors' work in progress: a member is not shown it at all.
    assert world.client_for(world.charlie).get(grid).status_code == 404
    builtin = text(world.client_for(world.alice).get(reverse("framework-version", args=[soms.pk])))
    assert "+ Add statement" not in builtin and "Adapt into a new framework" in builtin
    assert "Adapt into a new framework" not in text(
        world.client_for(world.charlie).get(reverse("framework-version", args=[soms.pk]))
    )


def test_inline_statement_edit_with_htmx(world, draft):
    client = world.client_for(world.alice)
    st = draft.statements.get(code="CX-P1")
    url = reverse("framework-item-edit", args=[draft.pk, "statements", st.pk])
    form = client.get(url, headers={"HX-Request": "true"})
    assert (
        form.status_code == 200
        and 'class="statement statement-edit"' in text(form)
        and "<html" not in text(form)
    )
    saved = client.post(
        url,
        {"revision": 1, "code": "CX-P1", "text": "Shows real customer journeys."},
        headers={"HX-Request": "true"},
    )
    body = text(saved)
    assert saved.status_code == 200 and "Shows real customer journeys." in body
    # The page's other small forms learn the new revision out of band.
    assert 'hx-swap-oob="outerHTML:input.rev"' in body and 'value="2"' in body
    assert Statement.objects.get(pk=st.pk).text == "Shows real customer journeys."
    cancel = client.get(
        reverse("framework-statement", args=[draft.pk, st.pk]), headers={"HX-Request": "true"}
    )
    assert cancel.status_code == 200 and "Shows real customer journeys." in text(cancel)


def test_a_stale_inline_edit_keeps_what_the_user_typed(world, draft):
    client = world.client_for(world.alice)
    st = draft.statements.get(code="CX-P1")
    version_item_update(
        version=draft,
        kind="statements",
        item=st,
        values={"text": "Bob's words."},
        expected_revision=1,
        actor=world.bob,
    )
    url = reverse("framework-item-edit", args=[draft.pk, "statements", st.pk])
    response = client.post(
        url, {"revision": 1, "code": "CX-P1", "text": "Alice's words."}, headers={"HX-Request": "true"}
    )
    body = text(response)
    assert response.status_code == 200  # htmx only swaps 2xx: the editor is replaced with the explanation
    assert "changed by someone else" in body and "Alice&#x27;s words." in body
    assert 'name="revision" value="2"' in body  # saving again applies Alice's words over Bob's
    assert Statement.objects.get(pk=st.pk).text == "Bob's words."
    again = client.post(
        url, {"revision": 2, "code": "CX-P1", "text": "Alice's words."}, headers={"HX-Request": "true"}
    )
    assert again.status_code == 200 and Statement.objects.get(pk=st.pk).text == "Alice's words."


def test_inline_edit_of_a_version_published_meanwhile_sends_the_browser_to_the_grid(world, draft):
    st = draft.statements.get(code="CX-P1")
    url = reverse("framework-item-edit", args=[draft.pk, "statements", st.pk])
    version_publish(version=draft, expected_revision=1, actor=world.alice)
    response = world.client_for(world.alice).post(
        url, {"revision": 1, "code": "CX-P1", "text": "Too late."}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and response["HX-Redirect"] == reverse(
        "framework-version", args=[draft.pk]
    )
    assert "is published and never changes" in messages_of(response)[0]


def test_full_page_statement_form_add_and_errors(world, draft):
    client = world.client_for(world.alice)
    el, lv = draft.elements.get(code="delivery"), draft.levels.get(code="practitioner")
    url = reverse("framework-item-new", args=[draft.pk, "statements"])
    form = client.get(url + f"?element={el.pk}&level={lv.pk}")
    assert form.status_code == 200 and f'<option value="{el.pk}" selected>' in text(form)
    bad = client.post(url, {"revision": 1, "code": "DL-P1", "text": "", "element": el.pk, "level": lv.pk})
    assert bad.status_code == 400 and "This field is required." in text(bad)
    taken = client.post(
        url, {"revision": 1, "code": "DL-P1", "text": "Again", "element": el.pk, "level": lv.pk}
    )
    assert taken.status_code == 400 and "already used in this version" in text(taken)
    ok = client.post(
        url,
        {
            "revision": 1,
            "code": "DL-P3",
            "text": "Designs digital journeys.",
            "element": el.pk,
            "level": lv.pk,
        },
    )
    new = draft.statements.get(code="DL-P3")
    assert ok.status_code == 302 and ok["Location"].endswith(f"#st-{new.pk}")
    cell = list(
        draft.statements.filter(element=el, level=lv).order_by("order", "id").values_list("code", flat=True)
    )
    assert cell == ["DL-P1", "DL-P2", "DL-P3"]  # a new statement goes to the end of its cell


def test_stale_full_page_form_keeps_input_and_says_why(world, draft):
    client = world.client_for(world.alice)
    el = draft.elements.get(code="delivery")
    version_item_update(
        version=draft,
        kind="elements",
        item=el,
        values={"name": "Delivery"},
        expected_revision=1,
        actor=world.bob,
    )
    url = reverse("framework-item-edit", args=[draft.pk, "elements", el.pk])
    response = client.post(
        url, {"revision": 1, "code": "delivery", "name": "Process design", "group": "", "description": ""}
    )
    assert (
        response.status_code == 409
        and "Process design" in text(response)
        and "Your input is kept" in text(response)
    )


def test_structure_page_move_and_delete(world, draft):
    client = world.client_for(world.alice)
    page = client.get(reverse("framework-structure", args=[draft.pk]))
    assert page.status_code == 200 and text(page).count("Move") >= 3
    first = draft.elements.first()
    moved = client.post(
        reverse("framework-item-move", args=[draft.pk, "elements", first.pk]),
        {"revision": 1, "direction": "down"},
    )
    assert moved.status_code == 302 and list(draft.elements.all())[1] == first
    stale = client.post(
        reverse("framework-item-move", args=[draft.pk, "elements", first.pk]),
        {"revision": 1, "direction": "down"},
    )
    assert stale.status_code == 302 and "changed by someone else" in messages_of(stale)[0]
    url = reverse("framework-item-delete", args=[draft.pk, "elements", first.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "will be deleted with it" in text(confirm)
    conflict = client.post(url, {"revision": 1})
    assert conflict.status_code == 409 and draft.elements.filter(pk=first.pk).exists()
    assert client.post(url, {"revision": 2}).status_code == 302
    assert not draft.elements.filter(pk=first.pk).exists()


def test_level_form_names_the_bad_rank(world, draft):
    client = world.client_for(world.alice)
    url = reverse("framework-item-new", args=[draft.pk, "levels"])
    assert 'value="4"' in text(client.get(url))  # the next free rank is offered
    clash = client.post(url, {"revision": 1, "code": "expert", "name": "Expert", "rank": 2})
    assert clash.status_code == 400 and "another level already has rank 2" in text(clash)


def test_published_versions_refuse_edits_with_a_message(world, draft):
    version_publish(version=draft, expected_revision=1, actor=world.alice)
    client = world.client_for(world.alice)
    for name, url in page_urls(draft).items():
        if name in ("new-draft", "structure"):
            continue
        response = client.post(url, {"revision": 2, "code": "CX-P1", "text": "Changed"})
        assert response.status_code == 302, name
        assert "is published and never changes" in messages_of(response)[0]
    assert draft.statements.get(code="CX-P1").text != "Changed"


# --- rules and publishing -------------------------------------------------------------------------


def test_rules_page(world, draft):
    client = world.client_for(world.alice)
    url = reverse("framework-rules", args=[draft.pk])
    page = client.get(url)
    assert page.status_code == 200 and "cumulative_levels: true" in text(page)
    broken = client.post(url, {"revision": 1, "rules": "cumulative_levels: [unclosed"})
    assert broken.status_code == 400 and "Not readable as YAML" in text(broken)
    wrong = client.post(url, {"revision": 1, "rules": "refresh_due_months_before: -2\ncolour: red"})
    assert wrong.status_code == 400 and "refresh_due_months_before" in text(wrong) and "colour" in text(wrong)
    unknown_level = client.post(url, {"revision": 1, "rules": "change_project: {level: expert}"})
    assert unknown_level.status_code == 400 and "rules.change_project.level" in text(unknown_level)
    ok = client.post(url, {"revision": 1, "rules": "cumulative_levels: false\nscale_note: Our own scale."})
    assert (
        ok.status_code == 302
        and FrameworkVersion.objects.get(pk=draft.pk).rules["scale_note"] == "Our own scale."
    )


def test_publish_page(world, draft):
    client = world.client_for(world.alice)
    url = reverse("framework-publish", args=[draft.pk])
    draft.statements.filter(element__code="delivery", level__code="practitioner").delete()
    blocked = client.get(url)
    assert "Delivery — process design has no statement at: Practitioner." in text(blocked)
    assert client.post(url, {"revision": 1}).status_code == 400
    draft.elements.filter(code="delivery").delete()
    assert client.post(url, {"revision": 7}).status_code == 409
    done = client.post(url, {"revision": 1})
    assert done.status_code == 302 and FrameworkVersion.objects.get(pk=draft.pk).is_published


# --- diff and mappings ----------------------------------------------------------------------------


def test_diff_page_answers_another_organisations_base_like_a_missing_one(world, draft, v2, b_draft):
    client = world.client_for(world.alice)
    url = reverse("framework-diff", args=[v2.pk])
    foreign = client.get(url + f"?base={b_draft.pk}")
    missing = client.get(url + "?base=999999")
    assert foreign.status_code == missing.status_code == 400
    assert "same framework" not in text(foreign)
    assert f"no version {b_draft.pk} of this framework" in text(foreign)
    assert "no version 999999 of this framework" in text(missing)


def test_diff_page(world, draft, v2, soms):
    client = world.client_for(world.alice)
    page = client.get(reverse("framework-diff", args=[v2.pk]))  # defaults to the version it came from
    body = text(page)
    assert page.status_code == 200 and "1 → 2" in body
    assert "<ins>" in body and "reworded" in body and "DC-F9" in body and "renamed" in body
    other = client.get(reverse("framework-diff", args=[v2.pk]) + f"?base={soms.pk}")
    assert other.status_code == 400 and "same framework" in text(other)
    only_one = client.get(reverse("framework-diff", args=[soms.pk]))
    assert only_one.status_code == 200 and "nothing to compare" in text(only_one)


def test_mappings_page_suggests_saves_and_keeps_choices_on_conflict(world, draft, v2):
    client = world.client_for(world.alice)
    url = reverse("framework-mappings", args=[v2.pk])
    page = client.get(url)
    body = text(page)
    assert page.status_code == 200 and "suggested" in body
    rows = list(draft.statements.all())
    data = {"revision": v2.revision, "base": draft.pk}
    for st in rows:
        to = "DC-F9" if st.code == "DC-F1" else st.code
        data[f"to-{st.pk}"] = to
        data[f"kind-{st.pk}"] = "same"
    cx = draft.statements.get(code="CX-F1")
    data[f"kind-{cx.pk}"] = "reworded"
    saved = client.post(url, data)
    assert saved.status_code == 302, text(saved)
    assert StatementMapping.objects.filter(to_version=v2).count() == len(rows)
    assert StatementMapping.objects.get(to_version=v2, from_statement=cx).kind == "reworded"
    # A stale save shows the user's choices again, bound to the new revision.
    data[f"kind-{cx.pk}"] = "moved"
    stale = client.post(url, data)
    assert stale.status_code == 409 and "changed by someone else" in text(stale)
    assert 'value="moved" selected' in text(stale) and f'name="revision" value="{v2.revision + 1}"' in text(
        stale
    )
    # A bad choice is named by the statement it belongs to.
    data.update({"revision": v2.revision + 1, f"to-{cx.pk}": "", f"kind-{cx.pk}": "same"})
    bad = client.post(url, data)
    assert bad.status_code == 400 and "CX-F1: use &#x27;removed&#x27;" in text(bad)


@pytest.mark.parametrize("revision", ["abc", "1.5", "-1", "²", "9" * 40])
def test_mappings_page_refuses_a_revision_that_is_not_a_number(world, draft, v2, revision):
    client = world.client_for(world.alice)
    url = reverse("framework-mappings", args=[v2.pk])
    data = {"revision": revision, "base": draft.pk}
    for st in draft.statements.all():
        data[f"to-{st.pk}"], data[f"kind-{st.pk}"] = st.code, "same"
    refused = client.post(url, data)
    assert refused.status_code == 400 and "revision: a whole number is required" in text(refused)
    assert not StatementMapping.objects.filter(to_version=v2).exists()


@pytest.mark.parametrize("query", ["element=abc", "level=abc", "element=1e3", "level=" + "9" * 40])
def test_new_statement_page_refuses_ids_that_are_not_numbers(world, draft, query):
    url = reverse("framework-item-new", args=[draft.pk, "statements"])
    refused = world.client_for(world.alice).get(f"{url}?{query}")
    assert refused.status_code == 400
    assert f"{query.split('=')[0]}: a whole number is required" in refused.content.decode()


def test_new_statement_page_ignores_ids_of_nothing(world, draft):
    # A well-formed id that names no element of this version is only an empty choice.
    url = reverse("framework-item-new", args=[draft.pk, "statements"])
    assert world.client_for(world.alice).get(f"{url}?element=999999&level=").status_code == 200


def test_mappings_page_is_read_only_for_members_and_on_published(world, draft, v2):
    # A draft's mappings are its authors' (a member is not shown the draft); once published, read-only.
    assert world.client_for(world.charlie).get(reverse("framework-mappings", args=[v2.pk])).status_code == 404
    version_publish(version=v2, expected_revision=v2.revision, actor=world.alice)
    member = text(world.client_for(world.charlie).get(reverse("framework-mappings", args=[v2.pk])))
    assert '<select name="to-' not in member and "Save mappings" not in member
    admin = world.client_for(world.alice)
    assert "Save mappings" not in text(admin.get(reverse("framework-mappings", args=[v2.pk])))
    refused = admin.post(reverse("framework-mappings", args=[v2.pk]), {"revision": 2, "base": draft.pk})
    assert refused.status_code == 302 and "is published" in messages_of(refused)[0]


def test_structure_page_of_a_published_version_sends_back_to_the_grid(world, draft):
    version_publish(version=draft, expected_revision=1, actor=world.alice)
    response = world.client_for(world.alice).get(reverse("framework-structure", args=[draft.pk]))
    assert response.status_code == 302 and "is published and never changes" in messages_of(response)[0]


def test_statement_fragment_of_another_organisation_is_not_found(world, draft, b_draft):
    client = world.client_for(world.alice)
    foreign = b_draft.statements.first()
    assert client.get(reverse("framework-statement", args=[b_draft.pk, foreign.pk])).status_code == 404
    assert client.get(reverse("framework-statement", args=[draft.pk, foreign.pk])).status_code == 404
    own = draft.statements.first()
    assert (
        world.client_for(world.alice).get(reverse("framework-statement", args=[draft.pk, own.pk])).status_code
        == 200
    )
