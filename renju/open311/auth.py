"""api_key: the same tokens as the JSON API (`renju apitoken USERNAME`), given as the spec's `api_key` argument
(form body for POST, query string for GET) or as `Authorization: Bearer …`.

Reading needs no key (the spec): without one a caller sees the public requests only. A key that is given but
wrong is refused (403), never silently treated as anonymous, so a misconfigured client finds out at once.
"""

from __future__ import annotations

from renju.accounts.models import User
from renju.api.auth import BearerToken
from renju.open311.errors import Open311Error
from renju.open311.params import clean_argument

_bearer = BearerToken()


def api_key_of(request) -> str:
    for source in (request.POST if request.method == "POST" else {}, request.GET):
        key = clean_argument("api_key", source.get("api_key", "")).strip()
        if key:
            return key
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def caller(request, *, required: bool, action: str) -> User | None:
    """The account behind the api_key, None when none was given and none is `required`."""
    key = api_key_of(request)
    if not key:
        if required:
            raise Open311Error(403, f"api_key required -- can't proceed with {action}")
        return None
    user = _bearer.authenticate(request, key)
    if user is None:
        raise Open311Error(403, f"Invalid api_key received -- can't proceed with {action}")
    return user
