"""Outgoing channels: what an SMS gateway and a group robot receive, retries with a growing wait, the record kept."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from renju.accounts.models import User
from renju.notify.channels import ChannelError, SmsGatewayChannel, WebhookChannel
from renju.notify.jobs import deliver_pending, remind_deadlines
from renju.notify.models import Contact, Delivery, Notification
from tests.conftest import beijing

SOON = beijing(2023, 10, 10, 14, 0)
DUE = beijing(2023, 10, 10, 17, 30)


class Gateway:
    """A local HTTP server on 127.0.0.1 that records each POST and answers from a script (then 200 errcode 0)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
                status, answer = gateway.answers.pop(0) if gateway.answers else (200, {"errcode": 0, "errmsg": "ok"})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def gateway():
    gw = Gateway()
    thread = threading.Thread(target=gw.server.serve_forever, daemon=True)
    thread.start()
    yield gw
    gw.server.shutdown()
    gw.server.server_close()
    thread.join(5)


def test_sms_gateway_gets_the_number_and_the_text_as_json_with_its_token(gateway):
    SmsGatewayChannel(gateway.url + "/sms/send", token="s3cret").send("13800000001", "即将到期：RC-1", "请按时整改")

    [request] = gateway.requests
    assert request["path"] == "/sms/send"
    assert request["headers"]["Authorization"] == "Bearer s3cret"
    assert request["json"] == {"to": "13800000001", "content": "【人居】即将到期：RC-1：请按时整改"}


def test_group_robot_gets_a_wecom_dingtalk_text_message(gateway):
    WebhookChannel().send(gateway.url + "/cgi-bin/webhook/send?key=abc", "已超期：RC-1", "请尽快整改")

    [request] = gateway.requests
    assert request["path"] == "/cgi-bin/webhook/send?key=abc"
    assert request["json"] == {"msgtype": "text", "text": {"content": "【人居】已超期：RC-1\n请尽快整改"}}


def test_a_robot_answering_an_error_code_is_a_failure(gateway):
    gateway.answers = [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]

    with pytest.raises(ChannelError, match="errcode=93000 invalid webhook url"):
        WebhookChannel().send(gateway.url + "/robot/send", "t", "b")


def test_a_signed_dingtalk_robot_gets_timestamp_and_signature():
    url = WebhookChannel(secret="SEC123").signed("https://robot.example/send?access_token=t", now_ms=1700000000000)

    # DingTalk's rule: base64(HMAC-SHA256(key=secret, "timestamp\nsecret")), URL-encoded.
    digest = hmac.new(b"SEC123", b"1700000000000\nSEC123", hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    assert url == f"https://robot.example/send?access_token=t&timestamp=1700000000000&sign={sign}"


def test_an_unreachable_gateway_says_so():
    with pytest.raises(ChannelError, match="not reached"):
        SmsGatewayChannel("http://127.0.0.1:9/sms", timeout=2).send("13800000001", "t", "b")


@pytest.fixture
def sms_to_the_unit(on_clock, settings, gateway):
    """Outgoing SMS through the local gateway, the unit's duty phone registered, a reminder written."""
    settings.RENJU_NOTIFY_CHANNELS = ["sms"]
    settings.RENJU_NOTIFY_SMS_URL = gateway.url + "/sms"
    settings.RENJU_NOTIFY_RETRY_SECONDS = [60, 300]
    problem = on_clock(DUE)
    Contact.objects.create(unit=problem.unit, channel="sms", target="13800000001", note="值班手机")
    remind_deadlines(SOON)
    return problem


@pytest.mark.django_db
def test_a_failed_message_is_retried_after_its_wait_and_the_record_shows_both_tries(sms_to_the_unit, gateway):
    gateway.answers = [(500, {"message": "gateway busy"})]

    assert deliver_pending(SOON)["retry"] == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "HTTP 500" in delivery.last_error and "gateway busy" in delivery.last_error
    assert delivery.next_attempt_at == SOON + dt.timedelta(seconds=60)

    assert deliver_pending(SOON + dt.timedelta(seconds=59))["sent"] == 0
    assert len(gateway.requests) == 1

    assert deliver_pending(SOON + dt.timedelta(seconds=60))["sent"] == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.sent_at) == ("sent", 2, SOON + dt.timedelta(seconds=60))
    assert "HTTP 500" in delivery.last_error  # why the first try failed stays on the record
    assert [r["json"]["to"] for r in gateway.requests] == ["13800000001", "13800000001"]
    assert delivery.notification.problem_id == sms_to_the_unit.id


