from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Region
from calendars.models import IssueCategory
from core.text import is_blank
from issues.models import VoidReason
from rivers.models import phone_validator

from .models import DESCRIPTION_MAX_LENGTH, TRACKING_LENGTH
from .selectors import tracking_code_normalize


def _coordinate(raw: str, limit: int) -> Decimal | None:
    try:
        value = Decimal(raw).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() and -limit <= value <= limit else None


class PublicReportForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("问题描述"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "placeholder": gettext_lazy("例如：桥下河道内有大量生活垃圾漂浮"),
            }
        ),
        error_messages={"required": gettext_lazy("问题描述不能为空白：请描述您看到的问题。")},
    )
    photo = forms.FileField(
        label=gettext_lazy("现场照片（选填）"),
        required=False,
        # The service checks that it is a real picture (check_photo); accept only hints.
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("联系电话（选填）"),
        required=False,
        max_length=24,
        validators=[phone_validator],
        help_text=gettext_lazy("仅供河长办工作人员回访核实，不会公开。"),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    # Filled by the page script from the browser's position; empty means the sign's position.
    lat = forms.CharField(required=False, widget=forms.HiddenInput)
    lon = forms.CharField(required=False, widget=forms.HiddenInput)
    # Made when the page is served: sending the same page twice (a retry after a timeout, a
    # double tap) files one report and answers the first (public_reports.services).
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    # A trap for form-filling robots: hidden from people, so only robots fill it in.
    website = forms.CharField(label=gettext_lazy("网址（请勿填写）"), required=False)

    def clean_description(self):
        # Before the sender's limits are counted: a blank report is bad input, not a report.
        description = self.cleaned_data["description"]
        if is_blank(description):
            raise forms.ValidationError(_("问题描述不能为空白：请描述您看到的问题。"))
        return description

    def clean_photo(self):
        if len(self.files.getlist("photo")) > 1:
            raise forms.ValidationError(_("只能上传一张照片。"))
        return self.cleaned_data.get("photo")

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(_("提交未通过，请刷新页面后重试。"))
        lat = _coordinate(data.get("lat") or "", 90)
        lon = _coordinate(data.get("lon") or "", 180)
        # A half or garbled position is no position: the sign's is used instead.
        if lat is None or lon is None:
            lat = lon = None
        data["lat"], data["lon"] = lat, lon
        return data


class TrackForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("查询码"),
        max_length=TRACKING_LENGTH + 10,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "ABCDE23456",
            }
        ),
        error_messages={"required": gettext_lazy("请输入查询码。")},
    )

    def clean_code(self) -> str:
        code = tracking_code_normalize(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                _("查询码是 %(n)d 位字母和数字，请核对后重新输入。") % {"n": TRACKING_LENGTH}
            )
        return code


class PrintRegionForm(forms.Form):
    region = forms.ModelChoiceField(
        label=gettext_lazy("区域"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部"),
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


# --- The office's triage forms ------------------------------------------------------------------


class TriageClassifyForm(forms.Form):
    """The report's issue in the office's words: a full title and its category."""

    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    category = forms.ChoiceField(label=gettext_lazy("问题类别"), choices=IssueCategory.choices)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "classify")
        super().__init__(*args, **kwargs)


class TriageMergeForm(forms.Form):
    """The issue this report duplicates, by its code (the picker fills it in)."""

    target = forms.CharField(
        label=gettext_lazy("并入问题编号"),
        max_length=40,
        help_text=gettext_lazy("可在上方按问题编号或标题搜索后选用。"),
        error_messages={"required": gettext_lazy("请填写或选用要并入的问题编号。")},
    )
    comment = forms.CharField(
        label=gettext_lazy("说明"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "merge")
        super().__init__(*args, **kwargs)


class TriageVoidForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("不予受理原因"),
        choices=[("", "---------"), *VoidReason.choices],
        error_messages={"required": gettext_lazy("请选择不予受理的原因。")},
    )
    comment = forms.CharField(
        label=gettext_lazy("说明"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "void")
        super().__init__(*args, **kwargs)
