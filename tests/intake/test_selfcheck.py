"""自查自改: a unit files a problem it found itself, fixed on the spot or not; it is the unit's own at once, shows in
the unit's 自查 tab, stays hidden from other units, and bad input writes nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from renju.intake.selfcheck import found_time, self_check_report
from renju.problems import lifecycle
from renju.problems.errors import ActionForbidden, InvalidInput
from renju.problems.models import Photo, Problem, Source, Status
from tests.conftest import jpeg, point_in, prepared_photo

pytestmark = pytest.mark.django_db

YATOU = "371082001"


def file_self_check(users, username: str = "yatou", **overrides) -> Problem:
    lat, lng = point_in(YATOU)
    values = dict(actor=users[username], category="06010", lat=lat, lng=lng, description="辖区路边有暴露垃圾",
                  photos=[prepared_photo(11)])
    values.update(overrides)
    return self_check_report(**values)


def client_as(users, username: str) -> Client:
    client = Client()
    client.force_login(users[username])
    return client


def stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


# ---------------------------------------------------------------- the service


def test_a_self_check_without_a_fix_is_dispatched_to_the_unit_that_found_it(users):
    problem = file_self_check(users)

    assert problem.source == Source.SELF_CHECK
    assert problem.status == Status.DISPATCHED
    assert (problem.unit.code, problem.self_check_unit.code) == ("yatou", "yatou")
    assert problem.due_at is not None
    assert list(problem.events.values_list("action", flat=True)) == ["report", "accept", "dispatch"]


def test_a_self_check_fixed_on_the_spot_is_rectified_in_the_same_step(users):
    problem = file_self_check(users, fixed=True, fix_note="已当场清理", after_photos=[prepared_photo(12)])

    assert problem.status == Status.RECTIFIED
    assert list(problem.events.values_list("action", flat=True)) == ["report", "accept", "dispatch", "rectify"]
    assert problem.events.get(action="rectify").details["note"] == "已当场清理"
    kinds = sorted(problem.photos.values_list("kind", flat=True))
    assert kinds == sorted([Photo.Kind.BEFORE, Photo.Kind.AFTER])
    assert problem.rectified_at is not None


def test_a_self_check_is_scored_as_the_units_own_find_and_an_inspectors_find_is_not(users, dispatched):
    from renju.assessment.runs import compute_month
    from renju.plans.active import active_plan

    own = file_self_check(users, fixed=True, fix_note="已清理", after_photos=[prepared_photo(12)])
    found = dispatched(region=YATOU)
    result = compute_month(active_plan().plan, timezone.localtime().strftime("%Y-%m"))

    yatou = next(u for u in result.units if u.code == "yatou")
    assert yatou.counts["self_check"] == 1
    lines = {line.problem_id: line for line in yatou.lines if line.rule_name and line.problem_id}
    assert lines[own.id].reason.startswith("自查自改") and lines[own.id].points == 0  # the plan's factor is 0
    assert lines[found.id].points < 0


def test_the_finding_time_is_the_earliest_recent_before_photo(users):
    now = timezone.now()
    early = prepared_photo(13)
    early.taken_at = now - dt.timedelta(hours=2)
    stale = prepared_photo(14)
    stale.taken_at = now - dt.timedelta(days=5)
    assert found_time([stale, early], now) == early.taken_at
    assert found_time([stale], now) == now
    problem = file_self_check(users, photos=[early], at=now)
    assert problem.found_at == early.taken_at and problem.reported_at == now


def test_the_same_client_key_files_once(users):
    first = file_self_check(users, client_key="selfcheck-key-0001")
    again = file_self_check(users, client_key="selfcheck-key-0001", fixed=True, fix_note="已清理",
                            after_photos=[prepared_photo(12)])
    assert again.id == first.id and Problem.objects.count() == 1
    assert again.status == Status.DISPATCHED  # the retry does nothing more than the first delivery did


@pytest.mark.parametrize(("overrides", "field"), [
    ({"fixed": True, "fix_note": "已清理"}, "after_photos"),
    ({"fixed": True, "after_photos": "one"}, "fix_note"),
    ({"fix_note": "已清理"}, "fixed"),
    ({"photos": []}, "photos"),
    ({"category": "nope"}, "category"),
    ({"description": " "}, "description"),
    ({"lat": 39.9, "lng": 116.4}, "lat"),
])
def test_bad_input_is_refused_by_field_and_writes_nothing(users, media_root, overrides, field):
    if overrides.get("after_photos") == "one":
        overrides["after_photos"] = [prepared_photo(12)]
    with pytest.raises(InvalidInput) as refused:
        file_self_check(users, **overrides)
    assert field in refused.value.errors, refused.value.errors
    assert not Problem.objects.exists()
    assert stored_files(media_root) == []


def test_a_rectification_refused_after_the_report_leaves_no_problem_and_no_files(users, media_root, monkeypatch):
    from renju.intake import selfcheck

    def refuse(**kwargs):
        raise InvalidInput.one("photos", "refused for the test")

    monkeypatch.setattr(selfcheck.lifecycle, "problem_rectify", refuse)
    with pytest.raises(InvalidInput):
        file_self_check(users, fixed=True, fix_note="已清理", after_photos=[prepared_photo(12)])
    assert not Problem.objects.exists()
    assert not Photo.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize("username", ["inspector", "dispatcher", "admin"])
def test_only_unit_handlers_file_self_checks(users, username):
    with pytest.raises(ActionForbidden):
        file_self_check(users, username)
    assert not Problem.objects.exists()


# ---------------------------------------------------------------- where it shows, and where it does not


def test_it_appears_in_the_units_self_check_tab_and_not_in_another_units(users):
    problem = file_self_check(users)
    own = client_as(users, "yatou").get("/unit/", {"tab": "self"}).content.decode()
    assert problem.number in own
    other = client_as(users, "chengxi").get("/unit/", {"tab": "self"}).content.decode()
    assert problem.number not in other


def test_another_units_handler_cannot_open_or_act_on_it(users):
    problem = file_self_check(users)
    assert client_as(users, "chengxi").get(f"/problems/{problem.id}/").status_code == 404
    assert client_as(users, "yatou").get(f"/problems/{problem.id}/").status_code == 200
    with pytest.raises(ActionForbidden):
        lifecycle.problem_rectify(actor=users["chengxi"], problem_id=problem.id, note="不是我们的",
                                  photos=[prepared_photo(12)])


# ---------------------------------------------------------------- the page


def form(**overrides) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    lat, lng = point_in(YATOU)
    data = {"category": "06010", "lat": str(lat), "lng": str(lng), "description": "门前有暴露垃圾",
            "severity": "normal", "client_key": "page-key-00000001",
            "photos": [SimpleUploadedFile("before.jpg", jpeg(21), content_type="image/jpeg")]}
    data.update(overrides)
    return data


def after_photo(seed: int = 22):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("after.jpg", jpeg(seed), content_type="image/jpeg")


def test_the_page_offers_the_form_to_a_handler_only(users):
    page = client_as(users, "yatou").get("/unit/self-check/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="selfcheck-form"' in html and 'name="after_photos"' in html and "崖头街道" in html
    for username in ("inspector", "dispatcher", "leader", "admin"):
        assert client_as(users, username).get("/unit/self-check/").status_code == 403


def test_the_pages_script_gets_json_back_for_a_fixed_self_check(users):
    response = client_as(users, "yatou").post(
        "/unit/self-check/", form(fixed="1", fix_note="已清理", after_photos=[after_photo()]),
        headers={"Accept": "application/json"})
    assert response.status_code == 201, response.content
    body = response.json()
    problem = Problem.objects.get()
    assert body == {"id": problem.id, "number": problem.number, "status": "rectified", "status_name": "已整改",
                    "url": f"/problems/{problem.id}/"}


def test_the_page_without_its_script_redirects_to_the_new_problem(users):
    response = client_as(users, "yatou").post("/unit/self-check/", form())
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/problems/{problem.id}/"


def test_the_page_refuses_bad_input_by_field_and_writes_nothing(users, media_root):
    client = client_as(users, "yatou")
    response = client.post("/unit/self-check/", form(fixed="1", fix_note="", after_photos=[after_photo()]),
                           headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert set(json.loads(response.content)["errors"]) == {"fix_note"}

    from django.core.files.uploadedfile import SimpleUploadedFile

    corrupt = SimpleUploadedFile("after.jpg", b"\xff\xd8\xff broken", content_type="image/jpeg")
    response = client.post("/unit/self-check/", form(fixed="1", fix_note="已清理", after_photos=[corrupt]),
                           headers={"Accept": "application/json"})
    assert response.status_code == 422 and "after_photos" in response.json()["errors"]

    response = client.post("/unit/self-check/", form(lat="", lng=""))
    assert response.status_code == 422
    assert "请在地图上点选问题位置" in response.content.decode()
    assert not Problem.objects.exists() and stored_files(media_root) == []


def test_a_retried_page_submission_files_once(users):
    client = client_as(users, "yatou")
    first = client.post("/unit/self-check/", form(), headers={"Accept": "application/json"})
    again = client.post("/unit/self-check/", form(), headers={"Accept": "application/json"})
    assert first.json()["id"] == again.json()["id"]
    assert Problem.objects.count() == 1
