"""The generated regression corpus (issue 8): every route of the app, every field of it, fed the
inputs the hardening probe found dangerous. Nothing here is a list of routes: the API side walks the
OpenAPI document, the page side walks the URL resolver and the forms the pages render, and the ids a
route needs come from the object makers of `tests/tenancy_routes.py` (which the meta-test keeps
complete), so a route is covered the day it is added.

Every request runs inside a savepoint that is rolled back, so a value a route accepts (an emoji is a
fine name) changes nothing for the next request, and one set of objects serves the whole run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from tests.tenancy_routes import ROUTES, Route

MISSING_ID = 2**31 - 7
RAW = "\x01raw\x01"  # a JSON value written into the body as is (a number no parser keeps as an int)


@dataclass(frozen=True)
class Bad:
    """One bad value. `json` is what the API gets (RAW + text: spliced into the body unquoted);
    `form` what a page's form or a query string gets (None: not meaningful there)."""

    name: str
    json: Any
    form: str | None


def _rtl() -> str:
    return "\u202e\u05e9\u05dc\u05d5\u05dd \U0001f600 \U0001f469\u200d\U0001f4bb \u0627\u0644\u0633\u0644\u0627\u0645"


VALUES: tuple[Bad, ...] = (
    Bad("nul", "a\x00b", "a\x00b"),
    Bad("long", "x" * 100_000, "x" * 100_000),
    Bad("int65", 2**65, str(2**65)),
    Bad("digits5000", RAW + "1" * 5_000, "1" * 5_000),
    Bad("negative", -1, "-1"),
    Bad("date zero", "0000-00-00", "0000-00-00"),
    Bad("date max", "9999-12-31", "9999-12-31"),
    Bad("date en-GB impossible", "31/02/2026", "31/02/2026"),
    Bad("empty", "", ""),
    Bad("rtl emoji", _rtl(), _rtl()),
    Bad("wrong type list", [1, "a"], None),
    Bad("wrong type object", {"a": [1]}, None),
    Bad("wrong type text", "abc", "abc"),
    Bad("null", None, None),
    Bad("nan", RAW + "NaN", "NaN"),
    Bad("infinity", RAW + "1e999", "1e999"),
    Bad("missing id", MISSING_ID, str(MISSING_ID)),
)
OTHER_ORG = "other organisation's id"

# Whole-body inputs of the API: deep nesting, and what is not JSON at all.
BODIES: tuple[tuple[str, bytes | str, str], ...] = (
    ("deep nesting", "[" * 100_000, "application/json"),
    ("deep object", '{"a":' * 100_000, "application/json"),
    ("not json", "this is not JSON", "application/json"),
    ("invalid utf-8", b'{"name": "\xff\xfe"}', "application/json"),
    ("array body", "[1, 2, 3]", "application/json"),
    ("form body", "name=x&revision=1", "application/x-www-form-urlencoded"),
    ("empty body", "", "application/json"),
)
FILES: tuple[tuple[str, bytes], ...] = (
    ("nul bytes", b"a,b\n\x00\x00,c\n"),
    ("deep nesting", b"[" * 100_000),
    ("not utf-8", b"\xff\xfe\x00d\x00a"),
    ("empty", b""),
)


def fast_values(k: int, count: int = 3, *, form: bool = False) -> list[Bad]:
    """The bounded run's share of VALUES for the k-th field: NUL always (the historic 500 on
    PostgreSQL), then the rest in turn, so that over the run every value meets every kind of field.
    `form`: only values a form or a query string can carry."""
    rest = [v for v in VALUES[1:] if not form or v.form is not None]
    return [VALUES[0], *(rest[(k * (count - 1) + i) % len(rest)] for i in range(count - 1))]


# --- row counts ----------------------------------------------------------------------------------

# Tables that change on reads: the shared cache, rate-limit counters, sign-in records, sessions;
# and people_peopleimport: an HR file refused for its rows is kept as the report of its problems
# (`problems_url`, the error file to download), by design (soms.people.api), with nothing of it applied.
_VOLATILE = re.compile(r"cache|ratelimit|rate_limit|ratecount|axes|session|^people_peopleimport$")


def _tables() -> list[str]:
    return sorted(t for t in connection.introspection.table_names() if not _VOLATILE.search(t))


_COUNT_SQL: dict[str, str] = {}


