"""The assessment over the API (a unit sees only itself), the `renju assess` command, and the demo months."""

from __future__ import annotations

import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from renju.accounts.models import api_token_create
from renju.assessment.demo import demo_assessment_create
from renju.assessment.models import AssessmentRun
from renju.plans.active import active_plan
from tests.conftest import beijing

pytestmark = pytest.mark.django_db


def client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")


@pytest.fixture
def october_draft(late, users):
    late("yatou", 2023, 10, 9, 9)
    response = client(users["scorer"]).post("/api/v1/assessment/runs", {"period": "2023-10"},
                                            content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def test_scorer_drafts_a_month_over_the_api_and_sees_every_unit(october_draft, users):
    detail = client(users["scorer"]).get(f"/api/v1/assessment/runs/{october_draft['id']}").json()
    assert detail["status"] == "draft" and len(detail["units"]) == 50
    yatou = next(u for u in detail["units"] if u["unit"] == "yatou")
    assert yatou["rank"] == 25 and yatou["counts"]["overdue"] == 1


def test_unit_sees_its_own_lines_and_not_another_units(october_draft, users):
    run = october_draft["id"]
    mine = client(users["yatou"]).get(f"/api/v1/assessment/runs/{run}/units/yatou").json()
    assert [x["rule"] for x in mine["lines"]] == ["found", "overdue"]
    assert all(x["problem"] for x in mine["lines"])
    assert client(users["yatou"]).get(f"/api/v1/assessment/runs/{run}/units/chengxi").status_code == 404
    only_mine = client(users["yatou"]).get(f"/api/v1/assessment/runs/{run}").json()
    assert [u["unit"] for u in only_mine["units"]] == ["yatou"]


def test_inspectors_cannot_read_or_draft_assessments(october_draft, users):
    inspector = client(users["inspector"])
    assert inspector.get(f"/api/v1/assessment/runs/{october_draft['id']}").status_code == 404
    refused = inspector.post("/api/v1/assessment/runs", {"period": "2023-10"}, content_type="application/json")
    assert refused.status_code == 403


def test_publishing_before_the_cutoff_is_refused_with_the_reason(users):
    with time_machine.travel(beijing(2023, 11, 2, 9), tick=False):
        scorer = client(users["scorer"])
        run = scorer.post("/api/v1/assessment/runs", {"period": "2023-10"}, content_type="application/json").json()
        refused = scorer.post(f"/api/v1/assessment/runs/{run['id']}/publish")
    assert refused.status_code == 409 and "数据截止" in refused.json()["detail"]


def test_bad_period_is_a_422_naming_the_field(users):
    response = client(users["scorer"]).post("/api/v1/assessment/runs", {"period": "October"},
                                            content_type="application/json")
    assert response.status_code == 422 and "period" in response.json()["errors"]


def test_assess_command_drafts_and_publishes_a_month(late, users):
    late("chengxi", 2023, 10, 11, 9)
    out = io.StringIO()
    call_command("assess", "--period", "2023-10", "--as", "scorer", "--publish", stdout=out)
    assert "2023年10月 第1版 已发布" in out.getvalue()
    assert "城西街道" in out.getvalue()
    assert AssessmentRun.objects.get(period="2023-10").status == "published"


def test_assess_command_refuses_a_non_scorer_clearly(users):
    with pytest.raises(CommandError, match="考核测算"):
        call_command("assess", "--period", "2023-10", "--as", "inspector", stdout=io.StringIO())


def test_demo_publishes_past_months_and_leaves_the_current_one_as_a_draft(late, users):
    late("yatou", 2023, 10, 9, 9)
    late("yatou", 2023, 11, 6, 9)
    runs = demo_assessment_create(active_plan().plan, now=beijing(2023, 11, 20, 9))
    assert [(r.period, r.status) for r in runs] == [("2023-10", "published"), ("2023-11", "draft")]
    assert demo_assessment_create(active_plan().plan, now=beijing(2023, 11, 20, 9)) == []
