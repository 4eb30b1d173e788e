"""Maps wherever there is a place: the map data on each record's page (a patrol's track over its
reach, with the dropped fixes for the office; an issue, a sign, an outfall, a facility, a reach,
a river), the basemap each setting gives, and the tile hosts the Content-Security-Policy allows.
The coordinates below are written by hand; the pages must hand them over unchanged (WGS-84)."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Role
from core import maps
from patrols.models import Finding
from tests import factories
from tests.conftest import make_account

REACH_LINE = [[113.6100, 34.7500], [113.6200, 34.7520], [113.6300, 34.7510]]
T0 = datetime.datetime(2024, 5, 6, 1, 0, tzinfo=datetime.UTC)


def _map_data(response) -> dict:
    html = response.content.decode()
    assert 'data-map-source="place-map-data"' in html
    found = re.search(r'<script id="place-map-data" type="application/json">(.*?)</script>', html)
    assert found, "the page hands its map over in json_script"
    return json.loads(found.group(1))


def _features(data: dict, role: str) -> list[dict]:
    return [f for f in data["features"]["features"] if f["properties"]["role"] == role]


def _coordinates(data: dict, role: str) -> list:
    return [f["geometry"]["coordinates"] for f in _features(data, role)]


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: sources
        for name, *sources in (part.split() for part in header.split(";") if part.strip())
    }


@pytest.fixture
def no_basemap(settings):
    settings.MAP_BASEMAP = ""
    settings.MAP_TILE_URL = ""
    settings.TIANDITU_KEY = ""
    settings.MAP_TILE_CRS = "wgs84"


@pytest.fixture
def mapped_reach(street_a):
    reach = street_a.reaches[0]
    reach.geometry = {"type": "LineString", "coordinates": REACH_LINE}
    reach.save()
    return reach


def _patrol(reach, chief):
    patrol = factories.PatrolFactory(
        chief=chief,
        reach=reach,
        points_dropped=1,
        # As filed: the third fix is 7 km from the second ten seconds later (drift, dropped).
        track_raw={
            "type": "LineString",
            "coordinates": [
                [113.6200, 34.7500],
                [113.6201, 34.7500],
                [113.7000, 34.7500],
                [113.6202, 34.7501],
            ],
            "times": [(T0 + datetime.timedelta(seconds=10 * n)).isoformat() for n in range(4)],
        },
        track={
            "type": "LineString",
            "coordinates": [[113.6200, 34.7500], [113.6201, 34.7500], [113.6202, 34.7501]],
        },
    )
    Finding.objects.create(
        patrol=patrol, description="岸边垃圾", lat=Decimal("34.750050"), lon=Decimal("113.620150")
    )
    return patrol


# --- each page's map ----------------------------------------------------------------------------


def test_patrol_page_draws_the_track_over_its_reach_with_start_end_and_for_the_office_the_drift(
    client, office_a, street_a, mapped_reach, no_basemap
):
    patrol = _patrol(mapped_reach, street_a.chiefs[0])
    client.force_login(office_a)
    response = client.get(reverse("workbench:detail", args=["patrols", patrol.pk]))
    assert response.status_code == 200
    data = _map_data(response)
    assert _coordinates(data, "reach") == [REACH_LINE]
    assert _coordinates(data, "track") == [
        [[113.62, 34.75], [113.6201, 34.75], [113.6202, 34.7501]]
    ]
    assert _coordinates(data, "start") == [[113.62, 34.75]]
    assert _coordinates(data, "end") == [[113.6202, 34.7501]]
    assert _coordinates(data, "raw") == [
        [[113.62, 34.75], [113.6201, 34.75], [113.7, 34.75], [113.6202, 34.7501]]
    ]
    assert _coordinates(data, "dropped") == [[113.7, 34.75]]
    assert _coordinates(data, "finding") == [[113.62015, 34.75005]]
    legend = [item["role"] for item in data["legend"]]
    assert legend == ["reach", "raw", "track", "dropped", "finding", "start", "end"]
    html = response.content.decode()
    assert "剔除的漂移点" in html and "map-swatch-dropped" in html
    assert "3 个点（见地图）" in html  # the track field reads its points, not "已填写"


def test_a_chief_sees_the_track_but_not_the_raw_fixes(client, street_a, mapped_reach, no_basemap):
    chief = street_a.chiefs[0]
    patrol = _patrol(mapped_reach, chief)
    client.force_login(make_account(Role.CHIEF, chief.region, chief=chief))
    data = _map_data(client.get(reverse("workbench:detail", args=["patrols", patrol.pk])))
    assert _coordinates(data, "track") == [
        [[113.62, 34.75], [113.6201, 34.75], [113.6202, 34.7501]]
    ]
    assert _features(data, "raw") == []
    assert _features(data, "dropped") == []
    assert (
        "map-swatch-dropped"
        not in client.get(reverse("workbench:detail", args=["patrols", patrol.pk])).content.decode()
    )


def test_issue_page_maps_the_issue_on_its_reach_and_keeps_the_coordinates_as_text(
    client, office_a, mapped_reach, no_basemap
):
    issue = factories.IssueFactory(
        reach=mapped_reach, lat=Decimal("34.751200"), lon=Decimal("113.623400")
    )
    client.force_login(office_a)
    response = client.get(reverse("issue-page", args=[issue.pk]))
    assert response.status_code == 200
    data = _map_data(response)
    assert _coordinates(data, "place") == [[113.6234, 34.7512]]
    assert _coordinates(data, "reach") == [REACH_LINE]
    assert "34.751200, 113.623400" in response.content.decode()  # still there to copy


def test_issue_with_no_position_and_no_reach_line_has_no_map(client, office_a, street_a):
    issue = factories.IssueFactory(reach=street_a.reaches[1], lat=None, lon=None)
    client.force_login(office_a)
    html = client.get(reverse("issue-page", args=[issue.pk])).content.decode()
    assert "place-map-data" not in html
    assert "leaflet.js" not in html


@pytest.mark.parametrize("slug", ["signs", "outfalls", "facilities"])
def test_a_positioned_records_page_maps_its_point_on_its_reach(
    client, office_a, mapped_reach, no_basemap, slug
):
    maker = {
        "signs": factories.SignFactory,
        "outfalls": factories.OutfallFactory,
        "facilities": factories.FacilityFactory,
    }[slug]
    record = maker(reach=mapped_reach, lat=Decimal("34.752345"), lon=Decimal("113.621234"))
    client.force_login(office_a)
    response = client.get(reverse("workbench:detail", args=[slug, record.pk]))
    assert response.status_code == 200
    data = _map_data(response)
    assert _coordinates(data, "place") == [[113.621234, 34.752345]]
    assert _coordinates(data, "reach") == [REACH_LINE]
    html = response.content.decode()
    assert "34.752345" in html and "113.621234" in html  # the coordinates as text too


def test_river_page_draws_its_reaches_and_reach_page_its_line(
    client, office_a, street_a, mapped_reach, no_basemap
):
    other = street_a.reaches[1]
    other.geometry = {"type": "LineString", "coordinates": [[113.63, 34.7510], [113.64, 34.7490]]}
    other.save()
    client.force_login(office_a)
    river_page = reverse("workbench:detail", args=["rivers", mapped_reach.river_id])
    data = _map_data(client.get(river_page))
    assert sorted(_coordinates(data, "reach")) == sorted(
        [REACH_LINE, [[113.63, 34.751], [113.64, 34.749]]]
    )
    data = _map_data(client.get(reverse("workbench:detail", args=["reaches", mapped_reach.pk])))
    assert _coordinates(data, "reach") == [REACH_LINE]


def test_positions_are_shifted_to_gcj02_for_tiles_drawn_in_it(
    client, office_a, mapped_reach, settings
):
    settings.MAP_BASEMAP = "xyz"
    settings.MAP_TILE_URL = "https://tiles.example.cn/{z}/{x}/{y}.png"
    settings.MAP_TILE_CRS = "gcj02"
    # A published WGS-84 / GCJ-02 reference pair (Beijing), as the dashboard's test uses.
    sign = factories.SignFactory(
        reach=mapped_reach, lat=Decimal("39.911954"), lon=Decimal("116.377817")
    )
    client.force_login(office_a)
    data = _map_data(client.get(reverse("workbench:detail", args=["signs", sign.pk])))
    assert _coordinates(data, "place") == [[116.384047, 39.913345]]


def test_the_phone_page_hands_its_live_map_the_chiefs_reach_lines(client, db, no_basemap):
    reach = factories.ReachFactory(geometry={"type": "LineString", "coordinates": REACH_LINE})
    unmapped = factories.ReachFactory(region=reach.region)
    chief = factories.ChiefFactory(region=reach.region, reaches=[reach, unmapped])
    client.force_login(factories.UserFactory(role=Role.CHIEF, chief=chief, region=chief.region))
    html = client.get("/patrols/phone/").content.decode()
    found = re.search(
        r'<script id="patrol-map-config" type="application/json">(.*?)</script>', html
    )
    config = json.loads(found.group(1))
    assert config["reaches"] == {str(reach.pk): REACH_LINE}
    assert config["map"] == {"basemap": "none", "tiles": [], "crs": "wgs84"}
    assert 'id="patrol-map"' in html
    assert html.index("leaflet.js") < html.index("track-map.js") < html.index("phone.js")


# --- the basemap --------------------------------------------------------------------------------

TIANDITU_VEC = (
    "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=0123456789abcdef0123456789abcdef"
)
TIANDITU_CVA = TIANDITU_VEC.replace("vec_w", "cva_w").replace("LAYER=vec", "LAYER=cva")
TIANDITU_HOSTS = [f"https://t{n}.tianditu.gov.cn" for n in range(8)]


def test_tianditu_vector_is_a_base_and_a_label_overlay_with_the_key(settings):
    settings.MAP_BASEMAP = "tianditu-vec"
    settings.TIANDITU_KEY = "0123456789abcdef0123456789abcdef"
    settings.MAP_TILE_CRS = "gcj02"  # for an XYZ server only: Tianditu is WGS-84
    config = maps.basemap_config()
    assert config["basemap"] == "tianditu-vec"
    assert config["crs"] == "wgs84"
    assert [(t["url"], t["subdomains"], t["overlay"]) for t in config["tiles"]] == [
        (TIANDITU_VEC, "01234567", False),
        (TIANDITU_CVA, "01234567", True),
    ]


def test_tianditu_imagery_uses_img_and_cia(settings):
    settings.MAP_BASEMAP = "tianditu-img"
    settings.TIANDITU_KEY = "0123456789abcdef0123456789abcdef"
    urls = [t["url"] for t in maps.basemap_config()["tiles"]]
    assert urls == [
        TIANDITU_VEC.replace("vec_w", "img_w").replace("LAYER=vec", "LAYER=img"),
        TIANDITU_VEC.replace("vec_w", "cia_w").replace("LAYER=vec", "LAYER=cia"),
    ]


def test_an_xyz_server_is_one_layer_and_is_chosen_by_its_url_alone(settings):
    settings.MAP_BASEMAP = ""
    settings.MAP_TILE_URL = "http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "区测绘院"
    settings.MAP_TILE_SUBDOMAINS = ""
    config = maps.basemap_config()
    assert config["basemap"] == "xyz"
    assert config["tiles"] == [
        {
            "url": "http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png",
            "subdomains": "abc",
            "attribution": "区测绘院",
            "maxZoom": 18,
            "overlay": False,
        }
    ]


@pytest.mark.parametrize(
    ("basemap", "key", "url"),
    [
        ("none", "0123456789abcdef", "https://tiles.example.cn/{z}/{x}/{y}.png"),
        ("", "", ""),
        ("tianditu-vec", "", ""),  # no key: no tiles rather than refused ones
        ("tianditu-img", "bad key\"'", ""),
        ("xyz", "", ""),
        ("google", "", ""),
    ],
)
def test_no_usable_basemap_means_no_tiles(settings, basemap, key, url):
    settings.MAP_BASEMAP = basemap
    settings.TIANDITU_KEY = key
    settings.MAP_TILE_URL = url
    config = maps.basemap_config()
    assert config["basemap"] == "none"
    assert config["tiles"] == []


def test_the_page_map_and_the_dashboard_carry_the_same_basemap(
    client, settings, office_a, street_a, mapped_reach
):
    settings.MAP_BASEMAP = "tianditu-img"
    settings.TIANDITU_KEY = "0123456789abcdef0123456789abcdef"
    sign = factories.SignFactory(reach=mapped_reach)
    client.force_login(office_a)
    page = _map_data(client.get(reverse("workbench:detail", args=["signs", sign.pk])))
    assert page["map"]["basemap"] == "tianditu-img"
    assert [t["overlay"] for t in page["map"]["tiles"]] == [False, True]
    leader = make_account(Role.LEADER, street_a.street)
    client.force_login(leader)
    html = client.get(reverse("dashboard")).content.decode()
    found = re.search(
        r'<script id="dashboard-map-config" type="application/json">(.*?)</script>', html
    )
    assert json.loads(found.group(1))["map"] == page["map"]
    assert html.index("js/map.js") < html.index("js/dashboard.js")


# --- the Content-Security-Policy ----------------------------------------------------------------


def test_tianditu_hosts_are_allowed_only_when_tianditu_is_configured(client, settings, db):
    settings.MAP_TILE_URL = ""
    settings.MAP_BASEMAP = ""
    settings.TIANDITU_KEY = "0123456789abcdef0123456789abcdef"
    assert _policy(client.get("/accounts/login/"))["img-src"] == ["'self'", "data:", "blob:"]
    settings.MAP_BASEMAP = "tianditu-vec"
    assert _policy(client.get("/accounts/login/"))["img-src"] == [
        "'self'",
        "data:",
        "blob:",
        *TIANDITU_HOSTS,
    ]
    settings.TIANDITU_KEY = ""  # chosen but unusable: nothing is asked of Tianditu
    assert _policy(client.get("/accounts/login/"))["img-src"] == ["'self'", "data:", "blob:"]


def test_an_xyz_servers_host_is_allowed_and_not_tianditus(client, settings, db):
    settings.MAP_BASEMAP = "xyz"
    settings.TIANDITU_KEY = "0123456789abcdef0123456789abcdef"
    settings.MAP_TILE_URL = "http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png"
    policy = _policy(client.get("/accounts/login/"))
    assert policy["img-src"] == ["'self'", "data:", "blob:", "http://10.1.2.3:8080"]
    assert policy["connect-src"] == ["'self'"]
