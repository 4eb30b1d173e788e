"""Which patrol rule is in force for a role in a month: the rule rows are the whole policy."""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from .models import PatrolRule
from .periods import period_bounds


@dataclass(frozen=True)
class Stretch:
    """One period of the rule in force: its full bounds, and the part inside the asked range."""

    rule: PatrolRule
    start: datetime.date
    end: datetime.date
    first: datetime.date
    last: datetime.date

    @property
    def share(self) -> Decimal:
        """The part of the period inside the range, as a fraction of the whole period."""
        return Decimal((self.last - self.first).days + 1) / Decimal(
            (self.end - self.start).days + 1
        )


@dataclass(frozen=True)
class Thresholds:
    min_minutes: int
    min_km: Decimal


class RuleBook:
    """All rules, loaded once, answering "which rule applies to this role in this month"."""

    def __init__(self, rules: Iterable[PatrolRule]) -> None:
        self._by_role: dict[str, list[PatrolRule]] = {}
        # A rule naming its months wins over a catch-all rule of the same role.
        for rule in sorted(rules, key=lambda r: (not r.months, r.pk or 0)):
            self._by_role.setdefault(rule.role, []).append(rule)

    @classmethod
    def load(cls) -> "RuleBook":
        return cls(PatrolRule.objects.all())

    @property
    def roles(self) -> set[str]:
        return set(self._by_role)

    def rules(self) -> list[PatrolRule]:
        return [rule for rules in self._by_role.values() for rule in rules]

    def rule_for(self, role: str, day: datetime.date) -> PatrolRule | None:
        for rule in self._by_role.get(role, ()):
            if not rule.months or day.month in rule.months:
                return rule
        return None

    def stretches(self, role: str, first: datetime.date, last: datetime.date) -> Iterator[Stretch]:
        """The periods that the rules in force for ``role`` cut [first, last] into, in order;
        days under no rule are skipped."""
        day = first
        while day <= last:
            rule = self.rule_for(role, day)
            if rule is None:
                day += datetime.timedelta(days=1)
                continue
            start, end = period_bounds(rule.period, day)
            stop = min(end, last)
            yield Stretch(rule=rule, start=start, end=end, first=day, last=stop)
            day = stop + datetime.timedelta(days=1)

    def thresholds(self, role: str, day: datetime.date) -> Thresholds:
        rule = self.rule_for(role, day)
        if rule is None:
            return Thresholds(
                min_minutes=settings.PATROL_DEFAULT_MIN_MINUTES,
                min_km=Decimal(str(settings.PATROL_DEFAULT_MIN_KM)),
            )
        return Thresholds(min_minutes=rule.min_minutes, min_km=rule.min_km)
