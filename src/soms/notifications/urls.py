from django.urls import path

from soms.notifications import views

urlpatterns = [
    path("", views.notification_list, name="notification-list"),
    path("read/", views.notification_read_all, name="notification-read-all"),
    path("<int:notification_id>/open/", views.notification_open, name="notification-open"),
]
