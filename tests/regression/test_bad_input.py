"""The regression corpus: every bad input found by probing the app answers 4xx naming the field, never 5xx.

Each case is one request (API or page) with the status it must get and, for the API, where the
problem must be placed (`loc`, as the OpenAPI spec documents it). The suite runs on SQLite and on
PostgreSQL (which refuses NUL characters in text outright, where SQLite would store them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from soms.frameworks.models import Framework, FrameworkVersion
from soms.tenancy.models import AuditLogEntry
from soms.tenancy.services import api_token_create
from soms.toolkits.capacity import services as capacity_services
from soms.toolkits.capacity.schemas import ErlangInput
from tests.probe import probe_draft

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
DEEP = "[" * 100_000
DEEP_OBJECT = '{"a":' * 100_000
LONG_INT = "1" * 5_000
TOO_BIG_ID = 2**63
NUL = "a\u0000b"
ERLANG = {"calls": 100, "aht": 180}


@dataclass
class Ctx:
    """Ids the cases refer to: a draft of A with one level, element and statement, and a study."""

    version: int
    revision: int
    level: int
    element: int
    statement: int
    study: int
    study_revision: int


@pytest.fixture
def ctx(world: Any) -> Ctx:
    version, level, element, statement = probe_draft(world)
    study = capacity_services.capacity_study_create(
        organisation=world.org_a,
        actor=world.alice,
        name="Study",
        description="",
        inp=ErlangInput.model_validate(ERLANG),
    )
    version.refresh_from_db()
    return Ctx(version.pk, version.revision, level.pk, element.pk, statement.pk, study.pk, study.revision)


@dataclass
class Case:
    name: str
    method: str
    path: str
    body: Any = None  # str/bytes: sent as is; dict/list: as JSON
    content_type: str = "application/json"
    status: int = 422
    loc: list[Any] | None = None  # the first problem's place, when the answer lists problems
    kind: str = field(default="api")


def _api_cases() -> list[Case]:
    v = "/api/v1/framework-versions/{version}"
    return [
        # Deep nesting: Python's parsers recurse once per level.
        Case("import json deep", "post", "/api/v1/frameworks/import?format=json", DEEP),
        Case("import yaml deep", "post", "/api/v1/frameworks/import?format=yaml", DEEP, "application/yaml"),
        Case("import case deep", "post", "/api/v1/frameworks/import?format=case", DEEP_OBJECT),
        Case("import guessed deep", "post", "/api/v1/frameworks/import", DEEP_OBJECT),
        Case("plan deep", "post", "/api/v1/capacity/plan", DEEP, loc=["body"]),
        Case(
            "plan long int",
            "post",
            "/api/v1/capacity/plan",
            f'{{"horizon_days": {LONG_INT}}}',
            loc=["body", "horizon_days"],
        ),
        # Bodies Ninja parses itself: 422 as documented, not 400 "Cannot parse request body".
        Case("token deep", "post", "/api/v1/tokens", DEEP, loc=["body"]),
        Case("token deep object", "post", "/api/v1/tokens", DEEP_OBJECT, loc=["body"]),
        Case(
            "token long int",
            "post",
            "/api/v1/tokens",
            f'{{"name": {LONG_INT}}}',
            loc=["body", "payload", "name"],
        ),
        Case(
            "erlang long int",
            "post",
            "/api/v1/capacity/erlang",
            f'{{"calls": {LONG_INT}, "aht": 1}}',
            loc=["body", "payload", "calls"],
        ),
        Case("rules deep", "put", v + "/rules", '{"revision": 1, "rules": ' + DEEP + "}", loc=["body"]),
        # NUL characters, refused at the edge with the field's place.
        Case(
            "framework create nul",
            "post",
            "/api/v1/frameworks",
            {"code": "x", "name": NUL},
            loc=["body", "payload", "name"],
        ),
        Case(
            "framework description nul",
            "post",
            "/api/v1/frameworks",
            {"code": "x", "name": "X", "description": NUL},
            loc=["body", "payload", "description"],
        ),
        Case(
            "level create nul",
            "post",
            v + "/levels",
            {"revision": "{revision}", "code": "l2", "name": NUL, "rank": 2},
            loc=["body", "payload", "name"],
        ),
        Case(
            "statement edit nul",
            "patch",
            v + "/statements/{statement}",
            {"revision": "{revision}", "text": NUL},
            loc=["body", "payload", "text"],
        ),
        Case(
            "rules nul",
            "put",
            v + "/rules",
            {"revision": "{revision}", "rules": {"scale_note": NUL}},
            loc=["body", "payload", "rules", "scale_note"],
        ),
        Case(
            "study create nul",
            "post",
            "/api/v1/capacity/studies",
            {"name": NUL, "kind": "erlang", "inputs": ERLANG},
            loc=["body", "payload", "name"],
        ),
        Case(
            "study inputs nul",
            "post",
            "/api/v1/capacity/studies",
            {"name": "S", "kind": "erlang", "inputs": {**ERLANG, "note": NUL}},
            loc=["body", "payload", "inputs"],
        ),
        Case(
            "study rename nul",
            "patch",
            "/api/v1/capacity/studies/{study}",
            {"name": NUL, "revision": "{study_revision}"},
            loc=["body", "payload", "name"],
        ),
        Case("token create nul", "post", "/api/v1/tokens", {"name": NUL}, loc=["body", "payload", "name"]),
        Case(
            "plan filename nul",
            "post",
            "/api/v1/capacity/plan",
            {"source": "sample", "filename": NUL},
            loc=["body", "filename"],
        ),
        Case(
            "import filename nul",
            "post",
            "/api/v1/frameworks/import?filename=a%00b",
            "x: 1",
            loc=["query", "filename"],
        ),
        Case(
            "import escaped nul",
            "post",
            "/api/v1/frameworks/import?format=yaml",
            (DATA / "nul-escape.yaml").read_text(),
        ),
        Case("import raw nul", "post", "/api/v1/frameworks/import?format=csv", "a,b\n\u0000,c\n", "text/csv"),
        Case(
            "import json nul",
            "post",
            "/api/v1/frameworks/import?format=json",
            '{"framework": {"name": "a\\u0000"}}',
        ),
        # Places that match the spec and the real path of the field.
        Case(
            "study aht place",
            "post",
            "/api/v1/capacity/studies",
            {"name": "S", "kind": "erlang", "inputs": {"calls": 100, "aht": 0}},
            loc=["body", "payload", "inputs", "aht"],
        ),
        # Files that must be refused, not imported.
        Case(
            "csv unterminated quote",
            "post",
            "/api/v1/frameworks/import?format=csv",
            (DATA / "unterminated-quote.csv").read_text(),
            "text/csv",
            loc=["file", "row 2"],
        ),
        Case(
            "yaml duplicate keys",
            "post",
            "/api/v1/frameworks/import?format=yaml",
            (DATA / "duplicate-keys.yaml").read_text(),
            "application/yaml",
            loc=["file", "line 5, column 3"],
        ),
        # Ids past the database's 64-bit keys: input no id can have, never an overflow.
        Case("framework id too big", "get", f"/api/v1/frameworks/{TOO_BIG_ID}", loc=["path", "framework_id"]),
        Case("study id too big", "get", f"/api/v1/capacity/studies/{TOO_BIG_ID}", loc=["path", "study_id"]),
        Case("token id too big", "delete", f"/api/v1/tokens/{TOO_BIG_ID}", loc=["path", "token_id"]),
        Case(
            "organisation id too big",
            "get",
            f"/api/v1/organisations/{TOO_BIG_ID}",
            loc=["path", "organisation_id"],
        ),
        # A method a path does not have: JSON like every API answer.
        Case("method not allowed", "delete", "/api/v1/me", status=405),
        Case("method not allowed write", "put", "/api/v1/frameworks", {}, status=405),
        # A path no operation has: JSON too, not the site's HTML 404 page.
        Case("unknown api path", "get", "/api/v1/nowhere", status=404),
        Case("unknown api version", "post", "/api/v2/frameworks", {}, status=404),
        Case("api root", "get", "/api/v1/", status=404),
        # A stale revision is a conflict even when the write would change nothing.
        Case(
            "stale no-op",
            "patch",
            v + "/statements/{statement}",
            {"revision": 1, "text": "Words"},
            status=409,
        ),
    ]


def _fill(value: Any, ctx: Ctx) -> Any:
    if isinstance(value, str):
        return value.format(**vars(ctx)) if "{" in value and "}" in value and "\\" not in value else value
    if isinstance(value, dict):
        return {k: _fill(v, ctx) for k, v in value.items()}
    return value


def _typed(value: Any) -> Any:
    """Numbers that came through str.format (revisions, ids) back to numbers."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


