"""The demo's river plans (一河一策) for `manage.py seed_demo`: a further stage of
``demo.street.build_demo``, run after the logins.

The first street's office writes a plan for two of the rivers it manages, from last year to next
year, through the plans' own services (so every write is audited as the office's): a few tasks
done, one under way, one or two past their due date (the office's to-do counts them) and the rest
to come, with dated progress notes. Dates follow ``today``, so the demo reads the same whenever
it is seeded.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING

from accounts.models import Role, User
from rivers.models import River, RiverPlan, TaskStatus
from rivers.services_plans import river_plan_create, river_plan_task_note_add

if TYPE_CHECKING:
    from .street import StreetPlan

DAY = datetime.timedelta(days=1)


def _plans(river: River, end: int, today: datetime.date, street) -> list[dict]:
    """Two plans' problems, goals and tasks: (title, unit, region, due, status, notes)."""
    return [
        {
            "problems": (
                f"1. {river.name}部分岸段存在垃圾堆放、违规种植等“四乱”问题。\n"
                "2. 沿河两处生活污水直排口尚未截污，汛期水质波动。\n"
                "3. 部分河长公示牌信息陈旧。"
            ),
            "goals": (
                f"{today.year}年底前完成直排口截污纳管；{end}年水质稳定达到III类，"
                "岸线“四乱”动态清零。"
            ),
            "tasks": [
                (
                    "清理岸线垃圾与违规种植",
                    "",
                    street,
                    today - 60 * DAY,
                    TaskStatus.DONE,
                    ["已清理垃圾12吨，拆除违规种植3处。", "复查无反弹，任务完成。"],
                ),
                (
                    "两处生活污水直排口截污纳管",
                    "区住建局",
                    None,
                    today - 20 * DAY,
                    TaskStatus.IN_PROGRESS,
                    ["完成管网设计。", "一处已接驳，另一处因管位冲突待协调。"],
                ),
                (
                    "设置并更新河长公示牌",
                    "区河长办",
                    None,
                    today - 120 * DAY,
                    TaskStatus.DONE,
                    ["全线公示牌信息已更新。"],
                ),
                (
                    "实施生态补水与岸坡绿化",
                    "区水利局",
                    None,
                    datetime.date(end, 10, 31),
                    TaskStatus.PLANNED,
                    [],
                ),
            ],
        },
        {
            "problems": (
                f"1. {river.name}河道淤积，局部阻水。\n2. 沿河散养畜禽，雨后面源污染明显。"
            ),
            "goals": f"{end}年底前完成清淤疏浚，畜禽养殖污染整治到位，河道行洪通畅。",
            "tasks": [
                (
                    "排查入河排污口并建立台账",
                    "生态环境分局",
                    None,
                    today - 90 * DAY,
                    TaskStatus.DONE,
                    ["排查排污口6处，已建立台账。"],
                ),
                (
                    "清除河道淤积与阻水障碍",
                    "区水利局",
                    None,
                    today + 45 * DAY,
                    TaskStatus.IN_PROGRESS,
                    ["已完成清淤方案编制，进场施工。"],
                ),
                (
                    "沿河畜禽养殖污染整治",
                    "区农业农村局",
                    street,
                    today - 5 * DAY,
                    TaskStatus.PLANNED,
                    [],
                ),
                (
                    "建设滨河步道与警示标志",
                    "",
                    street,
                    datetime.date(end, 6, 30),
                    TaskStatus.PLANNED,
                    [],
                ),
            ],
        },
    ]


def build_river_plans(*, streets: Sequence[StreetPlan], today: datetime.date) -> int:
    """Plans for two rivers of the first street among ``streets``; returns how many tasks."""
    for plan in streets:
        if plan.number != 1:
            continue
        office = (
            User.objects.filter(role=Role.OFFICE, region=plan.street, is_active=True)
            .order_by("pk")
            .first()
        )
        if office is None:
            return 0
        rivers = list(River.objects.managed_by(office).order_by("code")[:2])
        start, end = today.year - 1, today.year + 1
        count = 0
        for index, river in enumerate(rivers):
            if RiverPlan.objects.filter(river=river).exists():
                continue
            content = _plans(river, end, today, plan.street)[index]
            river_plan = river_plan_create(
                user=office,
                river=river,
                title=f"{river.name}“一河一策”实施方案（{start}—{end}年）",
                start_year=start,
                end_year=end,
                problems=content["problems"],
                goals=content["goals"],
                tasks=[
                    {
                        "title": title,
                        "responsible_unit": unit,
                        "responsible_region": region,
                        "due": due,
                        "status": status,
                    }
                    for title, unit, region, due, status, _notes in content["tasks"]
                ],
            )
            tasks = {task.title: task for task in river_plan.tasks.all()}
            for title, *_rest, notes in content["tasks"]:
                for text in notes:
                    river_plan_task_note_add(user=office, task=tasks[title], text=text)
            count += len(tasks)
        return count
    return 0
