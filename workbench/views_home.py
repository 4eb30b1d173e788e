"""The home page of a logged-in user: its region at a glance, the workbench's counts for the
office, and the way on to each role's own pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Role
from accounts.roles import OFFICE_ROLES
from rivers.selectors import region_overview

from .nav import DASHBOARD_PATH, ISSUES_PATH, MY_PAGE_PATH
from .selectors import record_counts


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
            "is_office": role in OFFICE_ROLES,
            "is_leader": role == Role.LEADER,
            "is_chief": role == Role.CHIEF,
            "issues_path": ISSUES_PATH,
            "dashboard_path": DASHBOARD_PATH,
            "my_page_path": MY_PAGE_PATH,
        },
    )
