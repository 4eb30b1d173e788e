"""Each channel's request against a local HTTP server standing in for the provider (Aliyun SMS,
Tencent Cloud SMS, WeCom and DingTalk robots): method, path, headers, the signature worked out
here independently, the JSON fields; the provider's refusals recorded with its message; a
failing provider retried on the backoff table and then shown failed to the office, who retry."""

import base64
import datetime
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Role
from notifications import channels as channels_module
from notifications.channels import aliyun_signature, dingtalk_sign, tc3_authorization
from notifications.models import Delivery, DeliveryStatus, Notification, NotificationKind
from notifications.services import delivery_send, notify
from notifications.tasks import sweep_deliveries

from .conftest import make_account

NOW = 1700000000  # 2023-11-14 22:13:20 UTC
PORTAL = "notifications.channels.PortalChannel"


@dataclass
class Received:
    method: str
    path: str
    raw_query: str
    query: dict
    headers: dict
    body: bytes


@dataclass
class Provider:
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    answers: list[tuple[int, object]] = field(default_factory=list)
    default: tuple[int, object] = (200, {})

    def answer(self, status: int, body: object) -> None:
        self.default = (status, body)


@pytest.fixture
def provider(monkeypatch):
    """A local server that records every request and answers ``provider.default`` (or the
    queued ``answers`` first): JSON for a dict, the text itself for a string."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    state = Provider()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            split = urllib.parse.urlsplit(self.path)
            state.requests.append(
                Received(
                    method=self.command,
                    path=split.path,
                    raw_query=split.query,
                    query=dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length),
                )
            )
            status, body = state.answers.pop(0) if state.answers else state.default
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header(
                "Content-Type", "application/json" if isinstance(body, dict) else "text/plain"
            )
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr(channels_module.HttpChannel, "now", lambda self: float(NOW))
    monkeypatch.setattr(channels_module.HttpChannel, "nonce", lambda self: "nonce-1")


@pytest.fixture
def configured(settings, provider):
    settings.PUBLIC_BASE_URL = "https://hz.example.cn"
    settings.ALIYUN_SMS_ENDPOINT = f"{provider.url}/"
    settings.ALIYUN_SMS_ACCESS_KEY_ID = "test-id"
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "test-secret"
    settings.ALIYUN_SMS_SIGN_NAME = "河长办"
    settings.ALIYUN_SMS_TEMPLATE_CODE = "SMS_100"
    settings.TENCENT_SMS_ENDPOINT = f"{provider.url}/"
    settings.TENCENT_SMS_SECRET_ID = "AKIDtest"
    settings.TENCENT_SMS_SECRET_KEY = "tencent-key"
    settings.TENCENT_SMS_SDK_APP_ID = "1400000001"
    settings.TENCENT_SMS_SIGN_NAME = "河长办"
    settings.TENCENT_SMS_TEMPLATE_ID = "2000001"
    settings.WECOM_ROBOT_URL = f"{provider.url}/cgi-bin/webhook/send"
    settings.WECOM_ROBOT_KEY = "wecom-key"
    settings.DINGTALK_ROBOT_URL = f"{provider.url}/robot/send"
    settings.DINGTALK_ROBOT_ACCESS_TOKEN = "ding-token"
    settings.DINGTALK_ROBOT_SECRET = "SECtest"
    return settings


@pytest.fixture
def chief(chief_a1):
    chief_a1.first_name = "张河长"
    chief_a1.save(update_fields=["first_name"])
    chief_a1.chief.phone = "13800000001"
    chief_a1.chief.save(update_fields=["phone"])
    return chief_a1


def send_one(settings, capture, user, channel: str, *, key: str = "k1") -> Delivery:
    settings.NOTIFICATION_CHANNELS = [PORTAL, f"notifications.channels.{channel}"]
    with capture(execute=True):
        notify(
            recipients=[user],
            kind=NotificationKind.REMIND,
            title="催办：WT-1 河道垃圾",
            body="请抓紧整改。",
            dedup_key=key,
            url="/issues/7/",
        )
    return Delivery.objects.exclude(channel="portal").get(notification__dedup_key__startswith=key)


# --- the signatures, against the providers' own published examples -----------------------------


def test_aliyun_signature_matches_the_providers_example():
    # Aliyun's documented SendSms example (RPC signature v1, AccessKeySecret "testSecret").
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert aliyun_signature(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert aliyun_expected(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_tencent_signature_matches_the_providers_example():
    # Tencent Cloud's documented API 3.0 example (DescribeInstances of cvm, 2019-02-25).
    authorization = tc3_authorization(
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        host="cvm.tencentcloudapi.com",
        payload=(
            '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], '
            '"Name": "instance-name"}]}'
        ),
        timestamp=1551113065,
        service="cvm",
    )
    assert authorization == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/"
        "tc3_request, SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


def test_dingtalk_sign_is_hmac_sha256_of_timestamp_and_secret():
    # printf '1700000000000\nSECtest' | openssl dgst -sha256 -hmac SECtest -binary | base64
    expected = "aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g="
    assert dingtalk_sign(secret="SECtest", timestamp_ms=1700000000000) == expected


# The test's own implementations, to check what arrived at the server.


def aliyun_expected(params: dict, secret: str) -> str:
    def enc(text: str) -> str:
        return urllib.parse.quote(text, safe="~")

    canonical = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
    to_sign = "GET&%2F&" + enc(canonical)
    return base64.b64encode(
        hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    ).decode()


def tencent_expected(*, secret_key: str, host: str, body: bytes, timestamp: int) -> str:
    date = datetime.datetime.fromtimestamp(timestamp, datetime.UTC).date().isoformat()
    canonical = (
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\n"
        f"host:{host}\n\ncontent-type;host\n{hashlib.sha256(body).hexdigest()}"
    )
    to_sign = (
        f"TC3-HMAC-SHA256\n{timestamp}\n{date}/sms/tc3_request\n"
        f"{hashlib.sha256(canonical.encode()).hexdigest()}"
    )
    key = ("TC3" + secret_key).encode()
    for part in (date, "sms", "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


# --- each provider's request shape ---------------------------------------------------------------


def test_aliyun_sms_request(
    configured, provider, fixed_clock, chief, django_capture_on_commit_callbacks
):
    provider.answer(200, {"Code": "OK", "Message": "OK", "BizId": "1", "RequestId": "r"})
    delivery = send_one(configured, django_capture_on_commit_callbacks, chief, "AliyunSmsChannel")
    assert (delivery.status, delivery.attempts, delivery.error) == (DeliveryStatus.SENT, 1, "")
    [request] = provider.requests
    assert (request.method, request.path) == ("GET", "/")
    query = dict(request.query)
    signature = query.pop("Signature")
    assert query == {
        "AccessKeyId": "test-id",
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": "13800000001",
        "RegionId": "cn-hangzhou",
        "SignName": "河长办",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "nonce-1",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_100",
        "TemplateParam": query["TemplateParam"],
        "Timestamp": "2023-11-14T22:13:20Z",
        "Version": "2017-05-25",
    }
    assert json.loads(query["TemplateParam"]) == {"kind": "催办", "title": "催办：WT-1 河道垃圾"}
    assert signature == aliyun_expected(query, "test-secret")


def test_tencent_sms_request(
    configured, provider, fixed_clock, chief, django_capture_on_commit_callbacks
):
    provider.answer(
        200,
        {
            "Response": {
                "SendStatusSet": [{"Code": "Ok", "Message": "send success", "SerialNo": "1"}],
                "RequestId": "r",
            }
        },
    )
    delivery = send_one(configured, django_capture_on_commit_callbacks, chief, "TencentSmsChannel")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
    [request] = provider.requests
    assert (request.method, request.path) == ("POST", "/")
    host = provider.url.removeprefix("http://")
    headers = request.headers
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["host"] == host
    assert headers["x-tc-action"] == "SendSms"
    assert headers["x-tc-version"] == "2021-01-11"
    assert headers["x-tc-region"] == "ap-guangzhou"
    assert headers["x-tc-timestamp"] == "1700000000"
    expected = tencent_expected(
        secret_key="tencent-key", host=host, body=request.body, timestamp=NOW
    )
    assert headers["authorization"] == (
        "TC3-HMAC-SHA256 Credential=AKIDtest/2023-11-14/sms/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={expected}"
    )
    assert json.loads(request.body) == {
        "PhoneNumberSet": ["+8613800000001"],
        "SmsSdkAppId": "1400000001",
        "SignName": "河长办",
        "TemplateId": "2000001",
        "TemplateParamSet": ["催办", "催办：WT-1 河道垃圾"],
    }


def test_wecom_robot_request(configured, provider, chief, django_capture_on_commit_callbacks):
    provider.answer(200, {"errcode": 0, "errmsg": "ok"})
    delivery = send_one(configured, django_capture_on_commit_callbacks, chief, "WeComRobotChannel")
    assert delivery.status == DeliveryStatus.SENT
    [request] = provider.requests
    assert (request.method, request.path) == ("POST", "/cgi-bin/webhook/send")
    assert request.query == {"key": "wecom-key"}
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body) == {
        "msgtype": "text",
        "text": {
            "content": "【河长制】@张河长 催办：WT-1 河道垃圾\n请抓紧整改。\n"
            "https://hz.example.cn/issues/7/",
            "mentioned_mobile_list": ["13800000001"],
        },
    }


def test_dingtalk_robot_request(
    configured, provider, fixed_clock, chief, django_capture_on_commit_callbacks
):
    provider.answer(200, {"errcode": 0, "errmsg": "ok"})
    delivery = send_one(
        configured, django_capture_on_commit_callbacks, chief, "DingTalkRobotChannel"
    )
    assert delivery.status == DeliveryStatus.SENT
    [request] = provider.requests
    assert (request.method, request.path) == ("POST", "/robot/send")
    # The sign is URL-encoded in the query (its "=" as %3D), and decodes to the HMAC.
    assert request.raw_query == (
        "access_token=ding-token&timestamp=1700000000000"
        "&sign=aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g%3D"
    )
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body) == {
        "msgtype": "text",
        "text": {
            "content": "【河长制】@张河长 催办：WT-1 河道垃圾\n请抓紧整改。\n"
            "https://hz.example.cn/issues/7/"
        },
        "at": {"atMobiles": ["13800000001"], "isAtAll": False},
    }


def test_sms_only_for_accounts_with_a_phone(
    configured, provider, office_a, django_capture_on_commit_callbacks
):
    configured.NOTIFICATION_CHANNELS = [PORTAL, "notifications.channels.AliyunSmsChannel"]
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[office_a], kind="remind", title="t", body="b", dedup_key="x")
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["portal"]
    assert provider.requests == []


# --- refusals: the provider's message on the row, tried again later ----------------------------

REFUSALS = [
    (
        "AliyunSmsChannel",
        200,
        {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控"},
        "isv.BUSINESS_LIMIT_CONTROL: 触发分钟级流控",
    ),
    (
        "TencentSmsChannel",
        200,
        {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "签名错误"}}},
        "AuthFailure.SignatureFailure: 签名错误",
    ),
    (
        "TencentSmsChannel",
        200,
        {
            "Response": {
                "SendStatusSet": [
                    {"Code": "LimitExceeded.PhoneNumberDailyLimit", "Message": "单日超限"}
                ]
            }
        },
        "LimitExceeded.PhoneNumberDailyLimit: 单日超限",
    ),
    ("WeComRobotChannel", 200, {"errcode": 93000, "errmsg": "invalid webhook url"}, "93000"),
    ("DingTalkRobotChannel", 200, {"errcode": 310000, "errmsg": "sign not match"}, "310000"),
    ("WeComRobotChannel", 502, "Bad Gateway", "HTTP 502: Bad Gateway"),
]


@pytest.mark.parametrize(("channel", "status", "answer", "error"), REFUSALS)
def test_a_refusal_is_recorded_and_retried_later(
    configured, provider, chief, django_capture_on_commit_callbacks, channel, status, answer, error
):
    provider.answer(status, answer)
    before = timezone.now()
    delivery = send_one(configured, django_capture_on_commit_callbacks, chief, channel)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert error in delivery.error
    # Due again one minute later (the first step of the backoff table).
    assert (
        before + datetime.timedelta(minutes=1)
        <= delivery.next_attempt_at
        <= timezone.now() + datetime.timedelta(minutes=1)
    )
    # Not due yet: sending it again now does nothing.
    assert delivery_send(delivery_id=delivery.pk) is None
    assert len(provider.requests) == 1


def test_an_unreachable_provider_is_a_failure_with_its_reason(
    configured, chief, django_capture_on_commit_callbacks
):
    configured.WECOM_ROBOT_URL = "http://127.0.0.1:9/cgi-bin/webhook/send"  # discard: refused
    delivery = send_one(configured, django_capture_on_commit_callbacks, chief, "WeComRobotChannel")
    assert delivery.status == DeliveryStatus.PENDING
    assert "ConnectionError" in delivery.error


# --- the backoff table, the last attempt, the office's page ----------------------------------


class Clock:
    def __init__(self, start: datetime.datetime):
        self.now = start

    def __call__(self) -> datetime.datetime:
        return self.now


def test_a_failing_provider_is_retried_on_the_table_then_failed_and_shown_to_the_office(
    configured,
    provider,
    chief,
    office_a,
    office_b,
    client,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    provider.answer(200, {"errcode": 310000, "errmsg": "sign not match"})
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    clock = Clock(start)
    monkeypatch.setattr(timezone, "now", clock)
    configured.NOTIFICATION_MAX_ATTEMPTS = 5
    configured.NOTIFICATION_RETRY_MINUTES = [1, 5, 30, 120]
    delivery = send_one(
        configured, django_capture_on_commit_callbacks, chief, "DingTalkRobotChannel"
    )
    seen = [(delivery.attempts, delivery.next_attempt_at)]
    # Minutes after the start at which each retry is due: 1, 1+5, 6+30, 36+120.
    for due_minutes in (1, 6, 36, 156):
        clock.now = start + datetime.timedelta(minutes=due_minutes, seconds=-1)
        assert sweep_deliveries() == 0  # a second early: not due
        clock.now = start + datetime.timedelta(minutes=due_minutes)
        with django_capture_on_commit_callbacks(execute=True):
            assert sweep_deliveries() == 1
        delivery.refresh_from_db()
        seen.append((delivery.attempts, delivery.next_attempt_at))
    minute = datetime.timedelta(minutes=1)
    assert seen == [
        (1, start + 1 * minute),
        (2, start + 6 * minute),
        (3, start + 36 * minute),
        (4, start + 156 * minute),
        (5, None),
    ]
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.error == "310000: sign not match"
    assert len(provider.requests) == 5
    clock.now = start + datetime.timedelta(days=1)
    assert sweep_deliveries() == 0  # failed for good: nobody sends it again by themselves

    # The office of the chief's street sees it, with the error and a retry; not another street.
    client.force_login(office_b)
    assert f'data-delivery="{delivery.pk}"' not in client.get("/notifications/deliveries/").text
    assert client.post(f"/notifications/deliveries/{delivery.pk}/retry/").status_code == 404
    client.force_login(chief)
    assert client.get("/notifications/deliveries/").status_code == 403
    client.force_login(office_a)
    page = client.get("/notifications/deliveries/?status=failed").text
    assert f'data-delivery="{delivery.pk}" data-status="failed"' in page
    assert "310000: sign not match" in page
    assert f'action="/notifications/deliveries/{delivery.pk}/retry/"' in page
    assert "钉钉群机器人" in page

    provider.answer(200, {"errcode": 0, "errmsg": "ok"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/notifications/deliveries/{delivery.pk}/retry/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.error) == (DeliveryStatus.SENT, 6, "")
    assert len(provider.requests) == 6
    # A sent one is not retried.
    response = client.post(f"/notifications/deliveries/{delivery.pk}/retry/", follow=True)
    assert "只有发送失败的记录可以重试" in response.text
    assert len(provider.requests) == 6


def test_a_delivery_sent_twice_goes_out_once(
    configured, provider, chief, django_capture_on_commit_callbacks
):
    provider.answer(200, {"errcode": 0, "errmsg": "ok"})
    delivery = send_one(configured, django_capture_on_commit_callbacks, chief, "WeComRobotChannel")
    assert delivery.status == DeliveryStatus.SENT
    assert delivery_send(delivery_id=delivery.pk) is None  # a duplicate message
    assert len(provider.requests) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_delivery_another_worker_is_sending_is_skipped(
    configured, provider, street_a, monkeypatch
):
    """Two workers at once: while one holds the row (sending), the other skips it."""
    provider.answer(200, {"errcode": 0, "errmsg": "ok"})
    chief = make_account(Role.CHIEF, street_a.chiefs[0].region, chief=street_a.chiefs[0])
    configured.NOTIFICATION_CHANNELS = [PORTAL, "notifications.channels.WeComRobotChannel"]
    queued = []
    # Nothing sent on commit: the two "workers" below do it.
    monkeypatch.setattr("core.broker.send_now", lambda task, *args: queued.append(args))
    notify(recipients=[chief], kind="remind", title="t", body="b", dedup_key="race")
    assert len(queued) == 1
    delivery = Delivery.objects.get(channel="wecom")

    holding, release, results = threading.Event(), threading.Event(), []

    def first_worker():
        from django.db import connections, transaction

        try:
            with transaction.atomic():
                Delivery.objects.select_for_update().get(pk=delivery.pk)
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    worker = threading.Thread(target=first_worker)
    worker.start()
    try:
        assert holding.wait(10)
        results.append(delivery_send(delivery_id=delivery.pk))
    finally:
        release.set()
        worker.join(10)
    assert results == [None]
    assert provider.requests == []
    assert delivery_send(delivery_id=delivery.pk).status == DeliveryStatus.SENT
    assert len(provider.requests) == 1
    assert Notification.objects.count() == 1


# --- email ---------------------------------------------------------------------------------------


def test_email_carries_the_link_and_a_refused_server_is_retried(
    configured, chief, django_capture_on_commit_callbacks
):
    from django.core import mail

    chief.email = "chief@example.cn"
    chief.save(update_fields=["email"])
    delivery = send_one(configured, django_capture_on_commit_callbacks, chief, "EmailChannel")
    assert delivery.status == DeliveryStatus.SENT
    [message] = mail.outbox
    assert message.to == ["chief@example.cn"]
    assert message.subject == "催办：WT-1 河道垃圾"
    assert message.body == "催办：WT-1 河道垃圾\n请抓紧整改。\nhttps://hz.example.cn/issues/7/"

    configured.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    configured.EMAIL_HOST, configured.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: refused
    configured.EMAIL_TIMEOUT = 2
    delivery = send_one(
        configured, django_capture_on_commit_callbacks, chief, "EmailChannel", key="k2"
    )
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert "refused" in delivery.error.lower()


def _production_settings(**env) -> subprocess.CompletedProcess:
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.EMAIL_USE_SSL, s.EMAIL_USE_TLS, s.EMAIL_PORT, s.EMAIL_TIMEOUT)"
    )
    return subprocess.run(  # noqa: S603 - this interpreter, this script
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "portal.example.cn",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_mail_over_ssl_uses_465_and_a_timeout():
    result = _production_settings(EMAIL_USE_SSL="true")
    assert result.stdout.strip().splitlines()[-1] == "True False 465 10", result.stderr
    result = _production_settings(EMAIL_USE_SSL="true", EMAIL_USE_TLS="true")
    assert result.returncode != 0
    assert "EMAIL_USE_SSL and EMAIL_USE_TLS cannot both be set" in result.stderr


def test_the_sweeper_runs_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-deliveries"]
    assert entry["task"] == "notifications.tasks.sweep_deliveries"
    assert entry["schedule"].minute == set(range(60))
