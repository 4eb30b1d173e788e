"""Patrols are partitioned by month of ``started_on`` (README, "Patrols are partitioned by
month"; patrols/migrations/0012): each patrol lands in its month's partition, a month's count
reads that partition only, the client's uuid stays unique across months, findings still go with
their patrol, the change history still records patrols, and the daily task keeps 12 months ahead.

The test database is migrated today: it has a partition for every month from January of last
year to 12 months ahead, and the default partition for anything else.
"""

import datetime
import uuid

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from issues.models import Issue
from patrols import checks, partitions
from patrols.models import Finding, Patrol
from patrols.tasks import keep_patrol_partitions

from . import factories


def _month(today: datetime.date, ahead: int) -> datetime.date:
    index = today.year * 12 + today.month - 1 + ahead
    return datetime.date(index // 12, index % 12 + 1, 1)


def _patrol_on(day: datetime.date, **extra) -> Patrol:
    start = datetime.datetime.combine(day, datetime.time(2, 0), tzinfo=datetime.UTC)
    return factories.PatrolFactory(started_at=start, started_on=day, **extra)


def _partition_of(patrol: Patrol) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM patrols_patrol WHERE id = %s", [patrol.pk]
        )
        return cursor.fetchone()[0]


def _drop(*names: str) -> None:
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP TABLE "{name}"')


@pytest.mark.django_db
def test_a_patrol_lands_in_its_months_partition():
    last_year = timezone.localdate().year - 1
    march = _patrol_on(datetime.date(last_year, 3, 15))
    assert _partition_of(march) == f"patrols_patrol_p{last_year}_03"
    assert Patrol.objects.get(pk=march.pk).started_on == datetime.date(last_year, 3, 15)


@pytest.mark.django_db
def test_a_patrol_of_a_month_long_past_lands_in_the_default_partition():
    old = _patrol_on(datetime.date(1998, 7, 1))
    assert _partition_of(old) == "patrols_patrol_default"
    assert list(Patrol.objects.filter(started_on__year=1998)) == [old]


@pytest.mark.django_db
def test_a_months_count_reads_that_months_partition_only():
    today = timezone.localdate()
    first, following = _month(today, 0), _month(today, 1)
    _patrol_on(first)
    _patrol_on(following)
    query = Patrol.objects.filter(started_on__gte=first, started_on__lt=following)
    plan = query.explain()
    scanned = {
        word for word in plan.replace("(", " ").split() if word.startswith("patrols_patrol_")
    }
    scanned = {name for name in scanned if not name.endswith(("_idx", "_pkey"))}
    assert scanned == {f"patrols_patrol_p{first:%Y_%m}"}, plan
    assert query.count() == 1


@pytest.mark.django_db
def test_the_same_uuid_with_another_start_is_refused_in_the_database():
    key = uuid.uuid4()
    today = timezone.localdate()
    _patrol_on(_month(today, 0), uuid=key)
    with pytest.raises(IntegrityError), transaction.atomic():
        _patrol_on(_month(today, -2), uuid=key)
    assert Patrol.objects.filter(uuid=key).count() == 1


@pytest.mark.django_db
def test_resubmitting_a_uuid_with_a_corrected_start_gives_the_first_patrol_back(
    api, chief_a1, street_a
):
    key = str(uuid.uuid4())
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=1)
    payload = {
        "uuid": key,
        "reach": street_a.reaches[0].pk,
        "started_at": start.isoformat(),
        "ended_at": (start + datetime.timedelta(minutes=30)).isoformat(),
    }
    client = api.as_user(chief_a1)
    first = client.post("/api/v1/patrols/", payload, format="json")
    corrected = dict(
        payload,
        started_at=(start - datetime.timedelta(days=40)).isoformat(),
        ended_at=(start - datetime.timedelta(days=40, minutes=-30)).isoformat(),
    )
    again = client.post("/api/v1/patrols/", corrected, format="json")
    assert first.status_code == 201, first.json()
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Patrol.objects.count() == 1


@pytest.mark.django_db
def test_a_patrol_moved_to_another_month_keeps_its_uuid_to_itself():
    today = timezone.localdate()
    patrol = _patrol_on(_month(today, 0))
    earlier = _month(today, -1)
    patrol.started_at = datetime.datetime.combine(earlier, datetime.time(2), tzinfo=datetime.UTC)
    patrol.started_on = earlier
    patrol.save()
    assert _partition_of(patrol) == f"patrols_patrol_p{earlier:%Y_%m}"
    with pytest.raises(IntegrityError), transaction.atomic():
        _patrol_on(_month(today, 0), uuid=patrol.uuid)


