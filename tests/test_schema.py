"""The OpenAPI schema and the interactive docs of the whole API."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.drainage import reset_generator_stats

from reforms.choices import TargetStatus


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_schema_generates_without_warnings_and_validates(lang, tmp_path):
    # Warnings are collected process-wide and deduplicated; earlier schema requests in this run must not count.
    reset_generator_stats()

    # Raises CommandError on any warning or error, and on a schema that breaks the OpenAPI 3 JSON schema.
    call_command("spectacular", "--validate", "--fail-on-warn", "--lang", lang, "--file", str(tmp_path / "api.yaml"))

    assert (tmp_path / "api.yaml").stat().st_size > 0


def parameters_of(schema: dict, path: str) -> set[str]:
    return {parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]}


@pytest.mark.django_db
def test_the_schema_documents_every_list_filter(client_for, consumer):
    response = client_for(consumer).get(reverse("api-schema"), {"format": "json"})

    assert response.status_code == 200
    schema = json.loads(response.content)
    paging = {"page", "page_size", "ordering"}
    assert parameters_of(schema, "/api/units/cities/") == {"q", "code", *paging}
    assert parameters_of(schema, "/api/units/units/") == {"q", "kind", "city_id", "city", *paging}
    assert parameters_of(schema, "/api/reforms/batches/") == paging
    assert parameters_of(schema, "/api/reforms/reforms/") == {
        "q",
        "batch_id",
        "batch",
        "category",
        "scope",
        "needs_verification",
        "unit_id",
        "unit",
        "role",
        "city_id",
        "city",
        *paging,
    }


@pytest.mark.django_db
def test_the_docs_page_loads_swagger_ui_from_our_own_static_files(client_for, consumer):
    response = client_for(consumer).get(reverse("api-docs"))

    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("api-schema") in html
    # The offices' networks may not reach a CDN: nothing may be fetched from another host.
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)
    assets = re.findall(r"""(?:src|href)=["']/static/([^"']+)["']""", html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    assert any(asset.endswith("swagger-ui.css") for asset in assets)
    # Each referenced file ships with drf-spectacular-sidecar, so collectstatic will serve it.
    for asset in assets:
        assert asset.startswith("drf_spectacular_sidecar/")
        assert finders.find(asset) is not None, asset


@pytest.mark.django_db
def test_the_schema_documents_errors_nullability_and_content_types(client_for, consumer):
    schema = json.loads(client_for(consumer).get(reverse("api-schema"), {"format": "json"}).content)
    paths, components = schema["paths"], schema["components"]["schemas"]

    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in paths.items():
        for method, operation in operations.items():
            for status in ("400", "403", "404", "429"):
                assert operation["responses"][status]["content"]["application/json"]["schema"] == error, (
                    path,
                    method,
                    status,
                )
            if method in ("post", "put", "patch"):
                assert {"413", "415"} <= set(operation["responses"]), (path, method)
    assert components["Error"]["required"] == ["code", "detail"]
    report = paths["/api/tracker/reports/{id}/"]
    assert {"409", "412", "428"} <= set(report["patch"]["responses"])
    # What the API returns: a bare array of revisions, nullable matrix cells and deadlines, the file's own type.
    revisions = paths["/api/tracker/reports/{id}/revisions/"]["get"]["responses"]["200"]["content"]
    assert revisions["application/json"]["schema"]["type"] == "array"
    assert components["MatrixRow"]["properties"]["cells"]["items"]["nullable"] is True
    assert components["ReformSubject"]["properties"]["deadline"]["nullable"] is True
    # One word per nested object: `<Model>Brief`, one component per model wherever it is nested.
    assert {name for name in components if name.endswith("Brief")} == {
        "BatchBrief",
        "CityBrief",
        "ReformBrief",
        "ReportingPeriodBrief",
        "RolloutTargetBrief",
        "UnitBrief",
        "UserBrief",
    }
    assert not [name for name in components if name.startswith(("Brief", "Nested")) or name.endswith("Ref")]
    download = paths["/api/tracker/reports/{report_id}/attachments/{id}/download/"]["get"]["responses"]["200"]
    assert "application/pdf" in download["content"] and "application/octet-stream" not in download["content"]
    assert "comment" in components["Return"]["required"]
    unit_id = next(p for p in paths["/api/tracker/reports/"]["get"]["parameters"] if p["name"] == "unit_id")
    assert unit_id["schema"]["items"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    # The reports list's opt-in cursor (tracker.api.pagination), beside the page number of every list.
    cursor = next(p for p in paths["/api/tracker/reports/"]["get"]["parameters"] if p["name"] == "cursor")
    assert cursor["schema"]["type"] == "string"
    assert "cursor" not in parameters_of(schema, "/api/reforms/reforms/")


@pytest.mark.django_db
def test_the_reports_list_documents_its_city_lines_as_opt_in_and_the_detail_as_always_there(client_for, consumer):
    schema = json.loads(client_for(consumer).get(reverse("api-schema"), {"format": "json"}).content)
    components = schema["components"]["schemas"]
    listed = schema["paths"]["/api/tracker/reports/"]["get"]
    page = listed["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert components[page]["properties"]["results"]["items"]["$ref"] == "#/components/schemas/Report"

    # A list row: the counts always, the lines only with ?city_lines=1 (optional); the detail: all three.
    report, detail = components["Report"], components["ReportDetail"]
    assert {"city_line_count", "city_status_counts"} <= set(report["required"])
    assert "city_lines" in report["properties"] and "city_lines" not in report["required"]
    assert {"city_line_count", "city_status_counts", "city_lines"} <= set(detail["required"])
    [counts] = report["properties"]["city_status_counts"]["allOf"]
    assert set(components[counts["$ref"].rsplit("/", 1)[-1]]["required"]) == set(TargetStatus.values)
    flag = next(p for p in listed["parameters"] if p["name"] == "city_lines")
    assert flag["schema"]["type"] == "boolean"
    assert "city_lines" not in parameters_of(schema, "/api/tracker/reports/{id}/")
