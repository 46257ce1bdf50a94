"""Evidence: what a person shows for the statements they claim. Pages, API and demo all come here.

An item is text, a link (http or https), an uploaded file, or a saved toolkit result (a capacity
study, a value stream map, a KPI…). It is about one person and supports any number of statements of
that person's framework versions (`EvidenceStatement`), so it stays attached when those statements
are assessed again. `refers_on` is the day the evidence is about (never in the future);
`created_at` is when it was added.

Files are told apart by their content, never by their name (`sniff`): PDF, PNG, JPEG, the three
Office Open XML kinds (a zip whose `[Content_Types].xml` names the main part) and plain UTF-8 text
or CSV. They are stored through Django's storage API (`default_storage`, a file system or an
S3-compatible store) under a random name, with their SHA-256, and are only ever sent by the
permission-checked download view.

Once a validated assessment relies on an item (it judged one of the item's statements after the
item was added) the item and that link are kept: they are part of what was validated.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from soms.assessments import access
from soms.assessments.models import (
    Assessment,
    ChangeProject,
    Evidence,
    EvidenceKind,
    EvidenceStatement,
    Judgement,
    Status,
)
from soms.core.problems import Invalid, Problem
from soms.frameworks.models import FrameworkVersion, Statement, VersionStatus
from soms.limits import MAX_EVIDENCE_BYTES, MAX_EVIDENCE_STATEMENTS, MAX_TEXT_LENGTH
from soms.people.models import Person
from soms.tenancy.access import NotFound
from soms.tenancy.models import Membership
from soms.tenancy.permissions import ADMINS, can
from soms.tenancy.services import audit_log_write
from soms.toolkits.saved.registry import RESULT_MODELS, toolkit_result_for

TITLE_MAX = 200
URL_MAX = 2000
FILENAME_MAX = 255

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
CSV = "text/csv"
TEXT = "text/plain"

# The main part's content type that `[Content_Types].xml` names in each Office Open XML kind.
_OOXML_MAIN = {
    XLSX: b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    DOCX: b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    PPTX: b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
# `[Content_Types].xml` is a short list; a larger one is not a document we read.
_CONTENT_TYPES_MAX = 1024 * 1024
REFUSED_TYPE = (
    "this file is not one SOMS keeps as evidence: PDF, PNG, JPEG, XLSX, DOCX, PPTX, CSV or plain text "
    "(UTF-8) are accepted, told by their content, not by their name"
)


class EvidenceConflict(Exception):
    """Well formed, but what is stored forbids it (a validated assessment relies on the item)."""


@dataclass
class EvidenceData:
    """What a page, the API or the demo hands over to add one item."""

    kind: str
    title: str
    refers_on: date | None
    text: str = ""
    url: str = ""
    # An uploaded file: its bytes are read here, in chunks, up to the limit.
    file: Any = None
    filename: str = ""
    toolkit_kind: str = ""
    toolkit_result_id: Any = None
    statement_ids: Sequence[Any] = field(default_factory=list)


# --- content types ------------------------------------------------------------------------------


def sniff(head: bytes, content: bytes, filename: str = "") -> str | None:
    """The content type of a file from its bytes (`head` is its start), or None when SOMS does not
    keep files of that kind. The name only tells CSV from other plain text, both of which are text."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _ooxml(content)
    if b"\x00" in content:
        return None
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return CSV if filename.lower().endswith(".csv") else TEXT


def _ooxml(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _CONTENT_TYPES_MAX:
                return None
            types = archive.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError, ValueError):
        return None
    for kind, main in _OOXML_MAIN.items():
        if main in types:
            return kind
    return None


def _read_upload(upload: Any) -> bytes:
    """The upload's bytes, refused past MAX_EVIDENCE_BYTES without reading on."""
    size = getattr(upload, "size", None)
    over = Invalid.for_field(
        "file", f"the file is larger than {MAX_EVIDENCE_BYTES:,} bytes (limit MAX_EVIDENCE_BYTES)"
    )
    if size is not None and size > MAX_EVIDENCE_BYTES:
        raise over
    chunks = upload.chunks() if hasattr(upload, "chunks") else [upload.read()]
    out = bytearray()
    for chunk in chunks:
        out += chunk
        if len(out) > MAX_EVIDENCE_BYTES:
            raise over
    return bytes(out)


# --- who may and which statements ---------------------------------------------------------------


def may_delete(membership: Membership, evidence: Evidence) -> bool:
    """Its creator, or an owner or admin."""
    return membership.role in ADMINS or (
        evidence.created_by_id is not None and evidence.created_by_id == membership.user_id
    )


def may_add_for(membership: Membership, person: Person) -> bool:
    return can(membership, "evidence.add", person)


