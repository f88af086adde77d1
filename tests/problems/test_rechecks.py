"""回头看 and 反弹: which closed problems are rechecked, by whom, and what a relapse or a repeat does."""

import datetime as dt

import pytest

from renju.problems import lifecycle
from renju.problems.errors import InvalidInput, TransitionRefused
from renju.problems.models import Problem, Recheck, Status
from renju.problems.rechecks import rechecks_create
from tests.conftest import beijing, prepared_photo

pytestmark = pytest.mark.django_db


def closed_problem(report, users, *, region="371082001", day=None, key=False, category="06010"):
    day = day or beijing(2023, 10, 10, 9, 0)
    problem = report(region=region, category=category, is_key=key, at=day, found_at=day)
    d = users["dispatcher"]
    lifecycle.problem_accept(actor=d, problem_id=problem.id, at=day)
    problem = lifecycle.problem_dispatch(actor=d, problem_id=problem.id, at=day)
    lifecycle.problem_rectify(actor=users[problem.unit.code], problem_id=problem.id, note="已整改",
                              photos=[prepared_photo(problem.id)], at=day + dt.timedelta(hours=2))
    return lifecycle.problem_verify(actor=users["inspector"], problem_id=problem.id, result="pass",
                                    at=day + dt.timedelta(hours=3))


def test_every_key_problem_is_rechecked_a_week_after_closing(report, users):
    key = closed_problem(report, users, key=True)
    assert rechecks_create(beijing(2023, 10, 16, 23, 0)) == 0  # six days later: not yet
    assert rechecks_create(beijing(2023, 10, 17, 8, 0)) >= 1
    recheck = Recheck.objects.get(problem=key)
    assert recheck.reason == "key" and recheck.due_on == dt.date(2023, 10, 17)


def test_the_sample_is_the_same_when_the_job_runs_again(report, users):
    problems = [closed_problem(report, users, region=r) for r in ["371082001"] * 30 + ["371082017"] * 10]
    first = rechecks_create(beijing(2023, 10, 20, 8, 0))
    chosen = set(Recheck.objects.values_list("problem_id", flat=True))
    assert rechecks_create(beijing(2023, 10, 21, 8, 0)) == 0
    assert set(Recheck.objects.values_list("problem_id", flat=True)) == chosen and first == len(chosen)
    # Each problem's fate is its own keyed hash below the plan's 10%: recomputed here, the same set comes out.
    from renju.problems.rechecks import sample_point

    expected = {p.id for p in problems if sample_point("rongcheng-2023", p.number) < 0.10}
    assert chosen == expected and 0 < len(chosen) < 12


def test_rechecks_go_to_the_inspector_whose_beat_holds_the_place(report, users):
    urban = closed_problem(report, users, region="371082001", key=True)  # 崖头: inspector's beat
    rural = closed_problem(report, users, region="371082017", key=True)  # 荫子镇: inspector2's beat
    rechecks_create(beijing(2023, 10, 20, 8, 0))
    assert Recheck.objects.get(problem=urban).inspector.username == "inspector"
    assert Recheck.objects.get(problem=rural).inspector.username == "inspector2"


def test_a_relapse_opens_a_new_problem_linked_to_the_old_one(report, users):
    old = closed_problem(report, users, key=True)
    rechecks_create(beijing(2023, 10, 17, 8, 0))
    relapse = lifecycle.problem_recheck(actor=users["inspector"], problem_id=old.id, result="relapse",
                                        note="垃圾又堆起来了", photos=[prepared_photo(77)],
                                        at=beijing(2023, 10, 17, 10, 0))
    assert relapse.relapse_of == old and relapse.status == Status.REPORTED
    assert relapse.suggested_unit == old.unit
    recheck = Recheck.objects.get(problem=old)
    assert recheck.result == "relapse" and recheck.relapse == relapse
    assert Problem.objects.get(pk=old.pk).status == Status.CLOSED
    with pytest.raises(TransitionRefused):
        lifecycle.problem_recheck(actor=users["inspector"], problem_id=old.id, result="confirmed")


def test_a_relapse_needs_a_note_and_a_photo(report, users):
    old = closed_problem(report, users)
    with pytest.raises(InvalidInput):
        lifecycle.problem_recheck(actor=users["inspector"], problem_id=old.id, result="relapse", note="又脏了")


def test_the_same_place_and_category_within_the_window_is_a_repeat(report, users):
    old = closed_problem(report, users)  # closed 2023-10-10 12:00
    last_day = old.closed_at + dt.timedelta(days=30)
    again = report(at=last_day - dt.timedelta(minutes=1), found_at=last_day - dt.timedelta(minutes=1))
    assert again.repeat_of == old
    assert again.events.get().details["repeat_of"] == old.number


def test_after_the_window_or_elsewhere_it_is_not_a_repeat(report, users):
    old = closed_problem(report, users)
    late = old.closed_at + dt.timedelta(days=30, minutes=1)
    assert report(at=late, found_at=late).repeat_of is None
    assert report(region="371082017", at=old.closed_at + dt.timedelta(days=1)).repeat_of is None
    assert report(category="06013", at=old.closed_at + dt.timedelta(days=1)).repeat_of is None


def test_the_inspector_sees_due_rechecks_and_records_a_relapse_from_the_page(report, users):
    from django.test import Client
    from django.utils import timezone

    old = closed_problem(report, users, key=True, day=timezone.now() - dt.timedelta(days=10))
    rechecks_create(timezone.now())
    client = Client()
    client.force_login(users["inspector"])
    page = client.get("/inspector/rechecks/").content.decode()
    assert old.number in page
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import jpeg

    client.post(f"/problems/{old.id}/recheck/", {"result": "relapse", "note": "又出现", "next": "/inspector/rechecks/",
                                                 "photos": [SimpleUploadedFile("r.jpg", jpeg(5), "image/jpeg")]})
    assert Problem.objects.filter(relapse_of=old).count() == 1
    assert old.number not in client.get("/inspector/rechecks/").content.decode()


def test_relapses_and_repeats_count_against_the_unit_of_the_original(report, users):
    from renju.problems.queries.followup import relapse_counts_by_unit

    old = closed_problem(report, users, key=True)
    lifecycle.problem_recheck(actor=users["inspector"], problem_id=old.id, result="relapse", note="反弹",
                              photos=[prepared_photo(9)], at=beijing(2023, 10, 17, 10, 0))
    report(at=beijing(2023, 10, 18, 9, 0), found_at=beijing(2023, 10, 18, 9, 0))  # same place again: a repeat
    counts = relapse_counts_by_unit(beijing(2023, 10, 1, 0, 0), beijing(2023, 11, 1, 0, 0))
    assert counts == {"yatou": 2}


def test_the_scheduler_draws_rechecks_and_a_second_run_adds_none(report, users):
    from renju.notify.jobs import job_named

    closed_problem(report, users, key=True)
    job = job_named("create_rechecks")
    assert job.func(beijing(2023, 10, 18, 8, 0)) == {"created": 1}
    assert job.func(beijing(2023, 10, 18, 9, 0)) == {"created": 0}
