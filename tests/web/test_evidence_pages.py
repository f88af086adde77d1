"""What the verifier and the work team see of the evidence checks: the doubts about each after-photo on the problem
page, and the report of flagged rectifications by unit."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from renju.problems import lifecycle
from renju.problems.models import Photo, ProblemEvent
from renju.problems.photos import photo_prepare
from renju.problems.queries.evidence import evidence_report, report_period
from tests.conftest import jpeg

pytestmark = pytest.mark.django_db

REPORT = reverse("web:evidence_report")


@pytest.fixture
def steady_caches(monkeypatch):
    """The plan and the region index re-check the database every 2 s; a slow run must not see that as an extra query
    on one side of a comparison."""
    import renju.plans.active
    import renju.plans.geo

    monkeypatch.setattr(renju.plans.active, "RECHECK_SECONDS", 3600.0)
    monkeypatch.setattr(renju.plans.geo, "RECHECK_SECONDS", 3600.0)


@pytest.fixture
def rectified(dispatched, users):
    """A problem dispatched and rectified with one after-photo: `proof` is "clean" (taken on the spot, just now),
    "blank" (no position, no time), "far" (taken 1 km away) or raw JPEG bytes."""

    def _rectified(proof="clean", *, seed: int = 20, region: str = "371082001", at: dt.datetime | None = None):
        problem = dispatched(region=region)
        now = timezone.now()
        if proof == "clean":
            data = jpeg(seed, lat=problem.lat, lng=problem.lng, taken_at=now, after=True)
        elif proof == "far":
            data = jpeg(seed, lat=problem.lat + 0.009, lng=problem.lng, taken_at=now, after=True)
        elif proof == "blank":
            data = jpeg(seed, after=True)
        else:
            data = proof
        return lifecycle.problem_rectify(actor=users[problem.unit.code], problem_id=problem.id, note="已清理",
                                         photos=[photo_prepare(data, f"after{seed}.jpg")], at=at or now)

    return _rectified


def period(days: int = 1) -> str:
    today = timezone.localdate()
    return f"from={today - dt.timedelta(days=days)}&to={today + dt.timedelta(days=days)}"


def flagged_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'class="flagged-row" data-problem-id="(\d+)"', response.content.decode())]


def unit_cells(response, unit_code: str) -> str:
    match = re.search(rf'<tr data-unit="{unit_code}"[^>]*>(.*?)</tr>', response.content.decode(), re.S)
    assert match, f"no row for {unit_code}"
    return match.group(1)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# ---------------------------------------------------------------- the problem page


def test_the_problem_page_shows_the_verifier_each_doubt_about_the_after_photos_with_its_reason(
        client, users, rectified):
    original = jpeg(21)
    first = rectified(original, seed=21)
    second = rectified(original, seed=22)  # the same picture again, on another problem
    client.force_login(users["inspector"])
    page = client.get(reverse("web:problem", kwargs={"problem_id": second.id})).content.decode()
    assert "整改照片核验" in page and "1 张照片存疑" in page
    assert 'data-flag="no_position"' in page and "照片没有拍摄位置" in page
    assert 'data-flag="no_time"' in page
    assert 'data-flag="duplicate"' in page and f"与问题 {first.number} 的照片相同" in page
    assert reverse("web:problem", kwargs={"problem_id": first.id}) in page
    other_photo = Photo.objects.get(problem=first, kind="after")
    assert reverse("api-v1:photo_thumbnail", kwargs={"photo_id": other_photo.id}) in page


def test_the_problem_page_says_when_the_after_photos_raised_no_doubt(client, users, rectified):
    problem = rectified("clean")
    client.force_login(users["inspector"])
    page = client.get(reverse("web:problem", kwargs={"problem_id": problem.id})).content.decode()
    assert "未发现疑点" in page and "data-flag=" not in page


def test_the_problem_page_has_no_evidence_section_before_a_rectification(client, users, dispatched):
    problem = dispatched()
    client.force_login(users["inspector"])
    page = client.get(reverse("web:problem", kwargs={"problem_id": problem.id})).content.decode()
    assert "整改照片核验" not in page


def test_the_unit_sees_the_doubts_about_its_own_rectification_too(client, users, rectified):
    problem = rectified("blank")
    client.force_login(users[problem.unit.code])
    page = client.get(reverse("web:problem", kwargs={"problem_id": problem.id})).content.decode()
    assert 'data-flag="no_position"' in page


# ---------------------------------------------------------------- the report: who may open it


@pytest.mark.parametrize("username", ["dispatcher", "scorer", "leader", "inspector", "admin"])
def test_the_evidence_report_opens_for_the_work_team(client, users, username):
    client.force_login(users[username])
    response = client.get(REPORT)
    assert response.status_code == 200
    assert "整改照片存疑情况" in response.content.decode()


def test_the_evidence_report_is_closed_to_unit_handlers(client, users):
    client.force_login(users["yatou"])
    assert client.get(REPORT).status_code == 403


def test_the_evidence_report_sends_anonymous_visitors_to_log_in(client):
    response = client.get(REPORT)
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))


# ---------------------------------------------------------------- the report: what it counts and lists


def test_the_report_counts_flagged_rectifications_by_unit_and_kind_of_doubt(client, users, rectified):
    rectified("blank", region="371082001")  # 崖头街道: no position, no time
    rectified("clean", region="371082001", seed=23)
    rectified("far", region="371082017", seed=24)  # 荫子镇: 1 km away
    client.force_login(users["dispatcher"])
    response = client.get(f"{REPORT}?{period()}")
    yatou, yinzi = unit_cells(response, "yatou"), unit_cells(response, "yinzi")
    assert re.search(r'<td class="n">2</td>\s*<td class="n"><a [^>]*>1</a></td>\s*<td class="n">50%</td>', yatou)
    assert re.search(r'data-kind="no_position"><a [^>]*>1</a>', yatou)
    assert re.search(r'data-kind="no_time"><a [^>]*>1</a>', yatou)
    assert re.search(r'data-kind="far">·<', yatou)
    assert re.search(r'data-kind="far"><a [^>]*>1</a>', yinzi)
    assert re.search(r'data-kind="no_position">·<', yinzi)


def test_the_report_counts_by_unit_in_numbers(users, rectified):
    rectified("blank", region="371082001")
    rectified("blank", region="371082001", seed=25)
    rectified("clean", region="371082017", seed=26)
    today = timezone.localdate()
    report = evidence_report(users["leader"], start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=1))
    by_unit = {row.code: row for row in report.units}
    assert (by_unit["yatou"].rectified, by_unit["yatou"].checked, by_unit["yatou"].flagged) == (2, 2, 2)
    assert by_unit["yatou"].kinds == {"no_position": 2, "no_time": 2}
    assert (by_unit["yinzi"].rectified, by_unit["yinzi"].flagged, by_unit["yinzi"].share) == (1, 0, "0%")
    assert (report.totals.rectified, report.totals.flagged) == (3, 2)
    assert [row.code for row in report.units][:1] == ["yatou"]  # the most flagged first


def test_the_report_lists_flagged_rectifications_newest_first_with_their_reasons(client, users, rectified):
    now = timezone.now()
    older = rectified("blank", at=now - dt.timedelta(hours=2))
    newer = rectified("far", seed=27, region="371082017", at=now - dt.timedelta(hours=1))
    rectified("clean", seed=28)
    client.force_login(users["leader"])
    response = client.get(f"{REPORT}?{period()}")
    assert flagged_ids(response) == [newer.id, older.id]
    page = response.content.decode()
    assert "照片 1：拍摄位置距问题位置 1.0 公里" in page and "照片 1：照片没有拍摄时间" in page


def test_the_report_list_narrows_to_one_unit_and_one_kind_of_doubt(client, users, rectified):
    blank_yatou = rectified("blank")
    far_yatou = rectified("far", seed=29)
    blank_yinzi = rectified("blank", seed=30, region="371082017")
    client.force_login(users["dispatcher"])
    assert set(flagged_ids(client.get(f"{REPORT}?{period()}&unit=yatou"))) == {blank_yatou.id, far_yatou.id}
    assert set(flagged_ids(client.get(f"{REPORT}?{period()}&kind=no_time"))) == {blank_yatou.id, blank_yinzi.id}
    assert flagged_ids(client.get(f"{REPORT}?{period()}&unit=yatou&kind=far")) == [far_yatou.id]


def test_rectifications_outside_the_period_are_left_out(client, users, rectified):
    rectified("blank", at=timezone.now() - dt.timedelta(days=40))
    recent = rectified("blank", seed=31)
    client.force_login(users["dispatcher"])
    assert flagged_ids(client.get(f"{REPORT}?{period(days=2)}")) == [recent.id]


def test_rectifications_made_before_the_checks_existed_count_as_not_checked(users, rectified):
    problem = rectified("clean")
    event = ProblemEvent.objects.get(problem=problem, action="rectify")
    # An older rectification as the log holds it: no evidence_flags key at all.
    ProblemEvent.objects.create(problem=problem, seq=event.seq + 1, action="rectify", actor=event.actor, at=event.at,
                                from_status="rework", to_status="rectified", details={"note": "旧记录"})
    today = timezone.localdate()
    report = evidence_report(users["leader"], start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=1))
    row = next(r for r in report.units if r.code == problem.unit.code)
    assert (row.rectified, row.checked, row.flagged) == (2, 1, 0)


def test_the_default_period_is_this_month_and_a_bad_date_is_reported_not_fatal():
    today = dt.date(2024, 5, 20)
    assert report_period(None, None, today=today)[:2] == (dt.date(2024, 5, 1), today)
    start, end, errors = report_period("2024-13-40", "2024-05-10", today=today)
    assert (start, end) == (dt.date(2024, 5, 1), dt.date(2024, 5, 10)) and "start" in errors
    start, end, errors = report_period("2024-05-10", "2024-05-01", today=today)
    assert (start, end) == (dt.date(2024, 5, 1), dt.date(2024, 5, 10)) and errors


def test_the_report_runs_the_same_number_of_queries_for_few_and_many_flagged_rectifications(
        client, users, rectified, steady_caches):
    client.force_login(users["dispatcher"])
    rectified("blank")
    url = f"{REPORT}?{period()}"
    client.get(url)
    few = count_queries(client, url)
    for n, region in enumerate(["371082001", "371082017", "371082011", "371082002", "371082017", "371082011"]):
        rectified("far" if n % 2 else "blank", seed=40 + n, region=region)
    many = count_queries(client, url)
    assert few == many
    assert len(flagged_ids(client.get(url))) == 7