def person_versions(person: Person) -> QuerySet[FrameworkVersion]:
    """The framework versions a person is assessed or profiled on; when none yet, every published
    version the organisation can read (the built-in ones and its own)."""
    organisation_id = person.organisation_id
    ids = set(
        Assessment.objects.filter(organisation_id=organisation_id, person=person).values_list(
            "version_id", flat=True
        )
    )
    ids |= set(person.role_profiles.values_list("version_id", flat=True))
    readable = FrameworkVersion.objects.filter(
        Q(framework__organisation__isnull=True) | Q(framework__organisation_id=organisation_id),
        status=VersionStatus.PUBLISHED,
    ).select_related("framework")
    chosen = readable.filter(pk__in=ids)
    return chosen if chosen.exists() else readable


def _statements(organisation_id: int, ids: Sequence[Any], loc: str = "statement_ids") -> list[Statement]:
    """Statements of published versions the organisation reads; anything else names its place."""
    if len(ids) > MAX_EVIDENCE_STATEMENTS:
        raise Invalid.for_field(
            loc,
            f"{len(ids):,} statements: at most {MAX_EVIDENCE_STATEMENTS:,} are accepted "
            "(limit MAX_EVIDENCE_STATEMENTS)",
        )
    wanted: list[int] = []
    problems: list[Problem] = []
    for i, raw in enumerate(ids):
        try:
            pk = int(raw)
            if pk < 1 or pk > 2**63 - 1:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(Problem((loc, i), f"{raw!r} is not a statement id"))
            continue
        wanted.append(pk)
    if problems:
        raise Invalid(problems)
    found = Statement.objects.filter(
        visible_q_for(organisation_id), version__status=VersionStatus.PUBLISHED, pk__in=wanted
    ).in_bulk()
    missing = [
        Problem((loc, i), f"no statement with id {pk} in a framework version of this organisation")
        for i, pk in enumerate(wanted)
        if pk not in found
    ]
    if missing:
        raise Invalid(missing)
    return [found[pk] for pk in dict.fromkeys(wanted)]


def visible_q_for(organisation_id: int) -> Q:
    return Q(version__framework__organisation__isnull=True) | Q(
        version__framework__organisation_id=organisation_id
    )


def relied_on(evidence: Evidence, statement_ids: Iterable[int] | None = None) -> list[str]:
    """Why the item must be kept: the validated assessments and change projects that relied on it
    (in words), for the given statements (all of the item's by default)."""
    ids = (
        list(statement_ids)
        if statement_ids is not None
        else list(EvidenceStatement.objects.filter(evidence=evidence).values_list("statement_id", flat=True))
    )
    reasons = []
    if ids:
        added = evidence.created_at
        judged = (
            Judgement.objects.filter(
                assessment__person_id=evidence.person_id,
                assessment__status=Status.VALIDATED,
                statement_id__in=ids,
            )
            .filter(
                Q(assessment__validated_at__gte=added)
                | Q(assessment__validated_at__isnull=True, assessment__validated_on__gte=added.date())
            )
            .select_related("assessment", "statement")
            .order_by("assessment__validated_on", "statement__code")
        )
        seen: dict[int, list[str]] = {}
        days: dict[int, date | None] = {}
        for j in judged:
            seen.setdefault(j.assessment_id, []).append(j.statement.code)
            days[j.assessment_id] = j.assessment.validated_on
        for pk, codes in seen.items():
            day = days[pk]
            reasons.append(
                f"the assessment validated on {day.isoformat() if day else 'an unknown day'} "
                f"judged {', '.join(codes)} with it"
            )
    if statement_ids is None:
        through = ChangeProject.evidence.through
        projects = ChangeProject.objects.filter(
            pk__in=through.objects.filter(evidence_id=evidence.pk).values("changeproject_id"),
            review_status=Status.VALIDATED,
        ).order_by("code")
        reasons += [f"the validated change project {p.code} relies on it" for p in projects]
    return reasons


# --- writes -------------------------------------------------------------------------------------


def _check_common(data: EvidenceData) -> list[Problem]:
    problems: list[Problem] = []
    title = (data.title or "").strip()
    if len(title) > TITLE_MAX:
        problems.append(Problem(("title",), f"at most {TITLE_MAX} characters"))
    if data.refers_on is None:
        problems.append(Problem(("refers_on",), "give the date the evidence is about"))
    elif data.refers_on > timezone.localdate():
        problems.append(Problem(("refers_on",), "the date the evidence is about cannot be in the future"))
    if data.kind not in EvidenceKind.values:
        problems.append(Problem(("kind",), f"one of {', '.join(EvidenceKind.values)}"))
    return problems


def _check_url(url: str) -> str | None:
    url = url.strip()
    if not url:
        return "give the link"
    if len(url) > URL_MAX:
        return f"at most {URL_MAX} characters"
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return "only http:// and https:// links are accepted"
    if any(c.isspace() or ord(c) < 32 for c in url):
        return "a link cannot hold spaces or control characters"
    return None


