from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kw: object) -> HttpResponse:
    raise Http404


review_queue_page = review_page = review_return = review_validate = _todo
