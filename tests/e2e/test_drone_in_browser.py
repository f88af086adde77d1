"""A drone flight in a real browser: upload a few photos, see them on the track map, pick two, file one problem."""

from __future__ import annotations

from renju.drones.models import DroneFlight, DronePhoto
from renju.problems.models import Problem
from tests.drones.factories import flight_photos
from tests.drones.images import bare_jpeg


def test_the_drone_team_uploads_a_flight_picks_two_photos_on_the_map_and_files_one_problem(open_as, tmp_path):
    paths = []
    for photo in flight_photos(3, xmp_only=True):
        path = tmp_path / photo.name
        path.write_bytes(photo.read())
        paths.append(str(path))
    unplaced = tmp_path / "noexif.jpg"
    unplaced.write_bytes(bare_jpeg(4))
    paths.append(str(unplaced))

    page = open_as("inspector")
    page.goto("/drones/flights/")
    page.fill("#u-pilot", "张飞")
    page.fill("#u-drone", "DJI Mavic 3E")
    page.set_input_files("#u-files", paths)
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#open-flight")
    assert "新增照片 4 张" in page.inner_text("#upload-summary")
    page.click("#open-flight")

    flight = DroneFlight.objects.get()
    assert flight.pilot == "张飞" and flight.photos.count() == 4
    page.wait_for_url(f"**/drones/flights/{flight.id}/")
    markers = page.locator("#flight-map path.drone-marker")
    markers.first.wait_for()
    assert markers.count() == 3  # the photo without a position is listed apart, not on the map
    assert page.locator("#flight-map path.drone-track").count() == 1
    assert "noexif.jpg" in page.inner_text("#unplaced")

    first, second = (DronePhoto.objects.get(filename=f"DJI_000{i}.JPG") for i in (1, 2))
    page.locator(f"#flight-map path.drone-marker[data-photo-id='{first.id}']").click()
    page.locator(f"#shot-{second.id} input.pick").check()
    assert page.is_checked(f"#shot-{first.id} input.pick")
    assert page.inner_text("#picked-count") == "已选 2 张"
    assert page.input_value("#f-description").startswith("无人机航拍发现乱堆杂物：崖头街道")
    page.select_option("#f-category", "06010")
    assert page.input_value("#f-description").startswith("无人机航拍发现暴露垃圾：")
    page.click("#file-submit")
    page.wait_for_selector("text=/已生成问题 RC-\\d{8}-\\d{4}/")

    problem = Problem.objects.get()
    assert problem.source == "drone" and problem.category.code == "06010" and problem.photos.count() == 2
    assert (problem.lat, problem.lng) == (first.lat, first.lng)
    assert page.locator(f"#shot-{first.id} a.badge", has_text=problem.number).count() == 1
    assert page.outside_requests == []