def row_counts() -> dict[str, int]:
    """Every table's row count, in one statement."""
    key = connection.vendor
    if key not in _COUNT_SQL:
        q = connection.ops.quote_name
        _COUNT_SQL[key] = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {q(t)}" for t in _tables())
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_SQL[key])
        return dict(cursor.fetchall())


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {t: (before[t], after.get(t, 0)) for t in before if before[t] != after.get(t, 0)}


class Rollback(Exception):
    pass


def in_savepoint(fn: Any) -> Any:
    """fn() inside a savepoint rolled back afterwards (whatever fn wrote is undone)."""
    out: list[Any] = []
    try:
        with transaction.atomic():
            out.append(fn())
            raise Rollback
    except Rollback:
        pass
    return out[0]


# --- the OpenAPI side ----------------------------------------------------------------------------


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _choice(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    schema = _resolve(spec, schema)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [_resolve(spec, s) for s in schema[key]]
            options = [s for s in options if s.get("type") != "null"] or options
            return _choice(spec, options[0])
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _choice(spec, schema["allOf"][0])
    return schema


def example(spec: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> Any:
    """A value the schema accepts, as small as possible (required properties only)."""
    s = _choice(spec, schema)
    if "default" in s and s["default"] is not None:
        return s["default"]
    if "const" in s:
        return s["const"]
    if "enum" in s:
        return s["enum"][0]
    kind = s.get("type")
    if kind == "object" or "properties" in s:
        if depth > 4:
            return {}
        return {
            name: example(spec, prop, depth + 1)
            for name, prop in s.get("properties", {}).items()
            if name in s.get("required", [])
        }
    if kind == "array":
        return [example(spec, s.get("items", {}), depth + 1)] if s.get("minItems") else []
    if kind == "integer":
        return max(1, int(s.get("minimum", 1)))
    if kind == "number":
        return float(max(1, s.get("minimum", 1)))
    if kind == "boolean":
        return False
    fmt = s.get("format", "")
    return {"date": "2026-01-31", "date-time": "2026-01-31T09:00:00Z", "email": "a@example.org"}.get(fmt, "x")


def properties(spec: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> Iterator[tuple[str, ...]]:
    """Every property path of an object schema, one level of nesting deep (a study's inputs.aht)."""
    s = _choice(spec, schema)
    for name, prop in s.get("properties", {}).items():
        yield (name,)
        if depth == 0:
            for sub in properties(spec, prop, depth + 1):
                yield (name, *sub)


@dataclass
class Operation:
    method: str
    path: str
    op: dict[str, Any]
    route: Route | None

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def parameters(self, where: str) -> list[dict[str, Any]]:
        return [p for p in self.op.get("parameters", []) if p["in"] == where]

    def body_schema(self, spec: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        content = self.op.get("requestBody", {}).get("content", {})
        for kind in ("application/json", "multipart/form-data"):
            if kind in content:
                return kind, content[kind].get("schema", {})
        return None


def operations(spec: dict[str, Any]) -> list[Operation]:
    by_key = {r.key: r for r in ROUTES if r.is_api}
    out = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method in ("get", "post", "put", "patch", "delete"):
                out.append(Operation(method, path, op, by_key.get(f"{method.upper()} {path}")))
    return out


def encode(body: Any) -> str:
    """JSON, with RAW values spliced in unquoted."""
    text = json.dumps(body)
    return re.sub(r'"\\u0001raw\\u0001([^"]*)"', r"\1", text)


def put(body: Any, path: tuple[str, ...], value: Any) -> Any:
    """A copy of `body` with `value` at `path` (the dicts on the way made when missing)."""
    if not path:
        return value
    base = dict(body) if isinstance(body, dict) else {}
    base[path[0]] = put(base.get(path[0], {}), path[1:], value)
    return base


def real_place(loc: list[Any], sent: Any, param: str | None, kind: str = "") -> bool:
    """Whether an API problem's `loc` names a place of the request the client sent: `body` then keys
    that are in the body, after the body parameter's name Ninja puts first (`payload`, documented in
    the spec); `query`/`path`/`form`/`file` then a parameter. A missing field (type `missing`) may
    be the last key, or anything under a value of the wrong type; past a text value (a CSV sent as
    a field) the rest is a place in that text (row, column)."""
    if not loc:
        return False
    if loc[0] in ("query", "path", "header", "form", "file", "cookie"):
        return True
    if loc[0] != "body":
        return False
    rest = list(loc[1:])
    if param is not None and rest and rest[0] == param:
        rest = rest[1:]
    node = sent
    for i, key in enumerate(rest):
        if (
            isinstance(node, dict)
            and key in node
            or isinstance(node, list)
            and isinstance(key, int)
            and 0 <= key < len(node)
        ):
            node = node[key]
        elif isinstance(node, str) and i > 0:
            return True
        else:
            last = i == len(rest) - 1
            return (last and isinstance(node, dict)) or (kind == "missing" and not isinstance(node, dict))
    return True


# --- the page side -------------------------------------------------------------------------------


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> values sent by default
    kinds: dict[str, str] = field(default_factory=dict)  # name -> input type
    buttons: list[tuple[str, str]] = field(default_factory=list)


class FormParser(HTMLParser):
    """The forms of a page, with the values a browser would send without touching anything."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("method", "get").lower(), a.get("action", ""))
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image", "button", "reset"):
                form.buttons.append((name, a.get("value", "")))
                return
            form.kinds.setdefault(name, kind)
            if kind in ("checkbox", "radio"):
                if "checked" in a or (kind == "radio" and name not in form.fields):
                    if kind == "radio" and "checked" in a:
                        form.fields[name] = []
                    form.fields.setdefault(name, []).append(a.get("value", "on"))
                else:
                    form.fields.setdefault(name, [])
            elif kind == "file":
                form.fields.setdefault(name, [])
            else:
                form.fields.setdefault(name, []).append(a.get("value", ""))
        elif tag == "button" and name:
            form.buttons.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
            form.kinds.setdefault(name, "select")
            form.fields.setdefault(name, [])
        elif tag == "option" and self._select is not None:
            value = a.get("value")
            if value is None:
                return
            if "selected" in a:
                if not self._select_chosen:
                    form.fields[self._select] = []
                self._select_chosen = True
                form.fields[self._select].append(value)
            elif self._select_first is None and value:
                self._select_first = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
            form.kinds.setdefault(name, "textarea")

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        form = self._form
        if tag == "form":
            self._form = None
        elif form is None:
            return
        elif tag == "select" and self._select is not None:
            if not self._select_chosen and self._select_first is not None:
                form.fields[self._select] = [self._select_first]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            form.fields[self._textarea] = ["".join(self._text).removeprefix("\n")]
            self._textarea = None


def forms_of(html: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


# Forms on every page that change the session, not data: signing out, switching organisation.
_SKIP_ACTIONS = re.compile(r"/(logout|sign-?out|account/logout|organisations/switch|switch)/?")
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for p in patterns:
        if isinstance(p, URLResolver):
            found += _walk(p.url_patterns, prefix + str(p.pattern))
        else:
            found.append((prefix + str(p.pattern), p))
    return found


@dataclass
class Page:
    name: str
    route: str  # the pattern, e.g. people/<int:person_id>/edit/
    params: list[str]
    get: Route | None  # the registry entry whose maker gives the ids (GET, else POST)
    post: Route | None


def pages() -> list[Page]:
    by_name: dict[str, dict[str, Route]] = {}
    for r in ROUTES:
        if not r.is_api:
            by_name.setdefault(r.target, {})[r.method] = r
    out = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(("api/", "static/", "media/")) or pattern.name is None:
            continue
        params = [m.group(2) for m in _PARAM.finditer(route)]
        routes = by_name.get(pattern.name, {})
        out.append(Page(pattern.name, route, params, routes.get("GET"), routes.get("POST")))
    return out


def fill(route: str, params: dict[str, Any]) -> str | None:
    """The page's path with `params`, or None when a parameter is not known."""
    try:
        return "/" + _PARAM.sub(lambda m: str(params[m.group(2)]), route)
    except KeyError:
        return None


def action_url(form: Form, page_url: str) -> str | None:
    action = form.action or page_url
    parts = urlsplit(action)
    if parts.netloc or not parts.path.startswith("/") or _SKIP_ACTIONS.search(parts.path):
        return None
    try:
        resolve(parts.path)
    except Resolver404:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def form_data(form: Form, *, replace: tuple[str, str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {k: list(v) for k, v in form.fields.items() if v}
    if form.buttons:
        # The button that writes, when there is one (a "more rows" button only re-shows the form).
        saving = [b for b in form.buttons if b[1] in ("save", "create", "submit", "import", "add")]
        name, value = (saving or form.buttons)[0]
        data.setdefault(name, [value])
    if replace is not None:
        name, value = replace
        data[name] = [value]
    return data


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
