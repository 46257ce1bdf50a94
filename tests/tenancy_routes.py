"""Every route that takes an object id, with how to make that object: the registry the tenancy
tests are driven by (see tests/README.md).

`tests/tenancy/test_isolation.py` runs two tests for every entry:

- cross-organisation: alice, owner of A, asks for the objects `make` built in organisation B; the
  answer must be 404 with exactly the body of the same request for ids nobody has;
- role: the objects are built in A and `refused` (a user of A with a weaker role) must get 403,
  before anything is looked up or written; with `refused=None` every role may use the route, and
  charlie (a plain member) must not get 403 or 404.

`tests/tenancy/test_meta.py` enumerates every URL pattern and every API operation with an id in its
path and fails for one that has no entry here (nor in PENDING), and for an entry that names no route.

Adding a route: one `Route(...)` line in ROUTES, with a key that is
  - `"<METHOD> <url name>"` for a page (`"POST capacity-study-rename"`), or
  - `"<METHOD> <OpenAPI path>"` for an API operation (`"GET /api/v1/kpis/{kpi_id}"`),
and a `make(world, organisation, owner)` that returns the path parameters (ids of objects it made
in `organisation`, as `owner`, an owner of it). `body` gives the form/JSON data of a write: make it
otherwise valid, so that only the id decides the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from soms.frameworks.models import Area, FrameworkVersion
from soms.frameworks.services.authoring import framework_create
from soms.frameworks.services.versions import builtin_frameworks_load
from soms.tenancy.services import api_token_create
from soms.toolkits.capacity import services as capacity_services
from soms.toolkits.capacity.schemas import ErlangInput
from tests.audit.makers import audit_closed, audit_open, reaudit_body, template_draft, template_published

Maker = Callable[[Any, Any, Any], dict[str, Any]]


@dataclass(frozen=True)
class Route:
    key: str
    make: Maker
    # JSON (API) or form data (pages) for writes, given the path parameters.
    body: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # Who of organisation A must be refused (403): "charlie" (member) or "dana" (assessor); None
    # when every member may use the route.
    refused: str | None = "charlie"
    query: str = ""
    # Path parameters that are not ids (a format, a kind), when `make` does not give them.
    extra: dict[str, Any] = field(default_factory=dict)
    # The object belongs to one user, not to the organisation's roles (API tokens): the role test
    # makes it as charlie, the member who then uses it.
    per_user: bool = False

    @property
    def method(self) -> str:
        return self.key.split(" ", 1)[0]

    @property
    def target(self) -> str:
        return self.key.split(" ", 1)[1]

    @property
    def is_api(self) -> bool:
        return self.target.startswith("/api/")


# --- object makers --------------------------------------------------------------------------------


def _draft(world: Any, organisation: Any, owner: Any) -> FrameworkVersion:
    if not FrameworkVersion.objects.filter(framework__code="soms").exists():
        builtin_frameworks_load()
    soms = FrameworkVersion.objects.get(framework__code="soms")
    version = framework_create(
        organisation=organisation,
        actor=owner,
        code=f"skills-{organisation.pk}",
        name=f"Skills of {organisation.name}",
        description="",
        kind="skills",
        label="1",
        base=soms,
    )
    Area.objects.get_or_create(version=version, code="front-office", defaults={"name": "Front office"})
    return version


def framework(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    return {"framework_id": _draft(world, organisation, owner).framework_id}


def framework_pending_import(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    """A held upload: an unchanged export of the organisation's framework, waiting for a choice."""
    from soms.frameworks.services.exchange import framework_import_hold, framework_version_export

    data = framework_version_export(version=_draft(world, organisation, owner), format="yaml").content
    made = framework_import_hold(
        organisation=organisation, actor=owner, data=data, filename="again.yaml", format=None, publish=False
    )
    return {"import_id": made.pk}


