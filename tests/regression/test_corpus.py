"""The generated regression corpus (see corpus.py): every API operation of the OpenAPI document and
every page of the URL resolver, each field fed NUL bytes, 100,000-character strings, 65-bit and
5,000-digit integers, negative numbers, wrong types, missing and other-organisation ids, impossible
dates, empty values and right-to-left text with emoji; every API body also deep nesting and bodies
that are not JSON.

The answer is never a 5xx; on the API it is JSON `{detail}`, a 422 lists problems whose `loc` is a
place the client sent and names the field that was wrong; a refused write writes nothing (every
table's row count is unchanged).

The bounded run (every test run, both databases) gives each field NUL and one more of the values in
turn, and each kind of field of a form once (value-17, value-18, ... as one); the full run
(`test_the_full_corpus`, marked slow: `make bench`, or `SOMS_SLOW_TESTS=1 pytest -m slow -k corpus`)
gives every field every value. Each test prints how many requests it sent and how long they took.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from typing import Any

import pytest
from django.test import Client
from django.urls import resolve

from soms.api.router import api
from soms.tenancy.models import Role
from soms.tenancy.services import organisation_create, user_create
from tests.conftest import World
from tests.regression import corpus
from tests.regression.corpus import BODIES, FILES, OTHER_ORG, VALUES, Bad, Operation
from tests.tenancy_routes import ROUTES

pytestmark = pytest.mark.django_db

FULL = False  # every value for every field: test_the_full_corpus switches it on
SPEC = api.get_openapi_schema()
OPERATIONS = corpus.operations(SPEC)
PAGES = corpus.pages()
SENT: Counter[str] = Counter()


def _chunk(path: str) -> str:
    parts = [p for p in path.split("/") if p and p not in ("api", "v1")]
    return parts[0] if parts else "root"


API_CHUNKS = sorted({_chunk(o.path) for o in OPERATIONS})
PAGE_CHUNKS = sorted({_chunk(p.route) for p in PAGES})


def test_the_walks_find_every_route() -> None:
    assert len(OPERATIONS) > 150, len(OPERATIONS)
    assert len(PAGES) > 150, len(PAGES)
    names = {p.name for p in PAGES}
    # The apps that came after the first corpus: people, assessments, insights, audits.
    for name in ("people-person-edit", "assessment-save", "insights-dashboard", "audits-new"):
        assert name in names, name
    paths = {o.path.split("/")[3] for o in OPERATIONS}
    assert {"people", "assessments", "insights", "audits", "change-projects"} <= paths, paths


@pytest.fixture
def corpus_world(world: World, builtin: None, settings: Any) -> World:
    # The corpus sends thousands of requests as one user: rate limits would answer 429 (a 4xx, but
    # one that hides what the route does with the input).
    settings.SOMS_RATES = {f"{g}_{w}": "1000000/m" for g in corpus_groups() for w in ("user", "org")}
    return world


def corpus_groups() -> list[str]:
    from soms.ratelimits import GROUPS

    return list(GROUPS)


class Findings:
    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[str] = []
        self.sent = 0
        self.started = time.monotonic()

    def add(self, what: str) -> None:
        self.problems.append(what)

    def check(self) -> None:
        SENT[self.name] += self.sent
        took = time.monotonic() - self.started
        print(f"\ncorpus {self.name}: {self.sent} requests in {took:.1f} s")
        assert not self.problems, f"{len(self.problems)} problems:\n" + "\n".join(self.problems[:60])


def _values(k: int) -> list[Bad]:
    return list(VALUES) if FULL else corpus.fast_values(k, 2)


# --- the API -------------------------------------------------------------------------------------


def link_token(world: World, organisation: Any, owner: Any) -> dict[str, Any]:
    """A respondent's personal link to an open audit (the routes that take it have no id)."""
    from soms.audit.models import Audit
    from soms.audit.services import audits as audit_services
    from tests.audit.makers import audit_open

    audit = Audit.objects.get(pk=audit_open(world, organisation, owner)["audit_id"])
    return {"token": audit_services.respondent_invite(audit=audit, name="Guest", actor=owner).token}


