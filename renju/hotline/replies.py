"""接诉即办: the hotline hears back when an order's problem is settled — closed, rejected, or merged into another
problem that is then closed (or rejected).

An outbox on the order itself, in two steps, both safe to run twice (the scheduled job `hotline_replies`):

1. queue: an order whose outcome is now known gets its reply written (`reply`) and marked pending. The reply is
   built once, when the outcome is known, so a retry sends the same body.
2. send: pending replies that are due are claimed one by one (a conditional UPDATE, so two workers never send the
   same one), POSTed as JSON to `RENJU_HOTLINE_REPLY_URL` outside any transaction, and recorded: sent, or failed
   with the error and the next attempt after the notification retry waits (`RENJU_NOTIFY_RETRY_SECONDS`); after the
   last wait it is failed for good, until a dispatcher asks for it again on the order page. Each body carries a
   `reply_id` (order number and outcome) so the platform can drop a duplicate if an answer was lost on the way.

The notify app's deliveries are for messages to people (title and text per recipient); a reply is a document to
one system, so it keeps its own outbox and borrows only `post_json`, the HTTP client with its timeout and errors.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings

from renju.hotline.models import HotlineOrder
from renju.notify.channels import ChannelError, post_json
from renju.plans.active import active_plan
from renju.problems.models import Photo, Problem, ProblemEvent, Status

log = logging.getLogger(__name__)

BATCH = 200
CLAIM_SECONDS = 300
MAX_MERGE_HOPS = 20
RESULT_NAMES = {"closed": "已办结", "rejected": "不予立案"}
SETTLED = (Status.CLOSED, Status.REJECTED, Status.MERGED)


def reply_url() -> str:
    return getattr(settings, "RENJU_HOTLINE_REPLY_URL", "")


def replies_enabled() -> bool:
    return bool(active_plan().plan.intake.get("hotline", {}).get("reply_on_close", True))


def outcome_of(problem: Problem) -> tuple[Problem, str] | None:
    """The problem that settles `problem` (itself, or the one it was merged into, followed to the end) and how it
    ended ("closed" or "rejected"); None while that problem is still open."""
    seen = 0
    while problem.status == Status.MERGED and problem.merged_into_id and seen < MAX_MERGE_HOPS:
        problem = Problem.objects.select_related("unit").get(pk=problem.merged_into_id)
        seen += 1
    if problem.status == Status.CLOSED:
        return problem, "closed"
    if problem.status == Status.REJECTED:
        return problem, "rejected"
    return None


def reply_body(order: HotlineOrder, final: Problem, result: str) -> dict:
    """The reply as the hotline platform receives it."""
    events = list(ProblemEvent.objects.filter(problem=final, action__in=("rectify", "reject", "verify"))
                  .order_by("seq").values("action", "details", "at"))
    if result == "closed":
        notes = [e["details"].get("note", "") for e in events if e["action"] == "rectify"]
        note = (notes[-1] if notes else "") or "已整改并经现场核查通过"
        closed_at = final.closed_at
    else:
        rejects = [e for e in events if e["action"] == "reject"]
        note = rejects[-1]["details"].get("reason", "") if rejects else ""
        closed_at = rejects[-1]["at"] if rejects else None
    base = getattr(settings, "RENJU_BASE_URL", "").rstrip("/")
    photos = Photo.objects.filter(problem=final, kind=Photo.Kind.AFTER).order_by("id").values_list("id", flat=True)
    merged = order.problem_id != final.id
    return {
        "order_no": order.order_no,
        "reply_id": f"{order.order_no}:{result}",
        "result": result,
        "result_name": RESULT_NAMES[result],
        "problem_number": order.problem.number,
        "merged_into": final.number if merged else None,
        "unit": final.unit.name if final.unit_id else None,
        "note": (f"与 {final.number} 合并办理。" if merged else "") + note,
        "closed_at": closed_at.isoformat() if closed_at else None,
        "photos": [f"{base}/api/v1/photos/{pid}/original" for pid in photos],
    }


def replies_queue(now: dt.datetime) -> int:
    """Write the replies of orders whose outcome is now known; returns how many were queued."""
    if not replies_enabled():
        return 0
    queued = 0
    candidates = (HotlineOrder.objects.filter(reply_status="", problem__status__in=SETTLED)
                  .select_related("problem", "problem__unit").order_by("id")[:BATCH * 5])
    for order in candidates:
        outcome = outcome_of(order.problem)
        if outcome is None:
            continue  # merged into a problem still open: its reply waits for that one
        body = reply_body(order, *outcome)
        queued += HotlineOrder.objects.filter(pk=order.pk, reply_status="").update(
            reply=body, reply_status=HotlineOrder.Reply.PENDING, reply_next_at=now, reply_attempts=0, reply_error="")
    return queued


def replies_send(now: dt.datetime, *, send=None) -> dict[str, int]:
    """Send the replies due at `now`. `send(url, body)` is the HTTP POST (tests pass their own)."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    url = reply_url()
    if not url:
        return counts  # not configured: replies wait, pending, until it is
    send = send or _post
    due = list(HotlineOrder.objects.filter(reply_status=HotlineOrder.Reply.PENDING, reply_next_at__lte=now)
               .order_by("reply_next_at", "id")[:BATCH])
    for order in due:
        claimed = HotlineOrder.objects.filter(pk=order.pk, reply_status=HotlineOrder.Reply.PENDING,
                                              reply_next_at=order.reply_next_at) \
            .update(reply_next_at=now + dt.timedelta(seconds=CLAIM_SECONDS))
        if claimed:
            counts[_attempt(order, url, send, now)] += 1
    return counts


