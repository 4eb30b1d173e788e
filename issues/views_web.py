"""The issue pages of the office's workbench: the list with filters and bulk assign, the report
form, and the issue page with its timeline, photos, supervision orders and the workflow actions
the account may take in the issue's current status.

Reads go through ``issues.selectors`` (scoped: another region's issue is not found), writes
through ``issues.services``. Input is validated by the API's own serializers, so the pages and
the API refuse the same things with the same messages; the Django forms here only render the
fields and carry those errors next to them.
"""

from collections.abc import Iterable

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.request import Request

from accounts.models import Region, RegionLevel, User
from accounts.roles import OFFICE_ROLES, REGION_READERS
from core.exceptions import StateConflict
from core.forms import form_show_errors
from core.history import recent_history
from core.media import photo_response
from core.pagination import CappedPaginator
from core.pickers import PickerWidget, use_picker
from notifications.services import notifications_mark_read_about
from rivers.models import Chief, Reach

from . import selectors, serializers, services
from .filters import IssueFilter
from .models import Issue, IssueEvent, IssuePhoto, IssueStatus, PhotoStage, VoidReason
from .places import issue_map
from .views import WRITE_ROLES, IssueViewSet
from .workflow import ACTION_LABELS, TRANSITIONS

PAGE_SIZE = 40
DATE_WIDGET = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}
ORDERINGS = [
    ("-reported_at", gettext_lazy("发现时间（新→旧）")),
    ("reported_at", gettext_lazy("发现时间（旧→新）")),
    ("deadline", gettext_lazy("整改时限（近→远）")),
    ("-deadline", gettext_lazy("整改时限（远→近）")),
    ("code", gettext_lazy("问题编号")),
]
# The label of each action's button; the timeline keeps the office's words (ACTION_LABELS).
ACTION_BUTTONS = {
    "assign": gettext_lazy("交办"),
    "start": gettext_lazy("开始整改"),
    "submit": gettext_lazy("提交验收"),
    "accept": gettext_lazy("验收通过并销号"),
    "reject": gettext_lazy("退回整改"),
    "escalate": gettext_lazy("督办"),
    "remind": gettext_lazy("催办"),
    "refer": gettext_lazy("提请研究"),
    "void": gettext_lazy("作废"),
}


# --- Choices scoped to the account -------------------------------------------------------------


def _visible_communities(user: User) -> QuerySet[Region]:
    return Region.objects.visible_to(user).filter(level=RegionLevel.COMMUNITY)


def _serving_chiefs(user: User) -> QuerySet[Chief]:
    return Chief.objects.visible_to(user).serving_on(timezone.localdate())


def _scoped(queryset_of):
    """A django-filter queryset callable: the choices the requesting account may see."""

    def queryset(request):
        if request is None:
            return Region.objects.none()
        return queryset_of(request.user)

    return queryset


class IssuePageFilter(IssueFilter):
    """The API's issue filters, with the assignee as lists of what the account sees.

    ``reach`` and ``river`` stay (a link from elsewhere may carry them) as hidden fields."""

    assignee_region = django_filters.ModelChoiceFilter(
        field_name="assignee_region",
        queryset=_scoped(_visible_communities),
        label=gettext_lazy("责任社区"),
    )
    assignee_chief = django_filters.ModelChoiceFilter(
        field_name="assignee_chief",
        queryset=_scoped(lambda user: Chief.objects.visible_to(user)),
        label=gettext_lazy("责任河长"),
    )

    HIDDEN = ("reach", "river", "referred", "open", "deadline_from", "deadline_to")
    BOOLEANS = ("overdue", "supervised")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for declared in self.filters.values():
            # "All" rather than a row of dashes for a filter left open.
            if isinstance(declared, django_filters.ChoiceFilter | django_filters.ModelChoiceFilter):
                declared.extra["empty_label"] = _("全部")

    @property
    def form(self):
        form = super().form
        for name in self.HIDDEN:
            form.fields[name].widget = forms.HiddenInput()
        for name in self.BOOLEANS:
            form.fields[name].widget = forms.Select(
                choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))]
            )
        for name in ("date_from", "date_to"):
            form.fields[name].widget = forms.DateInput(**DATE_WIDGET)
        # A county's roster and communities are thousands: searched, never listed whole.
        if not isinstance(form.fields["assignee_chief"].widget, PickerWidget):
            use_picker(form.fields["assignee_region"], params="level=community")
            use_picker(form.fields["assignee_chief"])
            use_picker(form.fields["region"])
        return form


