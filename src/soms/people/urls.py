from django.urls import path

from soms.people.views import invite

urlpatterns = [
    path("invite/<uidb64>/<token>/", invite.InviteAcceptView.as_view(), name="people-invite-accept"),
]
