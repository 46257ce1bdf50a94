"""Property tests: generated frameworks survive every format."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soms.frameworks import io
from soms.frameworks.document import FrameworkDocument, tree_order, with_derived_ids

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

slug = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?", fullmatch=True)
# Printable text from any script, with inner line breaks; what people write, markdown included.
text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85")
    | st.sampled_from(["\n", "*", "#", "—", "é", "ß", "顧", "🙂", '"', "'", ",", ":", "-", "="]),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() != "")
item_type = st.sampled_from(["", "Competency", "Indicator", "Kompetenz"])


@st.composite
def documents(draw: Any) -> FrameworkDocument:
    level_codes = draw(st.lists(slug, min_size=1, max_size=4, unique=True))
    ranks = draw(
        st.lists(st.integers(1, 100), min_size=len(level_codes), max_size=len(level_codes), unique=True)
    )
    element_codes = draw(st.lists(slug, min_size=1, max_size=4, unique=True))
    statement_codes = iter(
        draw(
            st.lists(
                st.from_regex(r"[A-Z]{1,3}[0-9]{0,2}(\.[a-z0-9]{1,2})?", fullmatch=True),
                min_size=12,
                max_size=12,
                unique=True,
            )
        )
    )
    elements = []
    for code in element_codes:
        statements: list[dict[str, Any]] = []
        for _ in range(draw(st.integers(0, 3))):
            parent = draw(st.sampled_from([None, *[s["code"] for s in statements]]))
            statements.append(
                {
                    "code": next(statement_codes),
                    "level": draw(st.sampled_from(level_codes)),
                    "text": draw(text),
                    "parent": parent,
                    "item_type": draw(item_type),
                    "areas": draw(st.lists(st.sampled_from(element_codes), max_size=2, unique=True)),
                }
            )
        elements.append(
            {
                "code": code,
                "name": draw(text),
                "description": draw(st.one_of(st.just(""), text)),
                "group": draw(st.sampled_from(["", "Strategic", "Opérationnel"])),
                "item_type": draw(item_type),
                "statements": statements,
            }
        )
    all_codes = element_codes + [s["code"] for e in elements for s in e["statements"]]
    external = [
        {
            "type": draw(st.sampled_from(["exactMatchOf", "isRelatedTo", "ext:mapsTo"])),
            "origin": draw(st.sampled_from(all_codes)),
            "destination": {
                "identifier": f"ext-{n}",
                "uri": f"https://frameworks.example.net/items/{n}",
                "title": draw(text),
            },
        }
        for n in range(draw(st.integers(0, 2)))
    ]
    return FrameworkDocument.model_validate(
        {
            "framework": {
                "code": draw(slug),
                "name": draw(text),
                "description": draw(st.one_of(st.just(""), text)),
            },
            "version": {
                "label": draw(st.from_regex(r"[0-9a-z.]{1,8}", fullmatch=True)),
                "attribution": draw(st.one_of(st.just(""), text)),
                "notes": draw(st.one_of(st.just(""), text)),
            },
            # Stored levels always come out in rank order.
            "levels": sorted(
                ({"code": c, "name": draw(text), "rank": r} for c, r in zip(level_codes, ranks, strict=True)),
                key=lambda lv: lv["rank"],
            ),
            "elements": elements,
            "external_associations": external,
        }
    )


def round_trip(document: FrameworkDocument, format: io.Format) -> tuple[bytes, FrameworkDocument, bytes]:
    first = io.render(document, format=format, published=False, changed_at=WHEN).content
    back = io.parse(first, format=format, filename=f"f.{io.EXTENSIONS[format]}")
    second = io.render(back, format=format, published=False, changed_at=WHEN).content
    return first, back, second


@SETTINGS
@given(documents())
def test_native_yaml_and_json_are_lossless(document):
    for format in ("yaml", "json"):
        first, back, second = round_trip(document, format)
        assert back == document
        assert second == first


@SETTINGS
@given(documents())
def test_csv_keeps_the_grid(document):
    first, back, second = round_trip(document, "csv")
    assert second == first

    def grid(doc: FrameworkDocument) -> Any:
        return (
            [(lv.code, lv.name, lv.rank) for lv in doc.levels],
            [
                (
                    e.code,
                    e.name,
                    e.group,
                    e.description,
                    [(s.code, s.level, s.text, s.parent, s.item_type, s.areas) for s in e.statements],
                )
                for e in doc.elements
            ],
        )

    assert grid(back) == grid(document)


@SETTINGS
@given(documents())
def test_case_is_lossless_but_for_its_own_metadata(document):
    first, back, second = round_trip(document, "case")
    assert second == first
    # A CASE tree is read parent first.
    tree = with_derived_ids(document)
    for element in tree.elements:
        element.statements = tree_order(element.statements)
    expected = tree.model_dump(mode="json")
    got = back.model_dump(mode="json")
    assert got["version"].pop("source_meta") == {
        "case": {"creator": "SOMS", "lastChangeDateTime": "2026-01-02T03:04:05Z"}
    }
    expected["version"].pop("source_meta")
    # Associations get their CASE identifiers on the way out.
    for assoc in got["external_associations"]:
        assoc["uuid"] = None
    assert got == expected
