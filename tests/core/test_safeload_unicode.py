"""soms.core.safeload refuses text that is no Unicode: a lone surrogate, which JSON's \\u escapes
and YAML's can spell but no database, file or page can hold, named by its place."""

from __future__ import annotations

import pytest

from soms.core.problems import Invalid
from soms.core.safeload import json_loads, yaml_loads


@pytest.mark.parametrize(
    ("text", "loc"),
    [
        ('{"a": ["x", "y\\ud800"]}', ("a", 1)),
        ('{"a": {"\\udfff": 1}}', ("a",)),
        ('"\\udc00"', ()),
    ],
)
def test_a_lone_surrogate_in_json_is_refused_with_its_place(text, loc):
    for refuse_nul in (True, False):
        with pytest.raises(Invalid) as caught:
            json_loads(text, refuse_nul=refuse_nul)
        (problem,) = caught.value.problems
        assert problem.loc == loc and problem.type == "string_unicode" and "lone surrogate" in problem.msg


def test_a_lone_surrogate_in_yaml_is_refused_with_its_place():
    with pytest.raises(Invalid) as caught:
        yaml_loads('framework:\n  name: "caf\\ud800"\n')
    assert caught.value.problems[0].loc == ("framework", "name")


def test_a_surrogate_pair_is_one_character_and_is_taken():
    assert json_loads('{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}
