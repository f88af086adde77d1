"""接诉即办: the hotline hears back when the problem is closed, rejected, or merged into one that closes — queued
once with its body, sent to RENJU_HOTLINE_REPLY_URL, retried with waits, and shown on the order page."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import Client
from django.utils import timezone

from renju.hotline.models import HotlineOrder
from renju.hotline.replies import hotline_replies, replies_queue, replies_send
from renju.notify.jobs import job_named
from renju.problems import lifecycle
from tests.conftest import prepared_photo


def settle(users, order, result: str = "close"):
    """Accept and dispatch the order's problem, then close it (rectify + pass) or reject it."""
    d = users["dispatcher"]
    if result == "reject":
        return lifecycle.problem_reject(actor=d, problem_id=order.problem_id, reason="不属于整治范围")
    lifecycle.problem_accept(actor=d, problem_id=order.problem_id)
    problem = lifecycle.problem_dispatch(actor=d, problem_id=order.problem_id)
    lifecycle.problem_rectify(actor=users[problem.unit.code], problem_id=problem.id, note="已清运并清洗垃圾箱",
                              photos=[prepared_photo(7)])
    return lifecycle.problem_verify(actor=users["inspector"], problem_id=problem.id, result="pass")


class Platform:
    """A stand-in for the 12345 platform on 127.0.0.1: records what it is sent, answers with `status`."""

    def __init__(self, status: int = 200, answer: dict | None = None) -> None:
        self.received: list[dict] = []
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the standard library's name
                length = int(self.headers["Content-Length"])
                platform.received.append({"body": json.loads(self.rfile.read(length)),
                                          "auth": self.headers.get("Authorization")})
                payload = json.dumps(answer or {"code": 0}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/reply"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Platform:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.django_db
def test_a_closed_problem_is_replied_to_once_with_result_note_time_and_photos(receive, users, settings):
    order = receive()
    settle(users, order)
    settings.RENJU_BASE_URL = "https://renju.example.gov.cn"
    settings.RENJU_HOTLINE_REPLY_TOKEN = "secret"
    with Platform() as platform:
        settings.RENJU_HOTLINE_REPLY_URL = platform.url
        now = timezone.now()
        assert hotline_replies(now) == {"queued": 1, "sent": 1, "retry": 0, "failed": 0}
        assert hotline_replies(now + dt.timedelta(minutes=5)) == {"queued": 0, "sent": 0, "retry": 0, "failed": 0}
    assert len(platform.received) == 1 and platform.received[0]["auth"] == "Bearer secret"
    body = platform.received[0]["body"]
    order.refresh_from_db()
    assert body["order_no"] == order.order_no and body["result"] == "closed" and body["result_name"] == "已办结"
    assert body["note"] == "已清运并清洗垃圾箱" and body["closed_at"] == order.problem.closed_at.isoformat()
    assert body["problem_number"] == order.problem.number and body["merged_into"] is None
    assert len(body["photos"]) == 1 and body["photos"][0].startswith("https://renju.example.gov.cn/api/v1/photos/")
    assert order.reply_status == "sent" and order.replied_at is not None and order.reply_attempts == 1


@pytest.mark.django_db
def test_a_rejected_problem_is_replied_to_with_the_reason(receive, users):
    order = receive()
    settle(users, order, "reject")
    assert replies_queue(timezone.now()) == 1
    order.refresh_from_db()
    assert order.reply["result"] == "rejected" and order.reply["note"] == "不属于整治范围"


@pytest.mark.django_db
def test_a_merged_order_is_replied_to_when_the_problem_it_joined_closes(receive, users):
    original = receive("M-1")
    duplicate = receive("M-2")
    lifecycle.problem_merge(actor=users["dispatcher"], problem_id=duplicate.problem_id, into=original.problem_id)
    now = timezone.now()
    assert replies_queue(now) == 0  # the original is still open
    settle(users, original)
    assert replies_queue(now) == 2
    duplicate.refresh_from_db()
    assert duplicate.reply["merged_into"] == original.problem.number
    assert duplicate.reply["note"].startswith(f"与 {original.problem.number} 合并办理")


@pytest.mark.django_db
def test_nothing_is_queued_for_open_problems_or_when_the_plan_turns_replies_off(receive, users, monkeypatch):
    from renju.plans.active import active_plan

    open_order = receive("O-1")
    assert replies_queue(timezone.now()) == 0
    intake = active_plan().plan.intake  # the plan held in memory; monkeypatch puts it back afterwards
    monkeypatch.setitem(intake, "hotline", {**intake["hotline"], "reply_on_close": False})
    settle(users, open_order)
    assert replies_queue(timezone.now()) == 0
    assert HotlineOrder.objects.get(pk=open_order.pk).reply_status == ""


@pytest.mark.django_db
def test_without_a_reply_url_replies_wait_pending(receive, users, settings):
    settings.RENJU_HOTLINE_REPLY_URL = ""
    order = receive()
    settle(users, order)
    assert hotline_replies(timezone.now())["sent"] == 0
    assert HotlineOrder.objects.get(pk=order.pk).reply_status == "pending"


@pytest.mark.django_db
def test_a_failing_platform_is_retried_after_each_wait_then_marked_failed(receive, users, settings):
    settings.RENJU_NOTIFY_RETRY_SECONDS = [60, 300]
    order = receive()
    settle(users, order)
    now = timezone.now()
    with Platform(status=500) as platform:
        settings.RENJU_HOTLINE_REPLY_URL = platform.url
        assert hotline_replies(now)["retry"] == 1
        assert replies_send(now + dt.timedelta(seconds=30))["retry"] == 0  # not due yet
        assert replies_send(now + dt.timedelta(seconds=61))["retry"] == 1
        assert replies_send(now + dt.timedelta(seconds=400))["failed"] == 1
        assert replies_send(now + dt.timedelta(days=1)) == {"sent": 0, "retry": 0, "failed": 0}
    assert len(platform.received) == 3
    order.refresh_from_db()
    assert order.reply_status == "failed" and order.reply_attempts == 3 and "HTTP 500" in order.reply_error


@pytest.mark.django_db
def test_a_platform_that_answers_with_an_error_code_is_a_failure(receive, users, settings):
    order = receive()
    settle(users, order)
    with Platform(answer={"code": 40001, "msg": "工单不存在"}) as platform:
        settings.RENJU_HOTLINE_REPLY_URL = platform.url
        assert hotline_replies(timezone.now())["retry"] == 1
    assert "工单不存在" in HotlineOrder.objects.get(pk=order.pk).reply_error


@pytest.mark.django_db
def test_a_dispatcher_can_send_a_failed_reply_again_from_the_order_page(receive, users, settings):
    order = receive()
    settle(users, order)
    replies_queue(timezone.now())
    HotlineOrder.objects.filter(pk=order.pk).update(reply_status="failed", reply_error="HTTP 502", reply_attempts=5)
    client = Client()
    client.force_login(users["dispatcher"])
    page = client.get(f"/hotline/{order.id}/").content.decode()
    assert "回复失败" in page and "HTTP 502" in page and "重新发送" in page
    client.post(f"/hotline/{order.id}/reply/")
    order.refresh_from_db()
    assert order.reply_status == "pending" and order.reply_attempts == 0
    client.force_login(users["leader"])
    assert client.post(f"/hotline/{order.id}/reply/").status_code == 403


def test_the_reply_and_learning_jobs_are_registered_with_the_worker():
    assert job_named("hotline_replies").func is hotline_replies
    assert job_named("hotline_learn")
