"""Follow-through figures read from the event log: reworks per problem and per unit, pending extensions."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q

from renju.problems.models import ON_THE_CLOCK, Problem, ProblemEvent, Recheck

FAILED_VERIFICATION = Q(action="verify", details__result="fail")


def rework_count(problem: Problem) -> int:
    return ProblemEvent.objects.filter(FAILED_VERIFICATION, problem=problem).count()


def rework_counts_by_unit(since: dt.datetime, until: dt.datetime) -> dict[str, int]:
    """Failed verifications in the period by the unit that had the problem then (recorded on the event)."""
    rows = (
        ProblemEvent.objects.filter(FAILED_VERIFICATION, at__gte=since, at__lt=until)
        .values_list("details__unit")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def pending_extension_requests():
    """For a Problem queryset (OuterRef "pk"): its extension requests nobody has decided yet."""
    later_decision = ProblemEvent.objects.filter(
        problem=OuterRef("problem"), action="extension_decide", seq__gt=OuterRef("seq")
    )
    return ProblemEvent.objects.filter(problem=OuterRef("pk"), action="extension_request").exclude(
        Exists(later_decision)
    )


def problems_with_pending_extension():
    """Problems with an extension request waiting for a dispatcher (their to-do)."""
    return Problem.objects.filter(status__in=ON_THE_CLOCK).filter(Exists(pending_extension_requests()))


def relapse_counts_by_unit(since: dt.datetime, until: dt.datetime) -> dict[str, int]:
    """Relapses found at rechecks and repeats found again in the period, by the unit of the original problem."""
    rows = (
        Problem.objects.filter(Q(relapse_of__isnull=False) | Q(repeat_of__isnull=False),
                               reported_at__gte=since, reported_at__lt=until)
        .values_list("relapse_of__unit__code", "repeat_of__unit__code")
    )
    counts: dict[str, int] = {}
    for relapse_unit, repeat_unit in rows:
        unit = relapse_unit or repeat_unit
        if unit:
            counts[unit] = counts.get(unit, 0) + 1
    return counts


def recheck_queue(inspector, today: dt.date) -> list:
    """The inspector's rechecks that are due, oldest first, each with its problem (constant queries)."""
    return list(
        Recheck.objects.filter(inspector=inspector, done_at__isnull=True, due_on__lte=today)
        .select_related("problem__category", "problem__unit", "problem__region")
        .order_by("due_on", "problem_id")[:200]
    )
