"""Two people acting on the same problem at the same moment: exactly one of them wins."""

import threading

import pytest
from django.db import connection

from renju.accounts.models import User
from renju.problems import lifecycle
from renju.problems.errors import TransitionRefused
from renju.problems.models import Problem, ProblemEvent, Status
from tests.conftest import load_reference_data, point_in, prepared_photo


@pytest.mark.django_db(transaction=True)
def test_two_verifications_racing_on_one_problem_cannot_both_succeed():
    # A transactional test starts from an empty database, so it loads the reference data itself.
    load_reference_data()
    users = {u.username: u for u in User.objects.select_related("unit")}
    lat, lng = point_in("371082001")
    problem = lifecycle.problem_report(actor=users["inspector"], category="06010", lat=lat, lng=lng,
                                       description="暴露垃圾", source="inspection")
    lifecycle.problem_accept(actor=users["dispatcher"], problem_id=problem.id)
    problem = lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=problem.id)
    lifecycle.problem_rectify(actor=users[problem.unit.code], problem_id=problem.id, note="已清理",
                              photos=[prepared_photo(1)])

    start = threading.Barrier(2)
    outcomes: list[str] = []

    def verify(username: str, result: str) -> None:
        try:
            start.wait()
            lifecycle.problem_verify(actor=users[username], problem_id=problem.id, result=result, reason="复核")
            outcomes.append(result)
        except TransitionRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=verify, args=("inspector", "pass")),
               threading.Thread(target=verify, args=("inspector2", "fail"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes) in (["pass", "refused"], ["fail", "refused"])
    final = Problem.objects.get(pk=problem.pk)
    assert ProblemEvent.objects.filter(problem=final, action="verify").count() == 1
    assert final.status == (Status.CLOSED if "pass" in outcomes else Status.REWORK)
