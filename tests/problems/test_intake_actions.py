"""直派 (fast-track) and 到场 (arrive): the two actions the intake channels add to the lifecycle."""

from __future__ import annotations

import pytest
from django.test import Client

from renju.accounts.models import User
from renju.problems import lifecycle
from renju.problems.errors import ActionForbidden, InvalidInput, TransitionRefused
from renju.problems.models import ProblemEvent
from tests.conftest import point_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def robot(db):
    return User.objects.create(username="video-ai", role="integration")


def test_an_integration_account_files_and_fast_tracks_to_the_suggested_unit(report, robot):
    problem = report(actor=robot, source="video")
    problem = lifecycle.problem_fast_track(actor=robot, problem_id=problem.id, reason="置信度 0.93")
    assert problem.status == "dispatched" and problem.unit == problem.suggested_unit and problem.due_at
    events = list(ProblemEvent.objects.filter(problem=problem).values_list("action", "unit_id"))
    assert events == [("report", None), ("accept", None), ("dispatch", problem.unit_id)]


def test_an_integration_account_cannot_take_a_dispatchers_other_actions(report, robot):
    problem = report(actor=robot, source="video")
    with pytest.raises(ActionForbidden):
        lifecycle.problem_reject(actor=robot, problem_id=problem.id, reason="误报")


def test_a_units_self_check_is_its_own_at_once(users):
    lat, lng = point_in("371082001")
    problem = lifecycle.problem_report(actor=users["yatou"], category="06010", lat=lat, lng=lng,
                                       description="自查发现垃圾", source="self_check")
    assert (problem.status, problem.unit.code, problem.self_check_unit.code) == ("dispatched", "yatou", "yatou")


def test_a_handler_cannot_fast_track_a_problem_it_did_not_find(report, users):
    problem = report()
    with pytest.raises(ActionForbidden):
        lifecycle.problem_fast_track(actor=users["yatou"], problem_id=problem.id, reason="想要")


def test_fast_track_needs_a_reason_and_a_reported_problem(dispatched, users):
    problem = dispatched()
    with pytest.raises(InvalidInput):
        lifecycle.problem_fast_track(actor=users["dispatcher"], problem_id=problem.id, reason=" ")
    with pytest.raises(TransitionRefused):
        lifecycle.problem_fast_track(actor=users["dispatcher"], problem_id=problem.id, reason="再派")


def test_the_unit_records_its_arrival_with_the_distance(dispatched, users):
    problem = dispatched()
    handler = users[problem.unit.code]
    lifecycle.problem_arrive(actor=handler, problem_id=problem.id, lat=problem.lat + 0.0002, lng=problem.lng)
    event = ProblemEvent.objects.filter(problem=problem).last()
    assert event.action == "arrive" and event.to_status == "dispatched" and 15 <= event.details["metres"] <= 30


def test_arrival_far_away_or_by_another_unit_is_refused(dispatched, users):
    problem = dispatched()
    with pytest.raises(InvalidInput):
        lifecycle.problem_arrive(actor=users[problem.unit.code], problem_id=problem.id, lat=problem.lat + 1,
                                 lng=problem.lng)
    other = "chengxi" if problem.unit.code != "chengxi" else "yatou"
    with pytest.raises(ActionForbidden):
        lifecycle.problem_arrive(actor=users[other], problem_id=problem.id)


def test_arrival_and_fast_track_over_the_api(dispatched, report, users):
    from django.test import Client

    from renju.accounts.models import api_token_create

    problem = dispatched()
    unit = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=users[problem.unit.code])}")
    response = unit.post(f"/api/v1/problems/{problem.id}/arrive", {"lat": problem.lat, "lng": problem.lng},
                         content_type="application/json")
    assert response.status_code == 200, response.content
    fresh = report()
    dispatcher = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=users['dispatcher'])}")
    response = dispatcher.post(f"/api/v1/problems/{fresh.id}/fast_track", {"reason": "无需更正"},
                               content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "dispatched"


def test_the_problem_page_offers_arrival_to_the_unit_and_fast_track_to_the_dispatcher(dispatched, report, users):
    problem = dispatched()
    unit = Client()
    unit.force_login(users[problem.unit.code])
    assert ">到场</button>" in unit.get(f"/problems/{problem.id}/").content.decode()
    unit.post(f"/problems/{problem.id}/arrive/", {"note": ""})
    assert ProblemEvent.objects.filter(problem=problem, action="arrive").exists()

    fresh = report()
    dispatcher = Client()
    dispatcher.force_login(users["dispatcher"])
    assert "直派（" in dispatcher.get(f"/problems/{fresh.id}/").content.decode()
    dispatcher.post(f"/problems/{fresh.id}/fast_track/", {"reason": "无需更正，直派建议单位"})
    fresh.refresh_from_db()
    assert fresh.status == "dispatched"
