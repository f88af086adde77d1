"""Fixtures of the hotline tests: the 12345 platform's integration account, a work order to push, API clients."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from renju.accounts.models import Role, User, api_token_create
from tests.conftest import jpeg

CALLER_NAME = "张三丰"
CALLER_PHONE = "13812345678"


@pytest.fixture(autouse=True)
def fresh_classifier():
    """Each test sees the examples of its own database state, not those cached from the one before."""
    from renju.hotline.suggest import forget_classifier

    forget_classifier()
    yield
    forget_classifier()


@pytest.fixture
def platform(db) -> User:
    """The 12345 platform's account (role integration; a demo account, made here if the demo has none)."""
    user, _ = User.objects.get_or_create(username="hotline12345",
                                         defaults={"role": Role.INTEGRATION, "first_name": "12345热线平台"})
    assert user.role == Role.INTEGRATION
    return user


@pytest.fixture
def api_client(users, platform):
    """A client with a bearer token for `username` (the platform by default)."""

    def _client(username: str = "hotline12345") -> Client:
        user = platform if username == "hotline12345" else users[username]
        return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")

    return _client


def order_data(order_no: str = "RC12345-20231012-0001", **overrides) -> dict:
    data = {
        "order_no": order_no,
        "received_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"),
        "caller_name": CALLER_NAME,
        "caller_phone": CALLER_PHONE,
        "content": "府新路边的垃圾箱满溢好几天了没人清运，收集点脏乱，我叫张三丰，电话13812345678",
        "address": "崖头街道滨华社区府新路88号",
    }
    data.update(overrides)
    return data


def b64_photo(seed: int = 1, **kwargs) -> str:
    return base64.b64encode(jpeg(seed, **kwargs)).decode()


@pytest.fixture
def receive(platform):
    """File an order as the platform, through the intake function (not HTTP)."""
    from renju.hotline.intake import hotline_order_receive
    from renju.hotline.schemas import order_validate

    def _receive(order_no: str = "RC12345-20231012-0001", actor=None, photos=(), **overrides):
        data = order_validate(order_data(order_no, **overrides))
        return hotline_order_receive(actor=actor or platform, data=data, photos=list(photos)).order

    return _receive