def evidence_create(
    *, membership: Membership, actor: User | None, person: Person, data: EvidenceData
) -> Evidence:
    """Add one item about `person`; every problem with the input is raised together (Invalid) and
    nothing is written."""
    if person.organisation_id != membership.organisation_id:
        raise NotFound("No such person")
    if not may_add_for(membership, person):
        raise PermissionDenied("You may add evidence about yourself and the people you assess")
    problems = _check_common(data)
    values: dict[str, Any] = {"kind": data.kind, "title": (data.title or "").strip()}
    content: bytes | None = None
    if data.kind == EvidenceKind.TEXT:
        text = (data.text or "").strip()
        if not text:
            problems.append(Problem(("text",), "write the evidence"))
        elif len(text) > MAX_TEXT_LENGTH:
            problems.append(
                Problem(
                    ("text",),
                    f"{len(text):,} characters: at most {MAX_TEXT_LENGTH:,} are accepted (limit MAX_TEXT_LENGTH)",
                )
            )
        values["text"] = text
    elif data.kind == EvidenceKind.LINK:
        reason = _check_url(data.url or "")
        if reason:
            problems.append(Problem(("url",), reason))
        values["url"] = (data.url or "").strip()
        values["text"] = (data.text or "").strip()[:MAX_TEXT_LENGTH]
    elif data.kind == EvidenceKind.FILE:
        if data.file is None:
            problems.append(Problem(("file",), "choose a file"))
        else:
            try:
                content = _read_upload(data.file)
            except Invalid as exc:
                problems += exc.problems
            else:
                name = (data.filename or getattr(data.file, "name", "") or "evidence").strip()
                name = name.replace("\\", "/").rsplit("/", 1)[-1][-FILENAME_MAX:] or "evidence"
                sniffed = sniff(content[:16], content, name) if content else None
                if not content:
                    problems.append(Problem(("file",), "the file is empty"))
                elif sniffed is None:
                    problems.append(Problem(("file",), REFUSED_TYPE, "file_type"))
                values |= {
                    "filename": name,
                    "content_type": sniffed or "",
                    "size": len(content),
                    "sha256": hashlib.sha256(content).hexdigest(),
                }
    elif data.kind == EvidenceKind.TOOLKIT:
        if data.toolkit_kind not in RESULT_MODELS:
            problems.append(Problem(("toolkit_kind",), f"one of {', '.join(sorted(RESULT_MODELS))}"))
        else:
            try:
                result = toolkit_result_for(
                    organisation=membership.organisation,
                    kind=data.toolkit_kind,
                    result_id=data.toolkit_result_id,
                )
            except NotFound:
                problems.append(
                    Problem(("toolkit_result_id",), f"no saved {data.toolkit_kind} with that id here")
                )
            else:
                values |= {"toolkit_kind": data.toolkit_kind, "toolkit_result_id": result.pk}
                if not values["title"]:
                    values["title"] = str(getattr(result, "name", "") or result)[:TITLE_MAX]
    if not values["title"]:
        problems.append(Problem(("title",), "give the evidence a title"))
    try:
        statements = _statements(membership.organisation_id, list(data.statement_ids))
    except Invalid as exc:
        problems += exc.problems
        statements = []
    if problems or data.refers_on is None:
        raise Invalid(problems)
    evidence = Evidence(
        organisation_id=membership.organisation_id,
        person=person,
        refers_on=data.refers_on,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        **values,
    )
    if content is not None:
        # The storage names it (models._evidence_path: a random name under the organisation).
        evidence.file.save("evidence", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            evidence.save()
            EvidenceStatement.objects.bulk_create(
                EvidenceStatement(organisation_id=membership.organisation_id, evidence=evidence, statement=s)
                for s in statements
            )
            audit_log_write(
                actor=actor,
                organisation=membership.organisation,
                action="evidence.create",
                obj=evidence,
                after={
                    "person": person.pk,
                    "kind": evidence.kind,
                    "title": evidence.title,
                    "refers_on": evidence.refers_on.isoformat(),
                    **({"sha256": evidence.sha256, "size": evidence.size} if content is not None else {}),
                    "statements": [s.code for s in statements],
                },
            )
    except BaseException:
        if evidence.file.name:
            evidence.file.storage.delete(evidence.file.name)
        raise
    return evidence


def evidence_attach(
    *, membership: Membership, actor: User | None, evidence: Evidence, statement_ids: Sequence[Any]
) -> list[Statement]:
    """Let the item support these statements too (already supported ones are left as they are)."""
    if not may_add_for(membership, evidence.person):
        raise PermissionDenied("You may change the evidence of yourself and the people you assess")
    statements = _statements(membership.organisation_id, list(statement_ids))
    have = set(EvidenceStatement.objects.filter(evidence=evidence).values_list("statement_id", flat=True))
    new = [s for s in statements if s.pk not in have]
    if len(have) + len(new) > MAX_EVIDENCE_STATEMENTS:
        raise Invalid.for_field(
            "statement_ids",
            f"{len(have) + len(new):,} statements: at most {MAX_EVIDENCE_STATEMENTS:,} are accepted "
            "(limit MAX_EVIDENCE_STATEMENTS)",
        )
    if new:
        with transaction.atomic():
            EvidenceStatement.objects.bulk_create(
                (
                    EvidenceStatement(
                        organisation_id=evidence.organisation_id, evidence=evidence, statement=s
                    )
                    for s in new
                ),
                ignore_conflicts=True,
            )
            audit_log_write(
                actor=actor,
                organisation=membership.organisation,
                action="evidence.attach",
                obj=evidence,
                after={"statements": [s.code for s in new]},
            )
    return new


def evidence_detach(
    *, membership: Membership, actor: User | None, evidence: Evidence, statement_id: Any
) -> None:
    """Stop the item supporting one statement; refused while a validated assessment relies on it."""
    if not may_add_for(membership, evidence.person):
        raise PermissionDenied("You may change the evidence of yourself and the people you assess")
    pk = _int_or_none(statement_id)
    link = (
        EvidenceStatement.objects.filter(evidence=evidence, statement_id=pk)
        .select_related("statement")
        .first()
        if pk is not None
        else None
    )
    if link is None:
        raise NotFound("This evidence does not support that statement")
    reasons = relied_on(evidence, [link.statement_id])
    if reasons:
        raise EvidenceConflict(f"Kept: {'; '.join(reasons)}.")
    with transaction.atomic():
        link.delete()
        audit_log_write(
            actor=actor,
            organisation=membership.organisation,
            action="evidence.detach",
            obj=evidence,
            before={"statements": [link.statement.code]},
        )


def _int_or_none(value: Any) -> int | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk <= 2**63 - 1 else None


def evidence_delete(*, membership: Membership, actor: User | None, evidence: Evidence) -> None:
    """Its creator or an admin deletes it, unless a validated assessment or project relies on it."""
    if not may_delete(membership, evidence):
        raise PermissionDenied("Only whoever added this evidence, or an owner or admin, may delete it")
    reasons = relied_on(evidence)
    if reasons:
        raise EvidenceConflict(f"Kept: {'; '.join(reasons)}.")
    name = evidence.file.name if evidence.file else ""
    storage = evidence.file.storage
    with transaction.atomic():
        audit_log_write(
            actor=actor,
            organisation=membership.organisation,
            action="evidence.delete",
            obj=evidence,
            before={"person": evidence.person_id, "kind": evidence.kind, "title": evidence.title},
        )
        evidence.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))


