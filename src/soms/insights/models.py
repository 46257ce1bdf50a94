"""Development plans and the monthly snapshots behind trend lines (issue 12).

Gaps themselves are not stored: they are read from the derived attainment rows
(`soms.assessments.models.ElementAttainment`) and the people's role profiles every time, so they can
never disagree with the attainment they come from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from soms.tenancy.models import TenantOwned


class ActionKind(models.TextChoices):
    COURSE = "course", "Course"
    COACHING = "coaching", "Coaching"
    SHADOWING = "shadowing", "Shadowing"
    PROJECT = "project", "Project"
    READING = "reading", "Reading"
    REFRESHER = "refresher", "Refresher"


class ActionSource(models.TextChoices):
    """Where an action came from. What a user typed in ("Add an action of your own", or the API
    without a source) is their own; the others are suggestions taken up, which keep saying so."""

    OWN = "own", "Added by hand"
    GAP = "gap", "Suggested from a gap"
    REFRESHER = "refresher", "Suggested for a refresher"
    AUDIT = "audit", "From an audit finding"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)


class DevelopmentAction(TenantOwned):
    """One step of a person's development plan, tied to an element (and optionally a statement)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey("frameworks.FrameworkVersion", on_delete=models.PROTECT, related_name="+")
    element = models.ForeignKey("frameworks.Element", on_delete=models.PROTECT, related_name="+")
    statement = models.ForeignKey(
        "frameworks.Statement", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=ActionKind.choices)
    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    # Who sees it through: a login (the person, their manager, a coach).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    source = models.CharField(max_length=20, choices=ActionSource.choices, default=ActionSource.OWN)
    done_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["status", "due_on", "id"]
        indexes = [
            models.Index(fields=["organisation", "person", "status"], name="devaction_org_person"),
            models.Index(fields=["organisation", "status", "due_on"], name="devaction_org_due"),
        ]

    def __str__(self) -> str:
        return self.title


class Snapshot(TenantOwned):
    """Per month, version, unit (null: the whole organisation) and element: how many people held
    each level (`counts[r]`, r = 0 for none), were refresh due or expired, and fell short of their
    requirement. Written by the monthly job; trend lines read these, never the history."""

    month = models.DateField(help_text="The first day of the month the snapshot is for.")
    version = models.ForeignKey("frameworks.FrameworkVersion", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        "people.OrgUnit", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    element = models.ForeignKey("frameworks.Element", on_delete=models.CASCADE, related_name="+")
    people = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=list)
    refresh_due = models.PositiveIntegerField(default=0)
    expired = models.PositiveIntegerField(default=0)
    short = models.PositiveIntegerField(default=0)
    with_requirement = models.PositiveIntegerField(
        default=0, help_text="People whose role profiles require a level in the element."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "month", "version", "unit", "element"], name="snapshot_unique"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "version", "month"], name="snapshot_org_month")]


class PersonSnapshot(TenantOwned):
    """Per month and version, one counted person's standing: per element (version order) an int8
    quadruple (rank position, refresh due, expired, required position), as `PersonTally` keeps it.
    Written beside `Snapshot` by the monthly job, so that the trend of any part of the organisation
    (a subtree, a team, a role profile, a location, a manager's people) is a sum over its people's
    rows of each month, never a read of the history."""

    month = models.DateField()
    version = models.ForeignKey("frameworks.FrameworkVersion", on_delete=models.CASCADE, related_name="+")
    # A plain id, like PersonTally's: the row records a month that has passed, whoever is gone since.
    person_id = models.BigIntegerField()
    cells = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "version", "month", "person_id"], name="personsnapshot_unique"
            ),
        ]


class RollupState(TenantOwned):
    """That an organisation's `UnitRollup` rows of a version are kept (built once, then refreshed by
    every write that can change them), and the shape they were built for. Its row is also the lock
    that serialises refreshes of the same organisation and version.

    A rebuild writes a whole new set of rows under a new `generation` in many short transactions
    (on SQLite every write transaction holds the one lock all organisations queue for), then makes
    it the current one here in one short transaction: readers only ever read the current
    generation's rows, so they never see a half-built set. People refreshed while a rebuild is
    under way (`building_at` set) are noted in `pending` and refreshed again once it is current."""

    version = models.ForeignKey("frameworks.FrameworkVersion", on_delete=models.CASCADE, related_name="+")
    elements = models.PositiveSmallIntegerField()
    levels = models.PositiveSmallIntegerField()
    built_at = models.DateTimeField()
    refreshed_at = models.DateTimeField()
    generation = models.BigIntegerField(default=0)
    building_at = models.DateTimeField(null=True, blank=True)
    pending = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "version"], name="rollupstate_unique"),
        ]


class UnitRollup(TenantOwned):
    """Per organisation, version and unit: the tallies of the active people whose *own* unit it is
    (`unit` empty: people with no unit), so the picture of a subtree or of the whole organisation is
    a sum over its units' rows, never a read of the per-person attainment rows.

    `tally` is a little-endian int32 array of shape elements × (4 × (levels + 1) + 1), elements in
    the version's order; with R = levels + 1 and ranks as positions 0 (none) .. levels, per element:
    `[0 : R]` people holding each rank; `[R : 2R]` of them, refresh due; `[2R : 3R]` people with a
    requirement by the size of their gap (0 .. levels steps); `[3R]` expired; `[3R+1 : 4R+1]` people
    by the level required of them (0: none). Every figure is a count, so rows add up and a person's
    share can be taken off again. `soms.insights.rollups` writes and reads it. Only the rows of the
    state's current `generation` count (see `RollupState`)."""

    version = models.ForeignKey("frameworks.FrameworkVersion", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        "people.OrgUnit", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    people = models.PositiveIntegerField()
    tally = models.BinaryField()
    generation = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "version", "generation", "unit"], name="unitrollup_org_gen_unit"
            )
        ]


class PersonTally(TenantOwned):
    """Each counted person's share of `UnitRollup` as it was last added: their unit and, per element
    (version order), an int8 quadruple (rank position, refresh due, expired, required position). A
    refresh takes this share off the old unit and adds the new one, so it never recounts a unit."""

    version = models.ForeignKey("frameworks.FrameworkVersion", on_delete=models.CASCADE, related_name="+")
    # Plain ids, not foreign keys: they record whose share was added where, and stay put when a merge
    # moves every reference of the duplicate onto the kept person (the refresh that follows takes
    # the duplicate's share off) or the unit is gone.
    person_id = models.BigIntegerField()
    unit_id = models.BigIntegerField(null=True, blank=True)
    cells = models.BinaryField()
    generation = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "person_id", "generation"], name="persontally_unique_gen"
            ),
        ]
