"""The channels a notification goes out on, named in ``settings.NOTIFICATION_CHANNELS``.

A channel is a class with a ``name`` (stored on each ``Delivery``), ``accepts(user)`` (whether
it can reach that account at all) and ``send(notification)``, which raises ``ChannelError``
(or any exception) with the reason when the message did not go. Immediate channels are done
when the notification is stored (the portal: the row is the message); the others are sent by
a worker after the transaction commits, and retried with backoff (``services.delivery_send``).

Beside the portal and email: SMS through Aliyun (阿里云短信) or Tencent Cloud (腾讯云短信) to the
phone of the account's chief (``rivers.Chief.phone``), and one group robot per installation
for WeCom (企业微信) and DingTalk (钉钉), which names the recipient and @-mentions their phone.
Every endpoint is a setting (``config/settings/base.py``), so that tests can point them at a
local server; every request has a timeout (``NOTIFICATION_HTTP_TIMEOUT``).
"""

import base64
import datetime
import hashlib
import hmac
import json
import time
import urllib.parse
import uuid
from typing import ClassVar

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy

from accounts.models import User

from .models import Notification


class ChannelError(Exception):
    """The provider refused or could not be reached; the message says why (theirs, if any)."""


class Channel:
    name: ClassVar[str]
    label: ClassVar[str] = ""  # what the office's delivery page calls it
    # True: nothing to send beyond storing the notification, so it is delivered at once.
    immediate: ClassVar[bool] = False

    def accepts(self, user: User) -> bool:
        return True

    def send(self, notification: Notification) -> None:
        raise NotImplementedError


def absolute_url(path: str) -> str:
    """A path of the portal as a link outside it (email, SMS, robots): PUBLIC_BASE_URL first."""
    if not path:
        return ""
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    return f"{base}{path}" if base and path.startswith("/") else path


def message_text(notification: Notification) -> str:
    """Title, body and link as one plain text (email, robots)."""
    parts = [notification.title, notification.body]
    link = absolute_url(notification.url)
    if link:
        parts.append(link)
    return "\n".join(part for part in parts if part)


def phone_of(user: User) -> str:
    """The account's mobile number: its chief's (河长名录) phone, empty if none."""
    chief = user.chief if user.chief_id else None
    return (getattr(chief, "phone", "") or "").strip()


class PortalChannel(Channel):
    """The portal's own message list (the bell, ``/notifications/``, the API)."""

    name = "portal"
    label = gettext_lazy("站内消息")
    immediate = True

    def send(self, notification: Notification) -> None:
        pass


class EmailChannel(Channel):
    """An email to the account's address, for accounts that have one. The SMTP server, SSL
    (port 465) and the timeout are Django's EMAIL_* settings."""

    name = "email"
    label = gettext_lazy("电子邮件")

    def accepts(self, user: User) -> bool:
        return bool(user.email)

    def send(self, notification: Notification) -> None:
        send_mail(
            subject=notification.title,
            message=message_text(notification),
            from_email=None,  # DEFAULT_FROM_EMAIL
            recipient_list=[notification.recipient.email],
            fail_silently=False,
        )


