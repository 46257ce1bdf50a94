from __future__ import annotations

import pytest

from soms.frameworks.models import Area, FrameworkVersion, Statement, StatementMapping
from soms.frameworks.rules import FrameworkRules
from soms.frameworks.selectors.authoring import mapping_entries_resolve, mapping_rows, versions_diff
from soms.frameworks.selectors.versions import version_document
from soms.frameworks.services.authoring import (
    InvalidField,
    PublishBlocked,
    StaleRevision,
    VersionPublished,
    framework_create,
    framework_version_draft_create,
    statement_mappings_set,
    version_item_create,
    version_item_delete,
    version_item_update,
    version_items_reorder,
    version_publish,
    version_rules_set,
)
from soms.tenancy.models import AuditLogEntry

pytestmark = pytest.mark.django_db


def test_adapting_copies_everything_and_keeps_the_attribution(draft, soms):
    ours, theirs = version_document(version=draft), version_document(version=soms)

    def content(doc):
        # An adaptation is a new framework, so its exchange identifiers are its own; the content is copied.
        return doc.model_dump(
            include={"elements", "levels"},
            exclude={
                "elements": {"__all__": {"uuid": True, "statements": {"__all__": {"uuid"}}}},
                "levels": {"__all__": {"uuid"}},
            },
        )

    assert content(ours) == content(theirs)
    assert {e.uuid for e in ours.elements}.isdisjoint({e.uuid for e in theirs.elements})
    assert ours.version.rules == theirs.version.rules
    assert draft.based_on == soms and draft.attribution == soms.attribution and not draft.is_published
    assert draft.framework.organisation.name == "Alpha Services" and not draft.framework.is_builtin
    # Statement areas point at the copy's own areas, never at the built-in's.
    assert not Area.objects.filter(statements__version=draft).exclude(version=draft).exists()
    assert AuditLogEntry.objects.filter(
        action="framework.create", organisation=draft.framework.organisation
    ).exists()


def test_copy_keeps_statement_parents(world, draft):
    child, parent = list(draft.statements.all()[:2])
    child.parent = parent
    child.save()
    version_publish(version=draft, expected_revision=draft.revision, actor=world.alice)
    copy = framework_version_draft_create(framework=draft.framework, base=draft, label="2", actor=world.alice)
    copied_child = copy.statements.get(code=child.code)
    assert copied_child.parent.code == parent.code and copied_child.parent.version == copy


def test_edits_bump_the_revision_write_the_audit_log_and_skip_no_ops(world, draft):
    st = draft.statements.get(code="CX-F1")
    before = AuditLogEntry.objects.count()
    version_item_update(
        version=draft,
        kind="statements",
        item=st,
        values={"text": "New words."},
        expected_revision=1,
        actor=world.alice,
    )
    assert draft.revision == 2 and FrameworkVersion.objects.get(pk=draft.pk).revision == 2
    assert AuditLogEntry.objects.count() == before + 1
    # The same words again change nothing.
    version_item_update(
        version=draft,
        kind="statements",
        item=st,
        values={"text": "New words."},
        expected_revision=2,
        actor=world.alice,
    )
    assert draft.revision == 2 and AuditLogEntry.objects.count() == before + 1
    # From an old form they are still a conflict, so a client can rely on 409 to re-read.
    with pytest.raises(StaleRevision):
        version_item_update(
            version=draft,
            kind="statements",
            item=st,
            values={"text": "New words."},
            expected_revision=1,
            actor=world.alice,
        )
    assert draft.revision == 2 and AuditLogEntry.objects.count() == before + 1


def test_a_stale_revision_is_refused_and_nothing_is_written(world, draft):
    st = draft.statements.get(code="CX-F1")
    version_item_update(
        version=draft,
        kind="statements",
        item=st,
        values={"text": "A"},
        expected_revision=1,
        actor=world.alice,
    )
    with pytest.raises(StaleRevision, match="revision 1"):
        version_item_update(
            version=draft,
            kind="statements",
            item=st,
            values={"text": "B"},
            expected_revision=1,
            actor=world.alice,
        )
    assert Statement.objects.get(pk=st.pk).text == "A"


def test_published_versions_refuse_every_edit(world, soms, draft):
    version_publish(version=draft, expected_revision=draft.revision, actor=world.alice)
    element = draft.elements.first()
    level = draft.levels.first()
    st = draft.statements.first()
    attempts = [
        lambda v: version_item_create(
            version=v,
            kind="elements",
            values={"code": "x", "name": "X"},
            expected_revision=v.revision,
            actor=world.alice,
        ),
        lambda v: version_item_update(
            version=v,
            kind="elements",
            item=element,
            values={"name": "Y"},
            expected_revision=v.revision,
            actor=world.alice,
        ),
        lambda v: version_item_delete(
            version=v, kind="statements", item=st, expected_revision=v.revision, actor=world.alice
        ),
        lambda v: version_items_reorder(
            version=v, kind="levels", ids=[level.pk], expected_revision=v.revision, actor=world.alice
        ),
        lambda v: version_rules_set(
            version=v, rules=FrameworkRules(), expected_revision=v.revision, actor=world.alice
        ),
        lambda v: version_publish(version=v, expected_revision=v.revision, actor=world.alice),
    ]
    for attempt in attempts:
        with pytest.raises(VersionPublished):
            attempt(draft)
    # The built-in version is published and owned by nobody: refused as well.
    with pytest.raises(VersionPublished):
        version_item_update(
            version=soms,
            kind="statements",
            item=soms.statements.first(),
            values={"text": "x"},
            expected_revision=soms.revision,
            actor=world.alice,
        )


