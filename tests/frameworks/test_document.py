from __future__ import annotations

import pytest
from pydantic import ValidationError

from soms.frameworks.document import FrameworkDocument


def _doc(**overrides):
    base = {
        "framework": {"code": "mini", "name": "Mini"},
        "version": {"label": "1"},
        "levels": [{"code": "basic", "name": "Basic", "rank": 1}],
        "elements": [
            {"code": "e1", "name": "One", "statements": [{"code": "S1", "level": "basic", "text": "Does it"}]}
        ],
    }
    base.update(overrides)
    return base


def test_minimal_document_is_valid():
    assert FrameworkDocument.model_validate(_doc()).elements[0].statements[0].code == "S1"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {
                "levels": [
                    {"code": "basic", "name": "B", "rank": 1},
                    {"code": "basic", "name": "C", "rank": 2},
                ]
            },
            "duplicate level code 'basic'",
        ),
        (
            {
                "elements": [
                    {
                        "code": "e1",
                        "name": "One",
                        "statements": [{"code": "S1", "level": "expert", "text": "x"}],
                    }
                ]
            },
            "unknown level 'expert'",
        ),
        (
            {
                "elements": [
                    {
                        "code": "e1",
                        "name": "One",
                        "statements": [
                            {"code": "S1", "level": "basic", "text": "x"},
                            {"code": "S1", "level": "basic", "text": "y"},
                        ],
                    }
                ]
            },
            "duplicate statement code 'S1'",
        ),
        ({"elements": [{"code": "E 1", "name": "One"}]}, "must be lower-case"),
        (
            {
                "elements": [
                    {
                        "code": "e1",
                        "name": "One",
                        "statements": [{"code": "S1", "level": "basic", "text": "x", "areas": ["nowhere"]}],
                    }
                ]
            },
            "unknown area 'nowhere'",
        ),
        (
            {"version": {"label": "1", "rules": {"change_project": {"level": "master"}}}},
            "rules name unknown level",
        ),
        ({"version": {"label": "1", "rules": {"surprise": True}}}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_documents_say_what_is_wrong(overrides, message):
    with pytest.raises(ValidationError) as info:
        FrameworkDocument.model_validate(_doc(**overrides))
    assert message in str(info.value)
