"""The portal's maps: the basemap drawn under every map, and the GeoJSON a page hands to
static/js/map.js.

The basemap is chosen in settings (``MAP_BASEMAP``): Tianditu's vector or imagery tiles with
their label overlay (``tianditu-vec``: ``vec_w`` + ``cva_w``; ``tianditu-img``: ``img_w`` +
``cia_w``; both need ``TIANDITU_KEY``), any XYZ tile server (``xyz``: ``MAP_TILE_URL``, e.g. an
intranet one) or ``none``. Left empty it is ``xyz`` when ``MAP_TILE_URL`` is set, else ``none``.
With no basemap, or offline, the maps draw their geometry on a plain background and ask for no
tiles. The Content-Security-Policy (core.security) allows images from the chosen tile hosts only.

Positions are stored in WGS-84. Tianditu draws in CGCS2000 (within a metre of WGS-84); an XYZ
server says its datum in ``MAP_TILE_CRS`` (``gcj02`` for AutoNavi and Tencent tiles), and
positions are converted on the way out (core.geo).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from . import geo

logger = logging.getLogger(__name__)

TIANDITU_VEC = "tianditu-vec"
TIANDITU_IMG = "tianditu-img"
XYZ = "xyz"
NONE = "none"
BASEMAPS = (TIANDITU_VEC, TIANDITU_IMG, XYZ, NONE)

# Tianditu's WMTS in Web Mercator ("_w"), asked for tile by tile with Leaflet's {z}/{y}/{x}; the
# layer named in the path and in LAYER= must agree. Hosts t0 to t7 serve the same tiles.
TIANDITU_URL = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)
TIANDITU_SUBDOMAINS = "01234567"
TIANDITU_LAYERS = {TIANDITU_VEC: ("vec", "cva"), TIANDITU_IMG: ("img", "cia")}
TIANDITU_MAX_ZOOM = 18
XYZ_MAX_ZOOM = 18
# A Tianditu key is 32 hexadecimal digits; anything URL-safe is let through, nothing else.
_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


_warned: set[str] = set()


def _warn_once(message: str, *args: object) -> None:
    """A setting that cannot work is said once per process, not on every request."""
    text = message % args
    if text not in _warned:
        _warned.add(text)
        logger.warning(text)


def basemap() -> str:
    """The basemap in force: one of ``BASEMAPS``, ``none`` when the one chosen cannot work."""
    chosen = (getattr(settings, "MAP_BASEMAP", "") or "").strip().lower()
    tile_url = getattr(settings, "MAP_TILE_URL", "")
    if not chosen:
        return XYZ if tile_url else NONE
    if chosen not in BASEMAPS:
        _warn_once("MAP_BASEMAP %r is not one of %s: no basemap", chosen, ", ".join(BASEMAPS))
        return NONE
    if chosen in TIANDITU_LAYERS:
        key = getattr(settings, "TIANDITU_KEY", "")
        if not key or not _KEY.match(key):
            _warn_once("MAP_BASEMAP=%s needs a valid TIANDITU_KEY: no basemap", chosen)
            return NONE
    if chosen == XYZ and not tile_url:
        _warn_once("MAP_BASEMAP=xyz needs MAP_TILE_URL: no basemap")
        return NONE
    return chosen


def tile_crs() -> str:
    """The datum the basemap draws in, which positions are converted to."""
    if basemap() in TIANDITU_LAYERS:
        return geo.WGS84
    return getattr(settings, "MAP_TILE_CRS", geo.WGS84) or geo.WGS84


def tile_layers() -> list[dict[str, Any]]:
    """The basemap's tile layers, bottom first, as Leaflet's ``L.tileLayer`` takes them; an
    ``overlay`` is drawn over the base (Tianditu's labels). Empty: no tiles at all."""
    kind = basemap()
    if kind in TIANDITU_LAYERS:
        key = settings.TIANDITU_KEY
        attribution = '&copy; <a href="https://www.tianditu.gov.cn/">{}</a>'.format(_("天地图"))
        return [
            {
                "url": TIANDITU_URL.replace("{layer}", layer).replace("{key}", key),
                "subdomains": TIANDITU_SUBDOMAINS,
                "attribution": attribution if not overlay else "",
                "maxZoom": TIANDITU_MAX_ZOOM,
                "overlay": overlay,
            }
            for layer, overlay in zip(TIANDITU_LAYERS[kind], (False, True), strict=True)
        ]
    if kind == XYZ:
        return [
            {
                "url": settings.MAP_TILE_URL,
                "subdomains": getattr(settings, "MAP_TILE_SUBDOMAINS", "") or "abc",
                "attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", ""),
                "maxZoom": XYZ_MAX_ZOOM,
                "overlay": False,
            }
        ]
    return []


def basemap_config() -> dict[str, Any]:
    """What static/js/map.js needs to draw the basemap: its name, its layers and its datum."""
    return {"basemap": basemap(), "tiles": tile_layers(), "crs": tile_crs()}


# --- GeoJSON for a page's map ------------------------------------------------------------------

# Each feature has a ``role`` that says how map.js draws it and how the legend names it.
ROLE_LABELS = {
    "reach": lambda: _("河段"),
    "track": lambda: _("巡河轨迹（去除漂移并抽稀）"),
    "raw": lambda: _("原始轨迹"),
    "dropped": lambda: _("剔除的漂移点"),
    "start": lambda: _("起点"),
    "end": lambda: _("终点"),
    "finding": lambda: _("巡河发现"),
    "place": lambda: _("位置"),
}


def point(lat: Any, lon: Any, *, role: str, name: str = "", crs: str | None = None) -> dict:
    """A GeoJSON Point feature at a stored WGS-84 position, in the basemap's datum."""
    lat, lon = geo.to_crs(lat, lon, crs or tile_crs())
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": {"role": role, "name": name},
    }


def line(
    coordinates: Iterable[Sequence[float]], *, role: str, name: str = "", crs: str | None = None
) -> dict | None:
    """A GeoJSON LineString feature from ``[lon, lat]`` pairs; None for fewer than two."""
    converted = geo.line_to_crs(coordinates or [], crs or tile_crs())
    if len(converted) < 2:
        return None
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": converted},
        "properties": {"role": role, "name": name},
    }


def place_map(features: Iterable[dict | None], *, label: str = "", note: str = "") -> dict | None:
    """The data of one page's map (templates/includes/place_map.html): the features, a legend
    of the roles drawn, in the order first drawn, and the basemap. None when there is nothing
    to draw: the page then shows no map."""
    drawn = [f for f in features if f]
    if not drawn:
        return None
    roles = list(dict.fromkeys(f["properties"]["role"] for f in drawn))
    return {
        "label": label or _("地图"),
        "note": note,
        "features": {"type": "FeatureCollection", "features": drawn},
        "legend": [{"role": role, "label": str(ROLE_LABELS[role]())} for role in roles],
        "map": basemap_config(),
    }
