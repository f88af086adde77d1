"""The camera registry: cameras are placed in their region, refused outside the city, changed and retired."""

from __future__ import annotations

import json

import pytest

from renju.problems.errors import ActionForbidden, InvalidInput
from renju.video.cameras import camera_create, camera_update
from renju.video.models import Camera
from tests.conftest import point_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/video/cameras"


def values(code="CAM-100", region="371082001", **overrides) -> dict:
    lat, lng = point_in(region)
    body = {"code": code, "name": "府新路口", "channel": "2", "lat": lat, "lng": lng, "address": "府新路与成山大道",
            "road_class": "arterial"}
    body.update(overrides)
    return body


def test_a_camera_is_placed_in_the_region_holding_its_point(robot):
    camera = camera_create(actor=robot, values=values(region="371082002"))
    assert camera.region.code.startswith("371082002") and camera.status == "online"


@pytest.mark.parametrize(("override", "field"), [
    ({"lat": 31.23, "lng": 121.47}, "lat"),  # Shanghai
    ({"lat": 95}, "lat"),
    ({"lng": "east"}, "lng"),
    ({"code": "has space"}, "code"),
    ({"code": ""}, "code"),
    ({"name": " "}, "name"),
    ({"road_class": "motorway"}, "road_class"),
    ({"status": "broken"}, "status"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_camera_is_refused_naming_the_field(robot, override, field):
    with pytest.raises(InvalidInput) as refused:
        camera_create(actor=robot, values=values(**override))
    assert field in refused.value.errors and Camera.objects.count() == 0


def test_a_code_is_registered_once(robot):
    camera_create(actor=robot, values=values())
    with pytest.raises(InvalidInput) as refused:
        camera_create(actor=robot, values=values(name="again"))
    assert "already registered" in refused.value.errors["code"][0] and Camera.objects.count() == 1


def test_moving_a_camera_moves_its_region_and_retiring_keeps_it(robot):
    camera_create(actor=robot, values=values())
    lat, lng = point_in("371082002")
    change = camera_update(actor=robot, code="CAM-100", changes={"lat": lat, "lng": lng, "status": "retired"})
    assert change.action == "updated" and change.camera.region.code.startswith("371082002")
    assert Camera.objects.get(code="CAM-100").status == "retired"
    assert camera_update(actor=robot, code="CAM-100", changes={"status": "retired"}).action == "unchanged"


def test_a_cameras_code_cannot_change_and_an_unknown_code_is_named(robot):
    camera_create(actor=robot, values=values())
    with pytest.raises(InvalidInput):
        camera_update(actor=robot, code="CAM-100", changes={"code": "CAM-101"})
    with pytest.raises(InvalidInput) as refused:
        camera_update(actor=robot, code="NOPE", changes={"name": "x"})
    assert "code" in refused.value.errors


def test_inspectors_and_units_cannot_change_the_registry(users):
    for who in ("inspector", "yatou", "leader"):
        with pytest.raises(ActionForbidden):
            camera_create(actor=users[who], values=values())


def test_the_platform_registers_lists_changes_and_retires_cameras_over_the_api(api_as):
    platform = api_as("robot")
    created = platform.post(URL, data=json.dumps(values()), content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["region"]["code"].startswith("371082001")
    platform.post(URL, data=json.dumps(values("CAM-200", name="石岛港")), content_type="application/json")
    listed = platform.get(URL, {"q": "石岛"}).json()
    assert listed["total"] == 1 and listed["items"][0]["code"] == "CAM-200"
    patched = platform.patch(f"{URL}/CAM-100", data=json.dumps({"status": "retired"}), content_type="application/json")
    assert patched.status_code == 200 and patched.json()["status"] == "retired"
    assert platform.get(URL, {"status": "retired"}).json()["total"] == 1
    assert platform.get(f"{URL}/CAM-100").json()["status"] == "retired"


def test_api_refusals_name_the_field_and_unknown_cameras_are_404(api_as):
    platform = api_as("robot")
    outside = platform.post(URL, data=json.dumps(values(lat=31.23, lng=121.47)), content_type="application/json")
    assert outside.status_code == 422 and "lat" in outside.json()["errors"]
    assert platform.post(URL, data=b"{oops", content_type="application/json").status_code == 422
    assert platform.get(f"{URL}/NOPE").status_code == 404
    assert platform.patch(f"{URL}/NOPE", data="{}", content_type="application/json").status_code == 404
    assert platform.get(URL, {"status": "lost"}).status_code == 422


def test_the_registry_api_is_for_the_platform_and_admins_only(api_as):
    assert api_as("admin").get(URL).status_code == 200
    for who in ("dispatcher", "inspector", "yatou"):
        assert api_as(who).get(URL).status_code == 403
        assert api_as(who).post(URL, data=json.dumps(values()), content_type="application/json").status_code == 403
    assert Camera.objects.count() == 0
