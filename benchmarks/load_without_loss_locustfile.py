"""Locust users of benchmarks/load_without_loss.py: unit reporters filing, editing, submitting and reading progress
reports, and office reviewers approving and returning them, through the API with tokens.

Every accepted write is appended to LOAD_LEDGER (one JSON line per write, per process) so the runner can check the
database against what clients were told: each created report exactly once, each version accepted once, each
transition recorded.
"""

import json
import os
import random
import threading
from pathlib import Path

from locust import HttpUser, between, task

CREDENTIALS = json.loads(Path(os.environ["LOAD_CREDENTIALS"]).read_text(encoding="utf-8"))
# Kept open for the whole run, appended and flushed line by line by every user of this process.
LEDGER = open(os.environ["LOAD_LEDGER"], "a", encoding="utf-8")  # noqa: SIM115
_lock = threading.Lock()
_reporters = list(CREDENTIALS["reporters"])
_reviewers = list(CREDENTIALS["reviewers"])
LIST = "/api/tracker/reports/"


def record(**entry) -> None:
    with _lock:
        LEDGER.write(json.dumps(entry) + "\n")
        LEDGER.flush()


def version_of(response) -> int:
    return int(response.headers["ETag"].strip('"'))


class Reporter(HttpUser):
    weight = 4
    wait_time = between(0.2, 1.0)

    def on_start(self):
        self.me = _reporters.pop() if _reporters else random.choice(CREDENTIALS["reporters"])
        self.client.headers["Authorization"] = f"Token {self.me['token']}"
        self.mine: list[int] = []

    @task(3)
    def file_edit_submit(self):
        reform, period = random.choice(self.me["reforms"]), random.choice(CREDENTIALS["periods"])
        with self.client.post(
            LIST,
            json={"reform": reform, "period": period, "percent": 10, "work_done": "已部署"},
            name="create",
            catch_response=True,
        ) as response:
            if response.status_code == 400:
                response.success()  # this (reform, unit, period) exists already: refused, nothing stored
                return
            if response.status_code != 201:
                return
            report = response.json()["id"]
            record(kind="create", id=report)
            self.mine.append(report)
        self._edit_and_submit(report, version_of(response))

    def _edit_and_submit(self, report: int, version: int) -> None:
        url = f"{LIST}{report}/"
        with self.client.patch(
            url,
            json={"percent": random.randint(10, 90), "work_done": f"推进中 {random.random():.6f}"},
            headers={"If-Match": f'"{version}"'},
            name="edit",
            catch_response=True,
        ) as response:
            if response.status_code in (409, 412):
                response.success()  # the report moved on (reviewed, or edited by a colleague): refused, as it must be
                return
            if response.status_code != 200:
                return
            record(kind="update", id=report, base=version)
            version = version_of(response)
        # A stale write on purpose: must be refused with 412 and change nothing.
        with self.client.patch(
            url, json={"percent": 1}, headers={"If-Match": f'"{version - 1}"'}, name="edit (stale)", catch_response=True
        ) as response:
            if response.status_code == 412:
                response.success()
                record(kind="stale_refused", id=report, base=version - 1)
            elif response.status_code < 500:
                response.failure(f"stale write answered {response.status_code}")
                record(kind="stale_accepted", id=report, base=version - 1)
        with self.client.post(
            f"{url}submit/", headers={"If-Match": f'"{version}"'}, name="submit", catch_response=True
        ) as response:
            if response.status_code == 200:
                record(kind="submit", id=report, base=version)
            elif response.status_code in (409, 412):
                response.success()

    @task(2)
    def rework_returned(self):
        response = self.client.get(f"{LIST}?state=returned", name="list returned")
        if response.status_code != 200 or not response.json()["results"]:
            return
        report = random.choice(response.json()["results"])
        self._edit_and_submit(report["id"], report["version"])

    @task(4)
    def read(self):
        self.client.get(LIST, name="list")
        if self.mine:
            self.client.get(f"{LIST}{random.choice(self.mine)}/", name="detail")


class Reviewer(HttpUser):
    weight = 1
    wait_time = between(0.2, 1.0)

    def on_start(self):
        self.me = _reviewers.pop() if _reviewers else random.choice(CREDENTIALS["reviewers"])
        self.client.headers["Authorization"] = f"Token {self.me['token']}"

    @task
    def review(self):
        response = self.client.get(f"{LIST}?state=submitted", name="list submitted")
        if response.status_code != 200 or not response.json()["results"]:
            return
        report = random.choice(response.json()["results"])
        action = random.choice(["approve", "approve", "return"])
        with self.client.post(
            f"{LIST}{report['id']}/{action}/",
            json={"comment": "请补充材料" if action == "return" else "同意"},
            headers={"If-Match": f'"{report["version"]}"'},
            name=action,
            catch_response=True,
        ) as answer:
            if answer.status_code == 200:
                record(kind=action, id=report["id"], base=report["version"])
            elif answer.status_code in (409, 412):
                answer.success()  # another reviewer, or the unit, got there first
