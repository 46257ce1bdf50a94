"""Reading JSON and YAML that anyone may send, without letting the text choose how much work it makes.

Python's parsers recurse once per level of nesting, so `[` × 100,000 ends in RecursionError; a
5,000-digit number fails int conversion with a bare ValueError; JSON and YAML silently keep the last
of two equal keys. Here each of those is a `Problem` with its place, and so is a NUL character in any
string, which no text column (PostgreSQL refuses it) and no person needs, and a lone surrogate
(JSON's `"\ud800"` escape, YAML's too), which is no character and cannot be written as UTF-8 (a
KPI import that wrote one answered 500).

Objects read from JSON text are `JsonObject`s: plain dicts that remember their values have JSON's
own types, so that the edge's models can refuse the text "12" where a number is asked for
(soms.fields.JsonTypes) while a form, whose values are all text, still sends "12".
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import yaml

from soms.core.problems import Invalid, Problem, path_text

# Deeper than any document this app reads (a framework document is about six levels deep, a CASE
# package four); low enough that walking the result can never exhaust the interpreter's stack.
MAX_DEPTH = 64


class JsonObject(dict[str, Any]):
    """An object read from JSON text: a dict in every way, whose values are typed as the sender typed them."""

    __slots__ = ()


def as_json(data: Any) -> Any:
    """`data` (lists and dicts of JSON values) marked as read from JSON, for data that went through a
    model's `dict[str, Any]` field (which copies it into a plain dict) and is validated again."""
    if isinstance(data, dict):
        return JsonObject((k, as_json(v)) for k, v in data.items())
    if isinstance(data, list):
        return [as_json(v) for v in data]
    return data


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _twice(pairs: list[tuple[str, Any]]) -> str | None:
    """The first key that `pairs` hold twice, or None."""
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            return key
        seen.add(key)
    return None


def _object(pairs: list[tuple[str, Any]]) -> JsonObject:
    obj = JsonObject(pairs)
    if len(obj) != len(pairs):
        raise _DuplicateKey(_twice(pairs) or "")
    return obj


def duplicate_key_message(key: str) -> str:
    return f"the key {key!r} appears twice in one object; send each key once"


def too_deep_message() -> str:
    return f"nested deeper than {MAX_DEPTH} levels; no document this app reads needs that"


def json_loads(text: str | bytes, *, refuse_nul: bool = True) -> Any:
    """JSON text -> data, or Invalid placed at the line and column of the fault (type json_invalid).

    `refuse_nul=False` leaves NUL characters to the schema the data is validated with, which can
    name the field as the client knows it.
    """
    try:
        data = json.loads(text, object_pairs_hook=_object)
    except _DuplicateKey as exc:
        # Python keeps the last of two equal keys: {"name": "a", "name": "b"} would be taken as "b"
        # without a word, when the sender most likely meant one of them and mistyped the other.
        place = (*_duplicate_place(text), exc.key)
        raise Invalid([Problem(place, duplicate_key_message(exc.key), "duplicate_key")]) from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise Invalid([Problem.at(where, f"malformed JSON: {exc.msg}", "json_invalid")]) from None
    except RecursionError:
        raise Invalid([Problem((), too_deep_message(), "json_invalid")]) from None
    except UnicodeDecodeError as exc:
        raise Invalid([Problem((), f"not UTF-8 text (byte {exc.start})", "unicode_invalid")]) from None
    except ValueError as exc:
        # int() refuses numbers of more than 4,300 digits (Python's guard against quadratic parsing):
        # the problem is placed at the value that has them, so that the client knows which field.
        raise Invalid([Problem(_long_number_place(text), _number_message(exc), "json_invalid")]) from None
    check_data(data, refuse_nul=refuse_nul)
    return data


_LONG = object()


def _duplicate_place(text: str | bytes) -> tuple[str | int, ...]:
    """Where in the document the object with a key twice is (() for the outermost one). Objects are
    built as they close, so the first one marked here is the one the reader stopped at."""
    marked = False

    def pairs(items: list[tuple[str, Any]]) -> Any:
        nonlocal marked
        if not marked and _twice(items) is not None:
            marked = True
            return _LONG
        return dict(items)

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        return ()
    return _place_of_marker(data)


def _place_of_marker(data: Any) -> tuple[str | int, ...]:
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while stack:
        place, node = stack.pop()
        if node is _LONG:
            return place
        if isinstance(node, dict):
            stack += [((*place, k), v) for k, v in reversed(list(node.items()))]
        elif isinstance(node, list):
            stack += [((*place, i), v) for i, v in reversed(list(enumerate(node)))]
    return ()


def _long_number_place(text: str | bytes) -> tuple[str | int, ...]:
    """Where in the document the first integer past Python's digit limit is (() when not found)."""
    limit = sys.get_int_max_str_digits()

    def parse_int(digits: str) -> Any:
        return _LONG if limit and len(digits.lstrip("-")) > limit else int(digits)

    try:
        data = json.loads(text, parse_int=parse_int)
    except (ValueError, RecursionError):
        return ()
    return _place_of_marker(data)


