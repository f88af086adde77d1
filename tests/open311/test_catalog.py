"""Discovery, the service list and service definitions, checked against the spec's own example documents."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.open311 import spec_examples as spec
from tests.open311.conftest import BASE, child_names, errors_of, json_of, xml_of

pytestmark = pytest.mark.django_db


def test_discovery_has_the_spec_fields_in_the_spec_order_in_both_formats(o311):
    ours = xml_of(o311.get(f"{BASE}/discovery.xml"))
    theirs = ET.fromstring(spec.DISCOVERY_XML.encode())
    assert child_names(ours) == child_names(theirs)
    endpoint, their_endpoint = ours.find("endpoints/endpoint"), theirs.find("endpoints/endpoint")
    assert child_names(endpoint) == child_names(their_endpoint)
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == "http://testserver/open311/v2"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]

    body = json_of(o311.get(f"{BASE}/discovery.json"))
    assert list(body) == list(spec.spec_json(spec.DISCOVERY_JSON))
    assert list(body["endpoints"][0]) == list(spec.spec_json(spec.DISCOVERY_JSON)["endpoints"][0])
    assert body["endpoints"][0]["formats"] == ["text/xml", "application/json"]


def test_every_plan_category_is_a_realtime_service_grouped_by_its_task(o311):
    from renju.plans.active import active_plan

    ctx = active_plan()
    ours = xml_of(o311.get(f"{BASE}/services.xml"))
    theirs = ET.fromstring(spec.SERVICES_XML.encode())
    assert ours.tag == theirs.tag == "services"
    assert {child_names(s) == child_names(theirs[0]) for s in ours} == {True}
    assert len(ours) == len(ctx.categories)
    garbage = next(s for s in ours if s.findtext("service_code") == "06010")
    assert garbage.findtext("service_name") == "暴露垃圾"
    assert garbage.findtext("metadata") == "true" and garbage.findtext("type") == "realtime"
    assert garbage.findtext("group") == ctx.categories["06010"].task.title
    assert "垃圾暴露" in garbage.findtext("keywords").split(", ")
    assert "4个工作时" in garbage.findtext("description")

    body = json_of(o311.get(f"{BASE}/services.json"))
    assert list(body[0]) == list(spec.spec_json(spec.SERVICES_JSON)[0])
    assert body[0]["metadata"] is True
    assert [s["service_code"] for s in body] == [s.findtext("service_code") for s in ours]


def test_a_service_definition_offers_severity_check_items_road_class_source_and_client_id(o311):
    ours = xml_of(o311.get(f"{BASE}/services/06010.xml"))
    theirs = ET.fromstring(spec.DEFINITION_XML.encode())
    assert child_names(ours) == child_names(theirs)
    assert ours.findtext("service_code") == "06010"
    attributes = ours.findall("attributes/attribute")
    their_attribute = theirs.find("attributes/attribute")
    codes = [a.findtext("code") for a in attributes]
    assert codes == ["severity", "check_item", "road_class", "source", "found_at", "client_id", "time_limit"]
    assert [a.findtext("order") for a in attributes] == [str(n) for n in range(1, len(codes) + 1)]
    for a in attributes:
        names = child_names(a)
        # The spec's order, with <values> only where there is a list to choose from.
        expected = child_names(their_attribute)
        assert names == (expected if a.findtext("datatype").endswith("valuelist") else expected[:-1])
        assert a.findtext("required") == "false"
    severity = attributes[0]
    assert severity.findtext("datatype") == "singlevaluelist"
    assert [(v.findtext("key"), v.findtext("name")) for v in severity.findall("values/value")] == [
        ("normal", "一般"), ("major", "较重"), ("urgent", "紧急")]
    check_items = [v.findtext("key") for v in attributes[1].findall("values/value")]
    assert set(check_items) == {"LWLJ-01", "LWLJ-02", "QSBJ-02"}
    assert [v.findtext("key") for v in attributes[3].findall("values/value")] == ["hotline", "referral", "inspection"]
    from renju.plans.active import active_plan

    road_classes = [v.findtext("key") for v in attributes[2].findall("values/value")]
    assert road_classes == sorted(active_plan().plan.road_classes)  # the same order on SQLite and PostgreSQL
    assert attributes[4].findtext("datatype") == "datetime"
    assert attributes[6].findtext("variable") == "false"

    body = json_of(o311.get(f"{BASE}/services/06010.json"))
    their_json = spec.spec_json(spec.DEFINITION_JSON)
    assert list(body) == list(their_json)
    assert list(body["attributes"][0]) == list(their_json["attributes"][0])
    assert list(body["attributes"][0]["values"][0]) == ["key", "name"]
    assert body["attributes"][4]["datatype_description"].startswith("W3C")


def test_an_unknown_service_code_is_404_in_the_spec_error_format(o311):
    response = o311.get(f"{BASE}/services/NOPE.json")
    assert response.status_code == 404
    assert errors_of(response) == [(404, "service_code 'NOPE' not found")]
    response = o311.get(f"{BASE}/services/NOPE.xml")
    assert response.status_code == 404
    root = xml_of(response)
    assert child_names(root.find("error")) == child_names(ET.fromstring(spec.ERROR_XML.encode()).find("error"))


def test_a_path_without_extension_answers_in_xml_the_required_format(o311):
    assert xml_of(o311.get(f"{BASE}/services")).tag == "services"


def test_a_path_that_is_no_resource_answers_404_in_the_format_asked(o311):
    response = o311.get(f"{BASE}/nothing/here.json")
    assert response.status_code == 404
    assert errors_of(response)[0][0] == 404


def test_writing_to_a_read_only_resource_is_405_with_allow(o311):
    response = o311.post(f"{BASE}/services.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert errors_of(response)[0][0] == 405


def test_jurisdiction_id_is_optional_and_checked_only_when_one_is_configured(o311, settings):
    assert o311.get(f"{BASE}/services.json?jurisdiction_id=anything").status_code == 200
    settings.RENJU_OPEN311_JURISDICTION = "rongcheng.gov.cn"
    assert o311.get(f"{BASE}/services.json?jurisdiction_id=rongcheng.gov.cn").status_code == 200
    assert o311.get(f"{BASE}/services.json").status_code == 200
    response = o311.get(f"{BASE}/services.json?jurisdiction_id=sfgov.org")
    assert response.status_code == 404
    assert "sfgov.org" in errors_of(response)[0][1]


def test_the_endpoint_root_is_a_page_for_people_listing_the_services(o311):
    response = o311.get(f"{BASE}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Open311 GeoReport v2" in text and "暴露垃圾" in text and "servicerequestupdates.xml" in text
