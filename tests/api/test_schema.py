"""The OpenAPI description: complete, valid, with examples that match it, and docs served without any CDN."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.core.management import call_command
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    document: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
    return document


def test_the_schema_is_valid_and_generates_without_warnings(tmp_path: Path) -> None:
    # --fail-on-warn: a serializer field or a view the generator cannot describe fails the suite
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_every_operation_has_a_summary_an_example_and_its_errors(openapi: dict[str, Any]) -> None:
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            success = [code for code in operation["responses"] if code.startswith("2")]
            assert len(success) == 1, where
            content = operation["responses"][success[0]].get("content")
            if content and "application/json" in content:
                assert content["application/json"].get("examples"), f"{where} has no example"
            elif content:  # a file, in each of its formats
                assert all(body["schema"] == {"type": "string", "format": "binary"} for body in content.values()), where
            errors = {code for code in operation["responses"] if code >= "400"}
            assert {"401", "403"} <= errors, where
            if "{" in path:
                assert "404" in errors, where
            if method in ("post", "put", "patch"):
                assert {"400", "413", "415"} <= errors, where
            for code in errors:
                body = operation["responses"][code]["content"]["application/json"]
                assert body["schema"] == {"$ref": "#/components/schemas/Error"}, where
                assert body["examples"], f"{where} {code} has no example"
            assert "Retry-After" in operation["responses"].get("429", {"headers": {"Retry-After": 1}})["headers"]


def _json_schema(node: Any, components: dict[str, Any]) -> Any:
    """OpenAPI 3.0's schema dialect as JSON Schema: references inlined, `nullable` as a null type."""
    if isinstance(node, list):
        return [_json_schema(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _json_schema(components[node["$ref"].rsplit("/", 1)[1]], components)
    converted = {key: _json_schema(value, components) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        if "type" in converted:
            converted["type"] = [converted["type"], "null"]
        if "enum" in converted:
            converted["enum"] = [*converted["enum"], None]
        if "allOf" in converted or "oneOf" in converted:
            converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


def test_every_example_is_valid_against_its_schema(openapi: dict[str, Any]) -> None:
    components = openapi["components"]["schemas"]
    checked = 0
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            bodies = [("request", operation.get("requestBody", {}).get("content", {}))]
            bodies += [(code, response.get("content", {})) for code, response in operation["responses"].items()]
            for where, content in bodies:
                for media in content.values():
                    schema = _json_schema(media["schema"], components)
                    for name, example in media.get("examples", {}).items():
                        label = f"{method.upper()} {path} {where} {name}"
                        try:
                            jsonschema.validate(example["value"], schema, format_checker=jsonschema.FormatChecker())
                        except jsonschema.ValidationError as error:
                            pytest.fail(f"{label}: {error.message} at {list(error.absolute_path)}")
                        checked += 1
    assert checked > 40


def test_the_docs_page_is_served_from_local_files(client: Client) -> None:
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the docs page loads something from elsewhere"
    # the page's script is a file of its own (no inline script, ready for a CSP), as are Swagger UI's files
    assert "<script>" not in page
    assert "<style" not in page
    assets = [
        asset
        for asset in re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)
        if "/static/" in asset or "script" in asset
    ]
    assert any("swagger-ui-bundle.js" in asset for asset in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_the_schema_is_readable_without_signing_in(client: Client) -> None:
    response = client.get("/api/v1/schema/")

    assert response.status_code == 200
    assert json.loads(response.content)["info"]["title"] == "Pacer API"
