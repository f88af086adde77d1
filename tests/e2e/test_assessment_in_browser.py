"""The month's assessment in a real browser: the scorer drafts October 2023, reads the ranking and publishes it; a
unit's handler then finds its own lines."""

import datetime as dt

from renju.accounts.models import User
from renju.assessment.models import AssessmentRun
from renju.problems import lifecycle
from tests.conftest import beijing, point_in

YATOU, CHENGXI = "371082001", "371082002"


def october_problem(users: dict, region: str, at: dt.datetime):
    """暴露垃圾 reported and dispatched in October 2023, never rectified: found and overdue in that month."""
    lat, lng = point_in(region)
    problem = lifecycle.problem_report(actor=users["inspector"], category="06010", lat=lat, lng=lng,
                                       description="路边暴露垃圾", source="inspection", photos=[], at=at)
    lifecycle.problem_accept(actor=users["dispatcher"], problem_id=problem.id, at=at + dt.timedelta(minutes=5))
    return lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=problem.id,
                                      at=at + dt.timedelta(minutes=10))


def test_the_scorer_drafts_and_publishes_a_month_and_a_unit_reads_its_lines(open_as):
    users = {u.username: u for u in User.objects.all()}
    overdue = october_problem(users, CHENGXI, beijing(2023, 10, 9, 9, 0))
    october_problem(users, YATOU, beijing(2023, 10, 10, 9, 0))

    scorer = open_as("scorer")
    scorer.goto("/assessment/")
    scorer.fill("#draft-period", "2023-10")
    scorer.click("#draft-form button[type=submit]")
    scorer.wait_for_url("**/assessment/2023-10/")
    towns = scorer.locator("#ranking-towns")
    assert towns.locator("tr.rank-row[data-unit='chengxi']").count() == 1
    assert "草稿" in scorer.locator("#run-status").inner_text()

    scorer.click("#publish-link")
    scorer.click("#publish-confirm-button")  # the real clock is long past October's cutoff
    scorer.wait_for_selector("#run-status >> text=已发布")
    assert AssessmentRun.objects.get().status == "published"

    handler = open_as("chengxi", phone=True)
    handler.goto("/assessment/")  # lands on its unit's page of the newest published month
    handler.wait_for_url("**/assessment/2023-10/units/chengxi/")
    lines = handler.locator("tr.score-line")
    assert lines.count() == 2
    assert overdue.number in lines.first.inner_text()
    assert "逾期未整改" in handler.locator("#unit-lines").inner_text()

    for page in (scorer, handler):
        assert page.outside_requests == [], f"requests outside the server: {page.outside_requests}"
