"""The map of an issue's page (templates/includes/place_map.html): where it was found, on its
reach. Kept apart from the page's view so that the map is one line of its context."""

from django.utils.translation import gettext as _

from core import maps

from .models import Issue


def issue_map(issue: Issue) -> dict | None:
    crs = maps.tile_crs()
    features = []
    reach = issue.reach
    if reach is not None and reach.geometry:
        features.append(
            maps.line(
                reach.geometry.get("coordinates") or [], role="reach", name=str(reach), crs=crs
            )
        )
    if issue.lat is not None and issue.lon is not None:
        features.append(maps.point(issue.lat, issue.lon, role="place", name=issue.code, crs=crs))
    return maps.place_map(features, label=_("问题 %(code)s 的位置") % {"code": issue.code})