@pytest.mark.django_db
def test_deleting_a_patrol_deletes_its_findings_and_frees_its_issue():
    patrol = _patrol_on(_month(timezone.localdate(), 0))
    other = _patrol_on(_month(timezone.localdate(), 0))
    factories.FindingFactory(patrol=patrol)
    factories.FindingFactory(patrol=patrol)
    kept = factories.FindingFactory(patrol=other)
    issue = factories.IssueFactory(patrol=patrol, source="patrol")
    patrol.delete()
    assert list(Finding.objects.all()) == [kept]
    issue.refresh_from_db()
    assert issue.patrol_id is None
    assert Issue.objects.count() == 1
    # Its uuid is free again.
    _patrol_on(_month(timezone.localdate(), 0), uuid=patrol.uuid)


@pytest.mark.django_db
def test_the_history_records_a_patrols_change():
    patrol = _patrol_on(_month(timezone.localdate(), 0), notes="河面清洁")
    patrol.notes = "岸边有垃圾"
    patrol.save()
    event_model = apps.get_model("history", "PatrolsPatrolEvent")
    events = event_model.objects.filter(pgh_obj_id=patrol.pk).order_by("pgh_id")
    assert [(e.pgh_label, e.notes) for e in events] == [
        ("insert", "河面清洁"),
        ("update", "岸边有垃圾"),
    ]


@pytest.mark.django_db
def test_the_flush_empties_the_uuids_and_restarts_the_ids():
    key = uuid.uuid4()
    _patrol_on(_month(timezone.localdate(), 0), uuid=key)
    with connection.cursor() as cursor:
        # A flush runs in a transaction of its own: no deferred checks of the inserts pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    connection.ops.execute_sql_flush(
        connection.ops.sql_flush(no_style(), ["patrols_patrol"], reset_sequences=True)
    )
    again = _patrol_on(_month(timezone.localdate(), 0), uuid=key)
    assert again.pk == 1


def _future_names(today: datetime.date, *aheads: int) -> list[str]:
    return [f"patrols_patrol_p{_month(today, n):%Y_%m}" for n in aheads]


@pytest.mark.django_db
@pytest.mark.parametrize("partman", [True, False], ids=["pg_partman", "native"])
def test_the_daily_task_makes_the_missing_months_again_and_only_once(partman, monkeypatch):
    today = timezone.localdate()
    if not partman:
        monkeypatch.setattr(partitions, "partman_manages", lambda: False)
    elif not partitions.partman_manages():
        pytest.fail("pg_partman is not installed in the test database (.ci/run installs it)")
    missing = _future_names(today, 10, 11, 12)
    _drop(*missing)
    assert partitions.future_months(today=today) == 9
    assert sorted(keep_patrol_partitions()) == missing
    assert keep_patrol_partitions() == []
    assert partitions.future_months(today=today) == 12


@pytest.mark.django_db
def test_the_check_warns_when_fewer_than_three_months_ahead_have_a_partition():
    today = timezone.localdate()
    assert checks.patrol_partitions_check(today=today) == []
    _drop(*_future_names(today, 4, 5, 6, 7, 8, 9, 10, 11, 12))
    assert checks.patrol_partitions_check(today=today) == []
    _drop(*_future_names(today, 3))
    [warning] = checks.patrol_partitions_check(today=today)
    assert warning.id == "patrols.W002"
    assert warning.msg == "巡河记录只有 2 个以后月份的分区（应至少 3 个）。"


@pytest.mark.django_db
def test_the_check_says_when_pg_partman_does_not_keep_the_partitions(monkeypatch):
    monkeypatch.setattr(partitions, "partman_manages", lambda: False)
    [warning] = checks.patrol_partitions_check(today=timezone.localdate())
    assert warning.id == "patrols.W001"
    assert "pg_partman" in warning.msg and "postgresql-15-partman" in warning.hint


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_committed_patrol_is_flushed_after_the_test_with_its_uuid():
    # The flush after this test truncates the patrols (and, by trigger, their uuids); a leftover
    # uuid would refuse the same patrol in a later test.
    patrol = _patrol_on(_month(timezone.localdate(), 0))
    with connection.cursor() as cursor:
        cursor.execute("SELECT patrol_id FROM patrols_patrol_uuid WHERE uuid = %s", [patrol.uuid])
        assert cursor.fetchone() == (patrol.pk,)
