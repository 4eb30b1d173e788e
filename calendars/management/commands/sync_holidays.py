"""`manage.py sync_holidays`: load the State Council's holiday arrangement from chinese-calendar."""

from django.core.management.base import BaseCommand

from calendars.services import calendar_sync_statutory


class Command(BaseCommand):
    help = (
        "按 chinese-calendar 包同步法定节假日和调休上班日（只存工作日放假和周末上班的日期）。"
        "国务院办公厅每年年底公布下一年放假安排后：先升级该包"
        "（.venv/bin/pip install -U chinese-calendar），再运行本命令。"
        "管理员手工录入或修改过的日期（来源为人工维护）不会被覆盖；"
        "包里已不再列出的法定日期会被删除。可重复运行。"
        "包尚未收录的年份只按周末休息计算，届时可在管理后台手工录入。"
    )

    def handle(self, *args, **options) -> None:
        result = calendar_sync_statutory()
        self.stdout.write(
            self.style.SUCCESS(
                f"已同步 {result.first_year}-{result.last_year} 年的放假安排："
                f"新增 {result.created} 天，更新 {result.updated} 天，删除 {result.deleted} 天，"
                f"保留人工维护 {result.kept_manual} 天。"
            )
        )
