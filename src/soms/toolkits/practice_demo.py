"""Demo value streams, KPIs, delivery systems and stakeholder maps for both demo organisations.

Illustrative figures, not any real team's data; each saved result says so in its description.
Idempotent: a result is only created when its name is not there yet.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from soms.core.kpi import MeasurementRow
from soms.tenancy.models import Membership
from soms.toolkits.kpi import services as kpi_services
from soms.toolkits.kpi.schemas import KpiIn
from soms.toolkits.models.saved import Kpi
from soms.toolkits.saved import services
from soms.toolkits.saved.registry import SAVED_KINDS

NOTE = "Illustrative demo data."


def _step(
    key: str,
    name: str,
    pt: float,
    wt: float,
    ca: float,
    office: str,
    actor: str,
    tech: str = "",
    after: list[str] | None = None,
) -> dict[str, Any]:
    s: dict[str, Any] = {
        "key": key,
        "name": name,
        "process_time": pt,
        "waiting_time": wt,
        "complete_accurate_pct": ca,
        "office": office,
        "actor": actor,
        "technology": tech,
    }
    if after is not None:
        s["after"] = after
    return s


VALUE_STREAMS = {
    "harbourside": (
        "Motor claim: first notice to payment",
        {
            "time_unit": "hours",
            "current": {
                "steps": [
                    _step("fnol", "First notice of loss", 0.5, 0, 85, "front", "Claims line", "Telephony"),
                    _step("triage", "Triage", 0.3, 6, 90, "back", "Triage team", "Claims system"),
                    _step(
                        "fraud",
                        "Fraud check",
                        0.5,
                        20,
                        98,
                        "back",
                        "Counter-fraud",
                        "Scoring tool",
                        ["triage"],
                    ),
                    _step(
                        "assess", "Assess damage", 2, 30, 75, "back", "Engineers", "Photo upload", ["triage"]
                    ),
                    _step(
                        "approve",
                        "Approve settlement",
                        0.5,
                        16,
                        92,
                        "back",
                        "Claims handlers",
                        "Claims system",
                        ["fraud", "assess"],
                    ),
                    _step("pay", "Pay and tell the customer", 0.3, 24, 97, "front", "Payments", "Ledger"),
                ],
                "rework": [{"from_step": "approve", "to_step": "assess", "share_pct": 15}],
            },
            "future": {
                "steps": [
                    _step(
                        "fnol",
                        "First notice of loss",
                        0.4,
                        0,
                        95,
                        "front",
                        "Claims line",
                        "Guided online form",
                    ),
                    _step("triage", "Triage", 0.1, 1, 95, "back", "Rules engine", "Claims system"),
                    _step(
                        "fraud",
                        "Fraud check",
                        0.3,
                        2,
                        98,
                        "back",
                        "Counter-fraud",
                        "Scoring tool",
                        ["triage"],
                    ),
                    _step(
                        "assess", "Assess damage", 1.5, 8, 90, "back", "Engineers", "Photo upload", ["triage"]
                    ),
                    _step(
                        "approve",
                        "Approve settlement",
                        0.3,
                        4,
                        95,
                        "back",
                        "Claims handlers",
                        "Claims system",
                        ["fraud", "assess"],
                    ),
                    _step(
                        "pay", "Pay and tell the customer", 0.2, 4, 99, "front", "Payments", "Faster payments"
                    ),
                ],
                "rework": [{"from_step": "approve", "to_step": "assess", "share_pct": 5}],
            },
        },
    ),
    "northgate": (
        "Housing repair request",
        {
            "time_unit": "days",
            "current": {
                "steps": [
                    _step(
                        "report", "Tenant reports the repair", 0.02, 0, 80, "front", "Contact centre", "CRM"
                    ),
                    _step("inspect", "Inspect", 0.1, 5, 85, "back", "Surveyors"),
                    _step("order", "Raise works order", 0.05, 2, 90, "back", "Repairs admin", "Works system"),
                    _step("repair", "Carry out the repair", 0.5, 10, 88, "front", "Contractor"),
                    _step("close", "Close and ask the tenant", 0.02, 3, 95, "back", "Repairs admin", "CRM"),
                ],
                "rework": [{"from_step": "repair", "to_step": "order", "share_pct": 12}],
            },
        },
    ),
}

DELIVERY = {
    "harbourside": (
        "Claims: who we serve and how",
        {
            "segments": [
                {"key": "motorists", "name": "Private motorists", "variety": 2, "share_pct": 70},
                {"key": "fleet", "name": "Fleet clients", "variety": 4, "share_pct": 20},
                {"key": "brokers", "name": "Brokers", "variety": 3, "share_pct": 10},
            ],
            "processes": [
                {
                    "key": "fnol",
                    "name": "First notice of loss",
                    "office": "front",
                    "volume": 5,
                    "variety": 1,
                    "segments": ["motorists", "fleet"],
                },
                {
                    "key": "glass",
                    "name": "Windscreen claims",
                    "office": "back",
                    "volume": 4,
                    "variety": 1,
                    "segments": ["motorists"],
                },
                {
                    "key": "complex",
                    "name": "Complex and injury claims",
                    "office": "front",
                    "volume": 1,
                    "variety": 5,
                    "segments": ["fleet", "brokers"],
                },
                {
                    "key": "fleetdesk",
                    "name": "Fleet account desk",
                    "office": "front",
                    "volume": 3,
                    "variety": 3,
                    "segments": ["fleet", "brokers"],
                },
            ],
        },
    ),
    "northgate": (
        "Customer services: channels and cases",
        {
            "segments": [
                {"key": "residents", "name": "Residents", "variety": 3, "share_pct": 85},
                {"key": "business", "name": "Local businesses", "variety": 4, "share_pct": 15},
            ],
            "processes": [
                {
                    "key": "ctax",
                    "name": "Council tax queries",
                    "office": "front",
                    "volume": 5,
                    "variety": 2,
                    "segments": ["residents"],
                },
                {
                    "key": "housing",
                    "name": "Housing options casework",
                    "office": "front",
                    "volume": 1,
                    "variety": 5,
                    "segments": ["residents"],
                },
                {
                    "key": "rates",
                    "name": "Business rates",
                    "office": "back",
                    "volume": 2,
                    "variety": 3,
                    "segments": ["business"],
                },
            ],
        },
    ),
}

STAKEHOLDERS = {
    "harbourside": (
        "Claims triage redesign: stakeholders",
        {
            "change_project": "Claims triage redesign",
            "stakeholders": [
                {
                    "name": "Head of Claims",
                    "role": "Sponsor",
                    "influence": 5,
                    "interest": 5,
                    "plan": "Fortnightly steering; signs off each release",
                },
                {
                    "name": "Finance Director",
                    "role": "Budget holder",
                    "influence": 5,
                    "interest": 2,
                    "plan": "Monthly one-page benefits update",
                },
                {
                    "name": "Claims handlers",
                    "role": "Do the work",
                    "influence": 2,
                    "interest": 5,
                    "plan": "Weekly huddles; two handlers in the design team",
                },
                {
                    "name": "Counter-fraud lead",
                    "role": "Owns the fraud rules",
                    "influence": 4,
                    "interest": 4,
                    "plan": "",
                },
                {
                    "name": "Brokers",
                    "role": "Partners",
                    "influence": 2,
                    "interest": 2,
                    "plan": "Note in the quarterly newsletter",
                },
            ],
            "dimensions": [
                {
                    "dimension": "organisations_people",
                    "impact": "high",
                    "notes": "Triage moves from handlers to a small specialist team.",
                    "risks": ["Handlers see it as deskilling", "Specialists need cover for leave"],
                },
                {
                    "dimension": "information_technology",
                    "impact": "medium",
                    "notes": "Rules engine in the claims system.",
                    "risks": ["Rules wrongly route complex claims"],
                },
                {
                    "dimension": "value_streams_processes",
                    "impact": "high",
                    "notes": "New triage step and fewer hand-offs.",
                    "risks": ["Backlog during cut-over"],
                },
            ],
        },
    ),
    "northgate": (
        "Council tax online: stakeholders",
        {
            "change_project": "Moving council tax changes online",
            "stakeholders": [
                {
                    "name": "Director of Customer Services",
                    "role": "Sponsor",
                    "influence": 5,
                    "interest": 4,
                    "plan": "Monthly board",
                },
                {
                    "name": "Digital team",
                    "role": "Builds the forms",
                    "influence": 3,
                    "interest": 5,
                    "plan": "Joint backlog",
                },
                {
                    "name": "Residents' panel",
                    "role": "Users",
                    "influence": 2,
                    "interest": 4,
                    "plan": "Test every form with the panel",
                },
            ],
            "dimensions": [
                {
                    "dimension": "partners_suppliers",
                    "impact": "medium",
                    "notes": "Revenues system supplier must open an interface.",
                    "risks": ["Supplier charges for the interface"],
                },
            ],
        },
    ),
}

# name, definition, monthly values (oldest first)
KPIS = {
    "harbourside": [
        (
            "Claims paid within 10 working days",
            {
                "unit": "%",
                "direction": "higher",
                "target": 85,
                "amber_limit": 75,
                "formula": "Claims paid within 10 working days of first notice, over all claims paid in the month",
                "data_source": "Claims system",
                "owner": "Head of Claims",
            },
            [68, 71, 74, 77, 81, 86],
        ),
        (
            "Net Promoter Score (claimants)",
            {
                "unit": "points",
                "direction": "higher",
                "target": 30,
                "amber_limit": 10,
                "formula": "Promoters (9–10) minus detractors (0–6) over all survey responses",
                "data_source": "Post-claim survey",
                "owner": "Customer experience lead",
            },
            [4, 9, 12, 15, 21, 24],
        ),
        (
            "First-contact resolution",
            {
                "unit": "%",
                "direction": "higher",
                "target": 70,
                "amber_limit": 60,
                "formula": "Resolved calls needing one contact over all resolved calls",
                "data_source": "Telephony and CRM",
                "owner": "Claims line manager",
            },
            [58, 61, 63, 66, 64, 69],
        ),
        (
            "Claims reopened",
            {
                "unit": "%",
                "direction": "lower",
                "target": 3,
                "amber_limit": 5,
                "formula": "Claims reopened within 30 days of closure",
                "data_source": "Claims system",
                "owner": "Quality lead",
            },
            [7.5, 6.8, 6.1, 5.2, 4.4, 3.9],
        ),
    ],
    "northgate": [
        (
            "Calls answered within 60 seconds",
            {
                "unit": "%",
                "direction": "higher",
                "target": 80,
                "amber_limit": 70,
                "formula": "Calls answered within 60 s over calls offered",
                "data_source": "Telephony",
                "owner": "Contact centre manager",
            },
            [66, 72, 69, 75, 78, 82],
        ),
        (
            "Repairs completed on first visit",
            {
                "unit": "%",
                "direction": "higher",
                "target": 90,
                "amber_limit": 80,
                "formula": "Repairs completed on the first visit over all repairs completed",
                "data_source": "Works system",
                "owner": "Repairs manager",
            },
            [78, 81, 83, 82, 85, 87],
        ),
    ],
}

MONTH_ENDS = [
    date(2026, 1, 31),
    date(2026, 2, 28),
    date(2026, 3, 31),
    date(2026, 4, 30),
    date(2026, 5, 31),
    date(2026, 6, 30),
]
AUTHORS = {"harbourside": "priya.raman", "northgate": "aisha.bello"}


def seed(ctx: Any) -> None:
    for key, organisation in ctx.organisations.items():
        author = ctx.users.get(AUTHORS.get(key, ""), ctx.admin)
        for table, kind_name in (
            (VALUE_STREAMS, "value_stream"),
            (DELIVERY, "delivery_system"),
            (STAKEHOLDERS, "stakeholder_map"),
        ):
            if key not in table:
                continue
            name, inputs = table[key]
            kind = SAVED_KINDS[kind_name]
            if kind.model._default_manager.filter(organisation=organisation, name=name).exists():
                continue
            services.saved_result_create(
                kind=kind, organisation=organisation, actor=author, name=name, description=NOTE,
                inputs=kind.input_schema.model_validate(inputs),
            )  # fmt: skip
            ctx.notes.append(f"{kind.label.capitalize()}: saved “{name}” in {organisation.name}")
        membership = Membership.objects.filter(organisation=organisation, user=author).first()
        kpis: list[tuple[str, dict[str, Any], list[float]]] = KPIS.get(key, [])  # type: ignore[assignment]
        for name, fields, values in kpis:
            if Kpi.objects.filter(organisation=organisation, name=name).exists():
                continue
            kpi = kpi_services.kpi_create(
                organisation=organisation,
                membership=membership,
                actor=author,
                data=KpiIn.model_validate({"name": name, **fields}),
            )
            rows = [MeasurementRow(0, d, float(v)) for d, v in zip(MONTH_ENDS, values, strict=True)]
            kpi_services.kpi_measurements_import(kpi=kpi, membership=membership, actor=author, rows=rows)
            ctx.notes.append(f"KPI: “{name}” with {len(rows)} months in {organisation.name}")
