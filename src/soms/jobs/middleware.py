"""Pages that start a job answer 429 when the queue is full for the organisation or the person
(`soms.jobs.queue.QueueFull`, raised by job_start before anything is written). The API maps the
same exception in soms.api.router."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from soms.jobs.queue import QUEUE_FULL_RETRY_AFTER, QueueFull


def queue_full_response(request: HttpRequest, exc: QueueFull) -> HttpResponse:
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": str(exc)}, status=429)
    else:
        response = render(request, "429.html", {"message": str(exc)}, status=429)
    response["Retry-After"] = str(QUEUE_FULL_RETRY_AFTER)
    return response


class QueueFullMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, QueueFull):
            return queue_full_response(request, exception)
        return None
