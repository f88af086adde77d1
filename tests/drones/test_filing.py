"""Turning drone photos into a problem: one problem from several photos, filed once however often it is sent."""

from __future__ import annotations

import pytest
from django.test import override_settings

from renju.drones.filing import flight_problem_file
from renju.drones.ingest import flight_upload
from renju.drones.models import DronePhoto
from renju.problems.errors import ActionForbidden, InvalidInput
from renju.problems.models import Photo, Problem
from tests.conftest import point_in
from tests.drones.factories import START, flight_photos, upload
from tests.drones.images import bare_jpeg, drone_jpeg, truncated

pytestmark = pytest.mark.django_db


@pytest.fixture
def flight(users):
    files = [*flight_photos(4), upload("noexif.jpg", bare_jpeg(2)),
             upload("broken.jpg", truncated(drone_jpeg(50, size=(1200, 900))))]
    return flight_upload(actor=users["inspector"], files=files).flight


def shots(flight) -> dict[str, DronePhoto]:
    return {p.filename: p for p in flight.photos.all()}


def test_two_photos_make_one_drone_problem_with_both_as_before_photos(users, flight):
    s = shots(flight)
    filed = flight_problem_file(actor=users["inspector"], flight=flight,
                                photo_ids=[s["DJI_0002.JPG"].id, s["DJI_0003.JPG"].id], category="06010")
    problem = filed.problem
    assert filed.created and problem.source == "drone" and problem.category.code == "06010"
    assert (problem.lat, problem.lng) == (s["DJI_0002.JPG"].lat, s["DJI_0002.JPG"].lng)  # the first one chosen
    assert problem.found_at == s["DJI_0002.JPG"].taken_at
    assert problem.suggested_unit.code == "yatou"
    before = list(Photo.objects.filter(problem=problem).order_by("id"))
    assert [p.sha256 for p in before] == [s["DJI_0002.JPG"].sha256, s["DJI_0003.JPG"].sha256]
    assert all(p.exif_lat is not None for p in before)
    assert set(DronePhoto.objects.filter(problem=problem).values_list("filename", flat=True)) == {
        "DJI_0002.JPG", "DJI_0003.JPG"}


def test_the_description_is_written_from_place_and_time_when_left_blank(users, flight):
    s = shots(flight)
    problem = flight_problem_file(actor=users["inspector"], flight=flight, photo_ids=[s["DJI_0001.JPG"].id],
                                  category="06010").problem
    assert problem.description.startswith("无人机航拍发现暴露垃圾：")
    assert "崖头街道" in problem.description and START.strftime("%Y-%m-%d %H:%M") in problem.description
    assert flight.code in problem.description and problem.address.startswith("崖头街道")


def test_the_plans_default_category_is_used_when_none_is_chosen(users, flight):
    s = shots(flight)
    problem = flight_problem_file(actor=users["inspector"], flight=flight, photo_ids=[s["DJI_0001.JPG"].id]).problem
    assert problem.category.code == "06036"


def test_sending_the_same_selection_twice_files_once_even_from_someone_else(users, flight):
    s = shots(flight)
    ids = [s["DJI_0001.JPG"].id, s["DJI_0004.JPG"].id]
    first = flight_problem_file(actor=users["inspector"], flight=flight, photo_ids=ids, category="06010")
    again = flight_problem_file(actor=users["inspector"], flight=flight, photo_ids=list(reversed(ids)))
    other = flight_problem_file(actor=users["dispatcher"], flight=flight, photo_ids=ids, category="06010")
    assert not again.created and not other.created
    assert again.problem.pk == other.problem.pk == first.problem.pk
    assert Problem.objects.filter(source="drone").count() == 1


def test_a_photo_already_used_cannot_join_another_problem(users, flight):
    s = shots(flight)
    first = flight_problem_file(actor=users["inspector"], flight=flight, photo_ids=[s["DJI_0001.JPG"].id])
    with pytest.raises(InvalidInput) as caught:
        flight_problem_file(actor=users["inspector"], flight=flight,
                            photo_ids=[s["DJI_0001.JPG"].id, s["DJI_0002.JPG"].id])
    assert caught.value.errors["photo_ids"] == [f"DJI_0001.JPG 已用于问题 {first.problem.number}"]
    assert Problem.objects.count() == 1 and DronePhoto.objects.get(pk=s["DJI_0002.JPG"].id).problem is None


