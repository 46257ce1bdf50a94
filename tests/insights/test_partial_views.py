"""What each role's Insights view says of coverage targets and of a capability model's specialists
and back-ups, on the page, in the API and in both reports.

A coverage target counts everyone in its unit or team. An owner's or admin's view holds everyone
and a manager's own view holds the units they manage whole, so they see the targets counted. An
assessor's view holds only the people they assess and a member's only themself: counted over them a
target would call a unit short when it is not, so neither view counts any, and each says why and
who sees how the units meet them. Single points of failure and a capability model's specialists and
back-ups are about a team too: neither view names them (how specialised each person shown is stays:
it is about that person alone).
"""

from __future__ import annotations

import html as html_lib
import io
import re
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader
from python_calamine import CalamineWorkbook

from soms.assessments.models import Assessment, Kind
from soms.insights.reports import pdf_bytes, team_html, team_xlsx
from soms.insights.selectors.picture import Filters
from soms.insights.selectors.targets import cover_groups
from soms.people.models import Person
from soms.tenancy.models import Membership, Role
from soms.tenancy.services import membership_set, user_create
from tests.conftest import PASSWORD
from tests.insights.conftest import smo  # noqa: F401
from tests.insights.test_subtree_targets import targets  # noqa: F401

pytestmark = pytest.mark.django_db

ROLES = ["owner", "admin", "manager", "assessor", "member"]
# Whose view holds whole units: the targets are counted there.
COUNTED = {"owner", "admin", "manager"}
MEMBER_TARGETS = "coverage targets are not shown in your own view"
ASSESSOR_TARGETS = "only the people you assess are shown here"
MEMBER_CAPABILITIES = "Specialists and back-ups are not shown in your own view"
ASSESSOR_CAPABILITIES = "Specialists and back-ups are not counted in your view"
MEMBER_SINGLE_POINTS = "Single points of failure are not shown in your own view"
ASSESSOR_SINGLE_POINTS = "Single points of failure are not counted in your view"
# Who each partial view's note sends the reader to for the team's picture.
WHO_SEES = {
    "assessor": "The units' managers and your organisation's administrators",
    "member": "Your manager and",
}


@pytest.fixture
def roles(targets: Any, soms_version: Any) -> dict[str, Any]:  # noqa: F811
    """A login per role in Alpha; dana (the assessor) is asked to assess Nina (North) and Sue
    (South, who holds nothing), so South's target counted over her people would find nobody."""
    world = targets.world
    adam = user_create(username="adam", password=PASSWORD)
    membership_set(organisation=world.org_a, user=adam, role=Role.ADMIN, actor=world.alice)
    for code in ("E005", "E004"):
        person = targets.people[code]
        Assessment.objects.create(
            organisation_id=person.organisation_id,
            person=person,
            version=soms_version,
            kind=Kind.COACH,
            assessor=world.dana,
        )
    return {
        "owner": world.alice,
        "admin": adam,
        "manager": targets.priya,
        "assessor": world.dana,
        "member": world.charlie,
    }


def _membership(user: Any, org: Any) -> Membership:
    return Membership.objects.select_related("organisation").get(user=user, organisation=org)


def _section(html: str, marker: str) -> str:
    start = html.index(marker)
    return html_lib.unescape(html[start : html.index("</section>", start)])


def _pdf_text(membership: Membership, version: Any, filters: Filters) -> str:
    pdf = pdf_bytes(team_html(membership, version, filters))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages))


def _flat(text: str) -> str:
    """Text without its spaces: the PDF breaks a long note's lines, hyphenated words too."""
    return re.sub(r"\s+", "", text)


def _sheets(membership: Membership, version: Any, filters: Filters) -> Any:
    return CalamineWorkbook.from_filelike(io.BytesIO(team_xlsx(membership, version, filters)))


def test_an_assessors_people_would_make_a_unit_look_short(
    roles: Any,
    targets: Any,  # noqa: F811
    soms_version: Any,
) -> None:
    """Why an assessor's view counts no target: South's 2 at Foundation, counted over the people she
    assesses there (Sue, who holds nothing), finds nobody where the unit has Sam."""
    dana = _membership(roles["assessor"], targets.world.org_a)
    raw = cover_groups(dana, soms_version, Filters())
    south = next(g for g in raw["groups"] if g["name"] == "South")
    assert south["targets"][0]["covered"] == 0
    alice = _membership(roles["owner"], targets.world.org_a)
    whole = next(g for g in cover_groups(alice, soms_version, Filters())["groups"] if g["name"] == "South")
    assert whole["targets"][0]["covered"] == 1


