"""From notifications to messages over the outgoing channels, with retries and a record of every attempt.

Two steps, both safe to run twice:

1. queue: every notification not yet queued gets one Delivery per configured channel and target — the recipient's
   own contacts (and e-mail address), the unit's contacts for a unit's notice, the work team's robot for the team's
   notices. `(channel, target, what it is about)` is unique, so a unit group told by three handlers' notices gets
   one message.
2. send: deliveries that are pending and due are claimed one by one (a conditional UPDATE, so two workers never send
   the same one), sent outside any transaction (a slow gateway holds no lock), and recorded: sent, or failed with
   the error and the next attempt after a growing wait (`RENJU_NOTIFY_RETRY_SECONDS`); after the last wait it is
   marked failed for good.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.db import transaction

from renju.notify.channels import Channel, outgoing_channels
from renju.notify.models import Contact, Delivery, Notification

log = logging.getLogger(__name__)

QUEUE_BATCH = 1000
SEND_BATCH = 200
# How long a claimed delivery is left alone by other workers while it is being sent.
CLAIM_SECONDS = 300


def retry_waits() -> list[int]:
    return list(settings.RENJU_NOTIFY_RETRY_SECONDS)


def max_attempts() -> int:
    return len(retry_waits()) + 1


def deliveries_queue(now: dt.datetime, channels: dict[str, Channel] | None = None) -> int:
    """Create the deliveries of notifications not queued yet; returns how many deliveries were offered."""
    channels = outgoing_channels() if channels is None else channels
    if not channels:
        # In-app only: mark them, so turning a channel on later does not send the history.
        Notification.objects.filter(outgoing_queued=False).update(outgoing_queued=True)
        return 0
    by_unit, by_user = _contacts(channels)
    team_robot = settings.RENJU_NOTIFY_WEBHOOK_URL if "webhook" in channels else ""
    offered = 0
    while True:
        batch = list(
            Notification.objects.filter(outgoing_queued=False).select_related("recipient").order_by("id")[:QUEUE_BATCH]
        )
        if not batch:
            return offered
        rows: list[Delivery] = []
        for notice in batch:
            targets = set(by_user.get(notice.recipient_id, ()))
            if "email" in channels and notice.recipient.email:
                targets.add(("email", notice.recipient.email))
            if notice.unit_id is not None:
                targets |= by_unit.get(notice.unit_id, set())
            elif team_robot:
                targets.add(("webhook", team_robot))
            rows.extend(
                Delivery(notification=notice, channel=channel, target=target, dedupe_key=notice.dedupe_key,
                         next_attempt_at=now, created_at=now)
                for channel, target in sorted(targets)
            )
        with transaction.atomic():
            Delivery.objects.bulk_create(rows, batch_size=QUEUE_BATCH, ignore_conflicts=True)
            Notification.objects.filter(id__in=[n.id for n in batch]).update(outgoing_queued=True)
        offered += len(rows)


def _contacts(channels: dict[str, Channel]) -> tuple[dict[int, set], dict[int, set]]:
    by_unit: dict[int, set] = defaultdict(set)
    by_user: dict[int, set] = defaultdict(set)
    for unit_id, user_id, channel, target in Contact.objects.filter(active=True, channel__in=list(channels)) \
            .values_list("unit_id", "user_id", "channel", "target"):
        (by_unit[unit_id] if unit_id else by_user[user_id]).add((channel, target.strip()))
    return by_unit, by_user


def deliveries_send(now: dt.datetime, channels: dict[str, Channel] | None = None) -> dict[str, int]:
    """Send the deliveries due at `now`; returns {"sent", "retry", "failed"} counts."""
    channels = outgoing_channels() if channels is None else channels
    counts = {"sent": 0, "retry": 0, "failed": 0}
    due = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        .select_related("notification").order_by("next_attempt_at", "id")[:SEND_BATCH]
    )
    for delivery in due:
        claimed = Delivery.objects.filter(
            pk=delivery.pk, status=Delivery.Status.PENDING, next_attempt_at=delivery.next_attempt_at
        ).update(next_attempt_at=now + dt.timedelta(seconds=CLAIM_SECONDS))
        if not claimed:
            continue  # another worker has it
        counts[_attempt(delivery, channels.get(delivery.channel), now)] += 1
    return counts


def _attempt(delivery: Delivery, channel: Channel | None, now: dt.datetime) -> str:
    attempts = delivery.attempts + 1
    notice = delivery.notification
    try:
        if channel is None:
            raise LookupError(f"channel {delivery.channel!r} is not configured (RENJU_NOTIFY_CHANNELS)")
        channel.send(delivery.target, notice.title, notice.body)
    except Exception as exc:  # noqa: BLE001 - any failure of any channel is recorded, never raised to the job
        error = f"{exc.__class__.__name__}: {exc}"[:1000]
        waits = retry_waits()
        final = channel is None or attempts > len(waits)
        Delivery.objects.filter(pk=delivery.pk).update(
            attempts=attempts, last_error=error,
            status=Delivery.Status.FAILED if final else Delivery.Status.PENDING,
            next_attempt_at=now if final else now + dt.timedelta(seconds=waits[attempts - 1]),
        )
        log.warning("delivery %s over %s to %s failed (attempt %s): %s", delivery.pk, delivery.channel,
                    delivery.target, attempts, error)
        return "failed" if final else "retry"
    # last_error stays: a message sent on its second try still shows why the first one failed.
    Delivery.objects.filter(pk=delivery.pk).update(attempts=attempts, status=Delivery.Status.SENT, sent_at=now)
    return "sent"
