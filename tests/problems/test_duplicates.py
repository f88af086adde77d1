"""Duplicate suggestions across sources at the edges of the plan's rule (30 m, 72 h, same category), and merging
keeping every report's photos and reporter."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.test import Client

from renju.accounts.models import api_token_create
from renju.problems import lifecycle
from renju.problems.duplicates import Window, duplicate_candidates, merged_reports
from tests.conftest import beijing, point_in, prepared_photo

pytestmark = pytest.mark.django_db
BASE = beijing(2023, 10, 9, 9)


def north(lat: float, metres: float) -> float:
    return lat + metres / 6_371_008.8 * 180 / math.pi


@pytest.fixture
def first(report):
    lat, lng = point_in("371082001")
    return report(lat=lat, lng=lng, at=BASE, found_at=BASE)


def other(report, first, *, metres: float = 10, hours: float = 1, **kw):
    found = BASE + dt.timedelta(hours=hours)
    return report(lat=north(first.lat, metres), lng=first.lng, at=max(found, BASE), found_at=found, **kw)


def numbers(problem, **kw):
    return [d.problem.number for d in duplicate_candidates(problem, **kw)]


def test_a_hotline_report_near_an_inspectors_is_suggested_with_its_evidence(report, first, users):
    call = other(report, first, metres=12, hours=2, source="hotline", actor=users["dispatcher"], photos=[])
    [d] = duplicate_candidates(call)
    assert d.problem == first and d.metres == 12 and d.hours == 2.0 and d.photo_ids


def test_distance_edge_exactly_at_the_limit_matches_and_just_beyond_does_not(report, first):
    at_limit = other(report, first, metres=29.9)
    beyond = other(report, first, metres=30.6)
    assert first.number in numbers(at_limit, window=Window(30, 72))
    assert first.number not in numbers(beyond, window=Window(30, 72))


def test_time_edge_works_both_ways(report, first):
    before = other(report, first, hours=-72)
    after = other(report, first, hours=72.01)
    assert first.number in numbers(before)  # exactly 72 hours apart
    assert first.number not in numbers(after)


def test_another_category_or_a_rejected_report_is_not_a_duplicate(report, first, users):
    different = other(report, first, category="06042")
    assert numbers(different) == []
    same = other(report, first)
    lifecycle.problem_reject(actor=users["dispatcher"], problem_id=first.id, reason="误报")
    assert numbers(same) == []


def test_merging_keeps_the_reports_photos_and_reporter_on_the_original(report, first, dispatched, users):
    lifecycle.problem_accept(actor=users["dispatcher"], problem_id=first.id)
    first = lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=first.id)
    dup = other(report, first, actor=users["inspector2"], photos=[prepared_photo(7)])
    lifecycle.problem_merge(actor=users["dispatcher"], problem_id=dup.id, into=first.id)
    [m] = merged_reports(first)
    assert m.problem == dup and m.problem.reporter == users["inspector2"] and len(m.photo_ids) == 1
    # The unit sees the merged report's photo on its own problem's page, and may open it.
    unit = Client()
    unit.force_login(users[first.unit.code])
    page = unit.get(f"/problems/{first.id}/").content.decode()
    assert dup.number in page and "已合并的重复上报" in page
    token = api_token_create(user=users[first.unit.code])
    photo = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(f"/api/v1/photos/{m.photo_ids[0]}/thumbnail")
    assert photo.status_code == 200


def test_the_dispatcher_page_offers_merging_into_each_suggestion(report, first, users):
    dup = other(report, first)
    client = Client()
    client.force_login(users["dispatcher"])
    page = client.get(f"/problems/{dup.id}/").content.decode()
    assert f"合并到 {first.number}" in page and "相距 10 米" in page
