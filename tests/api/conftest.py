import pytest
from django.test import Client

from renju.accounts.models import api_token_create


@pytest.fixture
def client_for(users):
    """A test client that authenticates as `username` with a bearer token."""

    def _client(username: str) -> Client:
        token = api_token_create(user=users[username])
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    return _client