# Path parameters that are not ids, so that no registry entry makes them.
MAKERS = {"token": link_token}


def _params(op: Operation, world: World, organisation: Any, owner: Any) -> dict[str, Any] | None:
    if op.route is not None:
        return {**op.route.extra, **op.route.make(world, organisation, owner)}
    made: dict[str, Any] = {}
    for name in re.findall(r"{(\w+)}", op.path):
        if name not in MAKERS:
            return None
        made |= MAKERS[name](world, organisation, owner)
    return made


class ApiRun:
    def __init__(self, world: World, findings: Findings, token: str) -> None:
        self.world = world
        self.f = findings
        self.client = Client(headers={"Authorization": f"Bearer {token}"})
        self.k = 0

    def send(
        self,
        op: Operation,
        url: str,
        *,
        query: dict[str, Any] | None = None,
        body: Any = None,
        raw: bytes | str | None = None,
        content_type: str = "application/json",
        multipart: dict[str, Any] | None = None,
        fuzzed: tuple[str, tuple[str, ...]] | None = None,  # ("body"|"query", path)
        what: str = "",
        base_ok: bool = True,
    ) -> int:
        write = op.method != "get"
        before = corpus.row_counts() if write else {}

        def call() -> Any:
            kwargs: dict[str, Any] = {}
            if multipart is not None:
                kwargs["data"] = multipart
            elif raw is not None:
                kwargs |= {"data": raw, "content_type": content_type}
            elif body is not None:
                kwargs |= {"data": corpus.encode(body), "content_type": "application/json"}
            target = url
            if query:
                if op.method == "get":
                    kwargs["data"] = query
                else:
                    kwargs["QUERY_STRING"] = _qs(query)
            response = getattr(self.client, op.method)(target, **kwargs)
            after = corpus.row_counts() if write and response.status_code >= 400 else before
            return response, corpus.changed(before, after)

        self.f.sent += 1
        try:
            response, rows = corpus.in_savepoint(call)
        except Exception as exc:  # the test client re-raises what a view let through
            self.f.add(f"{op.key} {what}: raised {type(exc).__name__}: {str(exc)[:200]}")
            return 500
        status = response.status_code
        label = f"{op.key} {what}"
        if status >= 500:
            self.f.add(f"{label}: {status} {response.content[:200]!r}")
            return status
        if status >= 400:
            if not response.get("Content-Type", "").startswith("application/json"):
                self.f.add(f"{label}: {status} is not JSON")
                return status
            detail = response.json().get("detail")
            if detail is None:
                self.f.add(f"{label}: {status} without detail")
            if status == 422 and not (isinstance(detail, str) and _sentence_422(op)):
                self._check_places(label, detail, body, op, fuzzed, base_ok)
            if rows:
                self.f.add(f"{label}: refused with {status} but wrote {rows}")
        return status

    def _check_places(
        self,
        label: str,
        detail: Any,
        body: Any,
        op: Operation,
        fuzzed: tuple[str, tuple[str, ...]] | None,
        base_ok: bool,
    ) -> None:
        if not isinstance(detail, list) or not detail:
            self.f.add(f"{label}: 422 detail is not a list of problems: {str(detail)[:200]}")
            return
        param = _body_param(op)
        for problem in detail:
            loc = problem.get("loc")
            if not isinstance(loc, list) or not corpus.real_place(loc, body, param, problem.get("type", "")):
                self.f.add(f"{label}: loc {loc} is not a place of the request ({problem.get('msg')})")
        if fuzzed is not None and base_ok:
            where, path = fuzzed
            names = {str(p) for problem in detail for p in problem.get("loc", [])}
            placed = any(
                problem.get("loc", [None])[0] in (where, "form")
                and str(path[-1]) in {str(p) for p in problem["loc"]}
                for problem in detail
            )
            if not placed:
                self.f.add(f"{label}: 422 does not name {where}.{'.'.join(path)}: {sorted(names)[:8]}")


