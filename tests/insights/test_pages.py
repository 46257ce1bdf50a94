"""Insights pages: what each role sees, adding a development action from a gap, conflicts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from soms.insights.models import DevelopmentAction
from tests.insights.conftest import DC

pytestmark = pytest.mark.django_db


def test_dashboard_draws_the_grid_and_names_the_single_points(skilled: Any, soms_version: Any) -> None:
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    r = client.get(reverse("insights-dashboard"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "<svg" in html and "People × elements" in html
    assert "hangs on" in html and "Nina North" in html
    assert "8 people on" in html


def test_member_sees_only_themself(skilled: Any, soms_version: Any) -> None:
    client = skilled.world.client_for(skilled.world.charlie, skilled.world.org_a)
    html = client.get(reverse("insights-dashboard")).content.decode()
    assert "1 person on" in html and "Charlie Member" in html and "Nina North" not in html


def test_a_filter_outside_the_scope_is_reported_not_an_error(skilled: Any, soms_version: Any) -> None:
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    r = client.get(reverse("insights-dashboard"), {"unit": skilled.b_unit.pk, "manager": "NOPE"})
    assert r.status_code == 200
    assert "Not a unit you may see" in r.content.decode()


def test_framework_picker_shows_the_version_in_effect(skilled: Any, soms_version: Any) -> None:
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    selected = f'<option value="{soms_version.pk}" selected>'
    # No filter at all, and other filters without a version: the default version is drawn and picked.
    for query in ({}, {"location": "Leeds"}):
        r = client.get(reverse("insights-dashboard"), query)
        assert r.context["version"] == soms_version
        assert selected in r.content.decode(), query
    # A version that is not a choice keeps what was typed beside its error.
    html = client.get(reverse("insights-dashboard"), {"version": "999999"}).content.decode()
    assert "Not a published framework version here." in html and selected not in html


def test_empty_selection_is_friendly(skilled: Any, soms_version: Any) -> None:
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    r = client.get(reverse("insights-dashboard"), {"location": "Atlantis"})
    assert r.status_code == 200 and "Nobody here yet" in r.content.decode()


def test_person_page_suggests_from_the_gap_and_adds_to_the_plan(skilled: Any, soms_version: Any) -> None:
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    url = reverse("insights-person", args=[sam.pk])
    html = client.get(url).content.decode()
    assert "Suggested from the gaps" in html and "Coaching: Demand" in html
    element = soms_version.elements.get(code=DC)
    r = client.post(
        reverse("insights-action-create", args=[sam.pk]),
        {
            "version": soms_version.pk,
            "element": element.pk,
            "kind": "coaching",
            "title": "Coaching on demand",
            "source": "gap",
        },
    )
    assert r.status_code == 302
    action = DevelopmentAction.objects.get(person=sam)
    assert (action.kind, action.source, action.element_id) == ("coaching", "gap", element.pk)
    # Planned now, so no longer suggested.
    assert "Coaching: Demand" not in client.get(url).content.decode()


def _form_key(html: str) -> str:
    """The key of the form "Add an action of your own"."""
    found = re.search(r'name="idempotency_key" value="([^"]+)"', html.split('class="action-form"', 1)[1])
    assert found, "the form carries no idempotency key"
    return found.group(1)


def test_add_to_plan_sent_twice_adds_the_action_once(skilled: Any, soms_version: Any) -> None:
    # A double click sends the same form, with the same one-time key, twice; the second answer is
    # the one the browser shows.
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    html = client.get(reverse("insights-person", args=[sam.pk])).content.decode()
    assert html.count('class="inline-form suggestion" data-submit-once') >= 1
    keys = re.findall(r'name="idempotency_key" value="([^"]+)"', html)
    assert len(keys) >= 2 and len(set(keys)) == len(keys)  # one key per form drawn
    element = soms_version.elements.get(code=DC)
    form = {
        "version": soms_version.pk,
        "element": element.pk,
        "kind": "coaching",
        "title": "Coaching on demand",
        "source": "gap",
        "idempotency_key": keys[0],
    }
    url = reverse("insights-action-create", args=[sam.pk])
    first = client.post(url, form)
    assert first.status_code == 302
    again = client.post(url, form)
    assert again.status_code == 302 and again["Location"] == first["Location"]
    shown = client.get(again["Location"]).content.decode()
    assert "is already in the plan; nothing was added again" in shown
    assert DevelopmentAction.objects.filter(person=sam).count() == 1


def test_the_same_action_from_a_fresh_form_is_added_again(skilled: Any, soms_version: Any) -> None:
    # Two identical actions on purpose (the course taken twice): each form drawn has its own key.
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    element = soms_version.elements.get(code=DC)
    url = reverse("insights-action-create", args=[sam.pk])
    page = reverse("insights-person", args=[sam.pk])
    for _ in range(2):
        key = _form_key(client.get(page).content.decode())
        form = {"version": soms_version.pk, "element": element.pk, "kind": "course", "title": "ITIL course"}
        assert client.post(url, form | {"idempotency_key": key}).status_code == 302
    assert DevelopmentAction.objects.filter(person=sam, title="ITIL course").count() == 2


def test_a_form_sent_again_with_other_values_is_refused_and_drawn_with_a_new_key(
    skilled: Any, soms_version: Any
) -> None:
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    element = soms_version.elements.get(code=DC)
    url = reverse("insights-action-create", args=[sam.pk])
    form = {"version": soms_version.pk, "element": element.pk, "kind": "course", "idempotency_key": "k-1"}
    assert client.post(url, form | {"title": "ITIL course"}).status_code == 302
    changed = client.post(url, form | {"title": "Lean course"})
    assert changed.status_code == 422
    html = changed.content.decode()
    assert "already sent with other values" in html and 'value="Lean course"' in html
    fresh = _form_key(html)
    assert fresh != "k-1"
    assert client.post(url, form | {"title": "Lean course", "idempotency_key": fresh}).status_code == 302
    assert sorted(DevelopmentAction.objects.filter(person=sam).values_list("title", flat=True)) == [
        "ITIL course",
        "Lean course",
    ]


def test_a_refused_form_keeps_its_key_and_adds_once_corrected(skilled: Any, soms_version: Any) -> None:
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    element = soms_version.elements.get(code=DC)
    url = reverse("insights-action-create", args=[sam.pk])
    form = {"version": soms_version.pk, "element": element.pk, "kind": "course", "idempotency_key": "k-9"}
    refused = client.post(url, form | {"title": "   "})
    assert refused.status_code == 422 and _form_key(refused.content.decode()) == "k-9"
    assert client.post(url, form | {"title": "ITIL course"}).status_code == 302
    assert DevelopmentAction.objects.filter(person=sam).count() == 1


def test_a_malformed_form_key_is_named(skilled: Any, soms_version: Any) -> None:
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    element = soms_version.elements.get(code=DC)
    form = {"version": soms_version.pk, "element": element.pk, "kind": "course", "title": "ITIL"}
    r = client.post(reverse("insights-action-create", args=[sam.pk]), form | {"idempotency_key": 'a"b'})
    assert r.status_code == 422 and "idempotency key" in r.content.decode()
    assert not DevelopmentAction.objects.filter(person=sam).exists()


def test_status_change_with_a_stale_revision_is_a_conflict(skilled: Any, soms_version: Any) -> None:
    sam = skilled.people["E003"]
    element = soms_version.elements.get(code=DC)
    action = DevelopmentAction.objects.create(
        organisation=skilled.world.org_a,
        person=sam,
        version=soms_version,
        element=element,
        kind="course",
        title="Course",
    )
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    url = reverse("insights-action-status", args=[action.pk])
    assert client.post(url, {"status": "in_progress", "revision": 1}).status_code == 302
    r = client.post(url, {"status": "done", "revision": 1}, follow=True)
    assert "changed by someone else" in r.content.decode()
    action.refresh_from_db()
    assert (action.status, action.revision) == ("in_progress", 2)


def test_a_member_cannot_plan_for_someone_else(skilled: Any, soms_version: Any) -> None:
    nina = skilled.people["E005"]
    client = skilled.world.client_for(skilled.world.charlie, skilled.world.org_a)
    element = soms_version.elements.get(code=DC)
    r = client.post(
        reverse("insights-action-create", args=[nina.pk]),
        {"version": soms_version.pk, "element": element.pk, "kind": "course", "title": "x"},
    )
    # Nina is outside charlie's scope: not found, exactly like a missing person.
    assert r.status_code == 404
    assert not DevelopmentAction.objects.exists()


def test_refreshers_page_lists_overdue_actions(skilled: Any, soms_version: Any) -> None:
    from datetime import date

    sam = skilled.people["E003"]
    DevelopmentAction.objects.create(
        organisation=skilled.world.org_a,
        person=sam,
        version=soms_version,
        element=soms_version.elements.get(code=DC),
        kind="course",
        title="Late course",
        due_on=date(2020, 1, 1),
    )
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    html = client.get(reverse("insights-refreshers")).content.decode()
    assert "Late course" in html


def test_cover_against_targets_is_drawn_as_bars_on_the_page_and_in_the_report(
    skilled: Any, soms_version: Any
) -> None:
    from soms.insights.reports import team_html
    from soms.insights.selectors.picture import Filters
    from soms.people.models import CoverageTarget
    from soms.tenancy.models import Membership

    a = skilled.world.org_a
    claims = skilled.units["claims"]
    CoverageTarget.objects.create(
        organisation=a,
        unit=claims,
        element=soms_version.elements.get(code=DC),
        level=soms_version.levels.get(code="foundation"),
        minimum=2,
    )
    client = skilled.world.client_for(skilled.world.alice, a)
    html = client.get(reverse("insights-dashboard"), {"unit": claims.pk}).content.decode()
    cover = html[html.index("Cover against targets") :]
    assert "<svg" in cover[: cover.index("</section>")]
    m = Membership.objects.get(organisation=a, user=skilled.world.alice)
    report = team_html(m, soms_version, Filters(unit=claims))
    assert 'id="coverage-bars"' in report and "<svg" in report[report.index('id="coverage-bars"') :]


def test_refreshers_name_the_level_that_expired_not_the_one_still_held(
    skilled: Any, soms_version: Any
) -> None:
    from datetime import date

    from soms.assessments.models import AttainmentStatus, ElementAttainment

    nina = skilled.people["E005"]
    row = ElementAttainment.objects.get(person=nina, version=soms_version, element__code=DC)
    ElementAttainment.objects.filter(pk=row.pk).update(
        status=AttainmentStatus.EXPIRED,
        level=soms_version.levels.get(code="foundation"),
        expires_on=date(2027, 10, 2),
        detail={**row.detail, "lapsed_level": "practitioner", "lapsed_on": "2026-10-02"},
    )
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    html = client.get(reverse("insights-refreshers")).content.decode()
    line = html[html.index("Nina North") :]
    line = line[: line.index("</tr>")]
    assert "Practitioner" in line and "(Foundation still held)" in line
    assert "2 Oct 2026" in line and "2027" not in line


def test_a_refused_action_or_status_says_which_field_in_the_form_s_words(
    skilled: Any, soms_version: Any
) -> None:
    """The message named fields by their code ("due_on: Enter a valid date") and a bad revision
    was answered "Choose a status." although a status was chosen: say the label and the reason."""
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    element = soms_version.elements.get(code=DC)
    r = client.post(
        reverse("insights-action-create", args=[sam.pk]),
        {
            "version": soms_version.pk,
            "element": element.pk,
            "kind": "course",
            "title": "x",
            "due_on": "2027-02-30",
        },
        follow=True,
    )
    text = r.content.decode()
    assert (
        "Due on: Enter a valid date" in text
        and "due_on" not in text.split("The action was not added")[1][:200]
    )
    assert not DevelopmentAction.objects.exists()
    action = DevelopmentAction.objects.create(
        organisation=skilled.world.org_a,
        person=sam,
        version=soms_version,
        element=element,
        kind="course",
        title="C",
    )
    url = reverse("insights-action-status", args=[action.pk])
    for revision in ("abc", "0", "9" * 30):
        text = client.post(url, {"status": "done", "revision": revision}, follow=True).content.decode()
        assert "Choose a status" not in text and "The status was not changed: Revision" in text, revision
    text = client.post(url, {"status": "holiday", "revision": 1}, follow=True).content.decode()
    assert "The status was not changed: Status" in text
    action.refresh_from_db()
    assert (action.status, action.revision) == ("planned", 1)


def test_a_refused_action_is_drawn_again_with_what_was_typed(skilled: Any, soms_version: Any) -> None:
    """The refused form redirected back to an empty form: the title, notes and due date typed were
    lost. The page now answers 422 with the form open, the values kept and the reason beside the field."""
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    element = soms_version.elements.get(code=DC)
    r = client.post(
        reverse("insights-action-create", args=[sam.pk]),
        {
            "version": soms_version.pk,
            "element": element.pk,
            "kind": "course",
            "title": "Queueing theory evening class",
            "notes": "Tuesdays at the college",
            "due_on": "2027-02-30",
        },
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert 'value="Queueing theory evening class"' in html and "Tuesdays at the college" in html
    assert "<details open>" in html and "Enter a valid date" in html
    assert not DevelopmentAction.objects.exists()


def test_a_due_date_outside_the_range_is_refused_on_the_page(skilled: Any, soms_version: Any) -> None:
    """The browser's date input takes any four-digit year: 0226 for 2026 was stored as it came."""
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    element = soms_version.elements.get(code=DC)
    form = {"version": soms_version.pk, "element": element.pk, "kind": "course", "title": "T"}
    r = client.post(reverse("insights-action-create", args=[sam.pk]), {**form, "due_on": "0226-03-01"})
    assert r.status_code == 422
    assert "Enter a date between 1900-01-01 and 2100-12-31." in r.content.decode()
    assert not DevelopmentAction.objects.filter(person=sam).exists()
    r = client.post(reverse("insights-action-create", args=[sam.pk]), {**form, "due_on": "2026-03-01"})
    assert r.status_code == 302
    assert DevelopmentAction.objects.get(person=sam).due_on.isoformat() == "2026-03-01"