@pytest.mark.parametrize("case", _api_cases(), ids=lambda c: c.name)
def test_bad_api_input_is_a_4xx_naming_its_place(world, ctx, case):
    _, raw = api_token_create(user=world.alice, organisation=world.org_a, name="probe")
    client = world.client_for(world.alice)
    path = case.path.format(**vars(ctx)) if "{" in case.path else case.path
    body = case.body
    if isinstance(body, dict):
        body = json.dumps(_typed(_fill(body, ctx)))
    audit_before = AuditLogEntry.objects.count()
    frameworks_before = Framework.objects.count()
    kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {raw}"}}
    if body is not None:
        kwargs |= {"data": body, "content_type": case.content_type}
    response = getattr(client, case.method)(path, **kwargs)
    assert response.status_code == case.status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    if case.status == 422:
        assert isinstance(detail, list) and detail, detail
        assert all({"loc", "msg", "type"} <= set(p) and isinstance(p["loc"], list) for p in detail), detail
        if case.loc is not None:
            assert detail[0]["loc"] == case.loc, detail
    else:
        assert isinstance(detail, str) and detail
    # Nothing was written.
    assert AuditLogEntry.objects.count() == audit_before
    assert Framework.objects.count() == frameworks_before


# --- pages ----------------------------------------------------------------------------------------


