"""Schemathesis against the live test server, once per role: the API must answer every generated request (valid
and invalid) without a server error and as its OpenAPI schema says (status codes, bodies, content types, headers).

The run is bounded (examples per operation, a fixed seed) so it stays well within CI's time; docs/api-contract.md
shows how to run a larger one. The schema is read from the server itself, so what is checked is what clients get.
Each check that is configured away is in tests/schemathesis.toml, with the reason next to it.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from reforms.choices import ResponsibilityRole
from reforms.tests.factories import BatchFactory, ResponsibilityFactory
from tracker import services
from tracker.contributions import services as contributions
from tracker.tests import samples
from tracker.tests.factories import ReportingPeriodFactory, make_reform_for
from units.choices import MembershipRole
from units.tests.factories import UnitFactory, make_consumer_user, make_office_user, make_unit_user

CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "6"))
# Unset: deterministic generation, the same cases on every run, so a red CI run reproduces with its command. Set
# (a larger run, docs/api-contract.md): random generation from that seed.
SEED = os.environ.get("API_FUZZ_SEED")
# The coverage phase (every boundary and type of every parameter, ~4,400 cases a role) takes minutes per role: it
# belongs to the larger run (docs/api-contract.md); CI runs the examples and the fuzzing, positive and negative.
PHASES = os.environ.get("API_FUZZ_PHASES", "examples,fuzzing")
ROLES = ("office", "reporter", "manager", "consumer", "anonymous")
# A larger run may pick roles: API_FUZZ_ROLES=office,consumer.
CHOSEN = [role for role in os.environ.get("API_FUZZ_ROLES", ",".join(ROLES)).split(",") if role in ROLES]


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    """A little of everything, so that operations on real ids are exercised besides 404s: two units, a reform
    each, a period, reports in several states and an attachment; one user (and token) per role."""
    settings.MEDIA_ROOT = tmp_path / "media"
    unit_a, unit_b = UnitFactory(name="省测试甲厅"), UnitFactory(name="省测试乙厅")
    batch = BatchFactory(code="sdftz-fuzz")
    period = ReportingPeriodFactory(batch=batch, code="2026-11", label="2026年11月")
    reform_a, reform_b = make_reform_for(unit_a, batch=batch), make_reform_for(unit_b, batch=batch)
    users = {
        "office": make_office_user(username="office"),
        "reporter": make_unit_user(unit_a, username="reporter"),
        "manager": make_unit_user(unit_a, role=MembershipRole.MANAGER, username="manager"),
        "consumer": make_consumer_user(username="consumer"),
    }
    other = make_unit_user(unit_b, username="other")
    draft = services.report_create(user=users["reporter"], reform=reform_a, period=period, data={"work_done": "起草"})
    services.attachment_add(report=draft, user=users["reporter"], file=samples.upload("证明.pdf", samples.pdf()))
    submitted = services.report_create(user=other, reform=reform_b, period=period, data={"work_done": "推进"})
    submitted = services.report_submit(report=submitted, user=other)
    services.report_approve(report=submitted, user=users["office"], comment="同意")
    # Issue 12: unit_a is a co-unit of reform_b and has a draft contribution with evidence.
    ResponsibilityFactory(reform=reform_b, unit=unit_a, role=ResponsibilityRole.CO, position=1)
    part = contributions.contribution_create(
        user=users["reporter"], reform=reform_b, period=period, data={"work_done": "配合"}
    )
    file = samples.upload("纪要.pdf", samples.pdf())
    contributions.contribution_attachment_add(contribution=part, user=users["reporter"], file=file)
    return {role: Token.objects.create(user=user).key for role, user in users.items()}


@pytest.fixture
def generous_throttles(monkeypatch):
    # The throttles have their own tests (429 with Retry-After); here the fuzzer must reach the views. DRF's
    # AnonRateThrottle and UserRateThrottle copy the rates when imported, hence the class attribute.
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = dict.fromkeys(api_settings.DEFAULT_THROTTLE_RATES, "100000/hour")
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setitem(api_settings.DEFAULT_THROTTLE_RATES, "tracker-writes", "100000/hour")
    monkeypatch.setitem(api_settings.DEFAULT_THROTTLE_RATES, "tracker-uploads", "100000/hour")


def config_for(token: str | None, path: Path) -> Path:
    """The shared configuration, plus the role's token as the schema's tokenAuth scheme: so schemathesis knows the
    credential, and its ignored_auth check removes or spoils that credential (not an unrelated cookie beside it)."""
    text = CONFIG.read_text()
    if token:
        text += f'\n[auth.openapi.tokenAuth]\napi_key = "Token {token}"\n'
    path.write_text(text)
    return path


def schemathesis_run(base_url: str, token: str | None, tmp_path: Path, role: str) -> subprocess.CompletedProcess:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(config_for(token, tmp_path / f"{role}.toml")),
        "run",
        f"{base_url}/api/schema/?format=json",
        "--checks",
        "all",
        "--mode",
        "all",
        "--phases",
        PHASES,
        "--max-examples",
        str(MAX_EXAMPLES),
        *(["--seed", SEED, "--generation-database", "none"] if SEED else ["--generation-deterministic"]),
        "--workers",
        "1",
        "--no-shrink",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(tmp_path / f"{role}.xml"),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)


@pytest.mark.timeout(int(os.environ.get("API_FUZZ_TIMEOUT", "900")))
def test_schemathesis_finds_no_server_error_and_no_schema_violation(world, generous_throttles, live_server, tmp_path):
    failed = []
    assert CHOSEN, "API_FUZZ_ROLES names no role"
    for role in CHOSEN:
        result = schemathesis_run(live_server.url, world.get(role), tmp_path, role)
        summary = result.stdout[-6000:]
        print(f"===== schemathesis as {role}: exit {result.returncode}\n{summary}\n{result.stderr[-2000:]}")
        if result.returncode != 0:
            failed.append(role)
    assert not failed, f"schemathesis failed for {failed}; see the captured output"
