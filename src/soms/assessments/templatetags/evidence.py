"""`{% evidence_for_statement person statement membership as items %}`: what the review screen and
the assessment form show beside each statement (`assessments/_evidence_for_statement.html`).

A page that shows many statements can hand over `evidence_by_statement` (statement id → items,
from `soms.assessments.services.evidence.evidence_by_statement`) in its context: the tag then reads
it instead of asking the database once per statement."""

from __future__ import annotations

from typing import Any

from django import template

from soms.assessments.services import evidence as svc

register = template.Library()


@register.simple_tag(takes_context=True)
def evidence_for_statement(context: Any, person: Any, statement: Any, membership: Any) -> list[Any]:
    if person is None or statement is None or membership is None:
        return []
    ready = context.get("evidence_by_statement")
    if isinstance(ready, dict):
        return list(ready.get(statement.pk, []))
    return list(svc.evidence_of(membership, person, statement)[:50])


@register.simple_tag
def evidence_may_add(person: Any, membership: Any) -> bool:
    if person is None or membership is None:
        return False
    return svc.may_add_for(membership, person)