def held_history_import(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    """A historic-results file held after its dry run, waiting for *Import*."""
    from soms.assessments.services.history_import import history_import_hold

    made = history_import_hold(
        organisation=organisation,
        actor=owner,
        what="assessments",
        filename="history.csv",
        content=b"employee_id,framework,version,statement,kind,judgement,assessor,validated_by,validated_on\n",
    )
    return {"import_id": made.pk}


def version(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    return {"version_id": _draft(world, organisation, owner).pk}


def published(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    from soms.frameworks.services.authoring import version_publish

    draft = _draft(world, organisation, owner)
    version_publish(version=draft, expected_revision=draft.revision, actor=owner)
    return {"version_id": draft.pk, "framework_id": draft.framework_id}


def published_level(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    """A level of a published version of the organisation's own framework."""
    from soms.frameworks.models import Level

    params = published(world, organisation, owner)
    return {"level_id": Level.objects.filter(version_id=params["version_id"]).order_by("rank").first().pk}  # type: ignore[union-attr]


def published_cell(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    """One cell (element x level) of a published version's grid."""
    made = published(world, organisation, owner)
    st = FrameworkVersion.objects.get(pk=made["version_id"]).statements.order_by("pk").first()
    return {"version_id": made["version_id"], "element_id": st.element_id, "level_id": st.level_id}  # type: ignore[union-attr]


def item_of(kind: str) -> Maker:
    def make(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
        v = _draft(world, organisation, owner)
        item = getattr(v, kind).order_by("pk").first()
        return {"version_id": v.pk, "item_id": item.pk, "kind": kind}

    return make


def published_item_of(kind: str) -> Maker:
    """An item of a published version: what every member may read (drafts are their authors')."""

    def make(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
        made = published(world, organisation, owner)
        v = FrameworkVersion.objects.get(pk=made["version_id"])
        item = getattr(v, kind).order_by("pk").first()
        return {"version_id": v.pk, "item_id": item.pk, "kind": kind}

    return make


def study(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    inp = ErlangInput(calls=100, aht=180, interval_seconds=1800)
    made = capacity_services.capacity_study_create(
        organisation=organisation,
        actor=owner,
        name="Peak half-hour",
        inp=inp,
    )
    return {"study_id": made.pk}


SAVED = (
    ("value_stream", "value-streams", "vsm"),
    ("delivery_system", "delivery-systems", "delivery"),
    ("stakeholder_map", "stakeholder-maps", "stakeholders"),
)


def saved_of(kind: str) -> Maker:
    def make(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
        from tests.toolkits.practice.conftest import saved

        return {"result_id": saved(kind, organisation, owner).pk}

    return make


def _saved_body(kind: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def body(params: dict[str, Any]) -> dict[str, Any]:
        from tests.toolkits.practice.conftest import INPUTS

        return {**INPUTS[kind], "name": "Renamed", "revision": 1}

    return body


def kpi(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    from tests.toolkits.practice.conftest import a_kpi

    return {"kpi_id": a_kpi(world, organisation, owner).pk}


def measurement(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    from datetime import date

    from soms.tenancy.models import Membership
    from soms.toolkits.kpi import services as kpi_services
    from tests.toolkits.practice.conftest import a_kpi

    made = a_kpi(world, organisation, owner)
    m = kpi_services.kpi_measurement_record(
        kpi=made,
        membership=Membership.objects.get(user=owner, organisation=organisation),
        actor=owner,
        period=date(2026, 1, 31),
        value=1.0,
    )
    return {"kpi_id": made.pk, "measurement_id": m.pk}


def token(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    made, _ = api_token_create(user=owner, organisation=organisation, name="script")
    return {"token_id": made.pk}


def job(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    from soms.jobs.runner import job_execute
    from soms.jobs.services import job_start
    from tests.jobs.jobfns import count_to

    made = job_start(
        job_function=count_to,
        organisation=organisation,
        owner=owner,
        title="Count",
        params={"n": 2},
        enqueue=False,
    )
    job_execute(made.pk)  # finished, with a result file to download
    return {"job_id": made.pk}


def capacity_job(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    """A finished background simulation, whose result page shows it."""
    from soms.jobs.runner import job_execute
    from soms.toolkits.capacity.schemas import SimulateInput

    inp = SimulateInput(calls=[3.0, 4.0], aht=180, replications=2)
    made = capacity_services.capacity_compute_start(
        organisation=organisation, actor=owner, inp=inp, enqueue=False
    )
    job_execute(made.pk)
    return {"job_id": made.pk}


def organisation_of(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    return {"organisation_id": organisation.pk}


def _revision(params: dict[str, Any]) -> dict[str, Any]:
    return {"revision": FrameworkVersion.objects.get(pk=params["version_id"]).revision}


def _statement_text(params: dict[str, Any]) -> dict[str, Any]:
    return {**_revision(params), "text": "Keeps the service catalogue current."}


# Valid for the schemas (Ninja validates the body before the operation runs), so that only the
# id and the role decide the answer.
ITEM_BODIES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "levels": ({"code": "expert", "name": "Expert", "rank": 9}, {"name": "Expert practitioner"}),
    "elements": ({"code": "culture", "name": "Culture"}, {"group": "People"}),
    "areas": ({"code": "digital", "name": "Digital"}, {"name": "Tech"}),
    "statements": (
        {"code": "X-1", "text": "Designs journeys.", "element_id": 1, "level_id": 1},
        {"text": "Maps."},
    ),
}


def _item_body(kind: str, *, create: bool = False) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def body(params: dict[str, Any]) -> dict[str, Any]:
        return {**_revision(params), **ITEM_BODIES[kind][0 if create else 1]}

    return body


# --- people (soms.people) --------------------------------------------------------------------------

_people_counter = iter(range(1, 10**9))


def _unit_with_charlie(world: Any, organisation: Any, owner: Any) -> Any:
    """A unit holding charlie's person record, so that charlie (a member) is in scope of it."""
    from soms.people.models import OrgUnit, Person
    from soms.people.services.persons import person_create
    from soms.people.services.structure import unit_create

    unit = OrgUnit.objects.filter(organisation=organisation, name="Operations", parent=None).first()
    if unit is None:
        unit = unit_create(organisation=organisation, name="Operations", actor=owner)
    if not Person.objects.filter(organisation=organisation, user=world.charlie).exists():
        me = person_create(
            organisation=organisation, actor=owner, employee_id="CH", name="Charlie", unit=unit
        )
        Person.objects.filter(pk=me.pk).update(user=world.charlie)
    return unit


def person(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    """charlie's own record (a member may read themself); admins' routes use it like any person."""
    from soms.people.models import Person

    _unit_with_charlie(world, organisation, owner)
    return {"person_id": Person.objects.get(organisation=organisation, user=world.charlie).pk}


def other_person(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    from soms.people.services.persons import person_create

    n = next(_people_counter)
    made = person_create(
        organisation=organisation,
        actor=owner,
        employee_id=f"P{n}",
        name=f"Person {n}",
        email=f"person{n}@example.org",
    )
    return {"person_id": made.pk}


def _duplicate(params: dict[str, Any]) -> Any:
    from soms.people.models import Person
    from soms.people.services.persons import person_create

    keep = Person.objects.get(pk=params["person_id"])
    n = next(_people_counter)
    return person_create(organisation=keep.organisation, actor=None, employee_id=f"D{n}", name=f"Dup {n}")


def unit(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    return {"unit_id": _unit_with_charlie(world, organisation, owner).pk}


def empty_unit(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    from soms.people.services.structure import unit_create

    return {
        "unit_id": unit_create(
            organisation=organisation, name=f"Empty {next(_people_counter)}", actor=owner
        ).pk
    }


def team(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    from soms.people.services.structure import team_create

    return {
        "team_id": team_create(
            organisation=organisation, name=f"Team {next(_people_counter)}", unit=None, actor=owner
        ).pk
    }


def role_profile(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    from soms.people.services.profiles import builtin_soms_version, role_profile_create

    if not FrameworkVersion.objects.filter(framework__code="soms").exists():
        builtin_frameworks_load()
    made = role_profile_create(
        organisation=organisation,
        version=builtin_soms_version(),
        code=f"profile-{next(_people_counter)}",
        name="Profile",
        actor=owner,
    )
    return {"profile_id": made.pk}


def coverage_target(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    from soms.frameworks.models import Element
    from soms.people.services.profiles import builtin_soms_version, coverage_target_create

    if not FrameworkVersion.objects.filter(framework__code="soms").exists():
        builtin_frameworks_load()
    element = Element.objects.get(version=builtin_soms_version(), code="delivery")
    made = coverage_target_create(
        organisation=organisation,
        unit=_unit_with_charlie(world, organisation, owner),
        element=element,
        level=element.version.levels.get(code="practitioner"),
        minimum=2,
        actor=owner,
    )
    return {"target_id": made.pk}


def people_import(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    from soms.people.io.plan import Options
    from soms.people.services.imports import people_import_check

    n = next(_people_counter)
    made, _ = people_import_check(
        organisation=organisation,
        filename="hr.csv",
        content=f"employee_id,name\r\nI{n},Imported {n}\r\n".encode(),
        options=Options(),
        actor=owner,
    )
    return {"import_id": made.pk}


def member(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    from soms.tenancy.models import Role
    from soms.tenancy.services import membership_set, user_create

    n = next(_people_counter)
    user = user_create(username=f"member-{n}", email=f"member{n}@example.org", password=None)
    return {
        "membership_id": membership_set(
            organisation=organisation, user=user, role=Role.MEMBER, actor=owner
        ).pk
    }


def _element_level(params: dict[str, Any]) -> dict[str, Any]:
    from soms.people.models import RoleProfile

    profile = RoleProfile.objects.get(pk=params["profile_id"])
    element = profile.version.elements.get(code="delivery")
    return {f"element-{element.pk}": profile.version.levels.get(code="practitioner").pk, "name": "Renamed"}


# --- evidence and change projects (soms.assessments) ------------------------------------------------

_assess_counter = iter(range(1, 10**9))


def _soms(world: Any) -> Any:
    if not FrameworkVersion.objects.filter(
        framework__code="soms", framework__organisation__isnull=True
    ).exists():
        builtin_frameworks_load()
    return FrameworkVersion.objects.get(framework__code="soms", framework__organisation__isnull=True)


def evidence_item(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    """A PDF about charlie's person record, added by the owner and supporting one statement."""
    from datetime import date

    from django.core.files.uploadedfile import SimpleUploadedFile

    from soms.assessments.services.evidence import EvidenceData, evidence_create
    from soms.frameworks.models import Statement
    from soms.people.models import Person
    from soms.tenancy.models import Membership

    person_id = person(world, organisation, owner)["person_id"]
    statement = Statement.objects.filter(version=_soms(world)).order_by("pk").first()
    assert statement is not None
    item = evidence_create(
        membership=Membership.objects.get(organisation=organisation, user=owner),
        actor=owner,
        person=Person.objects.get(pk=person_id),
        data=EvidenceData(
            kind="file",
            title="Review notes",
            refers_on=date(2026, 1, 5),
            file=SimpleUploadedFile("notes.pdf", b"%PDF-1.4 notes"),
            statement_ids=[statement.pk],
        ),
    )
    other = (
        Statement.objects.filter(version=statement.version).exclude(pk=statement.pk).order_by("pk").first()
    )
    assert other is not None
    return {
        "evidence_id": item.pk,
        "person_id": person_id,
        "statement_id": statement.pk,
        "other_statement": other.pk,
    }


def change_project(world: Any, organisation: Any, owner: Any, *, submitted: bool = False) -> dict[str, Any]:
    """A completed project owned by charlie's person record (a draft, or submitted for review)."""
    from datetime import date

    from soms.assessments.services.projects import ProjectData, project_create, project_submit
    from soms.people.models import Person
    from soms.tenancy.models import Membership

    person_id = person(world, organisation, owner)["person_id"]
    membership = Membership.objects.get(organisation=organisation, user=owner)
    made = project_create(
        membership=membership,
        actor=owner,
        data=ProjectData(
            code=f"CP-{next(_assess_counter)}",
            title="Rebalance the desk",
            version=_soms(world),
            owner=Person.objects.get(pk=person_id),
            areas=["demand-capacity", "people-capability"],
            status="completed",
            started_on=date(2025, 1, 1),
            completed_on=date(2025, 6, 1),
        ),
    )
    if submitted:
        made = project_submit(membership=membership, actor=owner, project=made)
    return {"project_id": made.pk, "person_pk": person_id, "version_pk": made.version_id}


def submitted_project(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    return change_project(world, organisation, owner, submitted=True)


def project_with_evidence(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    from soms.assessments.models import ChangeProject, Evidence

    made = change_project(world, organisation, owner)
    item = evidence_item(world, organisation, owner)
    ChangeProject.objects.get(pk=made["project_id"]).evidence.add(
        Evidence.objects.get(pk=item["evidence_id"])
    )
    return {**made, "evidence_id": item["evidence_id"]}


def _project_body(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": f"CP-{next(_assess_counter)}",
        "title": "Renamed",
        "version_id": p.get("version_pk", 1),
        "owner_id": p.get("person_pk", 1),
        "areas": ["demand-capacity", "people-capability"],
        "status": "completed",
        "started_on": "2025-01-01",
        "completed_on": "2025-06-01",
        "revision": 1,
    }


def _project_form(p: dict[str, Any]) -> dict[str, Any]:
    from soms.people.models import Person

    person = Person.objects.filter(pk=p.get("person_pk")).first()
    return {
        "code": f"CP-{next(_assess_counter)}",
        "title": "Renamed",
        "version": p.get("version_pk", 1),
        "owner": person.employee_id if person else "",
        "areas": ["demand-capacity", "people-capability"],
        "status": "completed",
        "started_on": "2025-01-01",
        "completed_on": "2025-06-01",
        "revision": 1,
        "outcomes-TOTAL_FORMS": 0,
        "outcomes-INITIAL_FORMS": 0,
    }


def _builtin_body() -> dict[str, Any]:
    if not FrameworkVersion.objects.filter(framework__code="soms").exists():
        builtin_frameworks_load()
    soms = FrameworkVersion.objects.get(framework__code="soms", framework__organisation__isnull=True)
    return {
        "version": soms.pk,
        "element": soms.elements.get(code="delivery").pk,
        "kind": "course",
        "title": "A course",
    }


def _soms_id() -> int:
    _builtin_body()
    return FrameworkVersion.objects.get(framework__code="soms", framework__organisation__isnull=True).pk


def person_on_builtin(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    """charlie's record, with the built-in frameworks loaded (what insights default to)."""
    _builtin_body()
    return person(world, organisation, owner)


def development_action(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    """An action in charlie's own plan (a member may change their own plan)."""
    from soms.insights.models import DevelopmentAction
    from soms.people.models import Person

    if not FrameworkVersion.objects.filter(framework__code="soms").exists():
        builtin_frameworks_load()
    _unit_with_charlie(world, organisation, owner)
    soms = FrameworkVersion.objects.get(framework__code="soms", framework__organisation__isnull=True)
    action = DevelopmentAction.objects.create(
        organisation=organisation,
        person=Person.objects.get(organisation=organisation, user=world.charlie),
        version=soms,
        element=soms.elements.get(code="delivery"),
        kind="course",
        title="A course",
    )
    return {"action_id": action.pk}


# --- assessments (soms.assessments: workflow) -------------------------------------------------------


def _assessment(world: Any, organisation: Any, owner: Any, status: str) -> dict[str, Any]:
    """A coach assessment by the owner of charlie's own record (charlie may read it, not change it)."""
    from soms.assessments.models import Assessment, Judgement, Status
    from soms.people.models import Person

    if not FrameworkVersion.objects.filter(framework__code="soms").exists():
        builtin_frameworks_load()
    soms = FrameworkVersion.objects.get(framework__code="soms", framework__organisation__isnull=True)
    _unit_with_charlie(world, organisation, owner)
    person = Person.objects.get(organisation=organisation, user=world.charlie)
    statement = soms.statements.order_by("pk").first()
    made = Assessment.objects.create(
        organisation=organisation,
        person=person,
        version=soms,
        kind="coach",
        assessor=owner,
        status=status,
        validated_on="2026-01-10" if status == Status.VALIDATED else None,
    )
    Judgement.objects.create(organisation=organisation, assessment=made, statement=statement, value="met")
    return {"assessment_id": made.pk, "statement_id": statement.pk}


def assessment_of(status: str) -> Maker:
    def make(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
        return _assessment(world, organisation, owner, status)

    return make


def notification(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    from soms.notifications.models import Notification

    made = Notification.objects.create(organisation=organisation, user=owner, text="Hello", url="/")
    return {"notification_id": made.pk}


def _judgements(params: dict[str, Any]) -> dict[str, Any]:
    return {"revision": 1, "judgements": [{"statement_id": params["statement_id"], "value": "partly"}]}


# --- the registry ----------------------------------------------------------------------------------

V = "/api/v1/framework-versions/{version_id}"
ITEM_KINDS = ("levels", "elements", "areas", "statements")

ROUTES: list[Route] = [
    # insights: a person's gaps and plan (charlie may read and plan for himself)
    Route("GET insights-person", person_on_builtin, refused=None),
    Route("GET /api/v1/insights/people/{person_id}", person_on_builtin, refused=None),
    Route("POST insights-plan-pdf", person_on_builtin, refused=None, body=lambda p: {"version": _soms_id()}),
    Route(
        "PATCH /api/v1/development-actions/{action_id}",
        development_action,
        refused=None,
        body=lambda p: {"status": "done", "revision": 1},
    ),
    Route("POST insights-action-create", person, refused=None, body=lambda p: _builtin_body()),
    Route(
        "POST insights-action-status",
        development_action,
        refused=None,
        body=lambda p: {"status": "done", "revision": 1},
    ),
    # service audits
    Route("GET audits-template", template_published, refused=None),
    Route(
        "POST audits-template-edit",
        template_draft,
        body=lambda p: {"name": "Renamed", "rule": "minimum", "revision": 1},
    ),
    Route("POST audits-template-publish", template_draft),
    Route("POST audits-template-version", template_published),
    Route(
        "POST audits-question-add",
        template_draft,
        body=lambda p: {
            "code": "N1",
            "element": "delivery",
            "text": "New",
            "kind": "yes_partly_no",
            "weight": 1,
            "revision": 1,
        },
    ),
    Route("GET audits-question-edit", template_draft),
    Route(
        "POST audits-question-edit",
        template_draft,
        body=lambda p: {
            "code": "CX1",
            "element": "customer-experience",
            "text": "Reworded",
            "kind": "yes_partly_no",
            "weight": 1,
            "revision": 1,
        },
    ),
    Route("POST audits-question-delete", template_draft),
    Route("GET audits-detail", audit_open, refused=None),
    Route("POST audits-respondent-add", audit_open, body=lambda p: {"user": 1}),
    Route("POST audits-respondent-invite", audit_open, body=lambda p: {"name": "Pat", "days": 7}),
    Route("GET audits-answer", audit_open, refused=None),
    Route("POST audits-answer", audit_open, refused=None, body=lambda p: {"action": "save"}),
    Route("GET audits-spread", audit_open),
    Route("POST audits-consensus-agreed", audit_open),
    Route("POST audits-consensus", audit_open, body=lambda p: {"value": "3", "reason": "Agreed"}),
    Route("GET audits-results", audit_open, refused=None),
    Route("POST audits-targets", audit_open, body=lambda p: {"target-delivery": "75"}),
    Route("GET audits-findings", audit_open, refused=None),
    Route(
        "POST audits-finding-add",
        audit_open,
        body=lambda p: {"kind": "finding", "element": "delivery", "text": "Gap"},
    ),
    Route("POST audits-finding-develop", audit_open, body=lambda p: {"kind": "coaching"}),
    Route("POST audits-finding-update", audit_open, body=lambda p: {"status": "closed"}),
    Route(
        "POST audits-evidence-add",
        audit_open,
        body=lambda p: {"element": "delivery", "text": "Map", "refers_to": "2026-01-01"},
    ),
    Route("POST audits-action-add", audit_open, body=lambda p: {"element": "delivery", "title": "Do it"}),
    Route("POST audits-action-update", audit_open, body=lambda p: {"status": "done"}),
    Route("POST audits-close", audit_open),
    Route("POST audits-reaudit", audit_closed, body=reaudit_body),
    Route("POST audits-export", audit_open, refused=None, body=lambda p: {"format": "json"}),
    Route("GET /api/v1/audit-templates/{template_id}", template_published, refused=None),
    Route("PATCH /api/v1/audit-templates/{template_id}", template_draft, body=lambda p: {"name": "Renamed"}),
    Route(
        "POST /api/v1/audit-templates/{template_id}/questions",
        template_draft,
        body=lambda p: {"code": "N1", "element": "delivery", "text": "New", "kind": "yes_partly_no"},
    ),
    Route(
        "PATCH /api/v1/audit-templates/{template_id}/questions/{question_id}",
        template_draft,
        body=lambda p: {"text": "Reworded"},
    ),
    Route("DELETE /api/v1/audit-templates/{template_id}/questions/{question_id}", template_draft),
    Route("POST /api/v1/audit-templates/{template_id}/publish", template_draft, body=lambda p: {}),
    Route("POST /api/v1/audit-templates/{template_id}/versions", template_published),
    Route("GET /api/v1/audits/{audit_id}", audit_open, refused=None),
    Route("PUT /api/v1/audits/{audit_id}/targets", audit_open, body=lambda p: {"targets": {"delivery": 0.7}}),
    Route("GET /api/v1/audits/{audit_id}/respondents", audit_open),
    Route("POST /api/v1/audits/{audit_id}/respondents", audit_open, body=lambda p: {"name": "Pat"}),
    Route("GET /api/v1/audits/{audit_id}/my-answers", audit_open, refused=None),
    Route(
        "PUT /api/v1/audits/{audit_id}/my-answers", audit_open, refused=None, body=lambda p: {"answers": []}
    ),
    Route(
        "POST /api/v1/audits/{audit_id}/my-answers/submit",
        audit_open,
        refused=None,
        body=lambda p: {"answers": []},
    ),
    Route("GET /api/v1/audits/{audit_id}/spread", audit_open),
    Route(
        "PUT /api/v1/audits/{audit_id}/consensus/{question_id}",
        audit_open,
        body=lambda p: {"value": 3, "reason": "Agreed"},
    ),
    Route("POST /api/v1/audits/{audit_id}/consensus-agreed", audit_open),
    Route("POST /api/v1/audits/{audit_id}/close", audit_open),
    Route("POST /api/v1/audits/{audit_id}/reaudit", audit_closed, body=reaudit_body),
    Route("GET /api/v1/audits/{audit_id}/comparison", audit_open, refused=None),
    Route(
        "POST /api/v1/audits/{audit_id}/findings",
        audit_open,
        body=lambda p: {"element": "delivery", "text": "Gap"},
    ),
    Route(
        "PATCH /api/v1/audits/{audit_id}/findings/{finding_id}",
        audit_open,
        body=lambda p: {"status": "closed"},
    ),
    Route(
        "POST /api/v1/audits/{audit_id}/actions",
        audit_open,
        body=lambda p: {"element": "delivery", "title": "Do it"},
    ),
    Route(
        "PATCH /api/v1/audits/{audit_id}/actions/{action_id}", audit_open, body=lambda p: {"status": "done"}
    ),
    Route(
        "POST /api/v1/audits/{audit_id}/evidence",
        audit_open,
        body=lambda p: {"element": "delivery", "text": "Map", "refers_to": "2026-01-01"},
    ),
    Route(
        "POST /api/v1/audits/{audit_id}/reports", audit_open, refused=None, body=lambda p: {"format": "json"}
    ),
    # tenancy
    Route("POST api-token-revoke", token, refused=None, per_user=True),
    Route("DELETE /api/v1/tokens/{token_id}", token, refused=None, per_user=True),
    Route("GET /api/v1/organisations/{organisation_id}", organisation_of, refused=None),
    # jobs: the owner's own (and the admins'); another member's answers 404 like another organisation's
    Route("GET job-detail", job, refused=None, per_user=True),
    Route("GET job-download", job, refused=None, per_user=True),
    Route("GET /api/v1/jobs/{job_id}", job, refused=None, per_user=True),
    Route("GET /api/v1/jobs/{job_id}/download", job, refused=None, per_user=True),
    # frameworks: reading
    Route("GET framework-detail", framework, refused=None),
    Route("GET framework-version", published, refused=None),
    Route("GET framework-version-export", published, refused=None, extra={"format": "yaml"}),
    Route("GET framework-diff", published, refused=None),
    Route("GET framework-mappings", published, refused=None),
    Route("GET framework-statement", published_item_of("statements"), refused=None),
    Route("GET framework-cell", published_cell, refused=None),
    Route("GET /api/v1/frameworks/{framework_id}", framework, refused=None),
    Route(f"GET {V}", published, refused=None),
    Route(f"GET {V}/contents", published, refused=None),
    Route(f"GET {V}/export", published, refused=None),
    Route(f"GET {V}/diff", published, refused=None, query="?base=1"),
    Route(f"GET {V}/mappings", published, refused=None),
    *[Route(f"GET {V}/{kind}/{{item_id}}", published_item_of(kind), refused=None) for kind in ITEM_KINDS],
    # frameworks: authoring pages (owners and admins)
    Route("GET framework-import-choose", framework_pending_import),
    Route("POST framework-import-choose", framework_pending_import, body=lambda p: {"import_as": "version"}),
    Route("GET framework-draft-create", published),
    Route("GET framework-structure", version),
    Route("GET framework-rules", version),
    Route("GET framework-publish", version),
    Route("POST framework-mappings", version, body=_revision),
    Route("GET framework-item-new", item_of("statements")),
    Route("GET framework-item-edit", item_of("statements")),
    Route("POST framework-item-edit", item_of("statements"), body=_statement_text),
    Route("GET framework-item-delete", item_of("levels")),
    Route(
        "POST framework-item-move",
        item_of("statements"),
        body=lambda p: {**_revision(p), "direction": "down"},
    ),
    # frameworks: authoring API
    Route(
        "POST /api/v1/frameworks/{framework_id}/versions",
        published,
        body=lambda p: {"base_version_id": p["version_id"], "label": "2"},
    ),
    Route(f"PUT {V}/rules", version, body=lambda p: {**_revision(p), "rules": {}}),
    Route(f"POST {V}/publish", version, body=_revision),
    Route(
        f"PUT {V}/order/{{kind}}", item_of("levels"), body=lambda p: {**_revision(p), "ids": [p["item_id"]]}
    ),
    Route(
        f"PUT {V}/mappings", version, body=lambda p: {**_revision(p), "base_version_id": 1, "mappings": []}
    ),
    *[Route(f"POST {V}/{kind}", item_of(kind), body=_item_body(kind, create=True)) for kind in ITEM_KINDS],
    *[Route(f"PATCH {V}/{kind}/{{item_id}}", item_of(kind), body=_item_body(kind)) for kind in ITEM_KINDS],
    *[Route(f"DELETE {V}/{kind}/{{item_id}}", item_of(kind), query="?revision=1") for kind in ITEM_KINDS],
    # capacity studies: any member reads; renaming and deleting are for the author or an admin
    Route("GET capacity-study", study, refused=None),
    # a plan or simulation computed in the background: its owner's (and the admins'), like its job
    Route("GET capacity-job-result", capacity_job, refused=None, per_user=True),
    Route(
        "POST capacity-job-result", capacity_job, body=lambda p: {"name": "Kept"}, refused=None, per_user=True
    ),
    Route("GET capacity-study-download", study, refused=None, query="?format=json"),
    Route("POST capacity-study-rename", study, body=lambda p: {"name": "Renamed", "revision": 1}),
    Route("POST capacity-study-delete", study),
    Route("GET /api/v1/capacity/studies/{study_id}", study, refused=None),
    Route("GET /api/v1/capacity/studies/{study_id}/download", study, refused=None),
    Route(
        "PATCH /api/v1/capacity/studies/{study_id}", study, body=lambda p: {"name": "Renamed", "revision": 1}
    ),
    Route("DELETE /api/v1/capacity/studies/{study_id}", study),
    # value streams, delivery systems, stakeholder maps: any member reads; the author or an admin changes
    *[
        route
        for kind, slug, url in SAVED
        for route in (
            Route(f"GET /api/v1/{slug}/{{result_id}}", saved_of(kind), refused=None),
            Route(f"GET /api/v1/{slug}/{{result_id}}/download", saved_of(kind), refused=None),
            Route(f"PUT /api/v1/{slug}/{{result_id}}", saved_of(kind), body=_saved_body(kind)),
            Route(f"DELETE /api/v1/{slug}/{{result_id}}", saved_of(kind)),
            Route(f"GET {url}-detail", saved_of(kind), refused=None),
            Route(f"GET {url}-download", saved_of(kind), refused=None, query="?format=json"),
            Route(f"GET {url}-edit", saved_of(kind)),
            Route(f"POST {url}-edit", saved_of(kind), body=lambda p: {"action": "preview"}),
            Route(f"POST {url}-delete", saved_of(kind)),
        )
    ],
    # KPIs: every member reads; owners, admins and managers define and record
    Route("GET /api/v1/kpis/{kpi_id}", kpi, refused=None),
    Route("GET /api/v1/kpis/{kpi_id}/measurements", kpi, refused=None),
    Route("GET /api/v1/kpis/{kpi_id}/download", kpi, refused=None),
    Route("PUT /api/v1/kpis/{kpi_id}", kpi, body=lambda p: {"name": "Renamed", "revision": 1}),
    Route("DELETE /api/v1/kpis/{kpi_id}", kpi),
    Route(
        "POST /api/v1/kpis/{kpi_id}/measurements", kpi, body=lambda p: {"period": "2026-01-31", "value": 1}
    ),
    Route(
        "POST /api/v1/kpis/{kpi_id}/measurements/import",
        kpi,
        body=lambda p: {"csv": "period,value\n2026-01-31,1\n"},
    ),
    Route("DELETE /api/v1/kpis/{kpi_id}/measurements/{measurement_id}", measurement),
    Route("GET kpi-detail", kpi, refused=None),
    Route("GET kpi-download", kpi, refused=None, query="?format=csv"),
    Route("GET kpi-edit", kpi),
    Route(
        "POST kpi-edit",
        kpi,
        body=lambda p: {"name": "Renamed", "direction": "higher", "frequency": "monthly", "revision": "1"},
    ),
    Route("POST kpi-delete", kpi),
    Route("POST kpi-measurement-record", kpi, body=lambda p: {"period": "2026-01-31", "value": "1"}),
    Route("POST kpi-measurement-import", kpi),
    Route("POST kpi-measurement-delete", measurement),
    # people: reading (scoped: charlie reads their own record and unit)
    Route("GET people-person", person, refused=None),
    Route("GET people-unit", unit, refused=None),
    Route("GET people-role-profile", role_profile, refused=None),
    Route("GET /api/v1/people/{person_id}", person, refused=None),
    Route("GET /api/v1/org-units/{unit_id}", unit, refused=None),
    Route("GET /api/v1/role-profiles/{profile_id}", role_profile, refused=None),
    # people: owners and admins
    Route("GET people-person-edit", other_person),
    Route("POST people-person-edit", other_person, body=lambda p: {"employee_id": "E-1", "name": "Renamed"}),
    Route("GET people-person-data", other_person),
    Route("POST people-person-erase", other_person),
    Route("POST people-person-merge", other_person, body=lambda p: {"duplicate": _duplicate(p).employee_id}),
    Route("POST people-person-invite", other_person),
    Route("GET people-unit-edit", unit),
    Route("POST people-unit-edit", unit, body=lambda p: {"name": "Renamed"}),
    Route("POST people-role-profile", role_profile, body=_element_level),
    Route("POST people-role-profile-delete", role_profile),
    Route(
        "POST people-role-profile-copy",
        role_profile,
        body=lambda p: {"copy-code": "copied", "copy-name": "Copied"},
    ),
    Route("POST people-coverage-delete", coverage_target),
    Route("GET people-team-edit", team),
    Route("POST people-team-edit", team, body=lambda p: {"name": "Renamed", "revision": "1"}),
    Route("GET people-coverage-edit", coverage_target),
    Route("POST people-coverage-edit", coverage_target, body=lambda p: {"minimum": "9", "revision": "1"}),
    Route("GET people-import-detail", people_import),
    Route("GET people-import-problems", people_import),
    Route("POST people-import-apply", people_import),
    Route("POST member-role", member, body=lambda p: {"role": "assessor"}),
    Route("POST member-remove", member),
    Route("POST member-invite-resend", member),
    Route(
        "PATCH /api/v1/people/{person_id}", other_person, body=lambda p: {"job_title": "Lead", "revision": 1}
    ),
    Route("GET /api/v1/people/{person_id}/data", other_person),
    Route("POST /api/v1/people/{person_id}/erase", other_person),
    Route(
        "POST /api/v1/people/{person_id}/merge",
        other_person,
        body=lambda p: {"duplicate_id": _duplicate(p).pk},
    ),
    Route("POST /api/v1/people/{person_id}/invite", other_person, body=lambda p: {"role": "member"}),
    Route("GET /api/v1/people/imports/{import_id}", people_import),
    Route("GET /api/v1/people/imports/{import_id}/problems", people_import),
    Route("POST /api/v1/people/imports/{import_id}/apply", people_import),
    Route("PATCH /api/v1/org-units/{unit_id}", unit, body=lambda p: {"name": "Renamed", "revision": 1}),
    Route("DELETE /api/v1/org-units/{unit_id}", empty_unit),
    Route("PATCH /api/v1/teams/{team_id}", team, body=lambda p: {"name": "Renamed", "revision": 1}),
    Route("DELETE /api/v1/teams/{team_id}", team),
    Route(
        "PATCH /api/v1/role-profiles/{profile_id}",
        role_profile,
        body=lambda p: {"name": "Renamed", "revision": 1},
    ),
    Route("DELETE /api/v1/role-profiles/{profile_id}", role_profile),
    Route("POST /api/v1/role-profiles/{profile_id}/copy", role_profile, body=lambda p: {}),
    Route(
        "PATCH /api/v1/coverage-targets/{target_id}",
        coverage_target,
        body=lambda p: {"minimum": 3, "revision": 1},
    ),
    Route("DELETE /api/v1/coverage-targets/{target_id}", coverage_target),
    Route(
        "PATCH /api/v1/members/{membership_id}", member, body=lambda p: {"role": "assessor", "revision": 1}
    ),
    Route("DELETE /api/v1/members/{membership_id}", member),
    Route("POST /api/v1/members/{membership_id}/invitation/resend", member),
    # attainment (history11): a person's profile follows who may see the person; validity is for admins
    Route("GET attainment-profile", person, refused=None),
    Route("GET /api/v1/people/{person_id}/attainment", person, refused=None),
    Route("GET /api/v1/people/{person_id}/attainment/assessments", person, refused=None),
    Route("GET /api/v1/people/{person_id}/attainment/projects", person, refused=None),
    Route("GET /api/v1/people/{person_id}/attainment/self-view", person, refused=None),
    Route("GET attainment-import-held", held_history_import),
    Route("POST attainment-import-held", held_history_import, body=lambda p: {}),
    Route("GET attainment-validity-version", published),
    Route("POST attainment-validity-version", published, body=lambda p: {"choice": "never"}),
    Route("GET /api/v1/framework-versions/{version_id}/validity", published),
    Route("PUT /api/v1/levels/{level_id}/validity", published_level, body=lambda p: {"validity_months": 12}),
    # evidence: about a person in scope (charlie's own); deleting is for its creator or an admin
    Route("GET evidence-list", person, refused=None),
    Route("GET evidence-new", person, refused=None),
    Route(
        "POST evidence-new",
        person,
        refused=None,
        body=lambda p: {
            "kind": "text",
            "title": "Notes",
            "refers_on": "2026-01-05",
            "text": "Ran the review",
        },
    ),
    Route("GET evidence-detail", evidence_item, refused=None),
    Route("GET evidence-download", evidence_item, refused=None),
    Route(
        "POST evidence-attach",
        evidence_item,
        refused=None,
        body=lambda p: {"statements": [p["other_statement"]]},
    ),
    Route(
        "POST evidence-detach", evidence_item, refused=None, body=lambda p: {"statement": p["statement_id"]}
    ),
    Route("POST evidence-delete", evidence_item),
    Route("GET /api/v1/evidence/{evidence_id}", evidence_item, refused=None),
    Route("GET /api/v1/evidence/{evidence_id}/download", evidence_item, refused=None),
    Route(
        "POST /api/v1/evidence/{evidence_id}/statements",
        evidence_item,
        refused=None,
        body=lambda p: {"statement_ids": [p["other_statement"]]},
    ),
    Route("DELETE /api/v1/evidence/{evidence_id}/statements/{statement_id}", evidence_item, refused=None),
    Route("DELETE /api/v1/evidence/{evidence_id}", evidence_item),
    # change projects: owned by charlie (who manages their own); reviewing needs a validator role
    Route("GET change-project", change_project, refused=None),
    Route("GET change-project-edit", change_project, refused=None),
    Route("POST change-project-edit", change_project, refused=None, body=_project_form),
    Route("POST change-project-submit", change_project, refused=None),
    Route("GET change-project-review", submitted_project),
    Route("POST change-project-review", submitted_project, body=lambda p: {"decision": "validate"}),
    Route(
        "POST change-project-evidence",
        project_with_evidence,
        refused=None,
        body=lambda p: {"evidence": p["evidence_id"], "action": "detach"},
    ),
    Route("GET /api/v1/change-projects/{project_id}", change_project, refused=None),
    Route("PUT /api/v1/change-projects/{project_id}", change_project, refused=None, body=_project_body),
    Route(
        "POST /api/v1/change-projects/{project_id}/submit", change_project, refused=None, body=lambda p: {}
    ),
    Route(
        "POST /api/v1/change-projects/{project_id}/return",
        submitted_project,
        body=lambda p: {"reason": "Add the KPI"},
    ),
    Route("POST /api/v1/change-projects/{project_id}/validate", submitted_project, body=lambda p: {}),
    Route(
        "POST /api/v1/change-projects/{project_id}/evidence",
        change_project,
        refused=None,
        body=lambda p: {"evidence_id": 1},
    ),
    Route(
        "DELETE /api/v1/change-projects/{project_id}/evidence/{evidence_id}",
        project_with_evidence,
        refused=None,
    ),
    # assessments: whoever sees the person reads; its assessor changes it; reviewers return and validate
    Route("GET assessment", assessment_of("draft"), refused=None),
    Route("GET assessment-review", assessment_of("submitted"), refused=None),
    Route(
        "POST assessment-save",
        assessment_of("draft"),
        body=lambda p: {"revision": 1, "page": 1, f"value-{p['statement_id']}": "partly"},
    ),
    Route("POST assessment-submit", assessment_of("draft")),
    Route("POST assessment-correct", assessment_of("validated")),
    Route("POST assessment-return", assessment_of("submitted"), body=lambda p: {"reason": "Say more"}),
    Route("POST assessment-validate", assessment_of("submitted")),
    Route("GET /api/v1/assessments/{assessment_id}", assessment_of("draft"), refused=None),
    Route("PUT /api/v1/assessments/{assessment_id}/judgements", assessment_of("draft"), body=_judgements),
    Route("POST /api/v1/assessments/{assessment_id}/submit", assessment_of("draft"), body=lambda p: {}),
    Route("POST /api/v1/assessments/{assessment_id}/resubmit", assessment_of("returned"), body=lambda p: {}),
    Route(
        "POST /api/v1/assessments/{assessment_id}/return",
        assessment_of("submitted"),
        body=lambda p: {"reason": "Say more"},
    ),
    Route("POST /api/v1/assessments/{assessment_id}/validate", assessment_of("submitted"), body=lambda p: {}),
    Route("POST /api/v1/assessments/{assessment_id}/correct", assessment_of("validated")),
    # notifications: the user's own; another user's answers 404 like another organisation's
    Route("POST notification-open", notification, refused=None, per_user=True),
]


# Id routes whose tenancy tests are still to be registered here, with who owns them. The meta-test
# accepts these (and says so in its output) but fails once one of them stops being a route; remove
# an entry as you register its route above. Never add a new route here instead of registering it.
PENDING: dict[str, str] = {}
