"""A saved study as a file (CSV, SVG or JSON): the same answer for the pages and the API."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.utils.text import slugify

from soms.toolkits.capacity import charts as capacity_charts
from soms.toolkits.capacity import compute as capacity
from soms.toolkits.models.capacity import CapacityStudy

Kind = CapacityStudy.Kind

DOWNLOAD_TYPES = {"csv": "text/csv; charset=utf-8", "svg": "image/svg+xml", "json": "application/json"}


def study_download_response(study: CapacityStudy, fmt: str, chart: str | None) -> HttpResponse:
    """The study as CSV, SVG or JSON; ``ValueError`` naming the parameter when it cannot be."""
    if fmt not in DOWNLOAD_TYPES:
        raise ValueError("format: choose csv, svg or json")
    stem = slugify(study.name)[:60] or f"study-{study.pk}"
    if fmt == "csv":
        body = capacity.results_csv(study.kind, study.results)
    elif fmt == "svg":
        charts = capacity.available_charts(study.kind, study.results)
        chart = chart or ("staffing" if study.kind == Kind.PLAN else charts[0])
        if chart not in charts:
            raise ValueError(f"chart: this study has {', '.join(charts)}")
        body = capacity_charts.study_chart(study.kind, study.inputs, study.results, chart)
        stem = f"{stem}-{chart}"
    else:
        body = json.dumps(study_document(study), indent=1)
    response = HttpResponse(body, content_type=DOWNLOAD_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


def study_document(study: CapacityStudy) -> dict[str, Any]:
    return {
        "id": study.pk,
        "name": study.name,
        "description": study.description,
        "kind": study.kind,
        "organisation": study.organisation.name,
        "created_by": study.created_by.get_username() if study.created_by else None,
        "created_at": study.created_at.isoformat(),
        "updated_at": study.updated_at.isoformat(),
        "revision": study.revision,
        "inputs": study.inputs,
        "results": study.results,
    }
