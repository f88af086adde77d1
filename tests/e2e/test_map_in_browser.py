"""Maps in the browser: no tiles needed, nothing loaded from outside, GCJ-02 shift for providers that need it."""

import pytest


def test_the_problem_map_draws_on_a_plain_background_with_no_outside_requests(open_as, photo_file):
    from renju.accounts.models import User
    from renju.problems import lifecycle
    from tests.conftest import point_in, prepared_photo

    lat, lng = point_in("371082001")
    inspector = User.objects.get(username="inspector")
    problem = lifecycle.problem_report(actor=inspector, category="06010", lat=lat, lng=lng, description="暴露垃圾",
                                       source="inspection", photos=[prepared_photo(1)])
    page = open_as("dispatcher")
    page.goto(f"/problems/{problem.id}/")
    page.wait_for_selector("#problem-map canvas")  # points are drawn on a canvas layer
    assert page.evaluate("document.querySelector('#problem-map').getBoundingClientRect().height") > 100
    assert page.locator("#problem-map .leaflet-tile").count() == 0
    assert page.outside_requests == []


@pytest.mark.parametrize(("wgs", "gcj"), [((39.908722, 116.397499), (39.910125, 116.403741)),
                                          ((37.1650, 122.4800), (37.165774, 122.484844))])
def test_wgs84_points_are_shifted_to_gcj02_as_published(open_as, wgs, gcj):
    page = open_as("leader")
    page.goto("/login/")
    page.add_script_tag(url="/static/web/map.js")
    lat, lng = page.evaluate("([a, b]) => RenjuMap.wgsToGcj(a, b)", list(wgs))
    assert abs(lat - gcj[0]) < 2e-4 and abs(lng - gcj[1]) < 2e-4