@pytest.mark.django_db
def test_a_message_that_keeps_failing_is_marked_failed_after_the_last_wait(sms_to_the_unit, gateway):
    gateway.answers = [(503, {})] * 3

    deliver_pending(SOON)
    deliver_pending(SOON + dt.timedelta(seconds=60))
    result = deliver_pending(SOON + dt.timedelta(seconds=360))
    later = deliver_pending(SOON + dt.timedelta(days=1))

    assert result["failed"] == 1 and later == {"queued": 0, "sent": 0, "retry": 0, "failed": 0}
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert len(gateway.requests) == 3


@pytest.mark.django_db
def test_a_units_group_robot_gets_one_message_however_many_of_its_handlers_are_told(on_clock, settings, gateway):
    settings.RENJU_NOTIFY_CHANNELS = ["webhook"]
    problem = on_clock(DUE)
    User.objects.create_user("second_handler", password="x", role="handler", unit=problem.unit)
    Contact.objects.create(unit=problem.unit, channel="webhook", target=gateway.url + "/unit-robot")
    remind_deadlines(SOON)
    assert Notification.objects.filter(unit=problem.unit).count() == 2

    deliver_pending(SOON)

    assert [r["path"] for r in gateway.requests] == ["/unit-robot"]
    assert f"即将到期：{problem.number}" in gateway.requests[0]["json"]["text"]["content"]


@pytest.mark.django_db
def test_the_work_teams_robot_gets_the_dispatchers_warnings(on_clock, settings, gateway):
    settings.RENJU_NOTIFY_CHANNELS = ["webhook"]
    settings.RENJU_NOTIFY_WEBHOOK_URL = gateway.url + "/team-robot"
    problem = on_clock(DUE)
    remind_deadlines(SOON)

    deliver_pending(SOON)

    [request] = gateway.requests
    assert request["path"] == "/team-robot"
    assert f"即将超期：{problem.number}（{problem.unit.name}）" in request["json"]["text"]["content"]


@pytest.mark.django_db
def test_email_goes_through_djangos_mail_to_the_persons_address(on_clock, settings, users, mailoutbox):
    settings.RENJU_NOTIFY_CHANNELS = ["email"]
    problem = on_clock(DUE)
    User.objects.filter(username=problem.unit.code).update(email="duty@yatou.example")
    remind_deadlines(SOON)

    assert deliver_pending(SOON)["sent"] == 1

    [mail] = mailoutbox
    assert mail.to == ["duty@yatou.example"]
    assert mail.subject == f"【人居】即将到期：{problem.number}"
    assert Delivery.objects.get().target == "duty@yatou.example"


@pytest.mark.django_db
def test_without_outgoing_channels_notices_stay_in_the_app_and_are_not_sent_later(on_clock, settings, gateway):
    problem = on_clock(DUE)
    Contact.objects.create(unit=problem.unit, channel="sms", target="13800000001")
    remind_deadlines(SOON)

    assert deliver_pending(SOON)["queued"] == 0
    settings.RENJU_NOTIFY_CHANNELS = ["sms"]
    settings.RENJU_NOTIFY_SMS_URL = gateway.url + "/sms"
    deliver_pending(SOON + dt.timedelta(minutes=1))

    assert Delivery.objects.count() == 0 and gateway.requests == []
    assert not Notification.objects.filter(outgoing_queued=False).exists()