def _sentence_422(op: Operation) -> bool:
    """The operation documents its 422 as a sentence beside its own list (an HR import's problems
    by row, column and value), alone or as one of the shapes its detail may take."""
    ref = op.op.get("responses", {}).get("422", {}).get("content", {}).get("application/json", {})
    schema = corpus._resolve(SPEC, ref.get("schema", {}))
    detail = corpus._resolve(SPEC, schema.get("properties", {}).get("detail", {}))
    shapes = [detail, *(corpus._resolve(SPEC, s) for s in detail.get("anyOf", []))]
    return any(shape.get("type") == "string" for shape in shapes)


def _qs(query: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    return urlencode(query)


def _body_param(op: Operation) -> str | None:
    """The name Ninja gives the body in `loc` (documented in the spec's 422s): the operation's
    body parameter, `payload` by convention."""
    return "payload"


def _fill_api(path: str, params: dict[str, Any]) -> str:
    return re.sub(r"{(\w+)}", lambda m: str(params[m.group(1)]), path)


def _run_operation(run: ApiRun, op: Operation) -> None:
    world = run.world
    params = _params(op, world, world.org_a, world.alice)
    if params is None:
        run.f.add(f"{op.key}: no maker for its path parameters (tests/tenancy_routes.py)")
        return
    url = _fill_api(op.path, params)
    spec_body = op.body_schema(SPEC)
    theirs: dict[str, Any] = {}
    id_fields = [p["name"] for p in op.parameters("query") if p["name"].endswith(("_id", "_ids"))]
    body: Any = None
    multipart_schema: dict[str, Any] | None = None
    if spec_body is not None:
        kind, schema = spec_body
        if kind == "multipart/form-data":
            multipart_schema = corpus._choice(SPEC, schema)
        else:
            body = op.route.body(params) if op.route is not None and op.route.body else None
            if body is None:
                body = corpus.example(SPEC, schema)
            paths = list(dict.fromkeys([*corpus.properties(SPEC, schema), *((k,) for k in body)]))
            id_fields += [p[-1] for p in paths if str(p[-1]).endswith(("_id", "_ids"))]
    if id_fields and op.route is not None:
        theirs = op.route.make(world, world.org_b, world.bob)
    query = {
        p["name"]: corpus.example(SPEC, p.get("schema", {}))
        for p in op.parameters("query")
        if p.get("required")
    }
    base = run.send(op, url, query=query, body=body, what="valid", base_ok=True)
    base_ok = base != 422
    # Query parameters.
    for p in op.parameters("query"):
        for bad in _values(run.k):
            if bad.form is not None:
                run.send(
                    op,
                    url,
                    query={**query, p["name"]: bad.form},
                    body=body,
                    fuzzed=("query", (p["name"],)),
                    what=f"query {p['name']}={bad.name}",
                    base_ok=base_ok,
                )
        run.k += 1
        if p["name"] in theirs:
            run.send(op, url, query={**query, p["name"]: theirs[p["name"]]}, body=body, what=OTHER_ORG)
    if multipart_schema is not None:
        _run_multipart(run, op, url, query, multipart_schema)
        return
    if body is None:
        return
    for path in paths:
        for bad in _values(run.k):
            run.send(
                op,
                url,
                query=query,
                body=corpus.put(body, path, bad.json),
                fuzzed=("body", path),
                what=f"body {'.'.join(path)}={bad.name}",
                base_ok=base_ok,
            )
        run.k += 1
        name = str(path[-1])
        if name in theirs:
            value = theirs[name]
            run.send(
                op,
                url,
                query=query,
                body=corpus.put(body, path, [value] if name.endswith("_ids") else value),
                what=f"body {name}={OTHER_ORG}",
            )
    bodies = BODIES if FULL else [BODIES[0], BODIES[1 + run.k % (len(BODIES) - 1)]]
    for name, raw, content_type in bodies:
        run.send(op, url, query=query, raw=raw, content_type=content_type, what=f"body {name}")


def _run_multipart(
    run: ApiRun, op: Operation, url: str, query: dict[str, Any], schema: dict[str, Any]
) -> None:
    props = schema.get("properties", {})
    files = [n for n, s in props.items() if corpus._choice(SPEC, s).get("format") == "binary"]
    fields = {n: str(corpus.example(SPEC, s)) for n, s in props.items() if n not in files}
    valid = {**fields, **{f: corpus.upload("a.csv", b"a,b\n") for f in files}}
    base_ok = run.send(op, url, query=query, multipart=valid, what="valid multipart") != 422
    for name in files:
        for what, content in FILES if FULL else FILES[: 2 + run.k % 2]:
            data = {**fields, name: corpus.upload("upload.csv", content)}
            run.send(op, url, query=query, multipart=data, what=f"file {name}={what}")
        run.k += 1
    for name in fields:
        for bad in _values(run.k):
            if bad.form is not None:
                data = {**fields, name: bad.form, **{f: corpus.upload("a.csv", b"a,b\n") for f in files}}
                run.send(
                    op,
                    url,
                    query=query,
                    multipart=data,
                    fuzzed=("form", (name,)),
                    what=f"form {name}={bad.name}",
                    base_ok=base_ok,
                )
        run.k += 1


@pytest.mark.parametrize("chunk", API_CHUNKS)
def test_every_api_input_is_a_4xx_naming_its_place(corpus_world: World, chunk: str) -> None:
    _api_chunk(corpus_world, chunk)


def _api_chunk(corpus_world: World, chunk: str) -> None:
    from soms.tenancy.services import api_token_create

    _, token = api_token_create(user=corpus_world.alice, organisation=corpus_world.org_a, name="corpus")
    findings = Findings(f"api {chunk}")
    run = ApiRun(corpus_world, findings, token)
    for op in OPERATIONS:
        if _chunk(op.path) == chunk:
            corpus.in_savepoint(lambda op=op: _run_operation(run, op))
    findings.check()


# --- pages ---------------------------------------------------------------------------------------


class PageRun:
    def __init__(self, world: World, findings: Findings) -> None:
        self.world = world
        self.f = findings
        self.client = world.client_for(world.alice, world.org_a)
        self.client.raise_request_exception = False
        self.k = 0
        self.seen: set[tuple[str, str, tuple[str, ...]]] = set()

    def send(self, method: str, url: str, data: dict[str, Any] | None, what: str) -> Any:
        before = corpus.row_counts() if method == "post" else {}

        def call() -> Any:
            response = getattr(self.client, method)(url, data or {})
            # A page refuses with a 4xx, or shows the form again with its errors (some answer a
            # successful write with 200: an invitation shows its link once).
            refused = method == "post" and (
                response.status_code >= 400
                or (response.status_code == 200 and b'class="error"' in response.content)
            )
            after = corpus.row_counts() if refused else before
            return response, corpus.changed(before, after)

        self.f.sent += 1
        try:
            response, rows = corpus.in_savepoint(call)
        except Exception as exc:
            self.f.add(f"{method.upper()} {url} {what}: raised {type(exc).__name__}: {str(exc)[:200]}")
            return None
        if response.status_code >= 500:
            self.f.add(f"{method.upper()} {url} {what}: {response.status_code}")
        elif rows:
            self.f.add(f"{method.upper()} {url} {what}: refused ({response.status_code}) but wrote {rows}")
        return response

    def fuzz_form(self, form: corpus.Form, action: str) -> None:
        name = resolve(action.split("?")[0]).url_name or action
        # The same form on its "new" and "edit" pages is fuzzed once in the bounded run.
        if not FULL:
            name = re.sub(r"-(new|edit|create)$", "", name)
        key = (name, form.method, tuple(sorted({re.sub(r"\d+", "N", f) for f in form.fields})))
        if key in self.seen:
            return
        self.seen.add(key)
        method = "post" if form.method == "post" else "get"
        kinds: set[str] = set()
        for field in form.fields:
            if field == "csrfmiddlewaretoken":
                continue
            # One field per statement or question (value-17, value-18, ...): the bounded run
            # fuzzes the first of each kind, the full run every one.
            kind = re.sub(r"\d+", "N", field)
            if not FULL and (
                kind in kinds or kind.endswith(("-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS"))
            ):
                continue
            kinds.add(kind)
            if form.kinds.get(field) == "file":
                for what, content in FILES if FULL else FILES[: 2 + self.k % 2]:
                    data = {**corpus.form_data(form), field: corpus.upload("upload.csv", content)}
                    self.send(method, action, data, f"file {field}={what}")
            else:
                for bad in VALUES if FULL else corpus.fast_values(self.k, 2, form=True):
                    if bad.form is not None:
                        data = corpus.form_data(form, replace=(field, bad.form))
                        self.send(method, action, data, f"{field}={bad.name}")
            self.k += 1


def _page_params(page: corpus.Page, world: World) -> dict[str, Any] | None:
    if not page.params:
        return {}
    for route in (page.get, page.post):
        if route is not None:
            return {**route.extra, **route.make(world, world.org_a, world.alice)}
    if all(name in MAKERS for name in page.params):
        made: dict[str, Any] = {}
        for name in page.params:
            made |= MAKERS[name](world, world.org_a, world.alice)
        return made
    return None


def _run_page(run: PageRun, page: corpus.Page) -> None:
    params = _page_params(page, run.world)
    url = corpus.fill(page.route, params) if params is not None else None
    if url is None:
        return  # a parameter no maker gives (a format, a token in a link): reached from its page
    query = (page.get or page.post).query if (page.get or page.post) else ""
    # Not in a savepoint of its own: what a page sets up on its first visit (the built-in role
    # profiles, the built-in audit template) stays for the requests that follow.
    run.f.sent += 1
    response = run.client.get(url + query)
    if response.status_code >= 500:
        run.f.add(f"GET {url}{query}: {response.status_code}")
    if response is not None and response.status_code == 200 and "html" in response.get("Content-Type", ""):
        for form in corpus.forms_of(response.content.decode()):
            action = corpus.action_url(form, url)
            if action is not None:
                run.fuzz_form(form, action)
    if page.post is not None and page.post.body is not None:
        data = page.post.body(params or {})
        form = corpus.Form(
            "post", url, {k: [str(v)] if not isinstance(v, list) else v for k, v in data.items()}
        )
        run.fuzz_form(form, url)


@pytest.mark.parametrize("chunk", PAGE_CHUNKS)
def test_every_page_input_is_a_4xx_or_a_form_error(corpus_world: World, chunk: str) -> None:
    _page_chunk(corpus_world, chunk)


def _page_chunk(corpus_world: World, chunk: str) -> None:
    findings = Findings(f"pages {chunk}")
    run = PageRun(corpus_world, findings)
    took: Counter[str] = Counter()
    for page in PAGES:
        if _chunk(page.route) == chunk:
            started = time.monotonic()
            corpus.in_savepoint(lambda page=page: _run_page(run, page))
            took[page.name] += round(time.monotonic() - started, 2)
    print("slowest pages:", took.most_common(5))
    findings.check()


@pytest.mark.slow
def test_the_full_corpus(corpus_world: World, monkeypatch: Any) -> None:
    """Every value for every field of every route (about ten times the bounded run)."""
    import sys

    monkeypatch.setattr(sys.modules[__name__], "FULL", True)
    failures = []
    for chunk in API_CHUNKS:
        try:
            corpus.in_savepoint(lambda chunk=chunk: _api_chunk(corpus_world, chunk))
        except AssertionError as exc:
            failures.append(str(exc)[:3000])
    for chunk in PAGE_CHUNKS:
        try:
            corpus.in_savepoint(lambda chunk=chunk: _page_chunk(corpus_world, chunk))
        except AssertionError as exc:
            failures.append(str(exc)[:3000])
    print(f"\nfull corpus: {sum(SENT.values())} requests")
    assert not failures, "\n".join(failures)


# --- roles and fresh organisations ---------------------------------------------------------------


def test_a_member_is_refused_never_a_5xx_whatever_the_input(corpus_world: World) -> None:
    """charlie (a plain member) sends every write he may not make, with bad values in it: refused
    (403, or 404 for what he may not see; on the API a body the schema refuses is a 422 before any
    object is looked up), never a 5xx, never done, nothing written."""
    world = corpus_world
    findings = Findings("member writes")
    client = world.client_for(world.charlie, world.org_a)
    client.raise_request_exception = False
    k = 0

    def one(route: Any) -> None:
        params = {**route.extra, **route.make(world, world.org_a, world.alice)}
        body = route.body(params) if route.body else {}
        allowed = (403, 404, 422) if route.is_api else (403, 404)
        nonlocal k
        k += 1
        for bad in VALUES[:3] if FULL else [VALUES[k % 3]]:
            data = {f: (bad.json if route.is_api else bad.form) for f in body} or {"name": bad.form}
            before = corpus.row_counts()
            findings.sent += 1
            if route.is_api:
                url = _fill_api(route.target, params) + route.query
                response = getattr(client, route.method.lower())(
                    url, data=corpus.encode(data), content_type="application/json"
                )
            else:
                page = next(p for p in PAGES if p.name == route.target)
                url = corpus.fill(page.route, params) or ""
                response = getattr(client, route.method.lower())(url + route.query, data)
            if response.status_code not in allowed:
                findings.add(f"{route.key} {bad.name}: {response.status_code}")
            rows = corpus.changed(before, corpus.row_counts())
            if rows:
                findings.add(f"{route.key} {bad.name}: refused ({response.status_code}) but wrote {rows}")

    for route in ROUTES:
        if route.refused == "charlie" and route.method != "GET":
            corpus.in_savepoint(lambda route=route: one(route))
    findings.check()


def _get_everything(client: Client, findings: Findings, *, api_too: bool = True) -> None:
    for page in PAGES:
        if page.params:
            continue
        findings.sent += 1
        response = client.get("/" + page.route)
        if response.status_code >= 500:
            findings.add(f"GET /{page.route}: {response.status_code}")
    if api_too:
        for op in OPERATIONS:
            if op.method == "get" and "{" not in op.path:
                query = {
                    p["name"]: corpus.example(SPEC, p.get("schema", {}))
                    for p in op.parameters("query")
                    if p.get("required")
                }
                findings.sent += 1
                response = client.get(op.path, query)
                if response.status_code >= 500:
                    findings.add(f"GET {op.path}: {response.status_code}")


@pytest.mark.parametrize("role", [Role.OWNER, Role.MEMBER])
def test_a_fresh_organisation_with_nothing_in_it_answers_every_page(db: Any, role: str) -> None:
    """No framework at all (not even the built-in ones), no people, no studies: every page a
    person of a new organisation can open answers without a 5xx (a friendly page, not a 500)."""
    from soms.tenancy.services import membership_set

    owner = user_create(username="erin", password=None)
    organisation = organisation_create(name="Empty", owner=owner, actor=owner)
    user = owner
    if role != Role.OWNER:
        user = user_create(username="finn", password=None)
        membership_set(organisation=organisation, user=user, role=role, actor=owner)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    session = client.session
    session["soms_organisation_id"] = organisation.pk
    session.save()
    findings = Findings(f"fresh organisation as {role}")
    _get_everything(client, findings)
    findings.check()
