"""The demo's map patches (图斑复核) for `manage.py seed_demo`: a further stage of
``demo.street.build_demo``, run after the activities.

The first street gets this month's pushed list of suspected obstructions, imported through the
office's own import (``map_patches.services.patch_batch_import``) and not yet checked on site,
so that the office's home has patches to verify, as any week of real work would. Each patch lies
a few dozen metres from one of the street's signs, on a river the street answers for.
"""

from __future__ import annotations

import datetime
import io
import random
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from accounts.models import Role, User
from map_patches.services import patch_batch_import

if TYPE_CHECKING:
    from .street import StreetPlan

PATCHES = 4
NOTES = (
    "疑似河道内违规堆放建筑垃圾",
    "疑似临河新建构筑物",
    "疑似河道内违规种植",
    "疑似围垦占用河道",
)


def build_map_patches(*, streets: Sequence[StreetPlan], today: datetime.date, seed: str) -> int:
    """Import one pending batch for the first street among ``streets`` (written in this run);
    returns how many patches were imported."""
    for plan in streets:
        if plan.number != 1 or not plan.signs:
            continue
        office = (
            User.objects.filter(role=Role.OFFICE, region=plan.street, is_active=True)
            .order_by("pk")
            .first()
        )
        if office is None:
            return 0
        rng = random.Random(f"{seed}-patches-{plan.number}")  # noqa: S311 - repeatable demo  # nosec B311
        signs = rng.sample(plan.signs, min(PATCHES, len(plan.signs)))
        lines = ["图斑编号,纬度,经度,备注"]
        for n, sign in enumerate(signs, start=1):
            lat = Decimal(sign.lat) + Decimal(rng.randint(-40, 40)) / 100000
            lon = Decimal(sign.lon) + Decimal(rng.randint(-40, 40)) / 100000
            lines.append(f"TB{today:%Y%m}{n:03d},{lat:.6f},{lon:.6f},{NOTES[(n - 1) % len(NOTES)]}")
        sheet = io.BytesIO("\n".join(lines).encode("utf-8"))
        sheet.name = f"图斑清单{today:%Y%m}.csv"
        batch = patch_batch_import(
            user=office,
            region=plan.street,
            file=sheet,
            name=f"{today.year}年{today.month}月疑似碍洪图斑",
        )
        return batch.patches.count()
    return 0
