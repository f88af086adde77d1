"""The whole loop through `problems.lifecycle`: each action checks its actor and state and writes one event."""

import pytest
from django.db import DatabaseError, transaction

from renju.problems import lifecycle
from renju.problems.errors import ActionForbidden, InvalidInput, TransitionRefused
from renju.problems.models import Photo, Problem, ProblemEvent, Status
from tests.conftest import beijing, point_in, prepared_photo

pytestmark = pytest.mark.django_db


def test_one_problem_travels_the_whole_loop_and_every_step_is_an_event(report, users):
    problem = report()
    assert problem.status == Status.REPORTED
    assert problem.number.startswith("RC-")
    assert problem.suggested_unit is not None
    lifecycle.problem_accept(actor=users["dispatcher"], problem_id=problem.id)
    problem = lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=problem.id)
    assert problem.unit == problem.suggested_unit and problem.due_at > problem.dispatched_at
    handler = users[problem.unit.code]
    lifecycle.problem_rectify(actor=handler, problem_id=problem.id, note="已清理", photos=[prepared_photo(2)])
    problem = lifecycle.problem_verify(actor=users["inspector"], problem_id=problem.id, result="pass")
    assert problem.status == Status.CLOSED and problem.closed_at is not None
    events = list(problem.events.values_list("action", "from_status", "to_status"))
    assert events == [
        ("report", "", "reported"),
        ("accept", "reported", "accepted"),
        ("dispatch", "accepted", "dispatched"),
        ("rectify", "dispatched", "rectified"),
        ("verify", "rectified", "closed"),
    ]
    assert [e.seq for e in problem.events.all()] == [1, 2, 3, 4, 5]
    assert set(problem.photos.values_list("kind", flat=True)) == {"before", "after"}


def test_problem_numbers_count_up_per_day(report):
    first = report(at=beijing(2023, 10, 12, 9, 0))
    second = report(at=beijing(2023, 10, 12, 10, 0))
    other_day = report(at=beijing(2023, 10, 13, 9, 0))
    assert (first.number, second.number) == ("RC-20231012-0001", "RC-20231012-0002")
    assert other_day.number == "RC-20231013-0001"


def test_the_region_is_resolved_from_the_point(report):
    problem = report(region="371082011")
    chain = [problem.region]
    while chain[-1].parent is not None:
        chain.append(chain[-1].parent)
    assert problem.region.kind == "grid"
    assert "371082011" in [r.code for r in chain]


def test_territorial_category_is_suggested_to_the_town_of_the_place(report):
    problem = report(region="371082017")  # 荫子镇
    assert problem.suggested_unit.code == "yinzi"


def test_a_point_outside_every_region_is_refused_and_nothing_is_written(report):
    before = Problem.objects.count()
    with pytest.raises(InvalidInput) as exc:
        report(lat=31.23, lng=121.47)  # Shanghai
    assert "outside every region" in exc.value.errors["lat"][0]
    assert Problem.objects.count() == before
    assert Photo.objects.count() == 0


def test_bad_fields_are_all_reported_at_once(report):
    with pytest.raises(InvalidInput) as exc:
        report(category="nope", lat=95, description=" ", source="fax", severity="huge")
    assert set(exc.value.errors) == {"category", "lat", "description", "source", "severity"}


def test_a_found_time_in_the_future_is_refused(report):
    with pytest.raises(InvalidInput) as exc:
        report(found_at=beijing(2099, 1, 1, 9, 0))
    assert "future" in exc.value.errors["found_at"][0]


def test_dispatch_deadline_follows_the_working_calendar_across_national_day(report, users):
    problem = report(at=beijing(2023, 9, 28, 10, 0))
    lifecycle.problem_accept(actor=users["dispatcher"], problem_id=problem.id, at=beijing(2023, 9, 28, 10, 5))
    problem = lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=problem.id,
                                         at=beijing(2023, 9, 28, 16, 0))
    event = problem.events.get(action="dispatch")
    # Whatever the category's limit, no deadline may fall inside the 2023-09-29 … 10-06 break.
    assert not (beijing(2023, 9, 29, 0, 0) <= problem.due_at < beijing(2023, 10, 7, 0, 0))
    assert event.details["due_at"] == problem.due_at.isoformat()


def test_overdue_is_derived_from_the_deadline(dispatched):
    problem = dispatched()
    assert not problem.is_overdue()
    assert problem.is_overdue(now=problem.due_at.replace(year=problem.due_at.year + 1))
    assert Problem.objects.overdue(now=problem.due_at.replace(year=problem.due_at.year + 1)).filter(
        pk=problem.pk).exists()


def test_dispatching_elsewhere_than_the_suggestion_needs_a_reason(report, users):
    problem = report()
    lifecycle.problem_accept(actor=users["dispatcher"], problem_id=problem.id)
    with pytest.raises(InvalidInput) as exc:
        lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=problem.id, unit="zhujianju")
    assert "reason" in exc.value.errors
    problem = lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=problem.id, unit="zhujianju",
                                         reason="涉及市政道路，由住建局处理")
    override = problem.events.get(action="dispatch").details["override"]
    assert override["reason"] == "涉及市政道路，由住建局处理"


def test_returned_problem_is_redispatched_and_counts_for_the_new_unit(dispatched, users):
    problem = dispatched()
    first_unit = problem.unit
    lifecycle.problem_return(actor=users[first_unit.code], problem_id=problem.id, reason="不属于我单位")
    problem = lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=problem.id, unit="zhifaju",
                                         reason="改派综合执法局")
    assert problem.status == Status.DISPATCHED and problem.unit.code == "zhifaju"
    assert problem.events.filter(action="return").get().details["unit"] == first_unit.code


