"""The OpenAPI schema and the interactive docs of the whole API."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.drainage import reset_generator_stats


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
