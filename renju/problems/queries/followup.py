"""Follow-through figures read from the event log: reworks per problem and per unit, pending extensions."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q

from renju.problems.models import ON_THE_CLOCK, Problem, ProblemEvent

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


def problems_with_pending_extension():
    """Problems whose latest extension event is a request nobody has decided yet (the dispatchers' to-do)."""
    later_decision = ProblemEvent.objects.filter(
        problem=OuterRef("problem"), action="extension_decide", seq__gt=OuterRef("seq")
    )
    pending = ProblemEvent.objects.filter(problem=OuterRef("pk"), action="extension_request").exclude(
        Exists(later_decision)
    )
    return Problem.objects.filter(status__in=ON_THE_CLOCK).filter(Exists(pending))


def recheck_queue(inspector, today: dt.date) -> list:
    """The inspector's rechecks that are due, oldest first, each with its problem (constant queries)."""
    from renju.problems.models import Recheck

    return list(
        Recheck.objects.filter(inspector=inspector, done_at__isnull=True, due_on__lte=today)
        .select_related("problem__category", "problem__unit", "problem__region")
        .order_by("due_on", "problem_id")[:200]
    )