def _post(url: str, body: dict) -> None:
    token = getattr(settings, "RENJU_HOTLINE_REPLY_TOKEN", "")
    answer = post_json(url, body, {"Authorization": f"Bearer {token}"} if token else {},
                       settings.RENJU_NOTIFY_TIMEOUT)
    for key in ("code", "errcode"):
        if key in answer and str(answer[key]) not in ("0", "200"):
            raise ChannelError(f"refused: {key}={answer[key]} {answer.get('msg') or answer.get('message') or ''}")
    if answer.get("ok") is False or answer.get("success") is False:
        raise ChannelError(f"refused: {answer.get('message') or answer.get('msg') or answer}")


def _attempt(order: HotlineOrder, url: str, send, now: dt.datetime) -> str:
    attempts = order.reply_attempts + 1
    try:
        send(url, order.reply)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the order, never raised to the job
        waits = list(settings.RENJU_NOTIFY_RETRY_SECONDS)
        final = attempts > len(waits)
        HotlineOrder.objects.filter(pk=order.pk).update(
            reply_attempts=attempts, reply_error=f"{exc.__class__.__name__}: {exc}"[:1000],
            reply_status=HotlineOrder.Reply.FAILED if final else HotlineOrder.Reply.PENDING,
            reply_next_at=None if final else now + dt.timedelta(seconds=waits[attempts - 1]))
        log.warning("hotline reply for %s failed (attempt %s): %s", order.order_no, attempts, exc)
        return "failed" if final else "retry"
    HotlineOrder.objects.filter(pk=order.pk).update(reply_attempts=attempts, reply_status=HotlineOrder.Reply.SENT,
                                                    replied_at=now, reply_next_at=None)
    return "sent"


def reply_retry(order: HotlineOrder, now: dt.datetime) -> bool:
    """A dispatcher asks for a failed reply to be sent again (e.g. after the platform was fixed)."""
    return bool(HotlineOrder.objects.filter(pk=order.pk, reply_status=HotlineOrder.Reply.FAILED).update(
        reply_status=HotlineOrder.Reply.PENDING, reply_next_at=now, reply_attempts=0))


def hotline_replies(now: dt.datetime) -> dict:
    """Scheduled: queue the replies whose outcome is known, then send what is due (retries included)."""
    return {"queued": replies_queue(now), **replies_send(now)}
