"""Open311's error answer: a list of {code, description} with the HTTP status the spec asks for.

The spec: 404 for what does not exist, 403 for a wrong or missing api_key, 400 for everything else that cannot be
done as asked (bad arguments, the service not running). Several errors may go back at once.
"""

from __future__ import annotations

from renju.problems.errors import InvalidInput

# Our field names (problem_report's) as an Open311 client knows them.
OPEN311_FIELD = {
    "category": "service_code",
    "lat": "lat",
    "lng": "long",
    "address": "address_string",
    "description": "description",
    "severity": "attribute[severity]",
    "check_item": "attribute[check_item]",
    "road_class": "attribute[road_class]",
    "found_at": "attribute[found_at]",
    "source": "attribute[source]",
    "client_key": "attribute[client_id]",
    "photos": "media",
}


class Open311Error(Exception):
    """An answer in the spec's error format. `errors` are (code, description) pairs; `status` is the HTTP status."""

    def __init__(self, status: int, *errors: tuple[int, str] | str) -> None:
        self.status = status
        self.errors = [e if isinstance(e, tuple) else (status, e) for e in errors] or [(status, "error")]
        super().__init__("; ".join(d for _, d in self.errors))

    @classmethod
    def bad(cls, field: str, message: str) -> Open311Error:
        return cls(400, f"{field}: {message}")

    @classmethod
    def from_invalid_input(cls, exc: InvalidInput) -> Open311Error:
        """One error per message, each naming the field as the client sent it."""
        return cls(400, *[f"{OPEN311_FIELD.get(field, field)}: {message}"
                          for field, messages in exc.errors.items() for message in messages])
