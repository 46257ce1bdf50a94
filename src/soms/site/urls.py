from django.urls import path

from soms.site import views

urlpatterns = [
    path("", views.home, name="home"),
    path("guide/dismiss/", views.guide_dismiss, name="home-guide-dismiss"),
    path("guide/restore/", views.guide_restore, name="home-guide-restore"),
]
