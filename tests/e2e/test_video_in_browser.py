"""The camera map and the unit's 到场 in a real browser: drawn with no tiles and nothing loaded from outside."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def _setup():
    from renju.accounts.models import User
    from renju.plans.geo import region_index
    from renju.video.intake import alarm_receive
    from renju.video.models import Camera
    from tests.conftest import jpeg, point_in

    robot = User.objects.create(username="video-ai", role="integration")
    for n, (region, status) in enumerate([("371082001", "online"), ("371082002", "offline")], start=1):
        lat, lng = point_in(region)
        Camera.objects.create(code=f"CAM-00{n}", name=f"路口{n}", lat=lat, lng=lng, status=status,
                              region_id=region_index().locate(lng, lat))
    return alarm_receive(actor=robot, camera="CAM-001", alarm_id="B-1", alarm_type="garbage_exposed",
                         occurred_at=timezone.now() - dt.timedelta(minutes=2), confidence=0.95, snapshot=jpeg(3))


def test_the_camera_map_draws_every_camera_with_no_outside_requests(open_as):  # noqa: F811
    _setup()
    page = open_as("dispatcher")
    page.goto("/video/cameras/map/")
    page.wait_for_function("document.querySelector('#camera-map').dataset.cameras === '2'")
    page.wait_for_selector("#camera-map canvas")
    assert page.locator("#camera-map .leaflet-tile").count() == 0
    assert page.outside_requests == []


def test_the_unit_taps_arrival_on_the_phone_with_its_position(open_as):  # noqa: F811
    from renju.problems.models import ProblemEvent

    problem = _setup().alarm.problem
    page = open_as(problem.unit.code, phone=True, geolocation=(problem.lat, problem.lng))
    page.goto("/video/arrive/")
    page.wait_for_function("document.querySelector('.arrive-form input[name=lat]').value !== ''")
    page.get_by_role("button", name="到场").click()
    page.wait_for_selector("text=已登记到场")
    event = ProblemEvent.objects.get(problem=problem, action="arrive")
    assert event.details["metres"] < 5
    assert page.outside_requests == []
