"""Every kind of toolkit result, and the one lookup a later Evidence or change project uses.

A reference to a toolkit result is ``(kind, id)``: ``kind`` is a model's ``RESULT_KIND``
(``capacity_study``, ``value_stream``, ``delivery_system``, ``stakeholder_map``, ``kpi``) and the
id its primary key. ``toolkit_result_for`` resolves it only inside one organisation, answering
404 for another organisation's result exactly as for a missing one.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from soms.tenancy.access import NotFound, get_in_organisation
from soms.tenancy.models import Organisation
from soms.toolkits.delivery.compute import KIND as DELIVERY
from soms.toolkits.models.capacity import CapacityStudy
from soms.toolkits.models.saved import Kpi
from soms.toolkits.saved.kinds import SavedKind
from soms.toolkits.stakeholders.compute import KIND as STAKEHOLDERS
from soms.toolkits.vsm.compute import KIND as VSM

SAVED_KINDS: dict[str, SavedKind] = {k.model.RESULT_KIND: k for k in (VSM, DELIVERY, STAKEHOLDERS)}

RESULT_MODELS: dict[str, type[Model]] = {
    "capacity_study": CapacityStudy,
    **{kind: k.model for kind, k in SAVED_KINDS.items()},
    "kpi": Kpi,
}


def toolkit_result_for(*, organisation: Organisation, kind: str, result_id: Any) -> Model:
    model = RESULT_MODELS.get(kind)
    if model is None:
        raise NotFound(f"No toolkit result of kind {kind!r}")
    return get_in_organisation(model._default_manager.all(), organisation, result_id)
