"""The home page of a logged-in user: the work that waits for it.

- the office: issues to assign, to accept, due soon, overdue, public reports to triage, map
  patches to verify, reports to generate again, each a link to the list of exactly those;
- a leader: the communities with the most overdue issues, this month's patrol rankings and the
  way to the dashboard;
- a chief: its own page (/me/), the chief's to-do list.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.models import Role
from accounts.roles import LEADERS, OFFICE_ROLES

from . import selectors
from .nav import DASHBOARD_PATH, ISSUES_PATH, MY_PAGE_PATH


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    role = user.effective_role
    if role == Role.CHIEF and user.chief_id:
        # The chief's to-do is its own page; after a login too (LOGIN_REDIRECT_URL is home,
        # and a ?next= of the login page still goes where it says).
        return redirect(MY_PAGE_PATH)
    today = timezone.localdate()
    context = {
        "region": user.region,
        "is_office": role in OFFICE_ROLES,
        "is_leader": role in LEADERS,
        "is_chief": role == Role.CHIEF,
        "issues_path": ISSUES_PATH,
        "dashboard_path": DASHBOARD_PATH,
        "today": today,
    }
    if role in OFFICE_ROLES:
        context["todos"] = selectors.office_todos(user=user, today=today)
    elif role in LEADERS:
        context["overdue_total"] = selectors.overdue_total(user=user, today=today)
        context["overdue_url"] = selectors.issues_url(overdue="true")
        context["communities"] = selectors.overdue_by_community(user=user, today=today)
        context["rankings"] = selectors.month_rankings(user=user, today=today)
    return render(request, "home.html", context)
