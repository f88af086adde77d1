"""The OpenAPI document is whole: every `$ref` in it points at something it contains."""

from __future__ import annotations

import pytest
from django.test import Client


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


@pytest.mark.django_db
def test_every_reference_in_the_openapi_document_resolves():
    doc = Client().get("/api/v1/openapi.json").json()
    components = doc.get("components", {}).get("schemas", {})
    missing = sorted({r for r in refs(doc) if r.removeprefix("#/components/schemas/") not in components})
    assert missing == []
    body = doc["paths"]["/api/v1/problems"]["post"]["requestBody"]["content"]
    assert "category" in body["application/json"]["schema"]["properties"]