def test_failed_verification_sends_it_back_to_the_same_unit_as_rework(dispatched, users):
    problem = dispatched()
    handler = users[problem.unit.code]
    lifecycle.problem_rectify(actor=handler, problem_id=problem.id, note="已清理", photos=[prepared_photo(3)])
    problem = lifecycle.problem_verify(actor=users["inspector"], problem_id=problem.id, result="fail",
                                       reason="仍有垃圾", photos=[prepared_photo(4)])
    assert problem.status == Status.REWORK and problem.unit == handler.unit
    problem = lifecycle.problem_rectify(actor=handler, problem_id=problem.id, note="再次清理",
                                        photos=[prepared_photo(5)])
    assert problem.status == Status.RECTIFIED


def test_failing_a_verification_needs_a_reason(dispatched, users):
    problem = dispatched()
    lifecycle.problem_rectify(actor=users[problem.unit.code], problem_id=problem.id, note="ok",
                              photos=[prepared_photo(3)])
    with pytest.raises(InvalidInput) as exc:
        lifecycle.problem_verify(actor=users["inspector"], problem_id=problem.id, result="fail")
    assert exc.value.errors == {"reason": ["required when verification fails"]}


def test_rectifying_needs_an_after_photo(dispatched, users):
    problem = dispatched()
    with pytest.raises(InvalidInput) as exc:
        lifecycle.problem_rectify(actor=users[problem.unit.code], problem_id=problem.id, note="ok", photos=[])
    assert "photos" in exc.value.errors


def test_another_units_handler_cannot_rectify(dispatched, users):
    problem = dispatched()
    other = next(u for u in users.values() if u.role == "handler" and u.unit_id != problem.unit_id)
    with pytest.raises(ActionForbidden):
        lifecycle.problem_rectify(actor=other, problem_id=problem.id, note="x", photos=[prepared_photo(3)])
    assert Problem.objects.get(pk=problem.pk).status == Status.DISPATCHED


def test_an_inspector_cannot_dispatch_and_a_leader_cannot_report(report, users):
    problem = report()
    with pytest.raises(ActionForbidden):
        lifecycle.problem_accept(actor=users["inspector"], problem_id=problem.id)
    with pytest.raises(ActionForbidden):
        report(actor=users["leader"])


def test_a_handler_may_only_file_self_checks(report, users):
    with pytest.raises(ActionForbidden):
        report(actor=users["yatou"])
    problem = report(actor=users["yatou"], source="self_check", region="371082001")
    assert problem.self_check_unit.code == "yatou" and problem.suggested_unit.code == "yatou"


def test_an_impossible_transition_is_refused_and_writes_nothing(report, users):
    problem = report()
    with pytest.raises(TransitionRefused, match="已上报"):
        lifecycle.problem_verify(actor=users["inspector"], problem_id=problem.id, result="pass")
    assert problem.events.count() == 1


def test_merge_links_the_duplicate_to_its_original(report, users):
    original, duplicate = report(), report()
    merged = lifecycle.problem_merge(actor=users["dispatcher"], problem_id=duplicate.id, into=original.id)
    assert merged.status == Status.MERGED and merged.merged_into == original
    with pytest.raises(InvalidInput):
        lifecycle.problem_merge(actor=users["dispatcher"], problem_id=original.id, into=duplicate.id)


def test_reject_needs_a_reason_and_records_it(report, users):
    problem = report()
    with pytest.raises(InvalidInput):
        lifecycle.problem_reject(actor=users["dispatcher"], problem_id=problem.id, reason="  ")
    problem = lifecycle.problem_reject(actor=users["dispatcher"], problem_id=problem.id, reason="不在整治范围")
    assert problem.events.last().details == {"reason": "不在整治范围"}


def test_accept_can_correct_the_category_and_the_suggestion_follows(report, users):
    problem = report(category="06010", region="371082001")
    accepted = lifecycle.problem_accept(actor=users["dispatcher"], problem_id=problem.id, category="06013")
    assert accepted.category.code == "06013"
    assert accepted.events.get(action="accept").details["category"] == {"from": "06010", "to": "06013"}


def test_events_cannot_be_updated_in_the_database(report):
    event = report().events.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ProblemEvent.objects.filter(pk=event.pk).update(action="tampered")
    assert ProblemEvent.objects.get(pk=event.pk).action == "report"


def test_a_refused_rectification_leaves_no_photo_files_behind(dispatched, users, media_root):
    problem = dispatched()
    files_before = sorted(p.name for p in media_root.rglob("*") if p.is_file())
    other = next(u for u in users.values() if u.role == "handler" and u.unit_id != problem.unit_id)
    with pytest.raises(ActionForbidden):
        lifecycle.problem_rectify(actor=other, problem_id=problem.id, note="x", photos=[prepared_photo(9)])
    assert sorted(p.name for p in media_root.rglob("*") if p.is_file()) == files_before


def test_exif_place_and_time_are_kept_with_the_photo(report):
    lat, lng = point_in("371082001")
    problem = report(photos=[prepared_photo(7, lat=lat, lng=lng, taken_at=beijing(2023, 10, 9, 9, 30))])
    photo = problem.photos.get()
    assert (round(photo.exif_lat, 5), round(photo.exif_lng, 5)) == (round(lat, 5), round(lng, 5))
    assert photo.taken_at == beijing(2023, 10, 9, 9, 30)
    assert photo.original.read()[:2] == b"\xff\xd8"


def test_the_same_client_key_from_two_reporters_files_two_problems(report, users):
    mine = report(client_key="offline-0001")
    theirs = report(actor=users["inspector2"], client_key="offline-0001")
    assert mine.id != theirs.id
    assert report(client_key="offline-0001").id == mine.id
