from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views_password, views_session, views_tokens, views_twofa
from accounts.forms import LoginForm
from reports import views_dashboard
from workbench import views_help, views_home
from workbench import views_me as workbench_me

urlpatterns = [
    path("", views_home.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/session/", views_session.session_keepalive, name="session-keepalive"),
    path("accounts/2fa/", views_twofa.twofa_setup, name="twofa-setup"),
    path("accounts/2fa/verify/", views_twofa.twofa_verify, name="twofa-verify"),
    path("accounts/2fa/backup-codes/", views_twofa.twofa_backup_codes, name="twofa-backup-codes"),
    path("accounts/2fa/reset/<int:account_id>/", views_twofa.twofa_reset, name="twofa-reset"),
    path("accounts/tokens/", views_tokens.tokens_page, name="api-tokens"),
    path(
        "accounts/tokens/<int:token_id>/revoke/", views_tokens.token_revoke, name="api-token-revoke"
    ),
    path("accounts/security/", views_tokens.account_security, name="account-security"),
    path(
        "accounts/password/",
        views_password.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        views_password.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        views_password.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        views_password.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views_password.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        views_password.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("ledgers/", include("rivers.urls")),
    path("water/", include("rivers.urls_water")),
    path("patrols/", include("patrols.urls")),
    path("issues/", include("issues.urls")),
    path("me/", workbench_me.me_page, name="me"),
    path("help/", views_help.help_page, name="help"),
    path("bulletins/", include("patrols.urls_bulletins")),
    path("weekly-reports/", include("reports.urls_weekly")),
    path("reports/", include("reports.urls")),
    path("rivers/", include("reports.urls_river_file")),
    path("documents/", include("core.urls_documents")),
    path("dashboard/", views_dashboard.dashboard_page, name="dashboard"),
    path("workbench/", include("workbench.urls")),
    path("r/", include("public_reports.urls")),
    path("public-reports/", include("public_reports.urls_office")),
    path("notifications/", include("notifications.urls")),
    path("calendar/", include("calendars.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from ?script: no inline script (CSP).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api_docs.html"),
        name="api-docs",
    ),
]

admin.site.site_header = "河长制工作平台"
admin.site.site_title = "河长制工作平台"
admin.site.index_title = "数据管理"

# Unknown addresses under /api/ answer in JSON, like the API (core.exceptions).
handler404 = "core.exceptions.page_not_found"
