"""A mixed load on the portal, as a working morning of a street office looks (run by run.sh).

- Chiefs (河长) file patrols from their phones: a track with times, one finding, a small JPEG
  photo, a fresh uuid each time (multipart, as the phone page sends it), and open /me/.
- Office staff (河长办) list issues through the API's filters and on the issue page, open new
  issues and move them: assign to a community, then remind.
- Leaders (领导) open /dashboard/ and read /api/v1/dashboard/, its map and /api/v1/stats/.

Accounts are the demo logins of seed_demo. Every request is named by its endpoint so the
statistics group by endpoint, not by id. A response other than the one expected is a failure.
"""

import datetime
import io
import json
import math
import os
import random
import re
import uuid

import requests
from locust import HttpUser, between, events, task
from PIL import Image

CHIEF = ("chief", os.environ.get("LOAD_CHIEF_PASSWORD", "Demo-Chief-2024!"))
OFFICE = ("office", os.environ.get("LOAD_OFFICE_PASSWORD", "Demo-Office-2024!"))
LEADER = ("leader", os.environ.get("LOAD_LEADER_PASSWORD", "Demo-Leader-2024!"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _jpeg() -> bytes:
    """A small phone-like photo (640x480 JPEG, about 10 KB)."""
    image = Image.new("RGB", (640, 480), (70, 130, 160))
    for y in range(0, 480, 40):
        image.paste((40 + y // 4, 110, 90), (0, y, 640, y + 20))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


PHOTO = _jpeg()
RNG = random.Random()  # noqa: S311 - the load's pattern, not secrets  # nosec B311
LOGINS: dict[str, tuple[str, str]] = {}


@events.test_start.add_listener
def log_in_once(environment, **kwargs) -> None:
    """One token and one browser session per account, before the users start: a password check
    costs a PBKDF2 run (~0.3 s of CPU) and a morning's users are long logged in, so logins are
    not part of the load. Many users then share an account's token and session."""
    for username, password in (CHIEF, OFFICE, LEADER):
        http = requests.Session()
        response = http.post(
            f"{environment.host}/api/v1/auth/token/",
            json={"username": username, "password": password},
            timeout=30,
        )
        response.raise_for_status()
        page = http.get(f"{environment.host}/accounts/login/", timeout=30)
        http.post(
            f"{environment.host}/accounts/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": CSRF.search(page.text).group(1),
            },
            headers={"Referer": f"{environment.host}/accounts/login/"},
            timeout=30,
        )
        if "sessionid" not in http.cookies:
            raise RuntimeError(f"the login form did not log {username} in")
        LOGINS[username] = (response.json()["token"], http.cookies["sessionid"])


class PortalUser(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    account: tuple[str, str]

    def on_start(self) -> None:
        token, session = LOGINS[self.account[0]]
        self.api = {"Authorization": f"Token {token}"}
        self.client.cookies.set("sessionid", session)

    def get_api(self, path: str, name: str, **params):
        with self.client.get(
            path, params=params, headers=self.api, name=name, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.text[:200]}")
                return None
            return response.json()

    def get_page(self, path: str, name: str, must_contain: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200 or must_contain not in response.text:
                response.failure(f"{response.status_code} at {response.url}")


class ChiefUser(PortalUser):
    weight = 5
    account = CHIEF

    def on_start(self) -> None:
        super().on_start()
        reaches = self.get_api("/api/v1/reaches/", "/api/v1/reaches/")
        self.reaches = [r["id"] for r in reaches["results"]] if reaches else []

    @task(2)
    def file_a_patrol_with_a_photo(self) -> None:
        if not self.reaches:
            return
        ended = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
        started = ended - datetime.timedelta(minutes=30)
        # A walk of about 1.2 km along a bank, one point every 30 s.
        lat0 = round(34.75 + RNG.random() / 50, 6)
        lon0 = round(113.62 + RNG.random() / 50, 6)
        points, times = [], []
        for i in range(61):
            points.append([lon0 + i * 0.0002, lat0 + 0.0001 * math.sin(i / 5)])
            times.append((started + datetime.timedelta(seconds=30 * i)).isoformat())
        finding = {"description": "河面有漂浮垃圾", "lat": lat0, "lon": round(lon0 + 0.003, 6)}
        with self.client.post(
            "/api/v1/patrols/",
            data={
                "uuid": str(uuid.uuid4()),
                "reach": str(RNG.choice(self.reaches)),
                "started_at": started.isoformat(),
                "ended_at": ended.isoformat(),
                "track": json.dumps({"type": "LineString", "coordinates": points, "times": times}),
                "findings": json.dumps([finding]),
                "notes": "例行巡河",
            },
            files={"finding_0_photos": ("photo.jpg", PHOTO, "image/jpeg")},
            headers=self.api,
            name="/api/v1/patrols/ POST (photo)",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code} {response.text[:200]}")

    @task(3)
    def my_page(self) -> None:
        self.get_page("/me/", "/me/", "<h1")

    @task(1)
    def my_patrols(self) -> None:
        self.get_api("/api/v1/patrols/", "/api/v1/patrols/", ordering="-started_at")


class OfficeUser(PortalUser):
    weight = 3
    account = OFFICE

    def on_start(self) -> None:
        super().on_start()
        reaches = self.get_api("/api/v1/reaches/", "/api/v1/reaches/")
        self.reaches = [(r["id"], r["region"]) for r in reaches["results"]] if reaches else []
        self.mine: list[int] = []  # issues this user opened and assigned, to remind

    @task(4)
    def list_issues_with_filters(self) -> None:
        filters = RNG.choice(
            [
                {"status": "assigned"},
                {"status": "reported", "ordering": "-reported_at"},
                {"overdue": "true"},
                {"category": "garbage", "ordering": "deadline"},
                {"search": "垃圾"},
                {"source": "patrol", "page": "2"},
            ]
        )
        self.get_api("/api/v1/issues/", "/api/v1/issues/?filters", **filters)

    @task(2)
    def issue_list_page(self) -> None:
        self.get_page("/issues/?status=assigned", "/issues/?status=assigned", "<table")

    @task(1)
    def open_assign_and_remind_an_issue(self) -> None:
        if not self.reaches:
            return
        reach, region = RNG.choice(self.reaches)
        with self.client.post(
            "/api/v1/issues/",
            json={
                "title": "河道内有建筑垃圾",
                "description": "巡查发现，需清运",
                "category": "dumping",
                "source": "office",
                "reach": reach,
            },
            headers=self.api,
            name="/api/v1/issues/ POST",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code} {response.text[:200]}")
                return
            issue = response.json()["id"]
        self._act(issue, {"action": "assign", "assignee": {"region": region}, "comment": "请处理"})
        self.mine.append(issue)

    @task(1)
    def remind(self) -> None:
        if self.mine:
            self._act(RNG.choice(self.mine), {"action": "remind", "comment": "请抓紧"})

    def _act(self, issue: int, body: dict) -> None:
        with self.client.post(
            f"/api/v1/issues/{issue}/actions/",
            json=body,
            headers=self.api,
            name=f"/api/v1/issues/[id]/actions/ {body['action']}",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.text[:200]}")


class LeaderUser(PortalUser):
    weight = 2
    account = LEADER

    @task(2)
    def dashboard_page(self) -> None:
        self.get_page("/dashboard/", "/dashboard/", "dashboard-charts")

    @task(2)
    def dashboard_api(self) -> None:
        self.get_api("/api/v1/dashboard/", "/api/v1/dashboard/")

    @task(1)
    def dashboard_map(self) -> None:
        self.get_api("/api/v1/dashboard/map/", "/api/v1/dashboard/map/")

    @task(2)
    def stats(self) -> None:
        today = datetime.date.today()
        self.get_api(
            "/api/v1/stats/",
            "/api/v1/stats/",
            date_from=today.replace(month=1, day=1).isoformat(),
            date_to=today.isoformat(),
        )