def test_codes_and_ranks_must_be_free(world, draft):
    with pytest.raises(InvalidField) as exc:
        version_item_create(
            version=draft,
            kind="elements",
            values={"code": "delivery", "name": "Again"},
            expected_revision=1,
            actor=world.alice,
        )
    assert exc.value.field == "code"
    with pytest.raises(InvalidField) as exc:
        version_item_create(
            version=draft,
            kind="levels",
            values={"code": "expert", "name": "Expert", "rank": 2},
            expected_revision=1,
            actor=world.alice,
        )
    assert exc.value.field == "rank"


def test_reordering_levels_keeps_ranks_unique(world, draft):
    ids = list(draft.levels.order_by("rank").values_list("pk", flat=True))
    version_items_reorder(version=draft, kind="levels", ids=ids[::-1], expected_revision=1, actor=world.alice)
    assert list(draft.levels.order_by("rank").values_list("code", flat=True)) == [
        "senior-practitioner",
        "practitioner",
        "foundation",
    ]
    assert sorted(draft.levels.values_list("rank", flat=True)) == [1, 2, 3]
    with pytest.raises(InvalidField):
        version_items_reorder(
            version=draft, kind="levels", ids=ids[:2], expected_revision=2, actor=world.alice
        )


def test_rules_naming_a_missing_level_are_refused(world, draft):
    rules = FrameworkRules.model_validate(
        {**draft.rules, "change_project": {"level": "expert", "min_areas": 2}}
    )
    with pytest.raises(InvalidField) as exc:
        version_rules_set(version=draft, rules=rules, expected_revision=1, actor=world.alice)
    assert exc.value.field == "rules.change_project.level"


def test_publish_lists_problems_then_freezes(world):
    empty = framework_create(
        organisation=world.org_a,
        actor=world.alice,
        code="empty",
        name="Empty",
        description="",
        kind="skills",
        label="1",
    )
    with pytest.raises(PublishBlocked) as exc:
        version_publish(version=empty, expected_revision=1, actor=world.alice)
    assert [p.loc[0] for p in exc.value.problems] == ["levels", "elements", "statements"]
    version_item_create(
        version=empty,
        kind="levels",
        values={"code": "basic", "name": "Basic", "rank": 1},
        expected_revision=1,
        actor=world.alice,
    )
    element = version_item_create(
        version=empty,
        kind="elements",
        values={"code": "e", "name": "E"},
        expected_revision=2,
        actor=world.alice,
    )
    version_item_create(
        version=empty,
        kind="statements",
        values={"code": "E1", "text": "Does it.", "element": element, "level": empty.levels.get()},
        expected_revision=3,
        actor=world.alice,
    )
    version_publish(version=empty, expected_revision=4, actor=world.alice)
    assert FrameworkVersion.objects.get(pk=empty.pk).is_published


def test_mappings_from_the_diff_are_saved_and_replaced(world, draft):
    version_publish(version=draft, expected_revision=1, actor=world.alice)
    v2 = framework_version_draft_create(framework=draft.framework, base=draft, label="2", actor=world.alice)
    st = v2.statements.get(code="CX-F1")
    version_item_update(
        version=v2,
        kind="statements",
        item=st,
        values={"code": "CX-F1a"},
        expected_revision=1,
        actor=world.alice,
    )
    v2.statements.get(code="DC-F1").delete()
    diff = versions_diff(version=v2, base=draft)
    assert diff.counts["renamed"] == 1 and diff.counts["removed"] == 1
    rows = mapping_rows(version=v2, base=draft)
    assert all(r.suggested for r in rows)
    raw = [(r.statement.code, *r.targets[0]) for r in rows]
    assert ("CX-F1", "CX-F1a", "same") in raw and ("DC-F1", None, "removed") in raw
    entries = mapping_entries_resolve(version=v2, base=draft, raw=raw)
    statement_mappings_set(
        version=v2, base=draft, entries=entries, expected_revision=v2.revision, actor=world.alice
    )
    assert StatementMapping.objects.filter(to_version=v2).count() == len(raw)
    assert not any(r.suggested for r in mapping_rows(version=v2, base=draft))
    revision = v2.revision
    statement_mappings_set(
        version=v2, base=draft, entries=entries[:3], expected_revision=revision, actor=world.alice
    )
    assert StatementMapping.objects.filter(to_version=v2).count() == 3
    with pytest.raises(InvalidField) as exc:
        mapping_entries_resolve(version=v2, base=draft, raw=[("NOPE", None, "removed")])
    assert exc.value.field == "mappings.0.from_code"


def test_a_writer_that_slips_past_the_lock_still_conflicts(world, draft, monkeypatch):
    """SQLite ignores SELECT ... FOR UPDATE; the compare-and-set on the revision still catches a
    writer who committed between our check and our write."""
    from soms.frameworks.services import authoring as services_authoring

    st = draft.statements.get(code="CX-F1")
    real_lock = services_authoring._lock_draft

    def lock_then_someone_writes(version, expected):
        locked = real_lock(version, expected)
        FrameworkVersion.objects.filter(pk=draft.pk).update(revision=locked.revision + 1)
        return locked

    monkeypatch.setattr(services_authoring, "_lock_draft", lock_then_someone_writes)
    with pytest.raises(StaleRevision):
        version_item_delete(version=draft, kind="statements", item=st, expected_revision=1, actor=world.alice)
    assert Statement.objects.filter(pk=st.pk).exists()


def test_deleting_writes_an_audit_row_naming_the_item(world, draft):
    st = draft.statements.get(code="CX-F1")
    version_item_delete(version=draft, kind="statements", item=st, expected_revision=1, actor=world.alice)
    entry = AuditLogEntry.objects.filter(action="framework_statement.delete").get()
    assert entry.object_type == "Statement" and entry.object_repr.startswith("CX-F1") and entry.object_id
