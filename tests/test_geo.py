"""WGS-84 to GCJ-02 at the map's edge: published reference pairs, and no shift outside China."""

import pytest

from core.geo import GCJ02, WGS84, line_to_crs, outside_china, to_crs, wgs84_to_gcj02

# (WGS-84 lat, lon) -> (GCJ-02 lat, lon), the reference pairs the eviltransform libraries test
# against (Shanghai, Shenzhen, Beijing) and one more in Beijing from an independent R package.
REFERENCE = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
    ((39.90734, 116.39089), (39.90874107, 116.39713094)),
]


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_gcj02_matches_the_reference_pairs_to_a_millimetre(wgs, gcj):
    lat, lon = wgs84_to_gcj02(*wgs)
    assert lat == pytest.approx(gcj[0], abs=1e-8)
    assert lon == pytest.approx(gcj[1], abs=1e-8)


def test_the_shift_in_china_is_hundreds_of_metres_not_zero():
    lat, lon = wgs84_to_gcj02(34.75, 113.62)  # Zhengzhou
    assert 0.0005 < abs(lat - 34.75) < 0.01
    assert 0.001 < abs(lon - 113.62) < 0.01


@pytest.mark.parametrize(
    "point",
    [(51.5074, -0.1278), (40.7128, -74.006), (-33.87, 151.21), (0.0, 0.0), (35.68, 139.9)],
)
def test_positions_outside_china_pass_through_unchanged(point):
    assert outside_china(*point)
    assert wgs84_to_gcj02(*point) == point


def test_wgs84_tiles_get_the_stored_positions_and_lines_keep_lon_lat_order():
    assert to_crs(39.911954, 116.377817, WGS84) == (39.911954, 116.377817)
    assert to_crs(39.911954, 116.377817, GCJ02) == wgs84_to_gcj02(39.911954, 116.377817)
    line = line_to_crs([[116.377817, 39.911954], [-0.1278, 51.5074]], GCJ02)
    assert line == [[116.384047, 39.913345], [-0.1278, 51.5074]]
