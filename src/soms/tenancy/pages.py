"""Answers for pages that cannot go on. A message may quote what the client sent, so it is rendered
through a template (escaped), never put into an HTML body as is: a raw bad-request response is
served as text/html and echoed `?element=<form action=//…>` into the page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def bad_request(request: HttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    return render(request, "400.html", {"exception": message}, status=status)
