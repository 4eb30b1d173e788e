# ruff: noqa: S608 - the raw SQL is assembled from constant fragments.
"""The November 2026 bulletin (月通报) of the demo street names only chiefs who missed a whole
ended rule period: for each chief it names, the raw rows show a whole week, dekad or month that
ended in November, served in full, with fewer valid patrols than the rule's minimum; no chief
with enough patrols in every such period is named; cleaners are never in it.

The periods and the patrols are read here from the rule rows and the patrol rows (raw SQL), not
from patrols.selectors."""

import datetime
from collections import defaultdict

import pytest
from django.utils import timezone

from core.documents import build
from patrols.bulletins import BULLETINS
from patrols.models import Bulletin

from .documents import demo_street
from .test_report_placeholders import COUNTED_PATROL, rows, rule_rows, whole_periods

D = datetime.date
TODAY = timezone.localdate()
MONTH_FROM, MONTH_TO = D(2026, 11, 1), D(2026, 11, 30)

pytestmark = pytest.mark.skipif(
    TODAY <= MONTH_TO or TODAY.year != 2026, reason="the demo's November must have ended"
)


@pytest.fixture(scope="module")
def bulletin(django_db_setup, django_db_blocker, tmp_path_factory):
    with demo_street(django_db_blocker, tmp_path_factory, today=TODAY) as street:
        row = Bulletin.objects.create(street=street, month=MONTH_FROM, queued_at=timezone.now())
        built = build(BULLETINS, row.pk)
        assert built is not None and built.status == "done", built and built.error
        yield street, built.data


@pytest.fixture
def periods(bulletin, db):
    """Per chief of the street (general, street, community chiefs serving in November): every
    whole rule period ended in November (and before today) served in full, with the chief's
    valid patrols in it made while serving, and the rule's minimum."""
    street, _data = bulletin
    ids = [
        street.pk,
        *[pk for (pk,) in rows("SELECT id FROM rivers_region WHERE parent_id = %s", street.pk)],
    ]
    rules = rule_rows()
    last_end = min(MONTH_TO, TODAY - datetime.timedelta(days=1))
    patrol_days = defaultdict(list)
    for chief_id, day in rows(
        "SELECT p.chief_id, p.started_on FROM patrols_patrol p JOIN rivers_chief c "
        f"ON c.id = p.chief_id WHERE c.region_id = ANY(%s) AND {COUNTED_PATROL}",
        ids,
    ):
        patrol_days[chief_id].append(day)
    result = {}
    for chief_id, name, role, appointed, relieved in rows(
        "SELECT id, name, role, appointed_on, relieved_on FROM rivers_chief "
        "WHERE region_id = ANY(%s) AND role IN ('general_chief', 'street_chief', "
        "'community_chief') AND appointed_on <= %s AND (relieved_on IS NULL OR relieved_on >= %s)",
        ids,
        MONTH_TO,
        MONTH_FROM,
    ):
        owed = []
        for rule, start, end in whole_periods(rules, role, MONTH_FROM, last_end):
            if appointed <= start and (relieved is None or relieved >= end):
                done = sum(1 for day in patrol_days[chief_id] if start <= day <= end)
                owed.append((start, end, rule["period"], done, rule["min_count"]))
        result[chief_id] = {"name": name, "role": role, "owed": owed}
    return result


def test_every_named_chief_missed_a_whole_ended_period(bulletin, periods):
    _street, data = bulletin
    named = data["short"]
    assert named, "the demo has chiefs behind their rule in November"
    for chief in named:
        owed = periods[chief["chief_id"]]["owed"]
        missed = [
            (start, end, kind, done, need) for start, end, kind, done, need in owed if done < need
        ]
        assert missed, f"{chief['name']} is named but met the rule in every whole period: {owed}"
        for _start, end, _kind, _done, _need in missed:
            assert MONTH_FROM <= end <= MONTH_TO and end < TODAY


def test_no_chief_with_enough_patrols_in_every_whole_period_is_named(bulletin, periods):
    _street, data = bulletin
    named = {chief["chief_id"] for chief in data["short"]}
    for chief_id, row in periods.items():
        short = any(done < need for _s, _e, _k, done, need in row["owed"])
        assert (chief_id in named) == short, (row["name"], row["owed"])


def test_the_bulletin_lists_the_chiefs_and_never_cleaners(bulletin, periods):
    _street, data = bulletin
    listed = {chief["chief_id"] for chief in data["chiefs"]}
    assert listed == set(periods)
    assert {chief["role"] for chief in data["chiefs"]} <= {
        "general_chief",
        "street_chief",
        "community_chief",
    }
    # Required and counted per chief: the rule's minimum over the owed periods, and the patrols
    # of each period capped at it.
    for chief in data["chiefs"]:
        owed = periods[chief["chief_id"]]["owed"]
        assert chief["required"] == str(sum(need for *_r, need in owed)), chief["name"]
        assert chief["counted"] == sum(min(done, need) for *_r, done, need in owed), chief["name"]
