"""转为问题: the office turns a patrol's finding into an issue from the patrol's page.

The workbench connects the two apps (patrols' ``finding_issue_open`` opens the issue through
the issues' own service). The form starts from the finding (its first sentence as the title, a
category its words suggest, its text, position and photos, the patrol's reach); what the office
changes is what the issue gets. Office and admins only; a patrol outside the account's region is
not found; a finding already turned into an issue leads to that issue.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.roles import OFFICE_ROLES
from core.exceptions import StateConflict
from core.forms import form_show_errors
from core.text import first_sentence
from issues.models import Issue, IssueCategory, Urgency
from issues.selectors import category_guess
from patrols import selectors as patrol_selectors
from patrols import services as patrol_services
from patrols.models import Finding
from rivers.models import LAT_VALIDATORS, LON_VALIDATORS, Reach
from rivers.serializers import CHINA_LAT, CHINA_LON

TITLE_LENGTH = Issue._meta.get_field("title").max_length
POSITION = {"max_digits": 9, "decimal_places": 6, "required": False}


class FindingIssueForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("标题"), max_length=TITLE_LENGTH)
    category = forms.ChoiceField(label=gettext_lazy("问题类别"), choices=IssueCategory.choices)
    urgency = forms.ChoiceField(
        label=gettext_lazy("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL
    )
    reach = forms.ModelChoiceField(label=gettext_lazy("河段"), queryset=Reach.objects.none())
    description = forms.CharField(
        label=gettext_lazy("问题描述"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    lat = forms.DecimalField(
        label=gettext_lazy("纬度"),
        validators=LAT_VALIDATORS,
        widget=forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
        **POSITION,
    )
    lon = forms.DecimalField(
        label=gettext_lazy("经度"),
        validators=LON_VALIDATORS,
        widget=forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
        **POSITION,
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reach"].queryset = Reach.objects.visible_to(user).select_related("river")

    def clean(self):
        data = super().clean()
        hint = _("坐标不在中国境内，请检查经纬度是否填反（WGS-84，十进制度）。")
        for name, (low, high) in (("lat", CHINA_LAT), ("lon", CHINA_LON)):
            value = data.get(name)
            if value is not None and not low <= value <= high:
                self.add_error(name, hint)
        return data


def _initial(finding: Finding) -> dict:
    return {
        "title": first_sentence(finding.description, TITLE_LENGTH),
        "category": category_guess(finding.description),
        "urgency": Urgency.NORMAL,
        "reach": finding.patrol.reach_id,
        "description": finding.description,
        "lat": finding.lat,
        "lon": finding.lon,
    }


def can_open_issues_from_findings(user) -> bool:
    """Who turns a patrol's findings into issues (the patrol page shows them the button)."""
    return user.effective_role in OFFICE_ROLES


@login_required
@require_http_methods(["GET", "POST"])
def finding_issue(request, pk: int, finding_pk: int):
    user = request.user
    if not can_open_issues_from_findings(user):
        raise PermissionDenied(_("只有河长办可以将巡河发现转为问题。"))
    patrol = get_object_or_404(patrol_selectors.patrol_list(user=user), pk=pk)
    finding = get_object_or_404(
        Finding.objects.select_related("issue").prefetch_related("photos"),
        patrol=patrol,
        pk=finding_pk,
    )
    existing = Issue.objects.filter(finding=finding).first()
    if existing is not None:
        messages.info(request, _("该巡河发现已转为问题 %(code)s。") % {"code": existing.code})
        return redirect("issue-page", pk=existing.pk)
    context = {"patrol": patrol, "finding": finding, "photos": list(finding.photos.all())}
    if request.method == "GET":
        form = FindingIssueForm(user=user, initial=_initial(finding))
        return render(request, "workbench/finding_issue.html", {**context, "form": form})
    form = FindingIssueForm(request.POST, user=user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            issue, _created = patrol_services.finding_issue_open(
                user=user,
                finding=finding,
                category=data["category"],
                urgency=data["urgency"],
                title=data["title"],
                description=data["description"],
                reach=data["reach"],
                lat=data["lat"],
                lon=data["lon"],
            )
        except StateConflict as error:
            form_show_errors(form, str(error))
        except ValidationError as error:
            form_show_errors(form, error)
        else:
            messages.success(request, _("已将巡河发现转为问题 %(code)s。") % {"code": issue.code})
            return redirect("issue-page", pk=issue.pk)
    return render(request, "workbench/finding_issue.html", {**context, "form": form}, status=400)