@pytest.mark.parametrize("role", ROLES)
def test_coverage_targets_per_role(role: str, roles: Any, targets: Any, soms_version: Any) -> None:  # noqa: F811
    world = targets.world
    user = roles[role]
    client = world.client_for(user, world.org_a)
    m = _membership(user, world.org_a)
    south = targets.units["south"]
    note = {"assessor": ASSESSOR_TARGETS, "member": MEMBER_TARGETS}.get(role)

    data = client.get("/api/v1/insights/overview").json()
    cg = data["coverage_groups"]
    page = _section(client.get(reverse("insights-dashboard")).content.decode(), 'id="targets-below"')
    beneath = _sheets(m, soms_version, Filters()).get_sheet_by_name("Targets beneath").to_python()
    pdf = _pdf_text(m, soms_version, Filters())
    if role in COUNTED:
        assert cg["shown"] is True and cg["note"] == ""
        # South counted over the whole unit (Sam holds Foundation): 1 of 2, whoever looks.
        got = next(g for g in cg["groups"] if g["name"] == "South")["targets"][0]
        assert (got["covered"], got["missing"]) == (1, 1)
        assert "South" in page and "1 short" in page
        assert any(r[0] == "Operations / Claims / South" and r[3] == 1 for r in beneath[1:])
        assert "Targets of the units and teams here" in pdf
        # The view's own targets (a unit picked): South's, counted.
        own = client.get("/api/v1/insights/overview", {"unit": south.pk}).json()["coverage"]
        assert [c["minimum"] for c in own] == [2]
        return
    assert note is not None
    # Nothing counted, the sentence saying why, and who sees the units' cover.
    assert (cg["shown"], cg["groups"], cg["targets"], cg["not_met"]) == (False, [], 0, 0)
    assert note in cg["note"]
    assert "administrators see how" in cg["note"]
    assert note in page
    assert "South" not in page and "short</span>" not in page
    assert beneath[1][0] == cg["note"]
    assert not any("South" in str(r[0]) for r in beneath[1:])
    cover = _sheets(m, soms_version, Filters()).get_sheet_by_name("Cover").to_python()
    assert len(cover) == 2 and cg["note"] == cover[1][0]
    assert cg["note"] in pdf and "Targets of the units and teams here" not in pdf
    if role == "assessor":
        # Picking a unit or team of her people changes nothing: still only her people are shown.
        for query in ({"unit": south.pk}, {"team": targets.team.pk}):
            picked = client.get("/api/v1/insights/overview", query).json()
            assert picked["coverage"] == [] and picked["coverage_groups"]["shown"] is False, query
        # She may read the targets themselves: the card links to them.
        assert f'href="{reverse("people-coverage")}"' in page
    else:
        assert f'href="{reverse("people-coverage")}"' not in page


def test_an_assessors_people_would_miss_a_back_up_and_a_holder(
    roles: Any,
    targets: Any,  # noqa: F811
    soms_version: Any,
    smo: Any,  # noqa: F811
) -> None:
    """Why an assessor's view names no specialist, back-up or single point: counted over the people
    she assesses (Nina, Sue), incident management would lack its back-up (Sam has it) and delivery
    would be held by nobody (Noel holds it)."""
    from soms.insights.selectors.overview import overview_for

    dana = _membership(roles["assessor"], targets.world.org_a)
    alice = _membership(roles["owner"], targets.world.org_a)

    def incident(m: Membership) -> Any:
        caps = overview_for(m, smo, Filters(), []).data["capabilities"]
        return next(c for c in caps if c["element"] == "incident-management")

    assert incident(dana)["backups"] == [] and incident(dana)["backups_short"] >= 1
    assert incident(alice)["backups"] == ["Sam South"]
    raw = overview_for(dana, soms_version, Filters(), []).data["single_points"]
    assert "delivery" in {u["element"] for u in raw["uncovered"]}
    whole = overview_for(alice, soms_version, Filters(), []).data["single_points"]
    assert "delivery" not in {u["element"] for u in whole["uncovered"]}


