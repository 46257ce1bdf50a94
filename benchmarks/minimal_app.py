"""The baseline of the load benchmark: one minimal Django view, served by the same gunicorn
configuration as SOMS, so the difference is what SOMS itself costs per request."""

from __future__ import annotations

import django
from django.conf import settings
from django.http import HttpResponse
from django.urls import path


def view(request, rest: str = "") -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="benchmark-baseline-only",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
    )
    django.setup()

urlpatterns = [path("", view), path("<path:rest>", view)]


def application_loader():
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()