# --- Forms that render fields; the API's serializers validate ---------------------------------


class AssignFields(forms.Form):
    """Who takes the issue (one of three), by when, and a word to go with it."""

    assignee_region = forms.ModelChoiceField(
        label=gettext_lazy("责任社区"), queryset=Region.objects.none(), required=False
    )
    assignee_chief = forms.ModelChoiceField(
        label=gettext_lazy("责任河长"), queryset=Chief.objects.none(), required=False
    )
    assignee_unit = forms.CharField(label=gettext_lazy("责任部门"), max_length=100, required=False)
    deadline = forms.DateField(
        label=gettext_lazy("整改时限"),
        required=False,
        widget=forms.DateInput(**DATE_WIDGET),
        help_text=gettext_lazy("留空则按问题类别和紧急程度自动计算（工作日）。"),
    )
    comment = forms.CharField(
        label=gettext_lazy("说明"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee_region"].queryset = _visible_communities(user)
        self.fields["assignee_chief"].queryset = _serving_chiefs(user)
        use_picker(self.fields["assignee_region"], params="level=community")
        use_picker(self.fields["assignee_chief"], params="serving=true")


class ActionForm(forms.Form):
    """One workflow action: the fields its transition needs, and always a comment."""

    def __init__(self, *args, action: str, user: User, **kwargs):
        kwargs.setdefault("prefix", action)
        super().__init__(*args, **kwargs)
        self.action = action
        self.label = ACTION_BUTTONS[action]
        transition = TRANSITIONS[action]
        self.needs_after_photo = transition.needs_after_photo
        if transition.needs_assignee:
            assign = AssignFields(user=user)
            for name in ("assignee_region", "assignee_chief", "assignee_unit"):
                self.fields[name] = assign.fields[name]
        if transition.needs_reason:
            self.fields["reason"] = forms.ChoiceField(
                label=_("作废原因"),
                choices=[("", "---------"), *VoidReason.choices],
                required=True,
            )
        if transition.needs_assignee or transition.needs_deadline:
            self.fields["deadline"] = forms.DateField(
                label=_("新的整改时限") if transition.needs_deadline else _("整改时限"),
                required=transition.needs_deadline,
                widget=forms.DateInput(**DATE_WIDGET),
                help_text=None
                if transition.needs_deadline
                else _("留空则按问题类别和紧急程度自动计算（工作日）。"),
            )
        self.fields["comment"] = forms.CharField(
            label=_("退回原因") if action == "reject" else _("说明"),
            max_length=2000,
            required=transition.needs_comment,
            widget=forms.Textarea(attrs={"rows": 2}),
        )

    @property
    def assignee_fields(self) -> list:
        return [self[name] for name in ("assignee_region", "assignee_chief", "assignee_unit")]

    @property
    def other_fields(self) -> list:
        return [self[name] for name in self.fields if not name.startswith("assignee_")]

    @property
    def needs_assignee(self) -> bool:
        return "assignee_region" in self.fields


class IssueReportForm(forms.ModelForm):
    """The fields of a new issue, as the API takes them."""

    class Meta:
        model = Issue
        fields = [
            "title",
            "category",
            "source",
            "urgency",
            "reach",
            "region",
            "description",
            "reported_at",
            "lat",
            "lon",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "reported_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "lat": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "lon": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
        }
        help_texts = {
            "reach": gettext_lazy("有河段时，所在区域取河段所在区域。"),
            "region": gettext_lazy("问题不在某一河段时填写。"),
            "reported_at": gettext_lazy("留空为当前时间。"),
            "lat": gettext_lazy("WGS-84，十进制度；可留空。"),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reach"].queryset = Reach.objects.visible_to(user).select_related("river")
        self.fields["region"].queryset = Region.objects.visible_to(user)
        use_picker(self.fields["reach"])
        use_picker(self.fields["region"])
        for name in ("region", "reported_at"):
            self.fields[name].required = False


class IssueEditForm(forms.ModelForm):
    """What the office may correct on an open issue; the deadline only where the workflow lets
    an edit move it (``services.issue_deadline_editable``)."""

    class Meta:
        model = Issue
        fields = [
            "title",
            "category",
            "source",
            "urgency",
            "reach",
            "region",
            "description",
            "lat",
            "lon",
            "deadline",
        ]
        widgets = {
            **IssueReportForm.Meta.widgets,
            "deadline": forms.DateInput(**DATE_WIDGET),
        }
        help_texts = {
            **IssueReportForm.Meta.help_texts,
            "deadline": gettext_lazy("修改后记入整改时限记录（修改时限）。"),
        }

    def __init__(self, *args, user: User, deadline_editable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reach"].queryset = Reach.objects.visible_to(user).select_related("river")
        self.fields["region"].queryset = Region.objects.visible_to(user)
        self.fields["region"].required = False
        if deadline_editable:
            self.fields["deadline"].required = False
        else:
            del self.fields["deadline"]


class PhotoForm(forms.Form):
    stage = forms.ChoiceField(label=gettext_lazy("阶段"), choices=PhotoStage.choices)
    image = forms.ImageField(
        label=gettext_lazy("照片"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


def _typed(data, names: Iterable[str], prefix: str = "") -> dict[str, str]:
    """What was typed into the fields ``names`` (under ``prefix``), blanks left out."""
    values = {}
    for name in names:
        value = data.get(f"{prefix}-{name}" if prefix else name, "")
        if isinstance(value, str):
            value = value.strip()
        if value not in ("", None):
            values[name] = value
    return values


def _action_payload(action: str, typed: dict[str, str]) -> dict:
    """The API's action body from what was typed into an action form."""
    payload: dict = {"action": action, "comment": typed.get("comment", "")}
    if "deadline" in typed:
        payload["deadline"] = typed["deadline"]
    if TRANSITIONS[action].needs_reason:
        payload["reason"] = typed.get("reason", "")
    if TRANSITIONS[action].needs_assignee:
        payload["assignee"] = {
            kind: typed[f"assignee_{kind}"]
            for kind in ("region", "chief", "unit")
            if f"assignee_{kind}" in typed
        }
    return payload


# --- The list, with bulk assign ----------------------------------------------------------------


def _can_assign(user: User) -> bool:
    return user.effective_role in TRANSITIONS["assign"].roles


def _can_report(user: User) -> bool:
    return user.effective_role in WRITE_ROLES["create"]


@login_required
@require_http_methods(["GET", "POST"])
def issue_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    bulk_form = None
    status = 200
    if request.method == "POST":
        if not _can_assign(user):
            raise PermissionDenied(_("您的角色不能交办问题。"))
        bulk_form, done = _bulk_assign(request)
        if done:
            return redirect(request.get_full_path())
        status = 400
    issues = selectors.issue_list(user=user)
    filterset = IssuePageFilter(request.GET or None, queryset=issues, request=request)
    # A filter that does not make sense (a date that is not one) shows nothing, and says why.
    issues = issues.none() if filterset.is_bound and not filterset.is_valid() else filterset.qs
    drf_request = Request(request)
    issues = SearchFilter().filter_queryset(drf_request, issues, IssueViewSet)
    issues = OrderingFilter().filter_queryset(drf_request, issues, IssueViewSet)
    page = CappedPaginator(issues, PAGE_SIZE).get_page(request.GET.get("page"))
    if bulk_form is None and _can_assign(user):
        bulk_form = AssignFields(user=user, prefix="bulk")
    return render(
        request,
        "issues/issue_list.html",
        {
            "filter": filterset,
            "page": page,
            "today": timezone.localdate(),
            "search": request.GET.get("search", ""),
            "ordering": request.GET.get("ordering", ""),
            "ordering_choices": ORDERINGS,
            "bulk_form": bulk_form,
            "can_report": _can_report(user),
            "can_export": user.effective_role in REGION_READERS,
        },
        status=status,
    )


def _bulk_assign(request: HttpRequest) -> tuple[AssignFields, bool]:
    """Assign every ticked issue, each in its own transaction: one refused (409, 403, or a
    deadline before it was found) leaves the others assigned. True once applied."""
    user = request.user
    names = list(AssignFields.base_fields)
    typed = _typed(request.POST, names, prefix="bulk")
    form = AssignFields(user=user, prefix="bulk", initial=typed)
    ids = [int(pk) for pk in request.POST.getlist("issue") if pk.isdigit()]
    action_form = serializers.IssueActionSerializer(
        data=_action_payload("assign", typed), context={"request": request}
    )
    if not action_form.is_valid():
        form_show_errors(form, action_form.errors)
        return form, False
    if not ids:
        form_show_errors(form, _("请先勾选要交办的问题。"))
        return form, False
    data = action_form.validated_data
    chosen = {issue.pk: issue for issue in selectors.issue_list(user=user).filter(pk__in=ids)}
    assigned = []
    for pk in ids:
        issue = chosen.get(pk)
        if issue is None:
            message = _("编号为 %(id)s 的问题不存在或不在您的管辖范围。")
            messages.error(request, message % {"id": pk})
            continue
        try:
            services.issue_act(
                issue_id=issue.pk,
                user=user,
                action="assign",
                comment=data.get("comment", ""),
                deadline=data.get("deadline"),
                assignee=data.get("assignee"),
            )
        except (PermissionDenied, StateConflict, ValidationError) as exc:
            reason = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(
                request,
                _("%(code)s 未交办：%(reason)s") % {"code": issue.code, "reason": reason},
            )
        else:
            assigned.append(issue.code)
    if assigned:
        messages.success(
            request,
            _("已交办 %(n)s 个问题：%(codes)s")
            % {"n": len(assigned), "codes": "、".join(assigned)},
        )
    return form, True


# --- Reporting a new issue ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def issue_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _can_report(user):
        raise PermissionDenied(_("您的角色不能登记问题。"))
    names = list(IssueReportForm.base_fields)
    if request.method == "GET":
        initial = {"region": user.region_id} if user.region_id else {}
        form = IssueReportForm(user=user, initial=initial)
        return render(request, "issues/issue_form.html", {"form": form})
    typed = _typed(request.POST, names)
    form = IssueReportForm(user=user, initial=typed)
    serializer = serializers.IssueSerializer(data=typed, context={"request": request})
    if serializer.is_valid():
        try:
            issue = services.issue_report(user=user, **serializer.validated_data)
        except ValidationError as exc:
            form_show_errors(form, exc)
        else:
            messages.success(request, _("已登记问题 %(code)s。") % {"code": issue.code})
            return redirect("issue-page", pk=issue.pk)
    else:
        form_show_errors(form, serializer.errors)
    return render(request, "issues/issue_form.html", {"form": form}, status=400)


# --- The issue page ----------------------------------------------------------------------------


def _visible_issue(user: User, pk: int) -> Issue:
    return get_object_or_404(selectors.issue_list(user=user), pk=pk)


def _steps(events: list[IssueEvent], photos: list[IssuePhoto]) -> list[IssueEvent]:
    """Each photo goes with the step it belongs to: its own event when it names one, else the
    last step taken before it was uploaded (an "after" photo goes with the rectification)."""
    by_pk = {event.pk: event for event in events}
    for event in events:
        event.step_photos = []
    for photo in photos:
        owner = by_pk.get(photo.event_id)
        if owner is None:
            earlier = [event for event in events if event.at <= photo.uploaded_at]
            owner = earlier[-1] if earlier else (events[0] if events else None)
        if owner is not None:
            owner.step_photos.append(photo)
    return events


def _issue_page(
    request: HttpRequest,
    issue: Issue,
    *,
    forms_shown: dict[str, forms.BaseForm] | None = None,
    photo_form: PhotoForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    photos = list(selectors.issue_photos(issue=issue))
    events = _steps(list(selectors.issue_timeline(issue=issue)), photos)
    for event in events:
        event.label = ACTION_LABELS.get(event.action, event.action)
    forms_shown = forms_shown or {}
    actions = [
        forms_shown.get(action) or ActionForm(action=action, user=user)
        for action in services.issue_actions_for(issue=issue, user=user)
    ]
    can_upload = user.effective_role in WRITE_ROLES["photos"] and issue.status != IssueStatus.VOIDED
    if can_upload and photo_form is None:
        stage = PhotoStage.AFTER if issue.status != IssueStatus.REPORTED else PhotoStage.BEFORE
        photo_form = PhotoForm(initial={"stage": stage})
    today = timezone.localdate()
    history = list(selectors.issue_deadline_history(issue=issue))
    for row in history:
        row.label = _deadline_label(row, first=row is history[0])
    return render(
        request,
        "issues/issue_detail.html",
        {
            "issue": issue,
            "events": events,
            "before": [p for p in photos if p.stage == PhotoStage.BEFORE],
            "after": [p for p in photos if p.stage == PhotoStage.AFTER],
            "has_after": any(p.stage == PhotoStage.AFTER for p in photos),
            "actions": actions,
            "photo_form": photo_form if can_upload else None,
            "orders": selectors.issue_supervision_orders(issue=issue),
            "change_history": recent_history(user=user, instance=issue),
            "days_left": (issue.deadline - today).days if issue.deadline else None,
            "deadline_history": history,
            "overdue_days": selectors.issue_overdue_days(issue=issue, history=history, today=today),
            "place_map": issue_map(issue),
            "can_edit": services.issue_editable(issue=issue, user=user),
            "is_office": user.effective_role in OFFICE_ROLES,
        },
        status=status,
    )


def _deadline_label(row, *, first: bool) -> str:
    """原整改时限 for the first, 督办 for each supervision's new one, else what set it."""
    if row.action == "escalate":
        return _("督办")
    if first:
        return _("原整改时限")
    if row.action == services.DEADLINE_EDIT:
        return _("修改时限")
    if row.action == services.DEADLINE_RECOUNT:
        return _("按节假日安排重算")
    return str(ACTION_LABELS.get(row.action, row.action))


@login_required
@require_GET
def issue_page(request: HttpRequest, pk: int) -> HttpResponse:
    issue = _visible_issue(request.user, pk)
    # Before the page renders, so that its bell already counts them read.
    notifications_mark_read_about(user=request.user, issue_id=issue.pk)
    return _issue_page(request, issue)


@login_required
@require_POST
def issue_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply one action from the issue page; a refusal comes back as a message (409, 403) or
    next to the fields (400)."""
    user = request.user
    issue = _visible_issue(user, pk)
    action = request.POST.get("action", "")
    if action not in TRANSITIONS:
        raise Http404(_("未知的操作。"))
    form_names = list(ActionForm(action=action, user=user).fields)
    typed = _typed(request.POST, form_names, prefix=action)
    serializer = serializers.IssueActionSerializer(
        data=_action_payload(action, typed), context={"request": request}
    )
    errors = None
    if serializer.is_valid():
        data = serializer.validated_data
        try:
            services.issue_act(
                issue_id=issue.pk,
                user=user,
                action=action,
                comment=data.get("comment", ""),
                deadline=data.get("deadline"),
                assignee=data.get("assignee"),
                reason=data.get("reason", ""),
            )
        except (PermissionDenied, StateConflict) as exc:
            messages.error(request, str(exc))
            return redirect("issue-page", pk=issue.pk)
        except ValidationError as exc:
            errors = exc
        else:
            issue.refresh_from_db(fields=["status"])
            messages.success(
                request,
                _("已%(action)s，当前状态：%(status)s。")
                % {"action": ACTION_BUTTONS[action], "status": issue.get_status_display()},
            )
            return redirect("issue-page", pk=issue.pk)
    else:
        errors = serializer.errors
    form = form_show_errors(ActionForm(action=action, user=user, initial=typed), errors)
    return _issue_page(request, issue, forms_shown={action: form}, status=400)


# --- Editing an open issue (office) ---------------------------------------------------------

# The fields a blank means "none" for (else a blank is an empty text).
EDIT_NULLABLE = ("reach", "lat", "lon")


def _edit_payload(data, names: Iterable[str]) -> dict:
    """What was typed into the edit form, for the API's serializer: every field (a blank
    description clears it), a blank reach or position as none, a blank region left as is."""
    payload: dict = {}
    for name in names:
        value = data.get(name, "")
        value = value.strip() if isinstance(value, str) else value
        if name in EDIT_NULLABLE and value in ("", None):
            payload[name] = None
        elif name == "region" and value in ("", None):
            continue
        else:
            payload[name] = value
    return payload


@login_required
@require_http_methods(["GET", "POST"])
def issue_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """编辑: the office corrects or reclassifies an open issue (audited, on the timeline)."""
    user = request.user
    issue = _visible_issue(user, pk)
    if user.effective_role not in WRITE_ROLES["partial_update"]:
        raise PermissionDenied(_("只有河长办可以编辑问题。"))
    if not services.issue_editable(issue=issue, user=user):
        messages.error(
            request,
            _("问题%(status)s，不能再编辑。") % {"status": issue.get_status_display()},
        )
        return redirect("issue-page", pk=issue.pk)
    deadline_editable = services.issue_deadline_editable(issue=issue)
    form_kwargs = {"user": user, "deadline_editable": deadline_editable, "instance": issue}
    if request.method == "GET":
        form = IssueEditForm(**form_kwargs)
        return render(request, "issues/issue_edit.html", {"form": form, "issue": issue})
    names = list(IssueEditForm(**form_kwargs).fields)
    typed = {name: request.POST.get(name, "") for name in names}
    form = IssueEditForm(**form_kwargs, initial=typed)
    payload = _edit_payload(request.POST, [n for n in names if n != "deadline"])
    serializer = serializers.IssueSerializer(
        issue, data=payload, partial=True, context={"request": request}
    )
    deadline_field = forms.DateField(required=False)
    errors: object = None
    data: dict = {}
    if not serializer.is_valid():
        errors = serializer.errors
    else:
        data = dict(serializer.validated_data)
    if deadline_editable and errors is None:
        try:
            deadline = deadline_field.clean(typed.get("deadline", "").strip())
        except ValidationError:
            errors = {"deadline": [_("请输入有效的日期。")]}
        else:
            if deadline is not None or issue.deadline is not None:
                data["deadline"] = deadline
    if errors is None:
        try:
            services.issue_edit(instance=issue, user=user, **data)
        except (PermissionDenied, StateConflict) as exc:
            messages.error(request, str(exc))
            return redirect("issue-page", pk=issue.pk)
        except ValidationError as exc:
            errors = exc
        else:
            messages.success(request, _("已保存问题 %(code)s。") % {"code": issue.code})
            return redirect("issue-page", pk=issue.pk)
    form_show_errors(form, errors)
    return render(request, "issues/issue_edit.html", {"form": form, "issue": issue}, status=400)


@login_required
@require_POST
def issue_photo_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    issue = _visible_issue(user, pk)
    if user.effective_role not in WRITE_ROLES["photos"]:
        raise PermissionDenied(_("您的角色不能上传问题照片。"))
    payload = {"stage": request.POST.get("stage", "")}
    if "image" in request.FILES:
        payload["image"] = request.FILES["image"]
    serializer = serializers.IssuePhotoSerializer(data=payload)
    errors = None
    if serializer.is_valid():
        try:
            photo = services.issue_photo_add(
                issue=issue,
                user=user,
                image=serializer.validated_data["image"],
                stage=serializer.validated_data["stage"],
            )
        except (PermissionDenied, StateConflict) as exc:
            messages.error(request, str(exc))
            return redirect("issue-page", pk=issue.pk)
        except ValidationError as exc:
            errors = exc
        else:
            messages.success(
                request, _("已上传%(stage)s照片。") % {"stage": photo.get_stage_display()}
            )
            return redirect(reverse("issue-page", args=[issue.pk]) + "#photos")
    else:
        errors = serializer.errors
    form = form_show_errors(PhotoForm(initial={"stage": payload["stage"]}), errors)
    return _issue_page(request, issue, photo_form=form, status=400)


@login_required
@require_GET
def issue_photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    """A photo of an issue, for accounts that see the issue (media is not public)."""
    issue = _visible_issue(request.user, pk)
    photo = get_object_or_404(selectors.issue_photos(issue=issue), pk=photo_pk)
    size = "thumb" if request.GET.get("size") == "thumb" else "original"
    return photo_response(photo.image, size=size)
