"""What lifecycle actions raise; the API maps each to its status code (422, 409, 403)."""

from __future__ import annotations


class InvalidInput(Exception):
    """Bad input, by field: {"lat": ["must be between -90 and 90"]}. Maps to 422."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))

    @classmethod
    def one(cls, field: str, message: str) -> InvalidInput:
        return cls({field: [message]})


class TransitionRefused(Exception):
    """The action does not apply to the problem in its current state. Maps to 409."""


class ActionForbidden(Exception):
    """This actor may not do this action on this problem. Maps to 403."""
