"""What the assessments app tells the apps above it, which it must not import (architecture.md).

`attainment_written` is sent by the attainment service once per call that wrote stored attainment
(after its last batch, or after a failure for the batches written before it), with
`organisation_id`, `version_id` and `person_ids`; Insights keeps its unit rollups current from it.
"""

from __future__ import annotations

from django.dispatch import Signal

attainment_written = Signal()
