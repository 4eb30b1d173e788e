"""The phone patrol page for chief accounts, and the service worker that keeps it usable offline.

The patrol in progress lives in the phone's browser (IndexedDB) until the API has it, so a
dropped signal, a reload or a crash loses nothing. The service worker lets the page itself load
with no signal.
"""

import hashlib
import json

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from accounts.models import Role
from core import maps

SW_SOURCE = "patrols/sw-src.js"
# What the page needs to run with no signal; the service worker stores these on install.
OFFLINE_STATIC = (
    "css/portal.css",
    "patrols/phone.css",
    "patrols/idb.js",
    "patrols/phone.js",
    # The live track's map: drawn offline too, on a plain background.
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/leaflet.js",
    "css/map.css",
    "js/map.js",
    "patrols/track-map.js",
)


def _ui_strings() -> dict[str, str]:
    """Messages the page script shows, translated here so that the script holds no UI text.

    Placeholders are ``%(name)s``, as in the Python catalogue, so translators see one style.
    """
    return {
        "idle": _("未开始巡河"),
        "recording": _("记录中"),
        "recordingOffline": _("记录中 · 离线，已保存在本机"),
        "finished": _("巡河已结束，请填写记录后提交"),
        "offline": _("离线，已保存在本机"),
        "offlineQueued": _("离线，已保存在本机，联网后自动上传"),
        "uploading": _("正在上传"),
        "submitted": _("已提交"),
        "rejected": _("提交未通过，请查看原因"),
        "authNeeded": _("登录已过期，请重新登录；巡河记录已保存在本机，登录后自动上传"),
        "serverBusy": _("服务器暂时无法接收，已保存在本机，稍后自动重试"),
        "noStorage": _("此浏览器无法在本机保存数据，不能离线巡河。请换用系统自带浏览器或 Chrome。"),
        "storageError": _("保存到本机失败：%(error)s"),
        "noGeolocation": _("此浏览器不支持定位，无法记录轨迹。"),
        "geoDenied": _("未获得定位权限：请在浏览器设置中允许本页面使用位置信息。"),
        "geoUnavailable": _("暂时无法获取位置，正在继续尝试……"),
        "geoWaiting": _("正在获取位置……"),
        "otherTab": _("这次巡河正在本机另一个页面中记录，请关闭多余的页面。"),
        "geoAccuracy": _("定位精度约 %(m)s 米"),
        "geoPoor": _("定位精度较差（约 %(m)s 米），该点未记录"),
        "chooseReach": _("请先选择河段"),
        "describeFinding": _("请填写问题描述"),
        "findingSaved": _("已保存发现：%(text)s"),
        "noPosition": _("无位置"),
        "photoCount": _("%(n)s 张照片"),
        "removePhoto": _("删除这张照片"),
        "photoAlt": _("现场照片"),
        "confirmDiscard": _("确定删除本机保存的这条巡河记录吗？删除后无法恢复。"),
        "confirmDeleteFinding": _("确定删除这条发现吗？"),
        "queuedCount": _("待上传 %(n)s 条"),
        "resultValid": _("有效巡河，里程 %(km)s 公里"),
        "resultInvalid": _("本次巡河不计为有效：%(reason)s"),
        "reachLabel": _("河段：%(reach)s"),
        "startedAtLabel": _("开始：%(time)s"),
        "attemptFailed": _("上次上传失败（%(time)s），将自动重试"),
        "unknownError": _("未知错误"),
    }


@login_required
@ensure_csrf_cookie  # the script sends the CSRF cookie back in a header
@never_cache  # the service worker keeps the offline copy; the HTTP cache must not
@require_GET
def phone_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.effective_role != Role.CHIEF or user.chief_id is None:
        raise PermissionDenied(_("只有关联了河长名录的河长账号可以使用手机巡河。"))
    reaches = user.chief.reaches.select_related("river").order_by("river__name", "name")
    config = {
        "apiUrl": reverse("patrol-list"),
        # A credential per patrol, so that it uploads after the session ends (credentials.py).
        "credentialUrl": reverse("patrol-upload-credential"),
        "pageUrl": reverse("patrol-phone"),
        "swUrl": reverse("patrol-sw"),
        "swScope": _sw_scope(),
        # Stored with each patrol, so that on a shared phone one account never sends another's.
        "account": user.pk,
    }
    return render(
        request,
        "patrols/phone.html",
        {
            "reaches": reaches,
            "patrol_config": config,
            "patrol_strings": _ui_strings(),
            "patrol_map": _map_config(reaches),
        },
    )


def _map_config(reaches) -> dict:
    """The live map's basemap and each of the chief's reaches as drawn (track-map.js)."""
    crs = maps.tile_crs()
    lines = {}
    for reach in reaches:
        line = maps.line((reach.geometry or {}).get("coordinates") or [], role="reach", crs=crs)
        if line is not None:
            lines[str(reach.pk)] = line["geometry"]["coordinates"]
    return {"map": maps.basemap_config(), "reaches": lines}


def _sw_scope() -> str:
    # The folder the worker script is served from: it may control every page under it.
    return reverse("patrol-sw").rsplit("/", 1)[0] + "/"


def _static_bytes(path: str) -> bytes:
    found = finders.find(path)
    if found:
        with open(found, "rb") as file:
            return file.read()
    # A production image may hold only the collected copies.
    with staticfiles_storage.open(path) as file:
        return file.read()


@never_cache  # browsers must see a new version of the worker as soon as it is deployed
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker script, served from /patrols/ so that it may control the phone page.

    Its cache name carries a digest of every file it stores, so a deploy that changes any of
    them makes phones drop the old copies.
    """
    source = _static_bytes(SW_SOURCE)
    static_urls = [static(path) for path in OFFLINE_STATIC]
    digest = hashlib.sha256(source)
    for path, url in zip(OFFLINE_STATIC, static_urls, strict=True):
        digest.update(url.encode())
        digest.update(_static_bytes(path))
    config = {
        "version": digest.hexdigest()[:16],
        "pages": [reverse("patrol-phone")],
        "static": static_urls,
        "staticPrefix": static(""),
    }
    body = b"self.PATROL_SW_CONFIG = " + json.dumps(config).encode() + b";\n" + source
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = _sw_scope()
    return response
