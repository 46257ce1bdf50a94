from django.urls import path

from soms.site import views

urlpatterns = [
    path("", views.home, name="home"),
]
