"""What the people app tells the apps above it, which it must not import (architecture.md).

* `people_changed` (`organisation_id`, `unit_ids`): people of these units joined, left, moved
  between them, became active or inactive, or changed role profiles (the old and the new unit both
  named; None stands for the people with no unit);
* `organisation_changed` (`organisation_id`): possibly many people changed at once (a file import,
  a role profile's requirements).

Insights keeps its unit rollups current from them.
"""

from __future__ import annotations

from django.dispatch import Signal

people_changed = Signal()
organisation_changed = Signal()
