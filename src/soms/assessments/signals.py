"""What the assessments app tells the apps above it, which it must not import (architecture.md).

`attainment_written` is sent by the attainment service after each batch of stored attainment it
writes, with `organisation_id`, `version_id` and `person_ids`; Insights keeps its unit rollups
current from it.
"""

from __future__ import annotations

from django.dispatch import Signal

attainment_written = Signal()
