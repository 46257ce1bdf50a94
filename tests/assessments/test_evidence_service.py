"""Evidence: kinds, content-type sniffing, the limits, statements, and when an item must be kept."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from soms.assessments.models import Evidence, EvidenceStatement
from soms.assessments.services.evidence import (
    DOCX,
    JPEG,
    PDF,
    PNG,
    PPTX,
    XLSX,
    EvidenceConflict,
    EvidenceData,
    evidence_attach,
    evidence_create,
    evidence_delete,
    evidence_detach,
    relied_on,
    sniff,
)
from soms.core.problems import Invalid
from soms.limits import MAX_EVIDENCE_BYTES
from soms.tenancy.access import NotFound
from soms.tenancy.models import AuditLogEntry, Membership
from soms.toolkits.capacity import services as capacity_services
from soms.toolkits.capacity.schemas import ErlangInput
from tests.assessments.conftest import statements, validated

pytestmark = pytest.mark.django_db

DC = "demand-capacity"
TODAY = timezone.localdate


def member(world: Any, user: Any, organisation: Any = None) -> Membership:
    return Membership.objects.get(organisation=organisation or world.org_a, user=user)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def ooxml(main: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0"?><Types><Override PartName="/x" ContentType="{main}"/></Types>',
        )
        z.writestr("x", "hello")
    return buf.getvalue()


SAMPLES = {
    PDF: b"%PDF-1.7\n1 0 obj\n",
    PNG: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    JPEG: b"\xff\xd8\xff\xe0\x00\x10JFIF",
    XLSX: ooxml("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    DOCX: ooxml("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    PPTX: ooxml("application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
}


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_sniff_tells_types_by_content(kind: str) -> None:
    content = SAMPLES[kind]
    # The name says nothing: a PDF called .txt is a PDF.
    assert sniff(content[:16], content, "notes.txt") == kind


def test_sniff_text_csv_and_refusals() -> None:
    assert sniff(b"a,b\n1,2\n", b"a,b\n1,2\n", "data.csv") == "text/csv"
    assert sniff("café\n".encode(), "café\n".encode(), "notes") == "text/plain"
    assert sniff(b"MZ\x90\x00", b"MZ\x90\x00\x03", "report.pdf") is None  # a program named .pdf
    assert sniff(b"\xff\xfe\x00a", b"\xff\xfe\x00a", "x.txt") is None  # not UTF-8 / NUL
    assert sniff(b"text\x00more", b"text\x00more", "x.csv") is None
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as z:
        z.writestr("a.txt", "x")
    data = plain_zip.getvalue()
    assert sniff(data[:16], data, "sheet.xlsx") is None  # a zip, but no Office document
    assert sniff(b"PK\x03\x04broken", b"PK\x03\x04broken", "x.docx") is None


def _file(world: Any, person: Any, content: bytes, name: str = "report.pdf", **kw: Any) -> Evidence:
    return evidence_create(
        membership=member(world, world.alice),
        actor=world.alice,
        person=person,
        data=EvidenceData(
            kind="file",
            title=kw.pop("title", "Report"),
            refers_on=kw.pop("refers_on", date(2026, 1, 5)),
            file=SimpleUploadedFile(name, content),
            **kw,
        ),
    )


def test_file_is_stored_with_hash_sniffed_type_and_a_random_name(org: Any) -> None:
    nina = org.people["E005"]
    content = SAMPLES[PDF] + b"x" * 100
    e = _file(org.world, nina, content, name="../../etc/Quarterly review.pdf")
    assert e.kind == "file" and e.content_type == PDF and e.size == len(content)
    assert e.sha256 == hashlib.sha256(content).hexdigest()
    assert e.filename == "Quarterly review.pdf"
    # The stored name is random and says nothing of the person's file name.
    assert e.file.name.startswith(f"evidence/{e.organisation_id}/") and "Quarterly" not in e.file.name
    assert len(e.file.name.rsplit("/", 1)[1]) == 32
    with e.file.open("rb") as f:
        assert f.read() == content
    assert AuditLogEntry.objects.filter(action="evidence.create", object_id=str(e.pk)).exists()


def test_refused_type_and_size_write_nothing(org: Any, settings: Any) -> None:
    nina = org.people["E005"]
    with pytest.raises(Invalid) as exc:
        _file(org.world, nina, b"MZ\x90\x00 program", name="cv.pdf")
    assert exc.value.problems[0].loc == ("file",) and "told by their content" in exc.value.problems[0].msg
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * MAX_EVIDENCE_BYTES)
    with pytest.raises(Invalid) as exc:
        evidence_create(
            membership=member(org.world, org.world.alice),
            actor=org.world.alice,
            person=nina,
            data=EvidenceData(kind="file", title="Big", refers_on=date(2026, 1, 1), file=big),
        )
    assert "MAX_EVIDENCE_BYTES" in exc.value.problems[0].msg
    assert not Evidence.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_text_link_and_dates(org: Any) -> None:
    m, nina = member(org.world, org.world.alice), org.people["E005"]

    def make(**kw: Any) -> Evidence:
        data = {
            "kind": "text",
            "title": "Notes",
            "refers_on": date(2026, 1, 1),
            "text": "Ran the review",
        } | kw
        return evidence_create(membership=m, actor=org.world.alice, person=nina, data=EvidenceData(**data))

    assert make().text == "Ran the review"
    assert make(kind="link", url="https://example.org/report").url == "https://example.org/report"
    for bad in (
        "javascript:alert(1)",
        "ftp://example.org/x",
        "file:///etc/passwd",
        "https://",
        "data:text/html,x",
    ):
        with pytest.raises(Invalid) as exc:
            make(kind="link", url=bad)
        assert exc.value.problems[0].loc == ("url",)
    with pytest.raises(Invalid) as exc:
        make(refers_on=TODAY() + timedelta(days=1))
    assert exc.value.problems[0].loc == ("refers_on",) and "future" in exc.value.problems[0].msg
    with pytest.raises(Invalid) as exc:
        make(text="  ", title="")
    assert {p.loc for p in exc.value.problems} == {("text",), ("title",)}
    assert Evidence.objects.count() == 2


def test_toolkit_result_of_this_organisation_only(org: Any) -> None:
    world = org.world
    study = capacity_services.capacity_study_create(
        organisation=world.org_a,
        actor=world.alice,
        name="Claims desk",
        inp=ErlangInput(calls=100, aht=180, interval_seconds=1800),
    )
    other = capacity_services.capacity_study_create(
        organisation=world.org_b,
        actor=world.bob,
        name="Beta desk",
        inp=ErlangInput(calls=100, aht=180, interval_seconds=1800),
    )
    m, nina = member(world, world.alice), org.people["E005"]
    e = evidence_create(
        membership=m,
        actor=world.alice,
        person=nina,
        data=EvidenceData(
            kind="toolkit",
            title="",
            refers_on=date(2026, 1, 1),
            toolkit_kind="capacity_study",
            toolkit_result_id=study.pk,
        ),
    )
    assert e.title == "Claims desk" and e.toolkit_result_id == study.pk
    with pytest.raises(Invalid) as exc:
        evidence_create(
            membership=m,
            actor=world.alice,
            person=nina,
            data=EvidenceData(
                kind="toolkit",
                title="x",
                refers_on=date(2026, 1, 1),
                toolkit_kind="capacity_study",
                toolkit_result_id=other.pk,
            ),
        )
    assert exc.value.problems[0].loc == ("toolkit_result_id",)


def test_statements_of_other_organisations_and_who_may_add(org: Any, soms_version: Any) -> None:
    world, nina, charlie_person = org.world, org.people["E005"], org.people["E007"]
    s = statements(soms_version, DC, "foundation")
    charlie = member(world, world.charlie)
    # charlie adds evidence about themself, with statements; not about Nina.
    e = evidence_create(
        membership=charlie,
        actor=world.charlie,
        person=charlie_person,
        data=EvidenceData(
            kind="text", title="Mine", refers_on=date(2026, 1, 1), text="x", statement_ids=[s[0].pk]
        ),
    )
    assert list(e.statements.all()) == [s[0]]
    with pytest.raises(PermissionDenied):
        evidence_create(
            membership=charlie,
            actor=world.charlie,
            person=nina,
            data=EvidenceData(kind="text", title="Not mine", refers_on=date(2026, 1, 1), text="x"),
        )
    with pytest.raises(NotFound):
        evidence_create(
            membership=member(world, world.alice),
            actor=world.alice,
            person=org.b_person,
            data=EvidenceData(kind="text", title="B", refers_on=date(2026, 1, 1), text="x"),
        )
    with pytest.raises(Invalid) as exc:
        evidence_attach(
            membership=charlie, actor=world.charlie, evidence=e, statement_ids=[s[0].pk, 10**12, "x"]
        )
    assert [p.loc for p in exc.value.problems] == [("statement_ids", 2)]


def test_one_item_supports_several_statements_and_outlives_reassessment(org: Any, soms_version: Any) -> None:
    world, nina = org.world, org.people["E005"]
    found = statements(soms_version, DC, "foundation")
    m = member(world, world.alice)
    e = evidence_create(
        membership=m,
        actor=world.alice,
        person=nina,
        data=EvidenceData(kind="text", title="Demand review", refers_on=date(2026, 1, 1), text="x"),
    )
    assert (
        evidence_attach(membership=m, actor=world.alice, evidence=e, statement_ids=[s.pk for s in found])
        == found
    )
    assert evidence_attach(membership=m, actor=world.alice, evidence=e, statement_ids=[found[0].pk]) == []
    # Two assessments of those statements, one after the other: the item supports both.
    validated(nina, soms_version, found, on=date(2026, 1, 10))
    validated(nina, soms_version, found, on=date(2026, 3, 10))
    assert EvidenceStatement.objects.filter(evidence=e).count() == len(found)


def test_kept_while_a_validated_assessment_relies_on_it(org: Any, soms_version: Any) -> None:
    world, nina = org.world, org.people["E005"]
    found = statements(soms_version, DC, "foundation")
    m = member(world, world.alice)
    e = evidence_create(
        membership=m,
        actor=world.alice,
        person=nina,
        data=EvidenceData(
            kind="text", title="Kept", refers_on=date(2026, 1, 1), text="x", statement_ids=[found[0].pk]
        ),
    )
    assert relied_on(e) == []
    a = validated(nina, soms_version, found, on=TODAY())
    a.validated_at = timezone.now()
    a.save()
    assert relied_on(e)
    with pytest.raises(EvidenceConflict, match="validated on"):
        evidence_delete(membership=m, actor=world.alice, evidence=e)
    with pytest.raises(EvidenceConflict):
        evidence_detach(membership=m, actor=world.alice, evidence=e, statement_id=found[0].pk)
    assert Evidence.objects.filter(pk=e.pk).exists() and e.links.count() == 1


def test_delete_by_creator_or_admin_removes_the_file(org: Any, settings: Any) -> None:
    world, me = org.world, org.people["E007"]
    charlie = member(world, world.charlie)
    e = evidence_create(
        membership=charlie,
        actor=world.charlie,
        person=me,
        data=EvidenceData(
            kind="file", title="Mine", refers_on=date(2026, 1, 1), file=SimpleUploadedFile("a.csv", b"a,b\n")
        ),
    )
    assert e.content_type == "text/csv"
    path = settings.MEDIA_ROOT / e.file.name
    assert path.exists()
    admin_made = _file(world, me, SAMPLES[PNG], name="chart.png")
    with pytest.raises(PermissionDenied):
        evidence_delete(membership=charlie, actor=world.charlie, evidence=admin_made)
    with pytest.raises(PermissionDenied):
        evidence_delete(membership=member(world, world.dana), actor=world.dana, evidence=e)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        evidence_delete(membership=charlie, actor=world.charlie, evidence=e)
    assert not Evidence.objects.filter(pk=e.pk).exists() and not path.exists()
    assert AuditLogEntry.objects.filter(action="evidence.delete").count() == 1
