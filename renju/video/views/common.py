"""What the video pages share: who may open them and the report period from the query string."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from renju.problems.errors import InvalidInput
from renju.video.forms import PeriodForm
from renju.video.present import period_from

VIEWERS = ("dispatcher", "leader", "scorer")  # and admins (role_required lets them in everywhere)
EDITORS = ("dispatcher",)


def period(request) -> tuple[PeriodForm, dt.datetime, dt.datetime, str]:
    """(form, since, until, error): a bad period falls back to the last 30 days with the error shown."""
    form = PeriodForm(request.GET or None)
    first, last = form.period()
    try:
        since, until = period_from(first, last)
        error = ""
    except InvalidInput as exc:
        since, until = period_from(None, None)
        error = "；".join(m for messages in exc.errors.values() for m in messages)
    if form.is_bound and form.errors:
        error = "日期格式应为 2026-03-02"
    return form, since, until, error


def period_label(since: dt.datetime, until: dt.datetime) -> str:
    tz = timezone.get_current_timezone()
    last = until.astimezone(tz) - dt.timedelta(days=1)
    return f"{since.astimezone(tz):%Y-%m-%d} 至 {last:%Y-%m-%d}"
