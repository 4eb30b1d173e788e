"""The forms of the holiday calendar's page: a year's notice entered by hand, or a file."""

import datetime
import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .services import NOTICE_HOLIDAYS, HolidayRange, SwappedWorkday

# Field names for the notice's holidays, in its order (NOTICE_HOLIDAYS).
HOLIDAY_KEYS = ("yuandan", "chunjie", "qingming", "laodong", "duanwu", "zhongqiu", "guoqing")
DATE_SPLIT = re.compile(r"[\s,，、;；]+")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

REPLACE_LABEL = gettext_lazy("该年已录入时，用本次内容替换")


class HolidayNoticeForm(forms.Form):
    """The notice as it is printed: each holiday's first and last day off, then the weekend
    days worked in exchange."""

    workdays = forms.CharField(
        label=gettext_lazy("调休上班日（周末上班的日期）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2027-02-06 2027-02-20"}),
        help_text=gettext_lazy(
            "按通知填写周六、周日上班的日期，格式如 2027-02-06，用空格、逗号或换行分隔。"
        ),
    )
    replace = forms.BooleanField(label=REPLACE_LABEL, required=False)

    def __init__(self, *args, year: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.year = year
        fields = {}
        for key, name in zip(HOLIDAY_KEYS, NOTICE_HOLIDAYS, strict=True):
            fields[f"{key}_first"] = forms.DateField(
                label=_("%(name)s 第一天") % {"name": name}, required=False, widget=DATE_INPUT
            )
            fields[f"{key}_last"] = forms.DateField(
                label=_("%(name)s 最后一天") % {"name": name}, required=False, widget=DATE_INPUT
            )
        # The holidays first, as on the notice.
        self.fields = {**fields, **self.fields}

    def holiday_rows(self):
        """(name, first field, last field) for the template's table."""
        return [
            (name, self[f"{key}_first"], self[f"{key}_last"])
            for key, name in zip(HOLIDAY_KEYS, NOTICE_HOLIDAYS, strict=True)
        ]

    def clean_workdays(self) -> list[SwappedWorkday]:
        days = []
        for token in DATE_SPLIT.split(self.cleaned_data["workdays"].strip()):
            if not token:
                continue
            try:
                days.append(SwappedWorkday(date=datetime.date.fromisoformat(token)))
            except ValueError as error:
                raise forms.ValidationError(
                    _("“%(value)s”不是日期，请按 2027-02-06 的格式填写。") % {"value": token}
                ) from error
        return days

    def clean(self) -> dict:
        cleaned = super().clean()
        holidays = []
        for key, name in zip(HOLIDAY_KEYS, NOTICE_HOLIDAYS, strict=True):
            first, last = cleaned.get(f"{key}_first"), cleaned.get(f"{key}_last")
            if first and last:
                holidays.append(HolidayRange(name=name, first=first, last=last))
            elif first or last:
                self.add_error(
                    f"{key}_last" if first else f"{key}_first",
                    _("请同时填写“%(name)s”的第一天和最后一天。") % {"name": name},
                )
        cleaned["holidays"] = holidays
        return cleaned


class HolidayImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("放假安排文件（.csv、.txt 或 .xlsx）"),
        help_text=gettext_lazy("每行一天：日期、类型（holiday 假日 / workday 调休上班）、名称。"),
    )
    replace = forms.BooleanField(label=REPLACE_LABEL, required=False)
