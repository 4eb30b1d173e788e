"""The holiday calendar's pages (节假日安排): which years are entered, and a year's notice entered
by hand or imported from a file. The office reads them; the county's office or an admin writes
(the calendar is the whole portal's, like the deadline rules)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import OFFICE_ROLES, writes_policy

from . import selectors
from .forms import HolidayImportForm, HolidayNoticeForm
from .notice_file import notice_read
from .services import holiday_year_enter

FIRST_YEAR, LAST_YEAR = 2000, 2100
IMPORT_PREFIX = "import"


def _require_office(request: HttpRequest) -> None:
    if request.user.effective_role not in OFFICE_ROLES:
        raise PermissionDenied(_("只有河长办和管理员可以查看节假日安排。"))


@login_required
@require_GET
def holiday_index(request: HttpRequest) -> HttpResponse:
    _require_office(request)
    today = timezone.localdate()
    years = list(selectors.holiday_year_list(user=request.user))
    missing = selectors.holiday_year_missing(today=today, years=frozenset(y.year for y in years))
    return render(
        request,
        "calendars/holiday_index.html",
        {
            "years": years,
            "missing_year": missing,
            "next_year": today.year + 1,
            "can_write": writes_policy(request.user),
        },
    )


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def holiday_year_page(request: HttpRequest, year: int) -> HttpResponse:
    _require_office(request)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    can_write = writes_policy(request.user)
    notice_form = HolidayNoticeForm(year=year)
    import_form = HolidayImportForm(prefix=IMPORT_PREFIX)
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied(_("节假日安排只能由县级河长办或管理员录入。"))
        importing = request.POST.get("mode") == "import"
        if importing:
            import_form = HolidayImportForm(request.POST, request.FILES, prefix=IMPORT_PREFIX)
            form = import_form
        else:
            notice_form = HolidayNoticeForm(request.POST, year=year)
            form = notice_form
        if form.is_valid():
            try:
                if importing:
                    upload = form.cleaned_data["file"]
                    holidays, workdays = notice_read(data=upload.read(), filename=upload.name)
                else:
                    holidays = form.cleaned_data["holidays"]
                    workdays = form.cleaned_data["workdays"]
                holiday_year_enter(
                    user=request.user,
                    year=year,
                    holidays=holidays,
                    workdays=workdays,
                    replace=form.cleaned_data["replace"],
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(year)s年节假日安排已录入，相关截止日期已按新安排重新计算。")
                    % {"year": year},
                )
                return redirect("holiday-year", year=year)
    loaded = selectors.holiday_year_list(user=request.user).filter(year=year).first()
    days = selectors.calendar_day_list(user=request.user).filter(date__year=year)
    return render(
        request,
        "calendars/holiday_year.html",
        {
            "year": year,
            "loaded": loaded,
            "days": days,
            "notice_form": notice_form,
            "import_form": import_form,
            "can_write": can_write,
        },
    )
