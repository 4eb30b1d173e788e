"""What the map of a record's detail page draws (templates/includes/place_map.html): a river's
reaches, a reach's line, a sign, outfall or facility on its reach, a patrol's track over its
reach. Each function takes the record and the account and returns ``core.maps.place_map`` data,
or None when the record has nothing to draw. The registry names the function per record."""

from django.utils.translation import gettext as _

from accounts.roles import OFFICE_ROLES
from core import maps
from patrols import selectors as patrol_selectors
from rivers.models import Reach


def _reach_line(reach: Reach | None, crs: str) -> dict | None:
    if reach is None or not reach.geometry:
        return None
    return maps.line(
        reach.geometry.get("coordinates") or [], role="reach", name=str(reach), crs=crs
    )


def river_map(river, user) -> dict | None:
    crs = maps.tile_crs()
    reaches = (
        Reach.objects.visible_to(user)
        .filter(river=river, geometry__isnull=False)
        .select_related("river")
        .order_by("name")
    )
    return maps.place_map(
        (_reach_line(reach, crs) for reach in reaches), label=_("%(name)s 的河段") % {"name": river}
    )


def reach_map(reach, user) -> dict | None:
    return maps.place_map([_reach_line(reach, maps.tile_crs())], label=str(reach))


def positioned_map(obj, user) -> dict | None:
    """A sign, an outfall or a facility: its point, on its reach."""
    crs = maps.tile_crs()
    point = None
    if obj.lat is not None and obj.lon is not None:
        point = maps.point(obj.lat, obj.lon, role="place", name=str(obj), crs=crs)
    return maps.place_map(
        [_reach_line(obj.reach, crs), point], label=_("%(name)s 的位置") % {"name": obj}
    )


def patrol_map(patrol, user) -> dict | None:
    """The patrol's track over its reach, its start and end and its findings; for the office
    also the track as received and the fixes dropped as drift."""
    crs = maps.tile_crs()
    staff = user.effective_role in OFFICE_ROLES
    raw = patrol_selectors.patrol_raw_track(patrol=patrol) if staff else None
    features = [_reach_line(patrol.reach, crs)]
    if raw:
        features.append(
            maps.line(raw.get("coordinates") or [], role="raw", name=_("原始轨迹"), crs=crs)
        )
    track = (patrol.track or {}).get("coordinates") or []
    features.append(maps.line(track, role="track", name=_("巡河轨迹"), crs=crs))
    dropped = patrol_selectors.patrol_dropped_fixes(raw_track=raw) if staff else []
    features += [
        maps.point(p.lat, p.lon, role="dropped", name=_("剔除的漂移点"), crs=crs) for p in dropped
    ]
    features += [
        maps.point(f.lat, f.lon, role="finding", name=f.description[:60], crs=crs)
        for f in patrol.findings.all()
        if f.lat is not None and f.lon is not None
    ]
    if len(track) >= 2:
        (start_lon, start_lat, *_rest), (end_lon, end_lat, *_rest) = track[0], track[-1]
        features.append(maps.point(start_lat, start_lon, role="start", name=_("起点"), crs=crs))
        features.append(maps.point(end_lat, end_lon, role="end", name=_("终点"), crs=crs))
    note = ""
    if staff and raw:
        note = _(
            "灰色虚线为收到的原始轨迹，红圈为按当前漂移规则剔除的点（提交时剔除 %(n)s 个）。"
        ) % {"n": patrol.points_dropped}
    return maps.place_map(features, label=_("巡河轨迹与河段"), note=note)
