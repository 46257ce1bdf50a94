from django.contrib.auth import views as auth_views
from django.urls import path

from soms.tenancy import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("account/tokens/", views.api_tokens, name="api-tokens"),
    path("account/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("organisation/switch/", views.switch_organisation, name="switch-organisation"),
    path("organisation/audit-log/", views.audit_log, name="audit-log"),
    path("organisation/audit-log/export.csv", views.audit_log_csv, name="audit-log-csv"),
    path("healthz", views.healthz, name="healthz"),
]
