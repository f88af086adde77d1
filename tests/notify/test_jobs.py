"""The scheduled jobs tell the right people once, whatever how often they run."""

from __future__ import annotations

import pytest

from renju.accounts.models import User
from renju.notify.channels import Channel
from renju.notify.jobs import deliver_pending, mark_overdue, remind_deadlines
from renju.notify.models import Contact, Delivery, Kind, Notification
from renju.notify.notices import notify
from tests.conftest import beijing
from tests.notify.conftest import told

pytestmark = pytest.mark.django_db

SOON = beijing(2023, 10, 10, 14, 0)  # 3.5 working hours before the 17:30 deadline below
DUE = beijing(2023, 10, 10, 17, 30)


def test_a_reminder_job_run_twice_tells_each_person_once(on_clock):
    problem = on_clock(DUE)

    first = remind_deadlines(SOON)
    rows = Notification.objects.count()
    second = remind_deadlines(SOON)

    assert first["due_soon"] == 1 and rows == 2
    assert second == {"due_soon": 0, "overdue_daily": 0, "notifications": 0}
    assert Notification.objects.count() == rows
    assert told(problem, Kind.DUE_SOON) == sorted([problem.unit.code, "dispatcher"])


def test_the_unit_hears_what_to_do_and_the_dispatcher_what_is_slipping(on_clock):
    problem = on_clock(DUE)

    remind_deadlines(SOON)

    unit_notice = Notification.objects.get(problem=problem, recipient__username=problem.unit.code)
    team_notice = Notification.objects.get(problem=problem, recipient__username="dispatcher")
    assert unit_notice.unit_id == problem.unit_id and team_notice.unit_id is None
    assert unit_notice.title == f"即将到期：{problem.number}"
    assert "10月10日 17:30" in unit_notice.body and "请按时整改" in unit_notice.body
    assert team_notice.title == f"即将超期：{problem.number}（{problem.unit.name}）"


def test_overdue_marking_run_twice_writes_one_notice_each_and_leaves_the_status(on_clock):
    problem = on_clock(DUE)
    later = beijing(2023, 10, 10, 18, 0)

    assert mark_overdue(later) == {"overdue": 1, "notifications": 2}
    assert mark_overdue(later) == {"overdue": 0, "notifications": 0}
    assert mark_overdue(beijing(2023, 10, 11, 9, 0)) == {"overdue": 0, "notifications": 0}

    assert told(problem, Kind.OVERDUE) == sorted([problem.unit.code, "dispatcher"])
    problem.refresh_from_db()
    assert problem.status == "dispatched" and problem.is_overdue(later)


def test_reminders_go_to_the_units_own_handlers_only(on_clock, users):
    yatou_problem = on_clock(DUE)
    other_unit = User.objects.filter(role="handler").exclude(unit=yatou_problem.unit).first()
    User.objects.create_user("yatou2", password="x", role="handler", unit=yatou_problem.unit)

    remind_deadlines(SOON)

    assert told(yatou_problem, Kind.DUE_SOON) == sorted([yatou_problem.unit.code, "dispatcher", "yatou2"])
    assert not Notification.objects.filter(recipient=other_unit).exists()


def test_dry_run_does_the_whole_job_and_keeps_nothing(on_clock):
    on_clock(DUE)

    result = remind_deadlines(SOON, dry_run=True)

    assert result["notifications"] == 2
    assert Notification.objects.count() == 0


def test_notify_called_twice_for_the_same_thing_tells_once(users):
    for _ in range(2):
        notify([users["leader"], users["scorer"].pk], kind="weekly", title="第41周督办通知", period="2023-W41")

    assert Notification.objects.filter(kind="weekly").count() == 2


class Recorder(Channel):
    name = "sms"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, target: str, title: str, body: str) -> None:
        self.sent.append((target, title))


def test_delivery_job_run_twice_sends_each_message_once(on_clock, users, settings, monkeypatch):
    settings.RENJU_NOTIFY_CHANNELS = ["sms"]
    settings.RENJU_NOTIFY_SMS_URL = "http://127.0.0.1:9/sms"
    recorder = Recorder()
    monkeypatch.setattr("renju.notify.deliveries.outgoing_channels", lambda: {"sms": recorder})
    problem = on_clock(DUE)
    Contact.objects.create(unit=problem.unit, channel="sms", target="13800000001")
    remind_deadlines(SOON)

    first = deliver_pending(SOON)
    second = deliver_pending(SOON)

    assert first == {"queued": 1, "sent": 1, "retry": 0, "failed": 0}
    assert second == {"queued": 0, "sent": 0, "retry": 0, "failed": 0}
    assert recorder.sent == [("13800000001", f"即将到期：{problem.number}")]
    assert Delivery.objects.get().status == "sent"
