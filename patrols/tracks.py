"""GPS tracks: read (GeoJSON or GPX), drop impossible jumps, measure, simplify for display.

Positions are WGS-84. Distances use the haversine formula; simplification works in a local
equirectangular projection in metres, which is exact enough over a patrol's few kilometres.
"""

import datetime
import itertools
import math
from typing import IO, Any

import gpxpy
import gpxpy.gpx
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from shapely.geometry import LineString

from core.geo import EARTH_RADIUS_M, TrackPoint, haversine_m


class TrackError(ValueError):
    """The track cannot be read; the message says why, for the user."""


def _point(lon: Any, lat: Any, time: datetime.datetime | None, index: int) -> TrackPoint:
    try:
        lon_f, lat_f = float(lon), float(lat)
    except (TypeError, ValueError) as error:
        raise TrackError(_("第 %(n)d 个点的坐标不是数字。") % {"n": index + 1}) from error
    if not (math.isfinite(lon_f) and math.isfinite(lat_f)) or abs(lat_f) > 90 or abs(lon_f) > 180:
        raise TrackError(
            _("第 %(n)d 个点的坐标超出范围（经度 -180~180，纬度 -90~90）。") % {"n": index + 1}
        )
    return TrackPoint(lon=lon_f, lat=lat_f, time=time)


def _parse_time(value: Any, index: int) -> datetime.datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        raise TrackError(_("第 %(n)d 个时间不是带时区的 ISO 8601 时间。") % {"n": index + 1})
    return parsed


def from_geojson(track: Any) -> list[TrackPoint]:
    """A GeoJSON LineString (or a Feature holding one), with an optional ``times`` list: one
    timestamp per point, as a member of the geometry or of the feature's properties."""
    if not isinstance(track, dict):
        raise TrackError(_("轨迹必须是 GeoJSON LineString 对象。"))
    times = track.get("times")
    if track.get("type") == "Feature":
        properties = track.get("properties") or {}
        times = times or (properties.get("times") if isinstance(properties, dict) else None)
        track = track.get("geometry")
        if not isinstance(track, dict):
            raise TrackError(_("轨迹必须是 GeoJSON LineString 对象。"))
        times = times or track.get("times")
    if track.get("type") != "LineString":
        raise TrackError(_("轨迹必须是 GeoJSON LineString 对象。"))
    coordinates = track.get("coordinates")
    if not isinstance(coordinates, list):
        raise TrackError(_("轨迹缺少坐标列表 coordinates。"))
    if times is not None and (not isinstance(times, list) or len(times) != len(coordinates)):
        raise TrackError(_("times 必须是与坐标一一对应的时间列表。"))
    points = []
    for index, position in enumerate(coordinates):
        if not isinstance(position, list | tuple) or len(position) < 2:
            raise TrackError(_("第 %(n)d 个点应为 [经度, 纬度]。") % {"n": index + 1})
        time = _parse_time(times[index], index) if times is not None else None
        points.append(_point(position[0], position[1], time, index))
    return points


def from_gpx(file: IO[bytes]) -> list[TrackPoint]:
    """Every track point of every segment of a GPX 1.0/1.1 file, in order."""
    try:
        gpx = gpxpy.parse(file.read().decode("utf-8-sig"))
    except (gpxpy.gpx.GPXException, UnicodeDecodeError, ValueError) as error:
        raise TrackError(_("无法读取 GPX 文件，请确认文件完整且为 GPX 格式。")) from error
    points = []
    for track in gpx.tracks:
        for segment in track.segments:
            for point in segment.points:
                time = point.time
                if time is not None and time.tzinfo is None:
                    time = time.replace(tzinfo=datetime.UTC)  # GPX times are UTC
                points.append(_point(point.longitude, point.latitude, time, len(points)))
    if not points:
        # Some phones record routes rather than tracks.
        for route in gpx.routes:
            for point in route.points:
                points.append(_point(point.longitude, point.latitude, point.time, len(points)))
    if not points:
        raise TrackError(_("GPX 文件中没有轨迹点。"))
    return points


def drop_jumps(
    points: list[TrackPoint], *, max_speed_kmh: float, max_gap_m: float
) -> tuple[list[TrackPoint], int]:
    """Drop points no walker or boat could reach from the last kept point (GPS drift).

    With times, a point is a jump if the speed to it exceeds ``max_speed_kmh``; without, if it
    lies more than ``max_gap_m`` away. Returns the kept points and how many were dropped.
    """
    kept, dropped = split_jumps(points, max_speed_kmh=max_speed_kmh, max_gap_m=max_gap_m)
    return kept, len(dropped)


def split_jumps(
    points: list[TrackPoint], *, max_speed_kmh: float, max_gap_m: float
) -> tuple[list[TrackPoint], list[TrackPoint]]:
    """``drop_jumps``' verdict point by point: the kept points and the dropped ones (jumps, and
    fixes out of time order), each list in the track's order."""
    if not points:
        return [], []
    kept = [points[0]]
    dropped = []
    max_speed_ms = max_speed_kmh / 3.6
    for point in points[1:]:
        last = kept[-1]
        distance = haversine_m(last, point)
        if point.time is not None and last.time is not None:
            seconds = (point.time - last.time).total_seconds()
            if seconds < 0:
                dropped.append(point)  # out of order: a replayed or duplicated fix
                continue
            jump = distance > max(seconds, 1) * max_speed_ms
        else:
            jump = distance > max_gap_m
        if jump:
            dropped.append(point)
        else:
            kept.append(point)
    return kept, dropped


def length_km(points: list[TrackPoint]) -> float:
    return sum(haversine_m(a, b) for a, b in itertools.pairwise(points)) / 1000


def simplify(points: list[TrackPoint], *, tolerance_m: float) -> list[list[float]]:
    """The track for display: [lon, lat] pairs, Douglas-Peucker within ``tolerance_m``."""
    if len(points) < 3:
        return [[p.lon, p.lat] for p in points]
    lat0 = math.radians(points[0].lat)
    scale_x = math.cos(lat0) * EARTH_RADIUS_M * math.pi / 180
    scale_y = EARTH_RADIUS_M * math.pi / 180
    projected = LineString([(p.lon * scale_x, p.lat * scale_y) for p in points])
    simplified = projected.simplify(tolerance_m, preserve_topology=False)
    return [[round(x / scale_x, 6), round(y / scale_y, 6)] for x, y in simplified.coords]


def to_geojson(points: list[TrackPoint]) -> dict:
    """The raw track as stored: a LineString with its ``times`` when the client sent them."""
    track: dict[str, Any] = {"type": "LineString", "coordinates": [[p.lon, p.lat] for p in points]}
    if points and all(p.time is not None for p in points):
        track["times"] = [p.time.isoformat() for p in points]
    return track
