"""The portal's guide (/help/, 帮助): how to patrol and rectify (chiefs), accept and request a
report (the office), read the dashboard (leaders); the current account's sections first, the
others after them. Linked from every page's top bar."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts.roles import CHIEFS, LEADERS, OFFICE_ROLES


@dataclass(frozen=True)
class HelpSection:
    key: str  # the anchor (#patrol) and the template (help/patrol.html)
    title: str | Promise
    roles: frozenset  # whose work it is: shown first to them

    @property
    def template(self) -> str:
        return f"help/{self.key}.html"


SECTIONS = (
    HelpSection("patrol", _("如何巡河（河长，手机）"), CHIEFS),
    HelpSection("rectify", _("如何整改问题（河长）"), CHIEFS),
    HelpSection("accept", _("如何验收销号（河长办）"), OFFICE_ROLES),
    HelpSection("report", _("如何申请工作报告（河长办）"), OFFICE_ROLES),
    HelpSection("dashboard", _("如何看看板（领导）"), LEADERS),
)


def sections_for(role: str) -> list[HelpSection]:
    """Every section, the role's own first (in their usual order)."""
    return sorted(SECTIONS, key=lambda section: role not in section.roles)


@login_required
@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    role = request.user.effective_role
    sections = sections_for(role)
    mine = [section.key for section in sections if role in section.roles]
    return render(request, "help/index.html", {"sections": sections, "mine": mine})
