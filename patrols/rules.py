"""Which patrol rule is in force for a role on a day: the rule rows are the whole policy.

A rule row is in force from its valid_from to its valid_to (open when empty), in its months (all
months when it names none); on a day, a rule naming the day's month wins over a catch-all one.
"""

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
class WholePeriod:
    """A whole period of one rule, under that same rule on every one of its days."""

    rule: PatrolRule
    start: datetime.date
    end: datetime.date


# The longest period, a quarter, starts at most this many days before it ends.
LONGEST_PERIOD = datetime.timedelta(days=92)
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Thresholds:
    min_minutes: int
    min_km: Decimal


class RuleBook:
    """All rules, loaded once, answering "which rule applies to this role on this day"."""

    def __init__(self, rules: Iterable[PatrolRule]) -> None:
        self._by_role: dict[str, list[PatrolRule]] = {}
        # A rule naming its months wins over a catch-all rule of the same role.
        for rule in sorted(rules, key=lambda r: (not r.months, r.valid_from, r.pk or 0)):
            self._by_role.setdefault(rule.role, []).append(rule)
        self._cache: dict[tuple[str, datetime.date], PatrolRule | None] = {}

    @classmethod
    def load(cls) -> "RuleBook":
        return cls(PatrolRule.objects.all())

    @property
    def roles(self) -> set[str]:
        return set(self._by_role)

    def rules(self) -> list[PatrolRule]:
        return [rule for rules in self._by_role.values() for rule in rules]

    def roles_between(self, first: datetime.date, last: datetime.date) -> set[str]:
        """The roles with a rule in force on some day of [first, last]."""
        return {rule.role for rule in self.rules() if rule.in_force_between(first, last)}

    def rule_for(self, role: str, day: datetime.date) -> PatrolRule | None:
        key = (role, day)
        if key not in self._cache:
            self._cache[key] = next(
                (
                    rule
                    for rule in self._by_role.get(role, ())
                    if rule.in_force_on(day) and (not rule.months or day.month in rule.months)
                ),
                None,
            )
        return self._cache[key]

    def whole_periods(
        self, role: str, first_end: datetime.date, last_end: datetime.date
    ) -> Iterator[WholePeriod]:
        """The whole periods of the rules for ``role`` that end in [first_end, last_end], in
        order: a period counts only when the same rule is in force on every day of it, so a
        period cut by a rule's start, end or change of months is no period at all."""
        day = first_end - LONGEST_PERIOD
        while day <= last_end:
            rule = self.rule_for(role, day)
            if rule is None:
                day += ONE_DAY
                continue
            start, end = period_bounds(rule.period, day)
            cut = next(
                (d for d in _days(start, end) if self.rule_for(role, d) is not rule and d > day),
                None,
            )
            whole = cut is None and all(self.rule_for(role, d) is rule for d in _days(start, day))
            if whole and first_end <= end <= last_end:
                yield WholePeriod(rule=rule, start=start, end=end)
            day = end + ONE_DAY if cut is None else cut

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


def _days(first: datetime.date, last: datetime.date) -> Iterator[datetime.date]:
    day = first
    while day <= last:
        yield day
        day += ONE_DAY
