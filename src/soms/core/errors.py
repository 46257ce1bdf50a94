"""The error the rule engines raise for input they cannot judge.

Every engine in `soms.core` that takes rules or answers from people raises `RuleInputError`, naming
the field (a dotted path such as ``rules.standing[1].level`` or ``weights.q3``) and the reason in
words, so the page, the API and the CLI can point at the culprit instead of answering 500.
"""

from __future__ import annotations

from soms.core.problems import Invalid, Problem


class RuleInputError(Invalid):
    """One of the house's problems (soms.core.problems), placed at the field it names."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__([Problem((field,) if field else (), reason)])
        self.field = field
        self.reason = reason
