"""WGS-84 to GCJ-02 (the "Mars" datum Chinese tile sets use), applied where positions leave.

Positions are stored in WGS-84, as phones' GPS reports them. Tianditu serves WGS-84 (CGCS2000,
close enough for a map); AutoNavi/Gaode and Tencent tiles are drawn in GCJ-02, which shifts a
point by some hundreds of metres. The shift is defined only inside China: outside the usual
bounding box the point is returned unchanged, as every implementation of the datum does.

The formula is the public one (offsets from a polynomial and sine series around 105°E 35°N,
scaled by the Krasovsky 1940 ellipsoid); its accuracy against the official converter is about
a metre.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass

# Krasovsky 1940: semi-major axis and first eccentricity squared.
_A = 6378245.0
_EE = 0.00669342162296594323

WGS84 = "wgs84"
GCJ02 = "gcj02"
CRS_CHOICES = (WGS84, GCJ02)


def outside_china(lat: float, lon: float) -> bool:
    """The bounding box GCJ-02 converters treat as China; outside it nothing is shifted."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _shift_lat(x: float, y: float) -> float:
    value = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    value += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    value += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    value += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2 / 3
    return value


def _shift_lon(x: float, y: float) -> float:
    value = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    value += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    value += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    value += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    return value


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """(lat, lon) in WGS-84 to (lat, lon) in GCJ-02; unchanged outside China."""
    lat, lon = float(lat), float(lon)
    if outside_china(lat, lon):
        return lat, lon
    d_lat = _shift_lat(lon - 105.0, lat - 35.0)
    d_lon = _shift_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + d_lat, lon + d_lon


def to_crs(lat: float, lon: float, crs: str) -> tuple[float, float]:
    """A stored WGS-84 position as the tile set named by ``crs`` wants it."""
    if crs == GCJ02:
        return wgs84_to_gcj02(lat, lon)
    return float(lat), float(lon)


def line_to_crs(coordinates: Iterable[Iterable[float]], crs: str) -> list[list[float]]:
    """GeoJSON ``[lon, lat]`` pairs converted for ``crs``, still as ``[lon, lat]``."""
    converted = []
    for lon, lat, *_rest in coordinates:
        new_lat, new_lon = to_crs(lat, lon, crs)
        converted.append([round(new_lon, 6), round(new_lat, 6)])
    return converted


MAX_LINE_POINTS = 2000


def validate_line_string(value) -> None:
    """A GeoJSON LineString in WGS-84: 2 to 2,000 ``[lon, lat]`` points within range."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if value in (None, ""):
        return
    if not isinstance(value, dict) or value.get("type") != "LineString":
        raise ValidationError(_("请提供 GeoJSON LineString（WGS-84 经纬度）。"))
    coordinates = value.get("coordinates")
    if not isinstance(coordinates, list) or not 2 <= len(coordinates) <= MAX_LINE_POINTS:
        raise ValidationError(_("线要素须有 2 至 %(max)s 个点。") % {"max": MAX_LINE_POINTS})
    for point in coordinates:
        if (
            not isinstance(point, list)
            or len(point) not in (2, 3)
            or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in point)
        ):
            raise ValidationError(_("每个点须为 [经度, 纬度]。"))
        lon, lat = point[0], point[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValidationError(_("经度须在 -180 至 180、纬度须在 -90 至 90 之间。"))


# --- Distances on the WGS-84 sphere (tracks, a public report near a sign, issues nearby) ----------

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class TrackPoint:
    lon: float
    lat: float
    time: datetime.datetime | None = None


def haversine_m(a: TrackPoint, b: TrackPoint) -> float:
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
