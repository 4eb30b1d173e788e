"""`manage.py check`: warn while the holiday arrangement the deadlines need is not entered."""

import datetime

from django.core.checks import Warning, register
from django.db import DatabaseError
from django.utils import timezone

W001 = "calendars.W001"


@register("calendars")
def holiday_calendar_check(
    app_configs=None, *, today: datetime.date | None = None, **kwargs
) -> list[Warning]:
    """calendars.W001 when ``holiday_year_missing`` names a year. Silent without a database
    (a build step, before ``migrate``): there is nothing to check yet."""
    from .selectors import holiday_year_missing

    today = today or timezone.localdate()
    try:
        year = holiday_year_missing(today=today)
    except DatabaseError:
        return []
    if year is None:
        return []
    return [
        Warning(
            f"{year}年节假日安排尚未录入，截止日期和提醒可能不准确。",
            hint=(
                f"国务院办公厅公布{year}年部分节假日安排后，请河长办在“节假日安排”页面"
                f"（/calendar/{year}/）录入或导入，或运行 manage.py load_holidays {year} 文件；"
                "chinese-calendar 包收录该年后也可运行 manage.py sync_holidays。"
            ),
            id=W001,
        )
    ]
