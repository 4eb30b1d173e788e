"""The main navigation, by role: what each kind of user works with, and which entry is current."""

from dataclasses import dataclass, field

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.roles import CHIEFS, LEADERS, OFFICE_ROLES

# Pages other areas build, linked by path so the menu works before (and whatever) they name them.
ISSUES_PATH = "/issues/"
DASHBOARD_PATH = "/dashboard/"
MY_PAGE_PATH = "/me/"


@dataclass
class NavItem:
    label: str | Promise
    url: str
    current: bool = False
    children: list["NavItem"] = field(default_factory=list)


def _resource(slug: str) -> str | None:
    try:
        return reverse("workbench:list", args=[slug])
    except NoReverseMatch:
        return None


def _named(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


# (label, url or callable, roles, children) — children as (label, url) pairs.
def _menu(role: str, has_chief: bool) -> list[tuple]:
    resources = _resource
    menu: list[tuple] = []
    if role in OFFICE_ROLES:
        menu += [
            (_("工作台"), _named("home"), []),
            (
                _("河湖"),
                None,
                [
                    (_("河流"), resources("rivers")),
                    (_("河段"), resources("reaches")),
                    (_("一河一策"), resources("river-plans")),
                ],
            ),
            (_("河长名录"), resources("chiefs"), []),
            (
                _("公示牌/排污口/设施"),
                None,
                [
                    (_("河长公示牌"), resources("signs")),
                    (_("入河排污口"), resources("outfalls")),
                    (_("涉河设施"), resources("facilities")),
                    (_("公示牌二维码打印"), _named("public-signs-print")),
                ],
            ),
            (
                _("巡河记录"),
                None,
                [(_("巡河记录"), resources("patrols")), (_("巡河规则"), resources("patrol-rules"))],
            ),
            (_("问题"), ISSUES_PATH, []),
            (_("群众举报"), _named("public-report-index"), []),
            (
                _("工作活动"),
                None,
                [
                    (_("宣传活动"), resources("publicity-events")),
                    (_("河道清理"), resources("cleanups")),
                    (_("会议培训"), resources("meetings")),
                    (_("督查"), resources("inspections")),
                    (_("公示牌更新"), resources("sign-updates")),
                    (_("排污口排查"), resources("outfall-checks")),
                    (_("设施排查"), resources("facility-checks")),
                ],
            ),
            (_("巡河月通报"), _named("bulletin-index"), []),
            (_("周汇报"), _named("weekly-report-index"), []),
            (_("工作报告"), _named("report-index"), []),
            (
                _("台账导入"),
                None,
                [
                    (_("河长名录"), _named("ledger-import")),
                    (_("河长公示牌"), _named("ledger-import-signs")),
                    (_("入河排污口"), _named("ledger-import-outfalls")),
                    (_("涉河设施"), _named("ledger-import-facilities")),
                ],
            ),
            (_("账号"), resources("accounts"), []),
            # What was sent to whom over SMS, email and the robots, and what failed.
            (_("消息发送记录"), _named("notice-deliveries"), []),
            # For whoever connects other systems to the portal; chiefs and leaders have no use.
            (_("接口文档"), _named("api-docs"), []),
        ]
    elif role in LEADERS:
        menu += [
            (_("首页"), _named("home"), []),
            (_("看板"), DASHBOARD_PATH, []),
            (_("问题"), ISSUES_PATH, []),
            (_("巡河月通报"), _named("bulletin-index"), []),
            (_("周汇报"), _named("weekly-report-index"), []),
            (_("工作报告"), _named("report-index"), []),
        ]
    elif role in CHIEFS and has_chief:
        # A chief's home is its own page (the home page sends it there): no second entry.
        menu += [(_("我的"), MY_PAGE_PATH, []), (_("巡河"), _named("patrol-phone"), [])]
    else:
        menu += [(_("首页"), _named("home"), [])]
        if role in CHIEFS:
            menu += [(_("我的"), MY_PAGE_PATH, [])]
    return menu


def _is_current(path: str, url: str) -> bool:
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url.rstrip("/") + "/")


def nav_for(request: HttpRequest) -> list[NavItem]:
    user = request.user
    if not user.is_authenticated:
        return []
    items: list[NavItem] = []
    for label, url, children in _menu(user.effective_role, bool(user.chief_id)):
        kids = [
            NavItem(label=child_label, url=child_url, current=_is_current(request.path, child_url))
            for child_label, child_url in children
            if child_url
        ]
        if children and not kids:
            continue
        if not children and not url:
            continue
        current = any(k.current for k in kids) if kids else _is_current(request.path, url)
        items.append(NavItem(label=label, url=url or "", current=current, children=kids))
    return items
