"""Locust users for benchmarks/load.py: one scenario per run, chosen and paced by environment variables.

BENCH_SCENARIO names a request (GET of BENCH_PATH), "write" (create a draft, then submit it) or "write-minimal" (the
same with `Prefer: return=minimal`: 204, the report's id in Location and its version in ETag); BENCH_TOKEN is the
persona's API token; each user runs at BENCH_RATE_PER_USER requests per second (constant_throughput: the rate is
fixed, not "as fast as the server answers"); BENCH_MAX_REQUESTS stops the run at that many requests even if the
time bound (-t) has not come.
"""

import itertools
import json
import os

from locust import FastHttpUser, constant_throughput, events, task

SCENARIO = os.environ.get("BENCH_SCENARIO", "get")
PATH = os.environ.get("BENCH_PATH", "/")
TOKEN = os.environ.get("BENCH_TOKEN", "")
RATE = float(os.environ.get("BENCH_RATE_PER_USER", "1"))
MAX_REQUESTS = int(os.environ.get("BENCH_MAX_REQUESTS", "100000"))
# For "write": the (reform, period) pairs with no report yet, one per create, handed out in order.
PAIRS = iter(json.loads(os.environ.get("BENCH_PAIRS", "[]")))
SENT = itertools.count(1)


@events.request.add_listener
def _bound(**kwargs):
    environment = kwargs.get("context", {}).get("environment")
    if next(SENT) >= MAX_REQUESTS and environment is not None and environment.runner is not None:
        environment.runner.quit()


class BenchUser(FastHttpUser):
    wait_time = constant_throughput(RATE)
    default_headers = {"Authorization": f"Token {TOKEN}", "Accept": "application/json"}

    @task
    def request(self):
        if SCENARIO in ("write", "write-minimal"):
            self.write()
        else:
            self.client.get(PATH, name=SCENARIO, context={"environment": self.environment})

    def write(self):
        pair = next(PAIRS, None)
        if pair is None:
            self.environment.runner.quit()
            return
        reform, period = pair
        context = {"environment": self.environment}
        minimal = SCENARIO == "write-minimal"
        prefer, suffix = ({"Prefer": "return=minimal"}, "-minimal") if minimal else ({}, "")
        body = {"reform": reform, "period": period, "percent": 10, "work_done": "基准测试"}
        with self.client.post(
            "/api/tracker/reports/",
            json=body,
            headers=prefer,
            name=f"create{suffix}",
            context=context,
            catch_response=True,
        ) as created:
            if created.status_code != (204 if minimal else 201):
                created.failure(f"{created.status_code}: {created.text[:200]}")
                return
            report_id = created.headers["Location"].rstrip("/").rsplit("/", 1)[1]
            version = created.headers["ETag"]
        self.client.post(
            f"/api/tracker/reports/{report_id}/submit/",
            name=f"submit{suffix}",
            headers={"If-Match": version, **prefer},
            context=context,
        )
