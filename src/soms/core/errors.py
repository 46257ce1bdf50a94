"""The error the rule engines raise for input they cannot judge.

Every engine in `soms.core` that takes rules or answers from people raises `RuleInputError`, naming
the field (a dotted path such as ``rules.standing[1].level`` or ``weights.q3``) and the reason in
words, so the page, the API and the CLI can point at the culprit instead of answering 500.
"""

from __future__ import annotations


class RuleInputError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
