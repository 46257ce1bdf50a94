from django.urls import include, path

from soms.api.router import api

urlpatterns = [
    path("", include("soms.site.urls")),
    path("", include("soms.tenancy.urls")),
    path("frameworks/", include("soms.frameworks.urls")),
    path("capacity/", include("soms.toolkits.capacity.urls")),
    path("", include("soms.people.urls")),
    path("api/", api.urls),
]
