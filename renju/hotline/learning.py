"""What the classifier learns from: the category a dispatcher settled when accepting a hotline problem.

The accept event says it: `details["category"] = {"from", "to"}` when the dispatcher changed the category (a
correction), nothing when they kept it (a confirmation). Accepts are made in many places (the problem page, the
intake list, the API, this app's order page), so a scheduled job reads them from the event log rather than hooking
each place; the order page records its own accept at once. One example per order (a unique constraint), so running
either twice records nothing twice. Fast-tracks by the integration account itself are not a person's judgement and
teach nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef

from renju.accounts.models import Role
from renju.hotline.models import ClassifierExample, HotlineOrder
from renju.problems.models import ProblemEvent

BATCH = 500
JUDGES = (Role.DISPATCHER, Role.ADMIN)


def _accept_event(problem_id: int) -> ProblemEvent | None:
    return (ProblemEvent.objects.filter(problem_id=problem_id, action="accept", actor__role__in=JUDGES)
            .select_related("problem__category").order_by("seq").first())


def _example(order: HotlineOrder, event: ProblemEvent) -> ClassifierExample:
    change = (event.details or {}).get("category")
    if isinstance(change, dict) and change.get("to"):
        return ClassifierExample(text=order.content, category=change["to"], source="correction", order=order,
                                 created_by_id=event.actor_id)
    # Unchanged at accept: the category it was filed under (accept is the only action that changes it), confirmed.
    return ClassifierExample(text=order.content, category=event.problem.category.code, source="confirmation",
                             order=order, created_by_id=event.actor_id)


def example_from_accept(order: HotlineOrder) -> ClassifierExample | None:
    """Record the example of one order, if its problem was accepted by a dispatcher and none is recorded yet."""
    if order.problem_id is None or ClassifierExample.objects.filter(order=order).exists():
        return None
    event = _accept_event(order.problem_id)
    if event is None:
        return None
    example = _example(order, event)
    ClassifierExample.objects.bulk_create([example], ignore_conflicts=True)
    return example


def hotline_learn(now: dt.datetime) -> dict:
    """Scheduled: record the examples of hotline problems accepted since the last run."""
    accepted = ProblemEvent.objects.filter(problem_id=OuterRef("problem_id"), action="accept", actor__role__in=JUDGES)
    orders = list(HotlineOrder.objects.filter(problem__isnull=False, examples__isnull=True)
                  .filter(Exists(accepted)).order_by("id")[:BATCH])
    rows = []
    for order in orders:
        event = _accept_event(order.problem_id)
        if event is not None:
            rows.append(_example(order, event))
    ClassifierExample.objects.bulk_create(rows, ignore_conflicts=True)
    return {"examples": len(rows), "corrections": sum(r.source == "correction" for r in rows)}
