from __future__ import annotations

import pytest

from renju.problems import lifecycle
from tests.conftest import beijing


@pytest.fixture
def late(report, users):
    """A problem found at `at` and dispatched to `unit` an hour later, then left alone."""

    def _late(unit: str, *at: int):
        found = beijing(*at)
        p = report(at=found, found_at=found)
        lifecycle.problem_accept(actor=users["dispatcher"], problem_id=p.id, at=found.replace(minute=20))
        return lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=p.id, unit=unit, reason="测试指定",
                                          at=found.replace(minute=40))

    return _late