def test_import_page_refuses_deep_nesting_and_nul(world):
    client = world.client_for(world.alice)
    for name, content in [
        ("deep.json", DEEP),
        ("deep.yaml", DEEP),
        ("deep.case.json", DEEP_OBJECT),
        ("nul.yaml", (DATA / "nul-escape.yaml").read_text()),
        ("dup.yaml", (DATA / "duplicate-keys.yaml").read_text()),
        ("open.csv", (DATA / "unterminated-quote.csv").read_text()),
    ]:
        upload = SimpleUploadedFile(name, content.encode())
        response = client.post("/frameworks/import/", {"file": upload})
        assert response.status_code == 422, (name, response.status_code)
    assert not Framework.objects.filter(organisation=world.org_a).exists()


def test_rules_editor_refuses_deep_nesting_duplicates_and_nul(world, ctx):
    client = world.client_for(world.alice)
    for rules in [DEEP, "cumulative_levels: true\ncumulative_levels: false\n", 'scale_note: "a\\0b"\n']:
        response = client.post(
            f"/frameworks/versions/{ctx.version}/rules/", {"rules": rules, "revision": ctx.revision}
        )
        assert 400 <= response.status_code < 500, (rules[:40], response.status_code)
        assert "Not readable as YAML" in response.content.decode() or "NUL" in response.content.decode()
    assert FrameworkVersion.objects.get(pk=ctx.version).revision == ctx.revision


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/frameworks/new/", {"name": NUL, "code": "x", "kind": "skills", "label": "1"}),
        (
            "/frameworks/versions/{version}/levels/new/",
            {"name": NUL, "code": "l2", "rank": 2, "revision": "{revision}"},
        ),
        ("/capacity/studies/{study}/rename/", {"name": NUL, "revision": "{study_revision}"}),
        ("/account/tokens/", {"name": NUL}),
    ],
)
def test_pages_refuse_nul_as_a_form_error(world, ctx, path, data):
    client = world.client_for(world.alice)
    url = path.format(**vars(ctx))
    response = client.post(url, _fill(data, ctx))
    assert response.status_code in {400, 422} or (
        response.status_code == 200 and "Null characters are not allowed" in response.content.decode()
    ), (url, response.status_code)
    assert (
        "Null characters are not allowed" in response.content.decode() or "NUL" in response.content.decode()
    )
