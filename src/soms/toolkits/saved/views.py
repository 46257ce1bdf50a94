"""Pages of the saved-result toolkits, written once: list, editor (new and edit), detail,
delete and download. Each toolkit supplies an ``Editor`` (its row forms and result context).

Every page works as a plain form post; htmx only swaps the preview in place.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from pydantic import ValidationError as PydanticError

from soms.core.toolkit_input import Problem, ToolkitInputError
from soms.tenancy.access import member_required
from soms.tenancy.requests import MemberRequest
from soms.toolkits.models.saved import SavedResult
from soms.toolkits.saved import selectors, services
from soms.toolkits.saved.downloads import result_download_response
from soms.toolkits.saved.editor import MetaForm
from soms.toolkits.saved.kinds import SavedKind


class Editor:
    """What a toolkit's pages need; subclasses fill in the row forms and the result context."""

    kind: SavedKind
    url: str  # url name prefix, e.g. "vsm"
    title: str  # "Value stream maps"
    lead: str
    body_template: str  # the form and the result, swapped in place by htmx
    result_template: str

    def __init__(
        self, data: Any = None, inputs: dict[str, Any] | None = None, more: int = 0, organisation: Any = None
    ):
        raise NotImplementedError

    def to_input(self) -> dict[str, Any] | None:
        raise NotImplementedError

    def place(self, problems: list[Problem]) -> None:
        raise NotImplementedError

    general: list[str]

    @staticmethod
    def result_context(name: str, inputs: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError


def _org(request: MemberRequest) -> Any:
    return request.organisation


def _get(editor: type[Editor], request: MemberRequest, result_id: Any) -> SavedResult:
    return selectors.saved_result_for(
        model=editor.kind.model, organisation=_org(request), result_id=result_id
    )


def make_views(editor: type[Editor]) -> dict[str, Any]:
    kind = editor.kind

    @member_required
    @require_GET
    def index(request: MemberRequest) -> HttpResponse:
        rows = selectors.saved_results_for(model=kind.model, organisation=_org(request))
        return render(
            request, "toolkits/saved/index.html", {"editor": editor, "rows": rows, "url": editor.url}
        )

    def _edit(request: MemberRequest, result: SavedResult | None) -> HttpResponse:
        membership = request.membership
        if result is not None and not selectors.saved_result_can_change(result=result, membership=membership):
            raise PermissionDenied(
                f"Only the person who saved this {kind.label}, or an owner or admin, may change it"
            )
        action = request.POST.get("action", "preview")
        if request.method == "POST":
            meta = MetaForm(request.POST)
            ed = editor(data=request.POST, more=3 if action == "more" else 0, organisation=_org(request))
        else:
            initial = (
                {"name": result.name, "description": result.description, "revision": result.revision}
                if result
                else {}
            )
            meta = MetaForm(initial=initial)
            ed = editor(inputs=result.inputs if result else None, organisation=_org(request))
        ctx: dict[str, Any] = {"editor": editor, "ed": ed, "meta": meta, "result": result, "url": editor.url}
        status = 200
        if request.method == "POST" and action != "more":
            meta_ok = meta.is_valid()
            data = ed.to_input()
            if data is not None:
                try:
                    inp = kind.input_schema.model_validate(data)
                    inputs, results = kind.compute(inp, _org(request))
                except PydanticError as exc:
                    ed.place(
                        [
                            Problem(tuple(e["loc"]), e["msg"].removeprefix("Value error, "))
                            for e in exc.errors(include_url=False)
                        ]
                    )
                except ToolkitInputError as exc:
                    ed.place(list(exc.problems))
                else:
                    ctx |= editor.result_context(
                        meta.cleaned_data.get("name") or "Preview" if meta_ok else "Preview", inputs, results
                    )
                    ctx["computed"] = True
                    if action == "save" and meta_ok:
                        name = meta.cleaned_data["name"].strip()
                        if not name:
                            meta.add_error("name", "Give it a name to save it.")
                        else:
                            try:
                                if result is None:
                                    saved = services.saved_result_create(
                                        kind=kind, organisation=_org(request), actor=request.user,
                                        name=name, description=meta.cleaned_data["description"], inputs=inp,
                                    )  # fmt: skip
                                else:
                                    saved = services.saved_result_update(
                                        kind=kind, result=result, membership=membership, actor=request.user,
                                        revision=meta.cleaned_data["revision"] or 0, name=name,
                                        description=meta.cleaned_data["description"], inputs=inp,
                                    )  # fmt: skip
                            except services.ResultConflict as exc:
                                ctx["conflict"] = exc.current
                            else:
                                messages.success(request, f"Saved “{saved.name}”.")
                                return redirect(f"{editor.url}-detail", result_id=saved.pk)
            if meta.errors or ed.general or ctx.get("conflict") or not ctx.get("computed"):
                status = 400 if not request.htmx else 200
        if request.htmx and action == "preview":
            # htmx leaves 4xx answers unswapped, so the preview (with its errors) comes back as 200.
            return render(request, editor.body_template, ctx)
        return render(request, "toolkits/saved/editor.html", ctx, status=status)

    @member_required
    @require_http_methods(["GET", "POST"])
    def new(request: MemberRequest) -> HttpResponse:
        return _edit(request, None)

    @member_required
    @require_http_methods(["GET", "POST"])
    def edit(request: MemberRequest, result_id: int) -> HttpResponse:
        return _edit(request, _get(editor, request, result_id))

    @member_required
    @require_GET
    def detail(request: MemberRequest, result_id: int) -> HttpResponse:
        result = _get(editor, request, result_id)
        ctx = {
            "editor": editor,
            "url": editor.url,
            "result": result,
            "charts": kind.charts(result.results),
            "can_change": selectors.saved_result_can_change(result=result, membership=request.membership),
        }
        ctx |= editor.result_context(result.name, result.inputs, result.results)
        return render(request, "toolkits/saved/detail.html", ctx)

    @member_required
    @require_POST
    def delete(request: MemberRequest, result_id: int) -> HttpResponse:
        result = _get(editor, request, result_id)
        try:
            revision = int(request.POST["revision"]) if request.POST.get("revision") else None
        except ValueError:
            return HttpResponse("revision: not a whole number", status=400, content_type="text/plain")
        try:
            services.saved_result_delete(
                kind=kind,
                result=result,
                membership=request.membership,
                actor=request.user,
                revision=revision,
            )
        except services.ResultConflict:
            messages.error(
                request, "It was changed since you opened it; nothing was deleted. Check it and try again."
            )
            return redirect(f"{editor.url}-detail", result_id=result.pk)
        messages.success(request, f"Deleted “{result.name}”.")
        return redirect(reverse(f"{editor.url}-index"))

    @member_required
    @require_GET
    def download(request: MemberRequest, result_id: int) -> HttpResponse:
        result = _get(editor, request, result_id)
        try:
            return result_download_response(
                kind, result, request.GET.get("format", "json"), request.GET.get("chart")
            )
        except ValueError as exc:
            return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")

    return {
        "index": index,
        "new": new,
        "edit": edit,
        "detail": detail,
        "delete": delete,
        "download": download,
    }


def url_patterns(editor: type[Editor]) -> list[Any]:
    from django.urls import path

    v = make_views(editor)
    u = editor.url
    return [
        path("", v["index"], name=f"{u}-index"),
        path("new/", v["new"], name=f"{u}-new"),
        path("<int:result_id>/", v["detail"], name=f"{u}-detail"),
        path("<int:result_id>/edit/", v["edit"], name=f"{u}-edit"),
        path("<int:result_id>/delete/", v["delete"], name=f"{u}-delete"),
        path("<int:result_id>/download/", v["download"], name=f"{u}-download"),
    ]
