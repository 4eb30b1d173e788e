"""Patrol dates: a chief files patrols of the last PATROL_MAX_AGE_DAYS days; the office files an
older one with a reason (marked late, audited); nothing before 2000; the track's own times lie
within the patrol's start and end."""

import datetime
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AuditAction, AuditEntry
from patrols.models import Patrol

from .test_patrols import at, walk

GPX = Path(__file__).parent / "data" / "patrol.gpx"  # recorded 2024-05-06 09:30-09:54 (UTC+8)


def _days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def _body(reach, start: datetime.datetime, minutes: int = 30, track=None, **extra) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "reach": reach.pk,
        "started_at": start.isoformat(),
        "ended_at": (start + datetime.timedelta(minutes=minutes)).isoformat(),
        "track": walk(start, minutes) if track is None else track,
        **extra,
    }


def _post(api, user, body):
    return api.as_user(user).post("/api/v1/patrols/", body, format="json")


def test_a_chief_files_a_patrol_of_seven_days_ago(api, chief_a1, street_a):
    response = _post(api, chief_a1, _body(street_a.reaches[0], at(_days_ago(7))))
    assert response.status_code == 201, response.content
    assert response.json()["filed_late"] is False


def test_a_chief_cannot_file_a_patrol_of_eight_days_ago(api, chief_a1, street_a):
    body = _body(street_a.reaches[0], at(_days_ago(8)), late_reason="忘记提交")
    response = _post(api, chief_a1, body)
    assert response.status_code == 400
    assert "只能提交 7 天内的巡河记录" in response.json()["started_at"][0]
    assert not Patrol.objects.exists()


def test_nine_months_back_is_refused_to_a_chief(api, chief_a1, street_a):
    response = _post(api, chief_a1, _body(street_a.reaches[0], at(_days_ago(270))))
    assert response.status_code == 400 and "started_at" in response.json()


def test_the_age_follows_the_setting(api, chief_a1, street_a, settings):
    settings.PATROL_MAX_AGE_DAYS = 30
    response = _post(api, chief_a1, _body(street_a.reaches[0], at(_days_ago(20))))
    assert response.status_code == 201, response.content


def test_the_office_files_an_old_patrol_only_with_a_reason(api, office_a, chief_a1, street_a):
    start = at(_days_ago(40))
    body = _body(street_a.reaches[0], start, chief=chief_a1.chief_id)
    response = _post(api, office_a, body)
    assert response.status_code == 400
    assert "须填写补录原因" in response.json()["late_reason"][0]
    body["late_reason"] = "   "
    assert _post(api, office_a, body).status_code == 400
    body["late_reason"] = "河长手机丢失，按纸质巡河记录补录"
    response = _post(api, office_a, body)
    assert response.status_code == 201, response.content
    patrol = Patrol.objects.get()
    assert patrol.filed_late is True
    assert patrol.late_reason == "河长手机丢失，按纸质巡河记录补录"
    assert response.json()["filed_late"] is True
    entry = AuditEntry.objects.get(
        action=AuditAction.CREATE, object_type="patrols.patrol", object_id=str(patrol.pk)
    )
    assert entry.user == office_a
    assert entry.changes["filed_late"] == [None, True]
    assert entry.changes["late_reason"] == [None, "河长手机丢失，按纸质巡河记录补录"]


def test_a_recent_patrol_filed_by_the_office_is_not_late(api, office_a, chief_a1, street_a):
    body = _body(street_a.reaches[0], at(_days_ago(2)), chief=chief_a1.chief_id)
    response = _post(api, office_a, body)
    assert response.status_code == 201 and response.json()["filed_late"] is False


@pytest.mark.parametrize("year", [1900, 1999])
def test_nothing_before_2000_even_from_the_office(api, office_a, chief_a1, street_a, year):
    chief = chief_a1.chief
    chief.appointed_on = datetime.date(1899, 1, 1)
    chief.save()
    body = _body(street_a.reaches[0], at(datetime.date(year, 12, 31)), chief=chief.pk)
    body["late_reason"] = "历史记录"
    response = _post(api, office_a, body)
    assert response.status_code == 400
    assert "2000 年" in response.json()["started_at"][0]
    assert not Patrol.objects.exists()


def test_track_times_before_the_start_are_refused(api, chief_a1, street_a):
    start = at(_days_ago(1), hour=10)
    track = walk(start - datetime.timedelta(hours=1), minutes=30)  # walked 09:00-09:30
    response = _post(api, chief_a1, _body(street_a.reaches[0], start, track=track))
    assert response.status_code == 400
    message = response.json()["track"][0]
    assert "轨迹时间" in message and "09:00" in message and "10:00" in message
    assert not Patrol.objects.exists()


def test_track_times_after_the_end_are_refused(api, chief_a1, street_a):
    start = at(_days_ago(1), hour=10)
    track = walk(start, minutes=60)  # the patrol says 30 minutes, the track walks on to 11:00
    response = _post(api, chief_a1, _body(street_a.reaches[0], start, minutes=30, track=track))
    assert response.status_code == 400 and "track" in response.json()


def test_a_few_minutes_of_clock_drift_are_tolerated(api, chief_a1, street_a):
    start = at(_days_ago(1), hour=10)
    track = walk(start - datetime.timedelta(minutes=4), minutes=38)  # 09:56-10:34 for 10:00-10:30
    response = _post(api, chief_a1, _body(street_a.reaches[0], start, track=track))
    assert response.status_code == 201, response.content


def test_a_gpx_whose_times_are_another_days_is_refused(api, office_a, chief_a1, street_a):
    start = at(datetime.date(2024, 5, 7), hour=9, minute=30)  # the GPX is of 6 May
    response = api.as_user(office_a).post(
        "/api/v1/patrols/",
        {
            "uuid": str(uuid.uuid4()),
            "chief": chief_a1.chief_id,
            "reach": street_a.reaches[0].pk,
            "started_at": start.isoformat(),
            "ended_at": (start + datetime.timedelta(minutes=24)).isoformat(),
            "late_reason": "补录",
            "gpx": SimpleUploadedFile("track.gpx", GPX.read_bytes()),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "轨迹时间" in response.json()["gpx"][0]