class HttpChannel(Channel):
    """A channel that answers over HTTP: the request with a timeout, its answer as JSON."""

    def _json(self, response: requests.Response) -> dict:
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise ChannelError(f"HTTP {response.status_code}: {response.text[:300]}")
        return answer

    def post(self, url: str, **kwargs) -> dict:
        try:
            response = requests.post(url, timeout=settings.NOTIFICATION_HTTP_TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise ChannelError(f"{type(exc).__name__}: {exc}") from exc
        return self._json(response)

    def get(self, url: str, **kwargs) -> dict:
        try:
            response = requests.get(url, timeout=settings.NOTIFICATION_HTTP_TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise ChannelError(f"{type(exc).__name__}: {exc}") from exc
        return self._json(response)

    # Seams for tests: the clock and the nonce go into the signatures.
    def now(self) -> float:
        return time.time()

    def nonce(self) -> str:
        return uuid.uuid4().hex


def sms_params(notification: Notification) -> tuple[str, str]:
    """What an SMS template is filled with: the kind (e.g. 催办) and the title, cut to what the
    providers take for one variable."""
    return str(notification.get_kind_display())[:20], notification.title[:35]


# --- Aliyun SMS (dysmsapi SendSms, RPC signature v1) -------------------------------------------


def aliyun_percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun's RPC signature wants it: only A-Z a-z 0-9 - _ . ~ kept."""
    return urllib.parse.quote(value, safe="-_.~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """HMAC-SHA1 over ``METHOD&%2F&encoded(canonicalized query)``, keyed ``secret + "&"``."""
    canonical = "&".join(
        f"{aliyun_percent_encode(k)}={aliyun_percent_encode(params[k])}" for k in sorted(params)
    )
    to_sign = f"{method}&{aliyun_percent_encode('/')}&{aliyun_percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsChannel(HttpChannel):
    """短信（阿里云）: ``SendSms`` of dysmsapi 2017-05-25 with the template
    ``ALIYUN_SMS_TEMPLATE_CODE``, whose variables are ``${kind}`` and ``${title}``."""

    name = "sms_aliyun"
    label = gettext_lazy("短信（阿里云）")

    def accepts(self, user: User) -> bool:
        return bool(phone_of(user))

    def params(self, notification: Notification) -> dict[str, str]:
        kind, title = sms_params(notification)
        stamp = datetime.datetime.fromtimestamp(self.now(), tz=datetime.UTC)
        return {
            "AccessKeyId": settings.ALIYUN_SMS_ACCESS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone_of(notification.recipient),
            "RegionId": settings.ALIYUN_SMS_REGION,
            "SignName": settings.ALIYUN_SMS_SIGN_NAME,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self.nonce(),
            "SignatureVersion": "1.0",
            "TemplateCode": settings.ALIYUN_SMS_TEMPLATE_CODE,
            "TemplateParam": json.dumps({"kind": kind, "title": title}, ensure_ascii=False),
            "Timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }

    def send(self, notification: Notification) -> None:
        params = self.params(notification)
        params["Signature"] = aliyun_signature(params, settings.ALIYUN_SMS_ACCESS_KEY_SECRET)
        answer = self.get(settings.ALIYUN_SMS_ENDPOINT, params=params)
        if answer.get("Code") != "OK":
            raise ChannelError(
                f"{answer.get('Code', '?')}: {answer.get('Message', '')}".strip().rstrip(":")
            )


# --- Tencent Cloud SMS (API 3.0 SendSms, TC3-HMAC-SHA256) --------------------------------------


def tc3_authorization(
    *,
    secret_id: str,
    secret_key: str,
    host: str,
    payload: str,
    timestamp: int,
    service: str = "sms",
) -> str:
    """The ``Authorization`` header of a Tencent Cloud API 3.0 POST with a JSON body."""
    date = datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC).strftime("%Y-%m-%d")
    content_type = "application/json; charset=utf-8"
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{content_type}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload.encode()).hexdigest(),
        ]
    )
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            str(timestamp),
            scope,
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )

    def _hmac(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


def china_e164(phone: str) -> str:
    phone = phone.replace(" ", "").replace("-", "")
    return phone if phone.startswith("+") else f"+86{phone}"


class TencentSmsChannel(HttpChannel):
    """短信（腾讯云）: ``SendSms`` of API 2021-01-11 with the template ``TENCENT_SMS_TEMPLATE_ID``,
    whose two parameters are {1} the kind and {2} the title."""

    name = "sms_tencent"
    label = gettext_lazy("短信（腾讯云）")

    def accepts(self, user: User) -> bool:
        return bool(phone_of(user))

    def body(self, notification: Notification) -> dict:
        return {
            "PhoneNumberSet": [china_e164(phone_of(notification.recipient))],
            "SmsSdkAppId": settings.TENCENT_SMS_SDK_APP_ID,
            "SignName": settings.TENCENT_SMS_SIGN_NAME,
            "TemplateId": settings.TENCENT_SMS_TEMPLATE_ID,
            "TemplateParamSet": list(sms_params(notification)),
        }

    def send(self, notification: Notification) -> None:
        endpoint = settings.TENCENT_SMS_ENDPOINT
        host = urllib.parse.urlsplit(endpoint).netloc
        payload = json.dumps(self.body(notification), ensure_ascii=False, separators=(",", ":"))
        timestamp = int(self.now())
        headers = {
            "Authorization": tc3_authorization(
                secret_id=settings.TENCENT_SMS_SECRET_ID,
                secret_key=settings.TENCENT_SMS_SECRET_KEY,
                host=host,
                payload=payload,
                timestamp=timestamp,
            ),
            "Content-Type": "application/json; charset=utf-8",
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": "2021-01-11",
            "X-TC-Region": settings.TENCENT_SMS_REGION,
        }
        answer = self.post(endpoint, data=payload.encode(), headers=headers)
        response = answer.get("Response")
        if not isinstance(response, dict):
            raise ChannelError(f"no Response: {json.dumps(answer, ensure_ascii=False)[:300]}")
        error = response.get("Error")
        if error:
            raise ChannelError(f"{error.get('Code', '?')}: {error.get('Message', '')}")
        statuses = response.get("SendStatusSet") or []
        failed = [s for s in statuses if s.get("Code") != "Ok"]
        if not statuses or failed:
            status = failed[0] if failed else {}
            raise ChannelError(f"{status.get('Code', '?')}: {status.get('Message', '')}")


# --- Group robots: WeCom (企业微信) and DingTalk (钉钉) -------------------------------------------


def robot_text(notification: Notification) -> str:
    name = notification.recipient.get_full_name() or notification.recipient.username
    return f"【{settings.NOTIFICATION_ROBOT_PREFIX}】@{name} {message_text(notification)}"


def robot_answer(answer: dict) -> None:
    if answer.get("errcode") != 0:
        raise ChannelError(f"{answer.get('errcode', '?')}: {answer.get('errmsg', '')}")


class WeComRobotChannel(HttpChannel):
    """企业微信群机器人: one group per installation (``WECOM_ROBOT_KEY``), a text message that
    names the recipient and @-mentions their mobile, if known."""

    name = "wecom"
    label = gettext_lazy("企业微信群机器人")

    def body(self, notification: Notification) -> dict:
        text: dict = {"content": robot_text(notification)}
        phone = phone_of(notification.recipient)
        if phone:
            text["mentioned_mobile_list"] = [phone]
        return {"msgtype": "text", "text": text}

    def send(self, notification: Notification) -> None:
        answer = self.post(
            settings.WECOM_ROBOT_URL,
            params={"key": settings.WECOM_ROBOT_KEY},
            json=self.body(notification),
        )
        robot_answer(answer)


def dingtalk_sign(*, secret: str, timestamp_ms: int) -> str:
    """base64(HMAC-SHA256(secret, "timestamp\\nsecret")), before URL encoding."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


class DingTalkRobotChannel(HttpChannel):
    """钉钉群机器人: one group per installation (``DINGTALK_ROBOT_ACCESS_TOKEN``), signed with
    ``DINGTALK_ROBOT_SECRET`` (加签) when one is set."""

    name = "dingtalk"
    label = gettext_lazy("钉钉群机器人")

    def body(self, notification: Notification) -> dict:
        phone = phone_of(notification.recipient)
        body: dict = {"msgtype": "text", "text": {"content": robot_text(notification)}}
        if phone:
            body["at"] = {"atMobiles": [phone], "isAtAll": False}
        return body

    def url(self) -> str:
        query = [("access_token", settings.DINGTALK_ROBOT_ACCESS_TOKEN)]
        if settings.DINGTALK_ROBOT_SECRET:
            timestamp = int(self.now() * 1000)
            sign = dingtalk_sign(secret=settings.DINGTALK_ROBOT_SECRET, timestamp_ms=timestamp)
            query += [("timestamp", str(timestamp)), ("sign", sign)]
        return f"{settings.DINGTALK_ROBOT_URL}?{urllib.parse.urlencode(query)}"

    def send(self, notification: Notification) -> None:
        robot_answer(self.post(self.url(), json=self.body(notification)))


CHANNEL_CLASSES = (
    PortalChannel,
    EmailChannel,
    AliyunSmsChannel,
    TencentSmsChannel,
    WeComRobotChannel,
    DingTalkRobotChannel,
)


def channel_labels() -> dict[str, str]:
    """Each channel's name and label: the ones here and any configured beside them."""
    labels = {cls.name: str(cls.label) for cls in CHANNEL_CLASSES}
    for channel in configured_channels():
        labels.setdefault(channel.name, str(channel.label or channel.name))
    return labels


def configured_channels() -> list[Channel]:
    return [import_string(path)() for path in settings.NOTIFICATION_CHANNELS]


def channel_named(name: str) -> Channel | None:
    return next((channel for channel in configured_channels() if channel.name == name), None)
