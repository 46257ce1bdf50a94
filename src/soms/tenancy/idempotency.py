"""Idempotency keys: a create sent twice (a retry after a lost answer, a double click, a form sent
again from the browser's history) does its work once; the repeat gets the first answer.

The API takes the key from the `Idempotency-Key` request header (the IETF httpapi draft
"The Idempotency-Key HTTP Header Field"); a page's form carries one made when the form was drawn,
in a hidden field. A key belongs to one login in one organisation and one operation (`scope`), so
another login's or another organisation's key of the same text is another key. The same key with
different content is refused (422): it names another request, which a client must give its own key.

A key is stored, with the answer, in the transaction that does the work, so a key on record always
has its answer and one whose work failed (bad input) is not kept: the corrected request may use it
again. Two requests with one key at once meet at the unique constraint: the second waits for the
first to commit, then answers with what the first stored. Keys are kept `LIFETIME`, then deleted
by the nightly housekeeping (`soms.tenancy.periodic`); after that the key is new again.

To adopt it in a create endpoint: ``idempotent(..., perform=lambda: answer)`` around the service
call, where the answer is what is needed to answer again (a JSON body and status, a redirect).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from soms.core.problems import Invalid, Problem
from soms.tenancy.models import IdempotencyKey

HEADER = "Idempotency-Key"
# The hidden field of a page's form that carries its key ({% idempotency_field %}).
FORM_FIELD = "idempotency_key"
# Where a problem with the header is placed in a 422 answer.
HEADER_PLACE: tuple[str, ...] = ("header", HEADER)
LIFETIME = timedelta(hours=24)
MAX_LENGTH = 255
# Printable ASCII without quotes or backslashes: what a structured-field string holds unescaped
# (a UUID, a ULID, a random token).
_KEY = re.compile(r"[\x20-\x21\x23-\x5b\x5d-\x7e]+")


# For a route's `openapi_extra`: the header, documented where a create endpoint takes it.
IDEMPOTENCY_HEADER: dict[str, Any] = {
    "parameters": [
        {
            "name": HEADER,
            "in": "header",
            "required": False,
            "description": (
                "A key of your choosing (a UUID, say) that makes the request safe to send again: a repeat "
                "with the same key and the same body, by the same login in the same organisation, within "
                "24 hours, does nothing and answers as the first did (the same status and body). The same "
                'key with a different body answers 422. A quoted structured-field string ("…") or a '
                f"bare token, 1 to {MAX_LENGTH} printable ASCII characters."
            ),
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH + 2},
        }
    ]
}


class KeyReused(Invalid):
    """The key was used before for a request with other content."""

    def __init__(self, place: tuple[str, ...]) -> None:
        super().__init__(
            [
                Problem(
                    place,
                    "This idempotency key was already used for a different request; nothing was done. "
                    "Send a new key with a new request.",
                    "idempotency_key_reused",
                )
            ]
        )


@dataclass(frozen=True)
class Outcome:
    answer: dict[str, Any]  # what `perform` returned, now or the first time
    replayed: bool  # True: the key was used before and nothing was done this time


def new_key() -> str:
    """A key for a form as it is drawn."""
    return secrets.token_urlsafe(18)


def parse_key(value: str | None, place: tuple[str, ...] = HEADER_PLACE) -> str | None:
    """The key in a header or form value, None when there is none; a malformed one is an Invalid
    at ``place``. The draft makes the header a structured-field string (``"8e03…"``); a bare
    token is taken too, as most clients send one."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    if not text or len(text) > MAX_LENGTH or not _KEY.fullmatch(text):
        raise Invalid(
            [
                Problem(
                    place,
                    f"An idempotency key is 1 to {MAX_LENGTH} printable ASCII characters, without quotes "
                    "or backslashes inside (a UUID, say).",
                    "idempotency_key_invalid",
                )
            ]
        )
    return text


def header_key(request: HttpRequest) -> str | None:
    return parse_key(request.headers.get(HEADER))


def fingerprint(content: Any) -> str:
    """The same for the same content, whatever the order of its keys."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent(
    *,
    organisation_id: int,
    user: Any,
    scope: str,
    key: str | None,
    content: Any,
    perform: Callable[[], dict[str, Any]],
    place: tuple[str, ...] = HEADER_PLACE,
    now: datetime | None = None,
) -> Outcome:
    """Run ``perform`` once per key: the first time its answer is stored with the key; a repeat
    with the same ``content`` gets that answer and runs nothing; other content raises KeyReused
    (at ``place``). Without a key, ``perform`` simply runs."""
    if key is None:
        return Outcome(perform(), replayed=False)
    now = now or timezone.now()
    stamp = fingerprint(content)
    lookup = {"organisation_id": organisation_id, "user": user, "scope": scope, "key": key}
    with transaction.atomic():
        row = _claim(lookup, stamp, now)
        if row is None:
            earlier = IdempotencyKey.objects.get(**lookup)
            if earlier.fingerprint != stamp:
                raise KeyReused(place)
            return Outcome(earlier.answer, replayed=True)
        answer = perform()
        row.answer = answer
        row.save(update_fields=["answer"])
    return Outcome(answer, replayed=False)


def _claim(lookup: dict[str, Any], stamp: str, now: datetime) -> IdempotencyKey | None:
    """The new key's row, or None when the key is on record (and not expired)."""
    for _ in range(2):
        try:
            # A savepoint: on PostgreSQL a failed INSERT spoils the transaction around it. The
            # INSERT waits while another transaction holds the same key, until that one ends.
            with transaction.atomic():
                return IdempotencyKey.objects.create(**lookup, fingerprint=stamp, expires_at=now + LIFETIME)
        except IntegrityError:
            # An expired key not yet swept away is new again; a live one is the answer.
            if not IdempotencyKey.objects.filter(**lookup, expires_at__lte=now).delete()[0]:
                return None
    return None


def idempotency_keys_expire(*, now: datetime) -> int:
    """Delete the keys past their lifetime; how many."""
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=now).delete()
    return deleted
