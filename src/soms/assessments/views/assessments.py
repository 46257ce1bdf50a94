from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kw: object) -> HttpResponse:
    raise Http404


assessment_list = assessment_start = assessment_form = assessment_save = _todo
assessment_submit = assessment_correct = _todo
