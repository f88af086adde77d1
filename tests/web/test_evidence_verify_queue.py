"""The verification queue shows the inspector the doubts about each problem's latest after-photos, with reasons."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from renju.problems import lifecycle
from renju.problems.photos import photo_prepare
from tests.conftest import jpeg

pytestmark = pytest.mark.django_db


def queue_item(page: str, problem_id: int) -> str:
    match = re.search(rf'data-problem-id="{problem_id}">(.*?)</li>\s*(?=<li class="verify-item|</ol>)', page, re.S)
    assert match, f"problem {problem_id} is not in the queue"
    return match.group(1)


def test_the_verify_queue_shows_each_doubt_about_the_latest_after_photos_with_its_reason(client, users, dispatched):
    doubtful, clean = dispatched(), dispatched(region="371082017")
    lifecycle.problem_rectify(actor=users[doubtful.unit.code], problem_id=doubtful.id, note="已清理",
                              photos=[photo_prepare(jpeg(50, after=True), "blank.jpg")])
    from django.utils import timezone

    data = jpeg(51, lat=clean.lat, lng=clean.lng, taken_at=timezone.now(), after=True)
    lifecycle.problem_rectify(actor=users[clean.unit.code], problem_id=clean.id, note="已清理",
                              photos=[photo_prepare(data, "clean.jpg")])
    client.force_login(users["inspector"])
    page = client.get(reverse("web:inspector_verify_queue")).content.decode()
    flagged = queue_item(page, doubtful.id)
    assert 'data-flag="no_position"' in flagged and "照片没有拍摄位置" in flagged
    assert 'data-flag="no_time"' in flagged
    assert "data-flag=" not in queue_item(page, clean.id)
