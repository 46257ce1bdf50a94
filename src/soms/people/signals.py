"""What the people app tells the apps above it, which it must not import (architecture.md).

When a person's identity changes: the people app knows nothing of assessments or attainment, yet
those apps hold rows about a person that a merge or an erasure must keep right. They connect here:

- `person_merging(keep, duplicate)` is sent inside the merge's transaction *before* the references
  move onto `keep`: a receiver removes what cannot simply follow (a derived row that `keep` also has,
  a membership both hold), so that the generic move keeps every unique constraint.
- `person_merged(keep, duplicate_id)` is sent inside the transaction after the move; work that reads
  the result belongs in `transaction.on_commit`.
- `person_erased(person)` is sent inside the erasure's transaction.

When what is counted per unit changes (Insights keeps its unit rollups current from these):

- `people_changed(organisation_id, person_ids)`: these people joined, moved unit, became active
  or inactive, were erased or merged, or changed role profiles;
- `organisation_changed(organisation_id)`: possibly many people changed at once (a file import, a
  role profile's requirements).
"""

from __future__ import annotations

from django.dispatch import Signal

person_merging = Signal()
person_merged = Signal()
person_erased = Signal()
people_changed = Signal()
organisation_changed = Signal()
