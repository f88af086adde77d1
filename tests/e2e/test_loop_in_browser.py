"""The whole loop as people do it, in a real browser: report on a phone, dispatch, rectify, verify, see it closed."""

import re

from renju.problems.models import Problem, Status
from tests.conftest import point_in

YATOU = "371082001"  # 崖头街道: 暴露垃圾 there goes to the street office (handler `yatou`)


def report_on_phone(page, photo: str, description: str = "路边有暴露垃圾") -> None:
    page.goto("/inspector/report/")
    page.set_input_files("#photos", photo)
    page.fill("#category-search", "blj")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#category').value !== ''")
    page.fill("#description", description)
    page.wait_for_function("document.querySelector('#lat').value !== ''")


def test_a_problem_travels_the_whole_loop_through_the_pages(open_as, photo_file):
    lat, lng = point_in(YATOU)

    inspector = open_as("inspector", phone=True, geolocation=(lat, lng))
    report_on_phone(inspector, photo_file("before.jpg", seed=1))
    inspector.click("#submit-report")
    inspector.wait_for_selector("#report-result >> text=/RC-\\d{8}-\\d{4}/")
    problem = Problem.objects.get()
    assert problem.status == Status.REPORTED and problem.photos.count() == 1
    assert problem.source == "inspection"

    dispatcher = open_as("dispatcher")
    dispatcher.goto("/dispatch/")
    row = dispatcher.locator(f"tr.intake-row[data-problem-id='{problem.id}']")
    row.locator(".act-dispatch").click()
    dispatcher.wait_for_function(
        f"!document.querySelector(\"tr.intake-row[data-problem-id='{problem.id}'] .act-dispatch\")")
    problem.refresh_from_db()
    assert problem.status == Status.DISPATCHED and problem.unit.code == "yatou"

    handler = open_as("yatou", phone=True)
    handler.goto("/unit/")
    handler.click(f"tr.inbox-row[data-problem-id='{problem.id}'] a")
    handler.set_input_files("#rectify-photos", photo_file("after.jpg", seed=2))
    handler.fill("#rectify-note", "已清理完毕")
    handler.click("#actions form[action$='/rectify/'] button[type=submit]")
    handler.wait_for_selector("text=整改情况已提交")
    problem.refresh_from_db()
    assert problem.status == Status.RECTIFIED

    inspector.goto(f"/inspector/verify/?lat={lat}&lng={lng}")
    item = inspector.locator(f"li.verify-item[data-problem-id='{problem.id}']")
    item.locator(".verify-pass").click()
    inspector.wait_for_load_state("networkidle")
    problem.refresh_from_db()
    assert problem.status == Status.CLOSED

    leader = open_as("leader")
    leader.goto("/dashboard/")
    closed_today = leader.locator("#stats-today [data-stat='closed']").inner_text()
    assert int(re.sub(r"\D", "", closed_today)) >= 1
    leader.goto(f"/problems/{problem.id}/")
    assert "已销号" in leader.locator("h1").inner_text()

    for page in (inspector, dispatcher, handler, leader):
        assert page.outside_requests == [], f"requests outside the server: {page.outside_requests}"


def test_a_unit_handler_is_refused_another_units_problem(open_as, photo_file):
    from renju.accounts.models import User
    from renju.problems import lifecycle
    from tests.conftest import prepared_photo

    lat, lng = point_in(YATOU)
    users = {u.username: u for u in User.objects.all()}
    problem = lifecycle.problem_report(actor=users["inspector"], category="06010", lat=lat, lng=lng,
                                       description="暴露垃圾", source="inspection", photos=[prepared_photo(1)])
    lifecycle.problem_accept(actor=users["dispatcher"], problem_id=problem.id)
    lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=problem.id)

    outsider = open_as("chengxi", phone=True)
    response = outsider.goto(f"/problems/{problem.id}/")
    assert response.status == 404
    outsider.goto("/unit/")
    assert outsider.locator(f"tr.inbox-row[data-problem-id='{problem.id}']").count() == 0
    photo_id = problem.photos.get().id
    assert outsider.request.get(f"/api/v1/photos/{photo_id}/thumbnail").status == 404


def test_a_report_made_offline_is_sent_once_when_the_network_returns(open_as, photo_file):
    lat, lng = point_in(YATOU)
    inspector = open_as("inspector", phone=True, geolocation=(lat, lng))
    report_on_phone(inspector, photo_file("offline.jpg", seed=3), description="断网时上报的问题")

    inspector.context.set_offline(True)
    inspector.click("#submit-report")
    inspector.wait_for_selector("#pending-reports li")
    assert Problem.objects.count() == 0

    inspector.context.set_offline(False)
    inspector.wait_for_function("document.querySelectorAll('#pending-reports li').length === 0", timeout=30_000)
    inspector.reload()  # a reload re-runs the queue on page load: nothing may be sent twice
    inspector.wait_for_load_state("networkidle")
    assert Problem.objects.count() == 1
    assert Problem.objects.get().description == "断网时上报的问题"