def _number_message(exc: ValueError) -> str:
    if "digits" in str(exc):
        return "a number has more than 4,300 digits; no value this app reads is that long"
    return f"a value cannot be read: {exc}"


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing deep nesting before it recurses and duplicated keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                # types-pyyaml leaves the parser's peek_event untyped.
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(None, None, too_deep_message(), mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, list | dict):
                    continue  # unhashable: the base constructor says so itself
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key {key!r} appears twice in one mapping", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


# PyYAML's wording, as a person who edits a file needs it: (words in its context or problem, the same
# in plain words). The first that matches wins; the duplicate-key message is already our own.
_YAML_IN_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("flow sequence",), "a list opened with '[' is not closed with ']' (or an item lacks its ',')"),
    (("flow mapping",), "a mapping opened with '{' is not closed with '}' (or an entry lacks its ',')"),
    (("quoted scalar",), "a quoted text is not closed with the quote it opened with"),
    (("'\\t'",), "a tab character: indent with spaces, not tabs"),
    (
        ("mapping values are not allowed",),
        "a ':' where it cannot go: indent the line like its neighbours, "
        "or put the value in quotes if it holds ': '",
    ),
    (("could not find expected ':'",), "a line has no ':' between its name and its value"),
    (
        ("block end", "block mapping", "block collection"),
        "the indentation does not line up with the lines above",
    ),
    (("alias", "anchor"), "a '*' or '&' that YAML reads as an alias or anchor: put the value in quotes"),
    (("appears twice",), ""),
)


def yaml_in_words(context: str | None, problem: str | None) -> str:
    """PyYAML's message in plain words (its own text only when it is already ours)."""
    raw = " ".join(p for p in (context, problem) if p)
    for needles, words in _YAML_IN_WORDS:
        if any(n in raw for n in needles):
            return words or raw
    return "this cannot be read as YAML: check the indentation and punctuation here and on the line before"


def yaml_loads(text: str) -> Any:
    """YAML text -> data, or Invalid placed at the line and column of the fault (type yaml_invalid)."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = yaml_in_words(exc.context, exc.problem)
        raise Invalid([Problem.at(where, f"malformed YAML: {what}", "yaml_invalid")]) from None
    except yaml.YAMLError as exc:
        raise Invalid([Problem((), f"malformed YAML: {exc}", "yaml_invalid")]) from None
    except RecursionError:
        raise Invalid([Problem((), too_deep_message(), "yaml_invalid")]) from None
    except ValueError as exc:
        raise Invalid([Problem((), _number_message(exc), "yaml_invalid")]) from None
    check_data(data)
    return data


_SURROGATE = re.compile("[\ud800-\udfff]")


def surrogate_message(text: str) -> str:
    found = _SURROGATE.search(text)
    code = f"\\u{ord(found.group()):04x}" if found else "a surrogate"
    return f"contains a lone surrogate ({code}), which is no character; send text that is valid Unicode"


def check_data(data: Any, *, refuse_nul: bool = True) -> None:
    """Refuse NUL characters in strings (keys too), lone surrogates anywhere and nesting beyond
    MAX_DEPTH, naming the place.

    Iterative, so no input can make it recurse; aliases in YAML may share one list many times, which
    the walk visits once per path, so the number of visits is bounded too.
    """
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    budget = 2_000_000
    while stack:
        item, loc = stack.pop()
        budget -= 1
        if budget < 0:
            raise Invalid([Problem((), "the document holds too many values", "too_large")])
        if len(loc) > MAX_DEPTH:
            raise Invalid([Problem((), too_deep_message(), "too_deep")])
        if isinstance(item, str):
            if refuse_nul and "\x00" in item:
                raise Invalid([Problem(loc, "must not contain NUL characters (\\u0000)", "string_nul")])
            if _SURROGATE.search(item):
                raise Invalid([Problem(loc, surrogate_message(item), "string_unicode")])
        elif isinstance(item, dict):
            for key, value in item.items():
                if refuse_nul and isinstance(key, str) and "\x00" in key:
                    raise Invalid([Problem(loc, "a key contains a NUL character (\\u0000)", "string_nul")])
                if isinstance(key, str) and _SURROGATE.search(key):
                    raise Invalid([Problem(loc, f"a key {surrogate_message(key)}", "string_unicode")])
                stack.append((value, (*loc, key if isinstance(key, str | int) else str(key))))
        elif isinstance(item, list):
            stack.extend((value, (*loc, i)) for i, value in enumerate(item))


__all__ = ["MAX_DEPTH", "JsonObject", "as_json", "check_data", "json_loads", "path_text", "yaml_loads"]
