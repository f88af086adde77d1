"""The 5-5-5 timers: found → dispatched → on site → handled, each against the plan's five minutes."""

from __future__ import annotations

import datetime as dt

import pytest

from renju.problems import lifecycle
from renju.video.timers import Timeline, nearest_rank, stage_minutes, stage_stats, summarise, timeline
from tests.conftest import beijing, prepared_photo

T = beijing(2026, 3, 2, 9, 0)
FIVE = dt.timedelta(minutes=5)
TARGETS = {"find": FIVE, "arrive": FIVE, "handle": FIVE}


def at(minutes: float) -> dt.datetime:
    return T + dt.timedelta(minutes=minutes)


def test_a_timeline_takes_the_first_dispatch_the_first_arrival_after_it_and_the_first_rectification():
    tl = timeline(T, [("dispatch", at(2), 7), ("return", at(3), 7), ("dispatch", at(4), 8), ("arrive", at(6), 8),
                      ("arrive", at(9), 8), ("rectify", at(10), 8), ("rectify", at(30), 8)])
    assert (tl.dispatched_at, tl.on_site_at, tl.handled_at, tl.unit_id) == (at(2), at(6), at(10), 8)
    assert [stage_minutes(tl, s, at(60)) for s in ("find", "arrive", "handle")] == [(2, True), (4, True), (4, True)]


def test_a_rectification_without_arrival_counts_as_arriving_then_and_leaves_the_handle_stage_unmeasured():
    tl = timeline(T, [("dispatch", at(1), 1), ("rectify", at(12), 1)])
    assert tl.on_site_at == at(12) and not tl.arrival_recorded
    assert stage_minutes(tl, "arrive", at(60)) == (11, True)
    assert stage_minutes(tl, "handle", at(60)) == (None, False)


def test_stages_not_begun_are_not_counted_and_running_ones_count_once_past_target():
    waiting = timeline(T, [])  # never dispatched
    running = timeline(T, [("dispatch", at(1), 1)])  # dispatched, nobody there yet
    now = at(4)  # 3 minutes after dispatch: still inside the five
    stats = stage_stats([waiting, running], "arrive", FIVE, now)
    assert (stats.started, stats.done, stats.decided, stats.within) == (1, 0, 0, 0) and stats.share_within is None
    late = stage_stats([waiting, running], "arrive", FIVE, at(6.5))  # 5.5 minutes: decided, and late
    assert (late.decided, late.within, late.share_within) == (1, 0, 0.0)


def test_exactly_five_minutes_is_within_target_and_a_second_more_is_not():
    on_time = Timeline(T, dispatched_at=T + FIVE)
    late = Timeline(T, dispatched_at=T + FIVE + dt.timedelta(seconds=1))
    stats = stage_stats([on_time, late], "find", FIVE, at(60))
    assert (stats.done, stats.within, stats.share_within) == (2, 1, 0.5)


def test_median_and_p90_by_nearest_rank():
    timelines = [Timeline(T, dispatched_at=at(m)) for m in (1, 2, 3, 4, 5, 6, 7, 8, 9, 30)]
    stats = summarise(timelines, TARGETS, at(60))["find"]
    assert (stats.median_minutes, stats.p90_minutes, stats.within) == (5.5, 9, 5)
    assert nearest_rank([4.0], 90) == 4.0 and nearest_rank([1.0, 2.0], 50) == 1.0


@pytest.mark.django_db
def test_the_report_counts_each_camera_and_unit_from_the_events(camera, receive, users):
    from renju.video.queries import timer_report

    camera("CAM-001")
    camera("CAM-002", region="371082002")
    a = receive(camera="CAM-001", occurred_at=at(0), confidence=0.95, at=at(2)).alarm.problem  # dispatched at 2
    b = receive(camera="CAM-002", occurred_at=at(0), confidence=0.7, at=at(1)).alarm.problem  # waits for review
    receive(camera="CAM-001", occurred_at=at(3), at=at(3))  # joins a: not another problem
    handler = users[a.unit.code]
    lifecycle.problem_arrive(actor=handler, problem_id=a.id, at=at(5))
    lifecycle.problem_rectify(actor=handler, problem_id=a.id, note="已清理", photos=[prepared_photo(2)], at=at(14))
    lifecycle.problem_accept(actor=users["dispatcher"], problem_id=b.id, at=at(20))
    lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=b.id, at=at(21))

    report = timer_report(since=T - dt.timedelta(hours=1), until=T + dt.timedelta(hours=1), now=at(23))
    assert report["problems"] == 2
    rows = {r.key: r for r in report["cameras"]}
    first, second = rows["CAM-001"].stages, rows["CAM-002"].stages
    assert (first["find"].median_minutes, first["arrive"].median_minutes, first["handle"].median_minutes) == (2, 3, 9)
    assert (first["find"].within, first["handle"].within) == (1, 0)
    assert second["find"].median_minutes == 21 and second["arrive"].started == 1 and second["arrive"].done == 0
    assert second["arrive"].decided == 0  # 2 minutes on the way at `now`: not yet decided
    b.refresh_from_db()
    assert a.unit != b.unit  # two towns, two units
    units = {r.key: r for r in report["units"]}
    assert (units[a.unit.code].problems, units[b.unit.code].problems) == (1, 1)
    assert units[a.unit.code].stages["handle"].median_minutes == 9
    outside = timer_report(since=T + dt.timedelta(hours=1), until=T + dt.timedelta(hours=2), now=at(23))
    assert outside["problems"] == 0


@pytest.mark.django_db
def test_the_spreadsheet_has_the_overall_figures_cameras_units_and_one_row_per_problem(camera, receive):
    from openpyxl import load_workbook

    from renju.video.export import timers_xlsx
    from renju.video.queries import timer_report

    camera("CAM-001")
    receive(occurred_at=at(0), confidence=0.95, at=at(3))
    report = timer_report(since=T - dt.timedelta(hours=1), until=T + dt.timedelta(hours=1), now=at(30))
    import io

    book = load_workbook(io.BytesIO(timers_xlsx(report)))
    assert book.sheetnames == ["总体", "按摄像头", "按责任单位", "明细"]
    assert book["按摄像头"]["A2"].value == "CAM-001" and book["按摄像头"]["C2"].value == 1
    assert book["明细"].max_row == 2 and book["明细"]["H2"].value == 3  # found → dispatched: 3 minutes
