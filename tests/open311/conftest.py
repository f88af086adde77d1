"""Open311 fixtures: an integration account (the 12345 platform) with its api_key, and helpers to call the
endpoints and read their XML and JSON."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from tests.conftest import point_in

BASE = "/open311/v2"


@pytest.fixture
def integration(db):
    from renju.accounts.models import Role, User

    # The demo accounts include the 12345 platform's integration account; make sure it is there and what we expect.
    user, _ = User.objects.update_or_create(username="hotline12345", defaults={
        "role": Role.INTEGRATION, "first_name": "12345政务服务热线", "is_active": True})
    return user


@pytest.fixture
def key_for(users, integration):
    """An api_key for a demo account, or for the integration account ("hotline12345")."""
    from renju.accounts.models import api_token_create

    def _key(username: str) -> str:
        user = integration if username == integration.username else users[username]
        return api_token_create(user=user, name="open311 test")

    return _key


@pytest.fixture
def hotline_key(key_for, integration):
    return key_for(integration.username)


@pytest.fixture
def o311():
    return Client()


@pytest.fixture
def post_request(o311, hotline_key):
    """POST requests.<fmt> form-encoded as the spec says; keyword arguments are form fields."""

    def _post(fmt: str = "json", *, api_key: str | None = None, region: str = "371082001", **fields):
        lat, lng = point_in(region)
        data = {"api_key": hotline_key if api_key is None else api_key, "service_code": "06010",
                "lat": str(lat), "long": str(lng), "description": "小区门口垃圾堆了三天没人清"}
        data.update({k: v for k, v in fields.items() if v is not None})
        for k in [k for k, v in fields.items() if v is None]:
            data.pop(k, None)
        return o311.post(f"{BASE}/requests.{fmt}", data)

    return _post


def xml_of(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8", response["Content-Type"]
    text = response.content.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def json_of(response):
    assert response["Content-Type"] == "application/json; charset=utf-8", response["Content-Type"]
    return response.json()


def child_names(element: ET.Element) -> list[str]:
    return [c.tag for c in element]


def errors_of(response) -> list[tuple[int, str]]:
    """[(code, description)] from an error answer in either format."""
    if response["Content-Type"].startswith("text/xml"):
        root = xml_of(response)
        assert root.tag == "errors"
        return [(int(e.findtext("code")), e.findtext("description")) for e in root.findall("error")]
    return [(e["code"], e["description"]) for e in json_of(response)]
