"""Tokens, sessions and the `renju` commands."""

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from renju.accounts.models import ApiToken
from renju.problems.demo import demo_problems_create
from renju.problems.models import Problem

pytestmark = pytest.mark.django_db


def test_apitoken_prints_a_token_that_authenticates_and_only_its_hash_is_stored(users):
    out = io.StringIO()
    call_command("apitoken", "scorer", stdout=out)
    token = out.getvalue().strip()
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/me")
    assert response.json() == {"username": "scorer", "role": "scorer", "unit": None}
    assert not ApiToken.objects.filter(key_hash=token).exists()


def test_a_revoked_token_no_longer_works(users):
    out = io.StringIO()
    call_command("apitoken", "scorer", stdout=out)
    token = out.getvalue().strip()
    ApiToken.objects.update(revoked=True)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/me").status_code == 401


def test_a_browser_session_works_and_writes_need_the_csrf_token(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["dispatcher"])
    assert client.get("/api/v1/me").json()["role"] == "dispatcher"
    refused = client.post("/api/v1/problems", data=json.dumps({}), content_type="application/json")
    assert refused.status_code in (401, 403)


def test_a_handler_session_sees_its_unit(users):
    client = Client()
    client.force_login(users["yatou"])
    assert client.get("/api/v1/me").json() == {"username": "yatou", "role": "handler", "unit": "yatou"}


def test_demo_data_covers_the_loop_and_a_second_run_adds_nothing(users):
    first = demo_problems_create(days=6, per_day=8, seed=7)
    assert first.created > 0 and not first.skipped
    statuses = set(Problem.objects.values_list("status", flat=True))
    assert {"closed", "dispatched"} <= statuses
    count = Problem.objects.count()
    second = demo_problems_create(days=6, per_day=8, seed=7)
    assert second.skipped and Problem.objects.count() == count


def test_home_page_is_in_chinese_and_names_the_plan():
    html = Client().get("/").content.decode()
    assert "人居" in html and "荣成市全域人居环境综合整治方案" in html


def test_admin_shows_a_problem_read_only_with_its_events(users, report):
    problem = report()
    client = Client()
    client.force_login(users["admin"])
    page = client.get(f"/admin/problems/problem/{problem.id}/change/")
    assert page.status_code == 200
    assert problem.number in page.content.decode()
    assert client.get("/admin/problems/problem/add/").status_code == 403
