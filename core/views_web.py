"""Pages of the portal shell: the home page of a logged-in user, and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from accounts.models import Role
from rivers.selectors import region_overview
from workbench.nav import DASHBOARD_PATH, ISSUES_PATH, MY_PAGE_PATH
from workbench.selectors import record_counts

OFFICE = {Role.ADMIN, Role.OFFICE}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    role = user.effective_role
    return render(
        request,
        "home.html",
        {
            "overview": region_overview(user=user),
            "counts": record_counts(user=user),
            "is_office": role in OFFICE,
            "is_leader": role == Role.LEADER,
            "is_chief": role == Role.CHIEF,
            "issues_path": ISSUES_PATH,
            "dashboard_path": DASHBOARD_PATH,
            "my_page_path": MY_PAGE_PATH,
        },
    )


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
