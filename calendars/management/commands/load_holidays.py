"""`manage.py load_holidays YEAR FILE`: enter a year's holiday notice from a file."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from calendars.notice_file import notice_read
from calendars.services import holiday_year_enter


class Command(BaseCommand):
    help = (
        "录入某年的放假安排（国务院办公厅关于该年部分节假日安排的通知）。文件每行一天，三列："
        "日期（2027-01-01）、类型（holiday 假日 / workday 调休上班）、名称（元旦、春节……）；"
        "CSV、文本或 .xlsx 均可，详见 calendars/notice_file.py。该年已录入时须加 --replace。"
        "录入后，跨入该年的待复核截止日期会自动重新计算。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument("file", type=Path)
        parser.add_argument("--replace", action="store_true", help="替换该年已录入的安排")

    def handle(self, *args, year: int, file: Path, replace: bool, **options) -> None:
        try:
            holidays, workdays = notice_read(data=file.read_bytes(), filename=file.name)
            holiday_year_enter(
                user=None, year=year, holidays=holidays, workdays=workdays, replace=replace
            )
        except OSError as error:
            raise CommandError(f"无法读取文件：{error}") from error
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"已录入 {year} 年放假安排：{len(holidays)} 段假期，{len(workdays)} 个调休上班日。"
            )
        )
