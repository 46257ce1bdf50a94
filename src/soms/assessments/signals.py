"""What the assessments app tells the apps above it, which it must not import (architecture.md).

`attainment_written` is sent by the attainment service once per call that wrote or deleted element
rows (after its last batch, or after a failure for the batches written before it), with
`organisation_id`, `version_id` and `person_ids`: the people whose element rows it wrote or deleted,
not those it found unchanged (a call that changed nobody's sends nothing). Insights keeps its unit
rollups current from it.
"""

from __future__ import annotations

from django.dispatch import Signal

attainment_written = Signal()
