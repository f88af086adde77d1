"""Outgoing channels behind one interface: `Channel.send(target, title, body)` returns on success, raises on failure.

- `InAppChannel`: the Notification row is the message; nothing leaves the server.
- `EmailChannel`: Django's mail API (SMTP from the `RENJU_EMAIL_*` settings; tests use the locmem backend).
- `SmsGatewayChannel`: an SMS gateway on the intranet, as HTTP POST of JSON `{"to", "content"}` with a bearer token
  (`RENJU_NOTIFY_SMS_URL`, `RENJU_NOTIFY_SMS_TOKEN`). Government networks reach operators through such a gateway
  rather than an operator's SDK, so this keeps the contract small: any 2xx accepts, unless the JSON answer says
  otherwise (`"code"`/`"errcode"` other than 0, or `"ok": false`).
- `WebhookChannel`: a WeCom (企业微信) or DingTalk (钉钉) group robot; the target is the robot's URL and the body
  is their common `{"msgtype": "text", "text": {"content": …}}`. Both answer `{"errcode": 0}` on success. DingTalk's
  signed robots (加签) take `RENJU_NOTIFY_WEBHOOK_SECRET`.

Only the standard library speaks HTTP here (`urllib.request`), with a timeout on every call.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from typing import ClassVar

from django.conf import settings
from django.core.mail import send_mail

MAX_ANSWER_BYTES = 64 * 1024
BRAND = "人居"


class ChannelError(Exception):
    """The channel did not take the message; the text says why (it is kept on the Delivery)."""


class Channel(ABC):
    name: ClassVar[str]

    @abstractmethod
    def send(self, target: str, title: str, body: str) -> None:
        """Deliver one message to one target, or raise (ChannelError for a refusal the channel explained)."""


class InAppChannel(Channel):
    name = "in_app"

    def send(self, target: str, title: str, body: str) -> None:
        # The notification row written by the job is what the person reads on /notifications/.
        return None


class EmailChannel(Channel):
    name = "email"

    def send(self, target: str, title: str, body: str) -> None:
        accepted = send_mail(subject=f"【{BRAND}】{title}", message=body, from_email=settings.DEFAULT_FROM_EMAIL,
                             recipient_list=[target], fail_silently=False)
        if accepted != 1:
            raise ChannelError("the mail server accepted no message")


class SmsGatewayChannel(Channel):
    name = "sms"

    def __init__(self, url: str, token: str = "", timeout: float = 10.0) -> None:
        if not url:
            raise ValueError("an SMS gateway URL is required (RENJU_NOTIFY_SMS_URL)")
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, target: str, title: str, body: str) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        answer = post_json(self.url, {"to": target, "content": f"【{BRAND}】{title}：{body}"}, headers, self.timeout)
        refused = _refusal(answer)
        if refused:
            raise ChannelError(f"SMS gateway refused: {refused}")


class WebhookChannel(Channel):
    name = "webhook"

    def __init__(self, secret: str = "", timeout: float = 10.0) -> None:
        self.secret, self.timeout = secret, timeout

    def send(self, target: str, title: str, body: str) -> None:
        payload = {"msgtype": "text", "text": {"content": f"【{BRAND}】{title}\n{body}"}}
        answer = post_json(self.signed(target), payload, {}, self.timeout)
        refused = _refusal(answer)
        if refused:
            raise ChannelError(f"robot refused: {refused}")

    def signed(self, url: str, now_ms: int | None = None) -> str:
        """DingTalk's 加签: timestamp and HMAC-SHA256 of "timestamp\\nsecret", base64, as query parameters."""
        if not self.secret:
            return url
        stamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
        digest = hmac.new(self.secret.encode(), f"{stamp}\n{self.secret}".encode(), hashlib.sha256).digest()
        sign = urllib.parse.quote_plus(base64.b64encode(digest))
        return f"{url}{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign}"


def post_json(url: str, payload: dict, headers: dict[str, str], timeout: float) -> dict:
    """POST JSON and return the JSON answer ({} when it is empty or not JSON); raise ChannelError on any failure."""
    host = urllib.parse.urlsplit(url).netloc or url
    request = urllib.request.Request(
        url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "renju-notify", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URLs only
            raw = response.read(MAX_ANSWER_BYTES)
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace").strip()
        raise ChannelError(f"HTTP {exc.code} from {host}" + (f": {detail}" if detail else "")) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ChannelError(f"{host} not reached: {reason}") from exc
    try:
        answer = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return {}  # a gateway that answers 2xx in plain text has taken the message
    return answer if isinstance(answer, dict) else {}


def _refusal(answer: dict) -> str:
    """Why a 2xx answer still refuses the message ("" when it does not)."""
    for key in ("errcode", "code"):
        if key in answer and str(answer[key]) not in ("0", "200", "OK", "ok"):
            message = answer.get("errmsg") or answer.get("message") or answer.get("msg") or ""
            return f"{key}={answer[key]} {message}".strip()
    if answer.get("ok") is False:
        return str(answer.get("message") or answer.get("error") or "ok=false")
    return ""


def outgoing_channels() -> dict[str, Channel]:
    """The outgoing channels configured in settings (`RENJU_NOTIFY_CHANNELS`); none means in-app only."""
    timeout = settings.RENJU_NOTIFY_TIMEOUT
    available = {
        "email": lambda: EmailChannel(),
        "sms": lambda: SmsGatewayChannel(settings.RENJU_NOTIFY_SMS_URL, settings.RENJU_NOTIFY_SMS_TOKEN, timeout),
        "webhook": lambda: WebhookChannel(settings.RENJU_NOTIFY_WEBHOOK_SECRET, timeout),
    }
    return {name: available[name]() for name in settings.RENJU_NOTIFY_CHANNELS if name in available}