@pytest.mark.parametrize("role", ROLES)
def test_specialists_and_back_ups_per_role(role: str, roles: Any, targets: Any, smo: Any) -> None:  # noqa: F811
    world = targets.world
    user = roles[role]
    client = world.client_for(user, world.org_a)
    m = _membership(user, world.org_a)
    query = {"version": smo.pk}

    data = client.get("/api/v1/insights/overview", query).json()
    html = client.get(reverse("insights-dashboard"), query).content.decode()
    page = _section(html, 'id="capabilities"')
    sheet = _sheets(m, smo, Filters()).get_sheet_by_name("Specialists").to_python()
    pdf = _pdf_text(m, smo, Filters())
    pdf_part = pdf[pdf.index("Specialists and back-ups") : pdf.index("How specialised each person is")]
    if role in COUNTED:
        assert data["capabilities_shown"] is True and data["capabilities_note"] == ""
        incident = next(c for c in data["capabilities"] if c["element"] == "incident-management")
        assert incident["specialists"] == ["Nina North"]
        assert "Nina North" in page and "not shown" not in page and "not counted" not in page
        assert any(r[0] == incident["name"] and r[1] == "Nina North" for r in sheet[1:])
        assert "Nina North" in pdf_part
        return
    assert data["capabilities"] == [] and data["capabilities_shown"] is False
    note = data["capabilities_note"]
    assert {"assessor": ASSESSOR_CAPABILITIES, "member": MEMBER_CAPABILITIES}[role] in note
    assert WHO_SEES[role] in note
    assert note in html_lib.unescape(page)
    assert "specialist short" not in page and "covered</span>" not in page
    assert sheet[1][0] == note and len(sheet) == 2
    assert _flat(note) in _flat(pdf_part) and "no specialist" not in pdf_part
    # How specialised each person shown is stays: it is about that person alone.
    own = {"assessor": ["Nina North", "Sue Junior"], "member": ["Charlie Member"]}[role]
    assert sorted(p["name"] for p in data["specialisation"]["people"]) == own
    assert 'id="specialisation"' in html and own[0] in _section(html, 'id="specialisation"')
    if role == "assessor":
        # Picking a unit or team of her people changes nothing: still only her people are shown.
        for picked in ({"unit": targets.units["south"].pk}, {"team": targets.team.pk}):
            got = client.get("/api/v1/insights/overview", {**query, **picked}).json()
            assert got["capabilities"] == [] and got["capabilities_note"] == note, picked


@pytest.mark.parametrize("role", ROLES)
def test_single_points_per_role(role: str, roles: Any, targets: Any, soms_version: Any) -> None:  # noqa: F811
    world = targets.world
    user = roles[role]
    client = world.client_for(user, world.org_a)
    m = _membership(user, world.org_a)

    sp = client.get("/api/v1/insights/overview").json()["single_points"]
    html = client.get(reverse("insights-dashboard")).content.decode()
    start = html.index("<h2>Single points of failure</h2>")
    page = html_lib.unescape(html[start : html.index("</section>", start)])
    rows = _sheets(m, soms_version, Filters()).get_sheet_by_name("Single points").to_python()
    pdf = _pdf_text(m, soms_version, Filters())
    pdf_part = pdf[pdf.index("Single points of failure") : pdf.index("Cover against targets")]
    if role in COUNTED:
        assert sp["shown"] is True and sp["note"] == ""
        # Nina alone holds Practitioner in demand and capacity, in every whole view here.
        assert ("demand-capacity", "Nina North") in {(s["element"], s["person_name"]) for s in sp["sole"]}
        assert "hangs on <a" in page and "Nina North" in page
        assert any(len(r) > 2 and r[2] == "Nina North" for r in rows[1:])
        assert "Nina North" in pdf_part
        return
    assert (sp["shown"], sp["uncovered"], sp["sole"], sp["sole_cover"]) == (False, [], [], [])
    note = sp["note"]
    assert {"assessor": ASSESSOR_SINGLE_POINTS, "member": MEMBER_SINGLE_POINTS}[role] in note
    assert WHO_SEES[role] in note
    assert note in page and "hangs on <a" not in page and "Nobody holds" not in page
    assert rows[1][0] == note and len(rows) == 2
    assert _flat(note) in _flat(pdf_part) and "Held only by" not in pdf_part and "Nina North" not in pdf_part
    if role == "assessor":
        for picked in ({"unit": targets.units["south"].pk}, {"team": targets.team.pk}):
            got = client.get("/api/v1/insights/overview", picked).json()["single_points"]
            assert got["shown"] is False and got["sole"] == [] and got["note"] == note, picked


def test_a_framework_without_a_capability_model_says_nothing_of_specialists(
    roles: Any,
    targets: Any,  # noqa: F811
    soms_version: Any,
) -> None:
    charlie = targets.world.client_for(roles["member"], targets.world.org_a)
    data = charlie.get("/api/v1/insights/overview").json()
    assert "capabilities" not in data and "capabilities_note" not in data
    assert 'id="capabilities"' not in charlie.get(reverse("insights-dashboard")).content.decode()