# --- reads --------------------------------------------------------------------------------------


def evidence_of(
    membership: Membership, person: Person, statement: Statement | None = None
) -> QuerySet[Evidence]:
    """A person's evidence the member may see (for one statement, when given), newest first."""
    qs = Evidence.objects.filter(organisation_id=membership.organisation_id, person=person).filter(
        access.evidence_scope(membership)
    )
    if statement is not None:
        qs = qs.filter(links__statement=statement)
    return qs.order_by("-refers_on", "-id")


def toolkit_result(evidence: Evidence) -> Any:
    """The saved toolkit result an item points at, or None when it has been deleted since."""
    if evidence.kind != EvidenceKind.TOOLKIT:
        return None
    model = RESULT_MODELS.get(evidence.toolkit_kind)
    if model is None:
        return None
    return model._default_manager.filter(
        organisation_id=evidence.organisation_id, pk=evidence.toolkit_result_id
    ).first()


__all__ = [
    "EvidenceConflict",
    "EvidenceData",
    "evidence_attach",
    "evidence_create",
    "evidence_delete",
    "evidence_detach",
    "evidence_of",
    "person_versions",
    "relied_on",
    "sniff",
]


def evidence_by_statement(
    membership: Membership, person: Person, statement_ids: Iterable[int]
) -> dict[int, list[Evidence]]:
    """statement id → the person's evidence for it that the member may see, in one query (for a
    page that shows many statements; the `evidence_for_statement` tag reads it from the context)."""
    out: dict[int, list[Evidence]] = {}
    ids = list(statement_ids)
    links = (
        EvidenceStatement.objects.filter(evidence__in=evidence_of(membership, person), statement_id__in=ids)
        .select_related("evidence")
        .order_by("-evidence__refers_on", "-evidence_id")
    )
    for link in links:
        out.setdefault(link.statement_id, []).append(link.evidence)
    return out
