"""`manage.py check`: warn when the patrols' monthly partitions are not kept (issue #18)."""

import datetime

from django.core.checks import Warning, register
from django.db import DatabaseError
from django.utils import timezone

from . import partitions

W001 = "patrols.W001"
W002 = "patrols.W002"


@register("patrols")
def patrol_partitions_check(
    app_configs=None, *, today: datetime.date | None = None, **kwargs
) -> list[Warning]:
    """patrols.W001 without pg_partman, patrols.W002 with fewer than MIN_FUTURE_MONTHS months
    ahead. Silent on SQLite, before ``migrate`` and without a database (a build step)."""
    today = today or timezone.localdate()
    try:
        if not partitions.is_partitioned():
            return []
        managed = partitions.partman_manages()
        ahead = partitions.future_months(today=today)
    except DatabaseError:
        return []
    warnings = []
    if not managed:
        warnings.append(
            Warning(
                "巡河记录按月分区，但数据库未安装 pg_partman：分区由本系统直接创建。",
                hint=(
                    "在数据库服务器安装 pg_partman（Debian/Ubuntu：postgresql-15-partman），"
                    "以超级用户执行 CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA "
                    "partman; 后由定时任务 patrols.tasks.keep_patrol_partitions 继续维护；"
                    "不安装也可运行，定时任务会直接创建以后月份的分区。"
                ),
                id=W001,
            )
        )
    least = partitions.MIN_FUTURE_MONTHS
    if ahead < least:
        warnings.append(
            Warning(
                f"巡河记录只有 {ahead} 个以后月份的分区（应至少 {least} 个）。",
                hint=(
                    "请确认 Celery beat 与 rollups 队列的 worker 在运行（每日执行 "
                    "patrols.tasks.keep_patrol_partitions），或手动运行 "
                    'manage.py shell -c "from patrols.tasks import keep_patrol_partitions; '
                    'keep_patrol_partitions()"。没有分区的月份的巡河记录会落入默认分区。'
                ),
                id=W002,
            )
        )
    return warnings