def test_the_same_login_is_told_by_its_role_in_each_organisation(
    roles: Any,
    targets: Any,  # noqa: F811
    soms_version: Any,
    smo: Any,  # noqa: F811
) -> None:
    """Dana assesses in Alpha and is a member of Beta: each organisation's view says what her role
    there sees, and Beta's names nothing of Alpha's (nor Alpha's of Beta's)."""
    world = targets.world
    Person.objects.filter(pk=targets.b_person.pk).update(user=world.dana)
    in_b = world.client_for(world.dana, world.org_b)
    data = in_b.get("/api/v1/insights/overview", {"version": soms_version.pk}).json()
    assert data["title"] == "You" and data["people"] == 1
    assert MEMBER_TARGETS in data["coverage_groups"]["note"]
    assert ASSESSOR_TARGETS not in data["coverage_groups"]["note"]
    caps = in_b.get("/api/v1/insights/overview", {"version": smo.pk}).json()
    assert caps["capabilities"] == [] and MEMBER_CAPABILITIES in caps["capabilities_note"]
    page = in_b.get(reverse("insights-dashboard")).content.decode()
    # (Alpha's name is in the page's organisation switcher: she belongs to both.)
    text = str(data) + str(caps) + page[page.index("<main") :]
    assert not any(name in text for name in ("Nina North", "Sue Junior", "South", "Alpha Services"))

    in_a = world.client_for(world.dana, world.org_a)
    data = in_a.get("/api/v1/insights/overview").json()
    assert ASSESSOR_TARGETS in data["coverage_groups"]["note"] and "Bea Beta" not in str(data)
    caps = in_a.get("/api/v1/insights/overview", {"version": smo.pk}).json()
    assert caps["capabilities_shown"] is False and ASSESSOR_CAPABILITIES in caps["capabilities_note"]
    # Beta's unit named from Alpha is refused like a missing one (and the other way round).
    assert in_a.get("/api/v1/insights/overview", {"unit": targets.b_unit.pk}).status_code == 422
    assert in_b.get("/api/v1/insights/overview", {"unit": targets.units["south"].pk}).status_code == 422


def test_an_assessors_view_is_called_the_people_they_assess(
    roles: Any,
    targets: Any,  # noqa: F811
    soms_version: Any,
) -> None:
    """Her view holds only the people she assesses: titled so (not with the organisation's name),
    on the page, in the API, in the job's title and in both reports; a unit picked keeps its name
    and says that only her people in it are shown."""
    from soms.jobs.models import Job
    from soms.jobs.testing import jobs_run

    world = targets.world
    dana = world.client_for(roles["assessor"], world.org_a)
    html = dana.get(reverse("insights-dashboard")).content.decode()
    assert "<h1>Capability: People you assess</h1>" in html and "2 people on" in html
    assert "the people you are asked to assess" in html_lib.unescape(html)
    assert world.org_a.name not in html[html.index("<h1>") : html.index("</h1>")]
    assert dana.get("/api/v1/insights/overview").json()["title"] == "People you assess"
    south = targets.units["south"].pk
    picked = html_lib.unescape(dana.get(reverse("insights-dashboard"), {"unit": south}).content.decode())
    assert "<h1>Capability: South</h1>" in picked and "Only the people you assess are shown" in picked
    with jobs_run():
        assert dana.post(reverse("insights-export"), {"format": "xlsx"}).status_code == 302
        assert dana.post(reverse("insights-export"), {"format": "pdf"}).status_code == 302
    xlsx_job, pdf_job = Job.objects.order_by("id")
    assert (
        xlsx_job.title == "XLSX report: People you assess"
        and pdf_job.title == "PDF report: People you assess"
    )
    for job in (xlsx_job, pdf_job):
        job.refresh_from_db()
        assert job.status == "done", job.message
    with xlsx_job.result_file.open("rb") as fh:
        summary = (
            CalamineWorkbook.from_filelike(io.BytesIO(fh.read())).get_sheet_by_name("Summary").to_python()
        )
    assert summary[0][:2] == ["Report", "Capability: People you assess"]
    assert any(r[0] == "Who" and "asked to assess" in r[1] for r in summary)
    with pdf_job.result_file.open("rb") as fh:
        text = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(fh.read())).pages)
    assert "Capability: People you assess" in re.sub(r"\s+", " ", text)
    # The owner's view keeps the organisation's name.
    alice = world.client_for(roles["owner"], world.org_a)
    assert alice.get("/api/v1/insights/overview").json()["title"] == world.org_a.name


def test_how_specialised_one_person_is_said_of_one_person(roles: Any, targets: Any, smo: Any) -> None:  # noqa: F811
    from datetime import date

    from soms.assessments.services.attainment import recompute
    from tests.assessments.conftest import validated
    from tests.insights.conftest import held

    charlie = targets.people["E007"]
    validated(charlie, smo, held(smo, "service-desk", "repeatable"), on=date(2026, 1, 10))
    recompute([charlie.pk], smo, charlie.organisation_id, date(2026, 2, 1))
    client = targets.world.client_for(roles["member"], targets.world.org_a)
    html = client.get(reverse("insights-dashboard"), {"version": smo.pk}).content.decode()
    assert "How specialised: 1 person by highest level" in html
