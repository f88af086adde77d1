"""POST requests: one service request files one problem through the lifecycle, once, whatever is retried."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from renju.open311.models import Submission
from renju.problems.models import Photo, Problem
from tests.conftest import jpeg, point_in
from tests.open311 import spec_examples as spec
from tests.open311.conftest import BASE, child_names, errors_of, json_of, xml_of

pytestmark = pytest.mark.django_db


def test_a_post_files_a_hotline_problem_and_answers_like_the_spec_example(post_request, integration):
    response = post_request("xml", account_id="wx-778", phone="13812345678", first_name="张", last_name="三")
    assert response.status_code == 200, response.content
    root = xml_of(response)
    theirs = ET.fromstring(spec.POST_RESPONSE_XML.encode())
    assert root.tag == theirs.tag and child_names(root[0]) == child_names(theirs[0])
    number = root[0].findtext("service_request_id")
    problem = Problem.objects.get(number=number)
    assert problem.source == "hotline" and problem.reporter == integration and problem.status == "reported"
    assert problem.category.code == "06010" and problem.suggested_unit.code == "yatou"
    assert problem.description == "小区门口垃圾堆了三天没人清"
    assert "4个工作时" in root[0].findtext("service_notice")
    assert root[0].findtext("account_id") == "wx-778"
    submission = Submission.objects.get(problem=problem)
    assert submission.contact == {"account_id": "wx-778", "phone": "13812345678", "first_name": "张", "last_name": "三"}
    assert submission.located_by == "coordinates" and response["X-Open311-Token"] == submission.token


def test_the_json_answer_has_the_spec_keys_and_a_null_account_id_when_none_was_sent(post_request):
    body = json_of(post_request("json"))
    assert [list(item) for item in body] == [list(item) for item in spec.spec_json(spec.POST_RESPONSE_JSON)]
    assert body[0]["account_id"] is None


def test_the_token_of_a_post_resolves_to_its_request_id_as_in_the_spec(o311, post_request):
    response = post_request("json")
    number, token = response.json()[0]["service_request_id"], response["X-Open311-Token"]
    root = xml_of(o311.get(f"{BASE}/tokens/{token}.xml"))
    theirs = ET.fromstring(spec.TOKEN_XML.encode())
    assert child_names(root[0]) == child_names(theirs[0])
    assert root[0].findtext("service_request_id") == number and root[0].findtext("token") == token
    body = json_of(o311.get(f"{BASE}/tokens/{token}.json"))
    assert [list(i) for i in body] == [list(i) for i in spec.spec_json(spec.TOKEN_JSON)]
    missing = o311.get(f"{BASE}/tokens/not-a-token.json")
    assert missing.status_code == 404 and errors_of(missing)[0][0] == 404


def test_a_retried_post_with_the_same_client_id_files_nothing_twice(post_request):
    first = post_request("json", **{"attribute[client_id]": "12345-GD-2023-0001"})
    again = post_request("json", **{"attribute[client_id]": "12345-GD-2023-0001", "description": "重发"})
    assert first.status_code == again.status_code == 200
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert first["X-Open311-Token"] == again["X-Open311-Token"]
    assert again["Idempotent-Replayed"] == "true" and "未重复登记" in again.json()[0]["service_notice"]
    assert Problem.objects.count() == 1 and Submission.objects.count() == 1
    other = post_request("json", **{"attribute[client_id]": "12345-GD-2023-0002"})
    assert other.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]


def test_the_idempotency_key_header_works_like_client_id_and_must_agree_with_it(o311, hotline_key):
    lat, lng = point_in("371082001")
    data = {"api_key": hotline_key, "service_code": "06010", "lat": lat, "long": lng, "description": "垃圾"}
    first = o311.post(f"{BASE}/requests.json", data, HTTP_IDEMPOTENCY_KEY="app-42")
    again = o311.post(f"{BASE}/requests.json", data, HTTP_IDEMPOTENCY_KEY="app-42")
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert Problem.objects.count() == 1
    clash = o311.post(f"{BASE}/requests.json", {**data, "attribute[client_id]": "app-43"},
                      HTTP_IDEMPOTENCY_KEY="app-42")
    assert clash.status_code == 400 and "Idempotency-Key" in errors_of(clash)[0][1]


def test_the_same_client_id_from_two_accounts_is_two_requests(post_request, key_for):
    post_request("json", **{"attribute[client_id]": "same-id-1"})
    post_request("json", api_key=key_for("dispatcher"), **{"attribute[client_id]": "same-id-1"})
    assert Problem.objects.count() == 2


def test_without_a_client_id_each_post_is_a_new_request(post_request):
    post_request("json")
    post_request("json")
    assert Problem.objects.count() == 2


def test_attributes_set_severity_check_item_road_class_source_and_found_at(post_request):
    response = post_request("json", **{
        "attribute[severity]": "major", "attribute[check_item]": "LWLJ-02", "attribute[road_class]": "back_lane",
        "attribute[source]": "referral", "attribute[found_at]": "2020-01-01T08:00:00Z",
        "attribute[fixmystreet_id]": "ignored but kept",
    })
    assert response.status_code == 200, response.content
    problem = Problem.objects.get()
    assert (problem.severity, problem.check_item.code, problem.road_class, problem.source) == (
        "major", "LWLJ-02", "back_lane", "referral")
    assert problem.found_at.isoformat() == "2020-01-01T08:00:00+00:00"
    assert Submission.objects.get().attributes["fixmystreet_id"] == "ignored but kept"


def test_media_url_is_kept_as_text_and_never_fetched(post_request, monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("Open311 must not fetch anything")

    monkeypatch.setattr(socket, "create_connection", no_network)
    response = post_request("json", media_url="https://img.example.cn/a/1.jpg")
    assert response.status_code == 200, response.content
    problem = Problem.objects.get()
    assert "https://img.example.cn/a/1.jpg" in problem.description and not problem.photos.exists()
    assert Submission.objects.get().media_url == "https://img.example.cn/a/1.jpg"


def test_media_files_in_a_multipart_post_become_the_problems_photos(o311, hotline_key):
    lat, lng = point_in("371082001")
    response = o311.post(f"{BASE}/requests.json", {
        "api_key": hotline_key, "service_code": "06010", "lat": lat, "long": lng, "description": "垃圾",
        "media": [SimpleUploadedFile("a.jpg", jpeg(1), "image/jpeg"),
                  SimpleUploadedFile("b.jpg", jpeg(2), "image/jpeg")],
    })
    assert response.status_code == 200, response.content
    assert Photo.objects.filter(problem__number=response.json()[0]["service_request_id"], kind="before").count() == 2


def test_a_photo_with_a_gps_position_places_a_request_sent_without_coordinates(o311, hotline_key):
    lat, lng = point_in("371082002")
    photo = jpeg(3, lat=lat, lng=lng)
    response = o311.post(f"{BASE}/requests.json", {
        "api_key": hotline_key, "service_code": "06010", "description": "垃圾",
        "media": SimpleUploadedFile("gps.jpg", photo, "image/jpeg")})
    assert response.status_code == 200, response.content
    problem = Problem.objects.get()
    assert abs(problem.lat - lat) < 1e-4 and abs(problem.lng - lng) < 1e-4
    assert Submission.objects.get().located_by == "media_exif"


def test_address_id_names_one_of_our_regions_and_places_the_request_inside_it(post_request):
    response = post_request("json", lat=None, long=None, address_id="371082002")
    assert response.status_code == 200, response.content
    problem = Problem.objects.get()
    from renju.plans.geo import region_index

    chain = [n.code for n in region_index().ancestors(problem.region_id)]
    assert "371082002" in chain
    assert "近似位置" in response.json()[0]["service_notice"]


def test_an_address_string_is_matched_against_region_names(post_request):
    from renju.plans.geo import region_index

    grid = next(n for n in region_index().nodes.values() if n.kind == "grid")
    response = post_request("json", lat=None, long=None, address_string=f"{grid.name}东门口")
    assert response.status_code == 200, response.content
    assert Problem.objects.get().region_id == grid.id
    assert Submission.objects.get().located_by == "address_string"


def test_an_address_naming_no_place_we_know_is_refused(post_request):
    response = post_request("json", lat=None, long=None, address_string="1234 5th street")
    assert response.status_code == 400 and errors_of(response)[0][1].startswith("address_string:")


def test_a_request_with_no_location_at_all_is_refused(post_request):
    response = post_request("json", lat=None, long=None)
    assert response.status_code == 400 and "location is required" in errors_of(response)[0][1]


def test_the_spec_example_post_is_refused_cleanly_here_invalid_key(o311):
    # The spec's own example request: its api_key "xyz" is not ours.
    response = o311.post(f"{BASE}/requests.xml", spec.POST_REQUEST_BODY,
                         content_type="application/x-www-form-urlencoded; charset=utf-8")
    assert response.status_code == 403
    theirs = ET.fromstring(spec.ERROR_XML.encode())
    root = xml_of(response)
    assert child_names(root) == child_names(theirs) and child_names(root[0]) == child_names(theirs[0])
    assert errors_of(response) == [(403, "Invalid api_key received -- can't proceed with create_request")]
    assert not Problem.objects.exists()


def test_the_spec_example_post_with_our_key_is_refused_for_its_san_francisco_place(o311, hotline_key):
    body = spec.POST_REQUEST_BODY.replace("api_key=xyz", f"api_key={hotline_key}").replace("service_code=001",
                                                                                          "service_code=06010")
    response = o311.post(f"{BASE}/requests.json", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert errors_of(response)[0][1].startswith("lat: the point (37.76524078, -122.4212043) is outside")
    assert not Problem.objects.exists() and not Submission.objects.exists()


@pytest.mark.parametrize("api_key, status", [("", 403), ("rj_wrong", 403)])
def test_a_post_without_a_valid_api_key_is_403(post_request, api_key, status):
    response = post_request("json", api_key=api_key)
    assert response.status_code == status and errors_of(response)[0][0] == 403
    assert not Problem.objects.exists()


def test_the_key_may_also_come_as_a_bearer_header(o311, hotline_key):
    lat, lng = point_in("371082001")
    response = o311.post(f"{BASE}/requests.json", {"service_code": "06010", "lat": lat, "long": lng},
                         HTTP_AUTHORIZATION=f"Bearer {hotline_key}")
    assert response.status_code == 200, response.content
    assert Problem.objects.get().description == "暴露垃圾"  # no description: the service's name stands in


@pytest.mark.parametrize("username", ["yatou", "leader", "scorer"])
def test_accounts_that_may_not_report_are_refused_403(post_request, key_for, username):
    response = post_request("json", api_key=key_for(username))
    assert response.status_code == 403 and not Problem.objects.exists()


def test_an_inactive_accounts_key_is_invalid(post_request, integration):
    integration.is_active = False
    integration.save()
    assert post_request("json").status_code == 403


BAD_INPUTS = [
    ({"service_code": None}, 400, "service_code: required"),
    ({"service_code": "NOPE"}, 404, "service_code 'NOPE' not found"),
    ({"long": None}, 400, "long: lat and long must be sent together"),
    ({"lat": "north"}, 400, "lat: 'north' is not a number"),
    ({"lat": "nan"}, 400, "lat: must be between -90 and 90"),
    ({"long": "1e999"}, 400, "long: must be between -180 and 180"),
    ({"attribute[severity]": "apocalyptic"}, 400, "attribute[severity]: must be one of normal, major, urgent"),
    ({"attribute[check_item]": "DLYH-04"}, 400, "attribute[check_item]: 'DLYH-04' is not a check item"),
    ({"attribute[road_class]": "autobahn"}, 400, "attribute[road_class]: must be one of"),
    ({"attribute[source]": "video"}, 400, "attribute[source]: must be one of hotline, referral, inspection"),
    ({"attribute[found_at]": "yesterday"}, 400, "attribute[found_at]: 'yesterday' is not a W3C datetime"),
    ({"attribute[found_at]": "2023-10-12T09:30:00"}, 400, "attribute[found_at]: '2023-10-12T09:30:00' is not"),
    ({"attribute[found_at]": "2999-01-01T00:00:00Z"}, 400, "attribute[found_at]: is in the future"),
    ({"attribute[client_id]": "x" * 201}, 400, "attribute[client_id]: at most 200 characters"),
    ({"attribute[severity][]": "major"}, 400, "attribute[severity]: takes one value, not a list"),
    ({"description": "垃\x00圾"}, 400, "description: contains control characters"),
    ({"description": "长" * 2001}, 400, "description: at most 2000 characters"),
    ({"address_string": "路" * 301}, 400, "address_string: at most 300 characters"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url: must be an http or https URL"),
    ({"email": "a" * 201}, 400, "email: at most 200 characters"),
]


@pytest.mark.parametrize("fields, status, message", BAD_INPUTS, ids=[m for _, _, m in BAD_INPUTS])
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(post_request, fields, status, message):
    response = post_request("json", **fields)
    assert response.status_code == status, response.content
    assert any(d.startswith(message) for _, d in errors_of(response)), errors_of(response)
    assert not Problem.objects.exists() and not Submission.objects.exists()


def test_a_point_outside_the_city_is_refused_with_the_open311_field_name(post_request):
    response = post_request("json", lat="31.23", long="121.47")
    assert response.status_code == 400 and errors_of(response)[0][1].startswith("lat: the point")


def _corrupt_jpeg() -> bytes:
    return jpeg(1)[:200]


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "GIF")
    return out.getvalue()


@pytest.mark.parametrize("name, data, message", [
    ("broken.jpg", _corrupt_jpeg(), "not a readable image"),
    ("notes.txt", b"just text", "not a readable image"),
    ("anim.gif", _gif(), "GIF images are not accepted"),
])
def test_a_bad_media_file_is_refused_and_nothing_is_filed(o311, hotline_key, name, data, message):
    lat, lng = point_in("371082001")
    response = o311.post(f"{BASE}/requests.json", {
        "api_key": hotline_key, "service_code": "06010", "lat": lat, "long": lng,
        "media": SimpleUploadedFile(name, data)})
    assert response.status_code == 400
    assert message in errors_of(response)[0][1] and errors_of(response)[0][1].startswith("media:")
    assert not Problem.objects.exists()


def test_an_oversized_media_file_is_refused_by_its_size(o311, hotline_key, settings):
    settings.RENJU_MAX_PHOTO_BYTES = 1000
    lat, lng = point_in("371082001")
    response = o311.post(f"{BASE}/requests.json", {
        "api_key": hotline_key, "service_code": "06010", "lat": lat, "long": lng,
        "media": SimpleUploadedFile("big.jpg", jpeg(1))})
    assert response.status_code == 400 and "larger than the 1000 allowed" in errors_of(response)[0][1]
    assert not Problem.objects.exists()


def test_a_file_under_another_field_name_is_refused(o311, hotline_key):
    lat, lng = point_in("371082001")
    response = o311.post(f"{BASE}/requests.json", {
        "api_key": hotline_key, "service_code": "06010", "lat": lat, "long": lng,
        "photo": SimpleUploadedFile("a.jpg", jpeg(1))})
    assert response.status_code == 400 and errors_of(response)[0][1].startswith("photo: unexpected file field")


def test_a_json_body_is_refused_with_the_content_type_the_spec_wants(o311, hotline_key):
    response = o311.post(f"{BASE}/requests.json", {"api_key": hotline_key}, content_type="application/json")
    assert response.status_code == 400 and "x-www-form-urlencoded" in errors_of(response)[0][1]


@pytest.mark.parametrize("body", [b"\xff\xfe\x00garbage", b"%%%=&&&=%zz", b"attribute[=1&attribute]]=2", b""])
def test_garbage_bodies_are_answered_400_or_403_never_500(o311, body):
    response = o311.post(f"{BASE}/requests.xml", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (400, 403)
    xml_of(response)


def test_a_malformed_multipart_body_is_400(o311):
    response = o311.post(f"{BASE}/requests.json", b"--xx\r\nnonsense", content_type="multipart/form-data; boundary=xx")
    assert response.status_code in (400, 403)


def test_a_retry_racing_the_first_post_still_files_once(post_request, monkeypatch):
    """Two deliveries of one client id at the same moment: the second passes the early check before the first has
    committed, then meets the first one's rows (problem client_key, then the submission's unique id)."""
    from renju.open311 import intake

    first = post_request("json", **{"attribute[client_id]": "race-1"})
    real = intake._existing
    calls = []

    def blind_once(user, client_id):
        calls.append(client_id)
        return None if len(calls) == 1 else real(user, client_id)

    monkeypatch.setattr(intake, "_existing", blind_once)
    again = post_request("json", **{"attribute[client_id]": "race-1"})
    assert again.status_code == 200, again.content
    assert again.json()[0]["service_request_id"] == first.json()[0]["service_request_id"]
    assert len(calls) == 2 and Problem.objects.count() == 1 and Submission.objects.count() == 1
