"""`manage.py seed_demo [--scale N]`: load the demo organisation and print its logins."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.street import COUNT_LABELS, MAX_SCALE, DemoResult, build_demo


class Command(BaseCommand):
    help = (
        "创建演示数据：示范区、东风街道及其社区、河流、河段、河长名录、公示牌、排污口、"
        "涉河设施和每个角色的演示账号。可重复运行；--scale N 生成 N 个街道用于压力测试。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help=f"街道数量（1-{MAX_SCALE}），第一个之外的街道只有数据、没有账号。默认 1。",
        )

    def handle(self, *args, scale: int, **options) -> None:
        if not 1 <= scale <= MAX_SCALE:
            raise CommandError(f"--scale 必须在 1 到 {MAX_SCALE} 之间。")
        result = build_demo(scale=scale, stdout=self.stdout)
        self._print_summary(result)

    def _print_summary(self, result: DemoResult) -> None:
        if result.created:
            streets, seconds = len(result.new_streets), result.seconds
            self.stdout.write(
                self.style.SUCCESS(f"已创建 {streets} 个街道的演示数据，用时 {seconds:.1f} 秒。")
            )
        else:
            self.stdout.write(f"演示数据已存在（{result.county.name}），未重复创建。")
        self.stdout.write(f"\n{result.county.name}（{result.county.code}）现有：")
        for key, label in COUNT_LABELS.items():
            self.stdout.write(f"  {label}：{result.counts[key]}")
        self.stdout.write("\n演示账号：")
        for item in result.accounts:
            account = item.account
            line = f"  {account.username:<8} {account.password:<20} {account.description}"
            if not item.password_works:
                line += "（该用户名已存在且密码不同，未改动）"
            self.stdout.write(line)
