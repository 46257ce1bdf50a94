"""KPI pages: the list with status, one KPI with its trend and measurements, and the calculators."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from pydantic import ValidationError as PydanticError

from soms.core import kpi as core
from soms.core.toolkit_input import ToolkitInputError
from soms.tenancy.access import member_required
from soms.tenancy.requests import MemberRequest
from soms.toolkits.kpi import compute, selectors, services
from soms.toolkits.kpi.forms import (
    CsatForm,
    FcrForm,
    ImportForm,
    KpiForm,
    MeasurementForm,
    NpsForm,
    RecordAsForm,
    SlaForm,
)
from soms.toolkits.kpi.schemas import CsatIn, FcrIn, KpiIn, NpsIn, SlaIn
from soms.toolkits.models.saved import Kpi, KpiMeasurement


def _org(request: MemberRequest) -> Any:
    return request.organisation


def _membership(request: MemberRequest) -> Any:
    return request.membership


def _require(request: MemberRequest) -> None:
    if not selectors.kpi_can_manage(membership=_membership(request)):
        raise PermissionDenied(services.MANAGE_REFUSED)


def _kpi(request: MemberRequest, kpi_id: Any) -> Kpi:
    kpi = selectors.kpi_for(organisation=_org(request), kpi_id=kpi_id)
    return Kpi.objects.prefetch_related("measurements").get(pk=kpi.pk)


def _errors_to_form(form: Any, exc: ToolkitInputError) -> None:
    for p in exc.problems:
        field = str(p.loc[-1]) if p.loc else None
        form.add_error(field if field in form.fields else None, p.message)


@member_required
@require_GET
def kpi_index(request: MemberRequest) -> HttpResponse:
    rows = [(k, selectors.kpi_state(k)) for k in selectors.kpis_for(organisation=_org(request))]
    return render(
        request,
        "toolkits/kpi/index.html",
        {"rows": rows, "can_manage": selectors.kpi_can_manage(membership=_membership(request))},
    )


def _kpi_form(request: MemberRequest, kpi: Kpi | None) -> HttpResponse:
    _require(request)
    if request.method == "POST":
        form = KpiForm(request.POST)
        if form.is_valid():
            try:
                data = KpiIn.model_validate(form.data_for_schema())
                if kpi is None:
                    kpi = services.kpi_create(
                        organisation=_org(request),
                        membership=_membership(request),
                        actor=request.user,
                        data=data,
                    )
                else:
                    kpi = services.kpi_update(
                        kpi=kpi,
                        membership=_membership(request),
                        actor=request.user,
                        data=data,
                        revision=form.cleaned_data["revision"] or 0,
                    )
            except PydanticError as exc:
                for e in exc.errors(include_url=False):
                    form.add_error(
                        str(e["loc"][0]) if e["loc"] and str(e["loc"][0]) in form.fields else None, e["msg"]
                    )
            except ToolkitInputError as exc:
                _errors_to_form(form, exc)
            except services.KpiConflict as exc:
                form.add_error(
                    None, f"{str(exc).capitalize()}. What you typed is kept; check the KPI and save again."
                )
            else:
                messages.success(request, f"Saved “{kpi.name}”.")
                return redirect("kpi-detail", kpi_id=kpi.pk)
        status = 400
    else:
        initial = {f: getattr(kpi, f) for f in services.FIELDS} | {"revision": kpi.revision} if kpi else {}
        form = KpiForm(initial=initial)
        status = 200
    return render(request, "toolkits/kpi/form.html", {"form": form, "kpi": kpi}, status=status)


@member_required
@require_http_methods(["GET", "POST"])
def kpi_new(request: MemberRequest) -> HttpResponse:
    return _kpi_form(request, None)


@member_required
@require_http_methods(["GET", "POST"])
def kpi_edit(request: MemberRequest, kpi_id: int) -> HttpResponse:
    return _kpi_form(request, _kpi(request, kpi_id))


def _detail_context(request: MemberRequest, kpi: Kpi) -> dict[str, Any]:
    state = selectors.kpi_state(kpi)
    t = selectors.thresholds_of(kpi)
    return {
        "kpi": kpi,
        "state": state,
        "chart": mark_safe(compute.kpi_chart(kpi, for_page=True)),
        "measurements": [
            (m, core.status(m.value, t).value)
            for m in sorted(kpi.measurements.all(), key=lambda m: m.period, reverse=True)
        ],
        "can_manage": selectors.kpi_can_manage(membership=_membership(request)),
    }


@member_required
@require_GET
def kpi_detail(request: MemberRequest, kpi_id: int) -> HttpResponse:
    kpi = _kpi(request, kpi_id)
    ctx = _detail_context(request, kpi) | {
        "form": MeasurementForm(initial={"period": timezone.localdate()}),
        "import_form": ImportForm(),
    }
    return render(request, "toolkits/kpi/detail.html", ctx)


@member_required
@require_POST
def measurement_record(request: MemberRequest, kpi_id: int) -> HttpResponse:
    kpi = _kpi(request, kpi_id)
    _require(request)
    form = MeasurementForm(request.POST)
    status = 400
    if form.is_valid():
        services.kpi_measurement_record(
            kpi=kpi, membership=_membership(request), actor=request.user,
            period=form.cleaned_data["period"], value=form.cleaned_data["value"], note=form.cleaned_data["note"],
        )  # fmt: skip
        kpi = _kpi(request, kpi_id)
        if not request.htmx:
            messages.success(request, "Recorded.")
            return redirect("kpi-detail", kpi_id=kpi.pk)
        form = MeasurementForm(initial={"period": form.cleaned_data["period"]})
        status = 200
    ctx = _detail_context(request, kpi) | {"form": form, "import_form": ImportForm()}
    if request.htmx:
        return render(request, "toolkits/kpi/_live.html", ctx)
    return render(request, "toolkits/kpi/detail.html", ctx, status=status)


@member_required
@require_POST
def measurement_import(request: MemberRequest, kpi_id: int) -> HttpResponse:
    kpi = _kpi(request, kpi_id)
    _require(request)
    form = ImportForm(request.POST, request.FILES)
    problems: list[str] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.SOMS_MAX_UPLOAD_BYTES:
            problems.append(f"The file is larger than the {settings.SOMS_MAX_UPLOAD_BYTES} byte limit.")
        else:
            try:
                rows = core.parse_measurements_csv(upload.read().decode("utf-8-sig"))
            except UnicodeDecodeError:
                problems.append("The file is not UTF-8 text.")
            except ToolkitInputError as exc:
                problems = [_where(p.loc) + p.message for p in exc.problems]
            else:
                created, replaced = services.kpi_measurements_import(
                    kpi=kpi, membership=_membership(request), actor=request.user, rows=rows
                )
                messages.success(
                    request, f"Imported {created} new measurement{'s' * (created != 1)}, replaced {replaced}."
                )
                return redirect("kpi-detail", kpi_id=kpi.pk)
    ctx = _detail_context(request, kpi) | {
        "form": MeasurementForm(),
        "import_form": form,
        "import_problems": problems,
    }
    return render(request, "toolkits/kpi/detail.html", ctx, status=400)


def _where(loc: tuple[Any, ...]) -> str:
    if len(loc) == 3 and loc[0] == "row":
        return f"Row {loc[1]}, column {loc[2]}: "
    return ""


@member_required
@require_POST
def measurement_delete(request: MemberRequest, kpi_id: int, measurement_id: int) -> HttpResponse:
    kpi = _kpi(request, kpi_id)
    m = selectors.kpi_measurement_for(kpi=kpi, measurement_id=measurement_id)
    services.kpi_measurement_delete(measurement=m, membership=_membership(request), actor=request.user)
    messages.success(request, f"Deleted the value for {m.period:%d %b %Y}.")
    return redirect("kpi-detail", kpi_id=kpi.pk)


@member_required
@require_POST
def kpi_delete(request: MemberRequest, kpi_id: int) -> HttpResponse:
    kpi = _kpi(request, kpi_id)
    try:
        revision = int(request.POST["revision"]) if request.POST.get("revision") else None
    except ValueError:
        return HttpResponse("revision: not a whole number", status=400, content_type="text/plain")
    try:
        services.kpi_delete(kpi=kpi, membership=_membership(request), actor=request.user, revision=revision)
    except services.KpiConflict:
        messages.error(request, "The KPI was changed since you opened it; nothing was deleted.")
        return redirect("kpi-detail", kpi_id=kpi.pk)
    messages.success(request, f"Deleted “{kpi.name}”.")
    return redirect("kpi-index")


@member_required
@require_GET
def kpi_download(request: MemberRequest, kpi_id: int) -> HttpResponse:
    kpi = _kpi(request, kpi_id)
    try:
        return compute.kpi_download_response(kpi, request.GET.get("format", "json"))
    except ValueError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")


# --- calculators ----------------------------------------------------------------------------------


def _numbers(text: str, field: str, form: Any) -> list[int] | None:
    out = []
    for k, token in enumerate(t for t in re.split(r"[\s,;]+", text.strip()) if t):
        try:
            out.append(int(token))
        except ValueError:
            form.add_error(field, f"Score {k + 1} ({token[:20]!r}) is not a whole number.")
            return None
    return out


def _upload_text(form: Any, field: str) -> str | None:
    upload = form.cleaned_data.get(field)
    if not upload:
        return None
    if upload.size > settings.SOMS_MAX_UPLOAD_BYTES:
        form.add_error(field, f"Larger than the {settings.SOMS_MAX_UPLOAD_BYTES} byte limit.")
        return None
    try:
        return upload.read().decode("utf-8-sig")  # type: ignore[no-any-return]
    except UnicodeDecodeError:
        form.add_error(field, "The file is not UTF-8 text.")
        return None


def _targets(text: str, form: Any) -> dict[str, float] | None:
    out: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, sep, hours = part.partition("=")
        try:
            out[name.strip()] = float(hours)
            if not sep or not name.strip():
                raise ValueError
        except ValueError:
            form.add_error("targets", f"{part!r}: write priority=hours, e.g. P1=4.")
            return None
    return out


@member_required
@require_http_methods(["GET", "POST"])
def calculators(request: MemberRequest) -> HttpResponse:
    which = request.POST.get("calculator", "")
    kpis = list(Kpi.objects.filter(organisation=_org(request)).only("id", "name"))
    can_record = selectors.kpi_can_manage(membership=_membership(request))
    forms_ = {
        "nps": NpsForm(
            request.POST if which == "nps" else None, request.FILES if which == "nps" else None, prefix="nps"
        ),
        "csat": CsatForm(request.POST if which == "csat" else None, prefix="csat"),
        "sla": SlaForm(
            request.POST if which == "sla" else None, request.FILES if which == "sla" else None, prefix="sla"
        ),
        "fcr": FcrForm(
            request.POST if which == "fcr" else None, request.FILES if which == "fcr" else None, prefix="fcr"
        ),
    }
    record = RecordAsForm(request.POST if which else None, kpis=kpis, prefix="record")
    answer: dict[str, Any] | None = None
    form = forms_.get(which)
    status = 200
    if form is not None:
        status = 400
        ok = form.is_valid() & record.is_valid()
        try:
            if ok and which == "nps":
                text = _upload_text(form, "file")
                if text is not None:
                    scores: list[int] | None = core.parse_scores_csv(text)
                else:
                    scores = _numbers(form.cleaned_data["scores"], "scores", form)
                    if scores is not None and not scores and not form.errors:
                        form.add_error("file", "Upload a file or type some scores.")
                        scores = None
                if scores is not None:
                    answer = compute.nps(NpsIn(scores=scores, confidence=0.95)) | {"value": None}
                    answer["value"] = answer["nps"]
            elif ok and which == "csat":
                scores = _numbers(form.cleaned_data["scores"], "scores", form)
                if scores is not None:
                    d = form.cleaned_data
                    answer = compute.csat(
                        CsatIn(
                            confidence=0.95,
                            scores=scores,
                            lowest=d["lowest"],
                            highest=d["highest"],
                            satisfied_from=d["satisfied_from"],
                        )
                    )
                    answer["value"] = answer["csat"]
            elif ok and which == "sla":
                text = _upload_text(form, "file")
                targets = _targets(form.cleaned_data["targets"], form)
                if text is not None and targets is not None:
                    d = form.cleaned_data
                    cal = (
                        {"opens": d["opens"] or "09:00", "closes": d["closes"] or "17:00"}
                        if d["business_hours"]
                        else None
                    )
                    answer = compute.sla(
                        SlaIn.model_validate({"csv": text, "targets_hours": targets, "business_hours": cal}),
                        now=timezone.now(),
                    )
                    answer["value"] = answer["attainment"]
            elif ok and which == "fcr":
                text = _upload_text(form, "file")
                if text is not None:
                    cases = core.parse_cases_csv(text)
                    answer = compute.fcr(
                        FcrIn.model_validate({"cases": [{"contacts": c, "resolved": r} for c, r in cases]})
                    )
                    answer["value"] = answer["fcr"]
        except ToolkitInputError as exc:
            answer = None
            for p in exc.problems:
                target = "file" if "file" in form.fields else "scores"
                if p.loc and p.loc[0] == "targets":
                    target = "targets"
                elif p.loc and p.loc[0] == "scale":
                    target = str(p.loc[-1])
                form.add_error(target, _where(p.loc) + p.message)
        except PydanticError as exc:
            answer = None
            for e in exc.errors(include_url=False):
                form.add_error(None, f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}")
        if answer is not None:
            status = 200
            kpi_id = record.cleaned_data.get("kpi") if record.is_valid() else None
            if kpi_id and answer["value"] is not None:
                if not can_record:
                    raise PermissionDenied(services.MANAGE_REFUSED)
                kpi = selectors.kpi_for(organisation=_org(request), kpi_id=kpi_id)
                details = {
                    k: v for k, v in answer.items() if k not in ("by_priority", "breaches", "scale")
                } | {"calculator": which}
                services.kpi_measurement_record(
                    kpi=kpi, membership=_membership(request), actor=request.user,
                    period=record.cleaned_data["period"], value=answer["value"], source=KpiMeasurement.Source.CALCULATED,
                    details=details,
                )  # fmt: skip
                messages.success(
                    request,
                    f"Recorded {answer['value']:.1f} as {kpi.name} for {record.cleaned_data['period']:%d %b %Y}.",
                )
                return redirect("kpi-detail", kpi_id=kpi.pk)
    ctx = {
        "forms": forms_,
        "record": record,
        "which": which,
        "answer": answer,
        "can_record": can_record and bool(kpis),
    }
    return render(request, "toolkits/kpi/calculators.html", ctx, status=status)
