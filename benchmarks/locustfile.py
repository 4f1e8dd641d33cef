"""Locust users for benchmarks/load.py: one scenario per run, chosen and paced by environment variables.

BENCH_SCENARIO names a request (GET of BENCH_PATH), "write" (create a draft, then submit it) or "write-minimal" (the
same with `Prefer: return=minimal`: 204, the report's id in Location and its version in ETag); BENCH_TOKEN is the
persona's API token; each user runs at BENCH_RATE_PER_USER requests per second on a fixed schedule (the rate is
fixed, not "as fast as the server answers"); BENCH_RATE is the rate of all users together, and user n's schedule is
n / BENCH_RATE seconds after user 0's, so the users' requests interleave evenly; BENCH_MAX_REQUESTS stops the run at
that many requests even if the time bound (-t) has not come.
"""

import itertools
import json
import os
import time

import gevent
from locust import FastHttpUser, events, task

SCENARIO = os.environ.get("BENCH_SCENARIO", "get")
PATH = os.environ.get("BENCH_PATH", "/")
TOKEN = os.environ.get("BENCH_TOKEN", "")
RATE = float(os.environ.get("BENCH_RATE_PER_USER", "1"))
TOTAL_RATE = float(os.environ.get("BENCH_RATE", str(RATE)))
MAX_REQUESTS = int(os.environ.get("BENCH_MAX_REQUESTS", "100000"))
# For "write": the (reform, period) pairs with no report yet, one per create, handed out in order.
PAIRS = iter(json.loads(os.environ.get("BENCH_PAIRS", "[]")))
SENT = itertools.count(1)
# Locust starts every user at once (spawn rates over 1/s dispatch in whole batches), and its constant_throughput
# paces each user from its creation: the users sent their requests together, `users` at the same instant, and the
# median measured that burst's queue (10 users at 50/s: p50 58 ms for a page that 2 users at 25/s each got in 19).
# Each user here keeps its own schedule, n / BENCH_RATE seconds after the first user's.
ORIGIN = time.perf_counter()
STARTED = itertools.count()


@events.request.add_listener
def _bound(**kwargs):
    environment = kwargs.get("context", {}).get("environment")
    if next(SENT) >= MAX_REQUESTS and environment is not None and environment.runner is not None:
        environment.runner.quit()


class BenchUser(FastHttpUser):
    default_headers = {"Authorization": f"Token {TOKEN}", "Accept": "application/json"}

    def on_start(self):
        self.due = ORIGIN + next(STARTED) % max(1, round(TOTAL_RATE / RATE)) / TOTAL_RATE
        gevent.sleep(max(0.0, self.due - time.perf_counter()))

    def wait_time(self) -> float:
        # The next request's time on the schedule; if the answer came later than that, at once.
        self.due += 1 / RATE
        return max(0.0, self.due - time.perf_counter())

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
