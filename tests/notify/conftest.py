"""Problems on a unit's clock with a chosen deadline, and what was told about them."""

from __future__ import annotations

import pytest

from renju.notify.models import Notification
from renju.problems.models import Problem


@pytest.fixture
def on_clock(dispatched):
    """A problem dispatched to its unit, with the deadline given. The deadline is set directly: the rules under test
    read only the deadline and the state, and a chosen moment makes the edges exact."""

    def _make(due_at, **overrides) -> Problem:
        problem = dispatched(**overrides)
        Problem.objects.filter(pk=problem.pk).update(due_at=due_at)
        problem.refresh_from_db()
        return problem

    return _make


def told(problem: Problem, kind: str) -> list[str]:
    """Usernames told `kind` about `problem`, sorted."""
    return sorted(Notification.objects.filter(problem=problem, kind=kind).values_list("recipient__username", flat=True))