def test_a_photo_without_position_is_filed_at_a_chosen_point_or_at_another_photos_place(users, flight):
    s = shots(flight)
    with pytest.raises(InvalidInput) as caught:
        flight_problem_file(actor=users["inspector"], flight=flight, photo_ids=[s["noexif.jpg"].id])
    assert "lat" in caught.value.errors
    lat, lng = point_in("371082002")
    at_point = flight_problem_file(actor=users["inspector"], flight=flight, photo_ids=[s["noexif.jpg"].id],
                                   lat=lat, lng=lng).problem
    assert (at_point.lat, at_point.lng) == (lat, lng) and at_point.found_at == at_point.reported_at
    with pytest.raises(InvalidInput):  # already used now
        flight_problem_file(actor=users["inspector"], flight=flight, photo_ids=[s["noexif.jpg"].id, 0])


def test_another_photos_position_can_be_chosen_as_the_point(users, flight):
    s = shots(flight)
    problem = flight_problem_file(actor=users["inspector"], flight=flight, photo_ids=[s["noexif.jpg"].id],
                                  point_photo_id=s["DJI_0003.JPG"].id).problem
    assert (problem.lat, problem.lng) == (s["DJI_0003.JPG"].lat, s["DJI_0003.JPG"].lng)
    with pytest.raises(InvalidInput) as caught:
        flight_problem_file(actor=users["inspector"], flight=flight, photo_ids=[s["DJI_0001.JPG"].id],
                            point_photo_id=s["noexif.jpg"].id)
    assert caught.value.errors["point_photo_id"] == ["noexif.jpg 没有位置信息"]


@pytest.mark.parametrize(("change", "field"), [
    ({"photo_ids": []}, "photo_ids"),
    ({"category": "99999"}, "category"),
    ({"severity": "apocalyptic"}, "severity"),
    ({"lat": 31.23, "lng": 121.47}, "lat"),  # Shanghai: outside the city
    ({"lat": 37.1}, "lng"),
])
def test_bad_input_names_its_field_and_files_nothing(users, flight, change, field):
    s = shots(flight)
    values = {"photo_ids": [s["DJI_0001.JPG"].id], "category": "06010", **change}
    with pytest.raises(InvalidInput) as caught:
        flight_problem_file(actor=users["inspector"], flight=flight, **values)
    assert field in caught.value.errors
    assert not Problem.objects.exists() and not DronePhoto.objects.filter(problem__isnull=False).exists()


def test_unreadable_photos_and_photos_of_other_flights_are_refused(users, flight):
    other = flight_upload(actor=users["inspector"], files=flight_photos(1, seed=30)).flight
    s = shots(flight)
    with pytest.raises(InvalidInput) as caught:
        flight_problem_file(actor=users["inspector"], flight=flight,
                            photo_ids=[s["broken.jpg"].id, other.photos.get().id])
    messages = caught.value.errors["photo_ids"]
    assert any("不属于架次" in m for m in messages) and any("broken.jpg 无法读取" in m for m in messages)


@override_settings(RENJU_MAX_PHOTOS=2)
def test_more_photos_than_a_problem_may_carry_are_refused(users, flight):
    ids = list(flight.photos.filter(error="").values_list("id", flat=True)[:3])
    with pytest.raises(InvalidInput) as caught:
        flight_problem_file(actor=users["inspector"], flight=flight, photo_ids=ids)
    assert "最多 2 张" in caught.value.errors["photo_ids"][0]


def test_leaders_and_unit_handlers_cannot_file(users, flight):
    s = shots(flight)
    for name in ("leader", "yatou"):
        with pytest.raises(ActionForbidden):
            flight_problem_file(actor=users[name], flight=flight, photo_ids=[s["DJI_0001.JPG"].id])
    assert not Problem.objects.exists()
