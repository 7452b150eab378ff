"""The OpenAPI document says exactly what the endpoints do."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from searchsvc.settings import load_settings
from searchsvc.web import create_app
from tests.webfixtures import CLIMATE_ID, exploding_service

QUERY = "bien doi khi hau"


@pytest.fixture(scope="module")
def spec(web_app) -> dict[str, Any]:
    response = web_app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def operation(spec, path: str, method: str = "get") -> dict[str, Any]:
    return spec["paths"][path][method]


def response_schema(spec, path: str, method: str, status: int) -> dict[str, Any]:
    responses = operation(spec, path, method)["responses"]
    assert str(status) in responses, f"{method.upper()} {path} -> {status} is not documented"
    response = responses[str(status)]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


def validate(spec, path: str, method: str, response) -> None:
    """The body of `response` against the schema documented for its status."""
    schema = {**response_schema(spec, path, method, response.status_code),
              "components": spec["components"]}
    assert response.mimetype == "application/json"
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(response.get_json())


def test_document_header(spec):
    assert spec["openapi"] == "3.1.0"
    assert spec["info"]["title"] == "searchsvc"
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    for op in (op for item in spec["paths"].values() for op in item.values()):
        for param in op.get("parameters", []):
            Draft202012Validator.check_schema(param["schema"])


def _documented_rule(path: str) -> str:
    return re.sub(r"\{(\w+)\}", r"<path:\1>", path)


def test_documented_paths_are_exactly_the_json_routes(web_app, spec):
    routes = {
        rule.rule: {m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}}
        for rule in web_app.url_map.iter_rules()
        if rule.rule.startswith("/api/") or rule.rule == "/healthz"
    }
    documented = {_documented_rule(p): set(item) for p, item in spec["paths"].items()}
    assert documented == routes


def test_path_parameters_match_the_routes(spec):
    for path, item in spec["paths"].items():
        for op in item.values():
            in_path = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert in_path == set(re.findall(r"\{(\w+)\}", path))


# -- every response we can provoke validates against its documented schema ----------


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("/api/search", f"/api/search?q={QUERY}"),
        ("/api/search", f"/api/search?q={QUERY}&page=2&per_page=3&sort=date&from=2023&to=2025-12"),
        ("/api/search", "/api/search?q=xyzzyqwv"),
        ("/api/search", "/api/search?q=*"),
        ("/api/search", f"/api/search?q={QUERY}&page=0"),
        ("/api/documents/{doc_id}", f"/api/documents/{CLIMATE_ID}"),
        ("/api/documents/{doc_id}", "/api/documents/khong/co.txt"),
        ("/healthz", "/healthz"),
        ("/api/openapi.json", "/api/openapi.json"),
    ],
)
def test_responses_validate(client, spec, path, url):
    validate(spec, path, "get", client.get(url))


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("/api/search", f"/api/search?q={QUERY}"),
        ("/api/documents/{doc_id}", f"/api/documents/{CLIMATE_ID}"),
        ("/healthz", "/healthz"),
    ],
)
def test_unavailable_responses_validate(empty_app, spec, path, url):
    response = empty_app.test_client().get(url)
    assert response.status_code == 503
    validate(spec, path, "get", response)


@pytest.mark.parametrize("path", ["/api/search", "/api/documents/{doc_id}", "/healthz", "/api/openapi.json"])
def test_wrong_method_responses_validate(client, spec, path):
    response = client.put(path.replace("{doc_id}", CLIMATE_ID))
    assert response.status_code == 405 and response.headers["Allow"]
    validate(spec, path, "get", response)
    responses = operation(spec, path)["responses"]
    assert "Allow" in spec["components"]["responses"][responses["405"]["$ref"].rsplit("/", 1)[1]]["headers"]


def test_internal_error_validates(web_index, spec):
    engine = exploding_service(web_index)
    app = create_app(load_settings({}, index_dir=web_index), service=engine)
    response = app.test_client().get("/api/search", query_string={"q": QUERY})
    engine.close()
    assert response.status_code == 500
    validate(spec, "/api/search", "get", response)


# -- every documented parameter is honoured, with the documented limits -------------


def invalid_values(schema: dict[str, Any]) -> list[str]:
    """Values that break the documented schema (and so must be a 400)."""
    values = []
    if "enum" in schema:
        values.append("not-" + schema["enum"][0])
    if schema.get("type") == "integer":
        values += ["abc", "1.5", str(schema["minimum"] - 1), str(schema["maximum"] + 1)]
    if "pattern" in schema:
        values += ["31/12/2024", "2024-13-01"]
    if "maxLength" in schema:
        values.append("x" * (schema["maxLength"] + 1))
    return values


def valid_values(schema: dict[str, Any]) -> list[str]:
    if "enum" in schema:
        return list(schema["enum"])
    if schema.get("type") == "integer":
        return [str(schema["minimum"]), str(schema["maximum"])]
    if "pattern" in schema:
        return ["2024", "2024-02", "2024-02-29"]
    return ["Sở Tài nguyên và Môi trường"]


def search_parameters(spec) -> list[dict[str, Any]]:
    return operation(spec, "/api/search")["parameters"]


def test_search_parameters_are_the_parsed_ones(spec):
    assert [p["name"] for p in search_parameters(spec)] == [
        "q", "autocorrect", "page", "per_page", "sort", "from", "to", "source", "category"]
    settings = load_settings({})
    by_name = {p["name"]: p["schema"] for p in search_parameters(spec)}
    assert by_name["page"]["maximum"] == settings.max_page
    assert by_name["per_page"]["maximum"] == settings.per_page_max
    assert by_name["per_page"]["default"] == settings.per_page_default


def test_documented_parameter_values(client, spec):
    for param in search_parameters(spec):
        name, schema = param["name"], param["schema"]
        base = {} if name == "q" else {"q": QUERY}
        for value in invalid_values(schema):
            response = client.get("/api/search", query_string={**base, name: value})
            assert response.status_code == 400, (name, value)
            assert response.get_json()["error"]["param"] == name
            validate(spec, "/api/search", "get", response)
        for value in valid_values(schema) if name != "q" else [QUERY, "Nghị quyết 57"]:
            response = client.get("/api/search", query_string={**base, name: value})
            assert response.status_code == 200, (name, value, response.get_json())
            validate(spec, "/api/search", "get", response)


def test_no_required_parameter(client, spec):
    # Without `q` the API browses (every document, newest first).
    assert [p["name"] for p in search_parameters(spec) if p["required"]] == []
    response = client.get("/api/search")
    assert response.status_code == 200 and response.get_json()["browse"] is True
    validate(spec, "/api/search", "get", response)


def test_settings_change_the_documented_limits(web_index):
    app = create_app(load_settings({}, index_dir=web_index, max_page=7, per_page_max=12))
    spec = app.test_client().get("/api/openapi.json").get_json()
    by_name = {p["name"]: p["schema"] for p in search_parameters(spec)}
    assert (by_name["page"]["maximum"], by_name["per_page"]["maximum"]) == (7, 12)
    client = app.test_client()
    assert client.get("/api/search", query_string={"q": QUERY, "page": 7}).status_code == 200
    assert client.get("/api/search", query_string={"q": QUERY, "page": 8}).status_code == 400
    app.extensions["searchsvc"].close()


@pytest.mark.parametrize("url", ["/api/suggest?q=bien+d", "/api/suggest?q=", "/api/suggest"])
def test_suggest_responses_validate(client, spec, url):
    validate(spec, "/api/suggest", "get", client.get(url))


def test_csv_is_documented_with_the_search_parameters(spec):
    assert operation(spec, "/api/search.csv")["parameters"] == search_parameters(spec)
    assert "text/csv" in operation(spec, "/api/search.csv")["responses"]["200"]["content"]
