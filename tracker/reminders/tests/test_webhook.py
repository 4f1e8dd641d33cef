"""The group-chat channel, against a real HTTP server on 127.0.0.1 playing the WeCom / DingTalk robot API."""

import base64
import datetime
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tracker.reminders import services
from tracker.reminders.choices import Channel, ReminderState, WebhookKind
from tracker.reminders.models import Reminder

from .factories import UnitChannelFactory

D = datetime.date


class RobotAPI:
    """Records each POST (path, query, JSON body) and answers with the configured status and JSON."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status, self.answer = 200, {"errcode": 0, "errmsg": "ok"}
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                url = urllib.parse.urlsplit(self.path)
                api.requests.append(
                    {
                        "path": url.path,
                        "query": urllib.parse.parse_qs(url.query),
                        "content_type": self.headers["Content-Type"],
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                payload = json.dumps(api.answer).encode()
                self.send_response(api.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"


@pytest.fixture
def robot_api():
    api = RobotAPI()
    api.thread.start()
    yield api
    api.server.shutdown()
    api.server.server_close()


def webhook_delivery(result) -> services.Delivery:
    [delivery] = [d for d in result.deliveries if d.channel == Channel.WEBHOOK]
    return delivery


def deliver(d: services.Delivery) -> str:
    return services.reminders_deliver(claim=d.claim, channel=d.channel, target_id=d.target_id)


def test_a_wecom_robot_gets_the_units_digest_as_markdown(world, sweep_on, robot_api):
    robot = UnitChannelFactory(unit=world.unit_a, url=robot_api.url("/cgi-bin/webhook/send?key=abc"))
    result = sweep_on(D(2026, 2, 6))
    assert deliver(webhook_delivery(result)) == "sent"
    [request] = robot_api.requests
    assert request["path"] == "/cgi-bin/webhook/send" and request["query"] == {"key": ["abc"]}
    assert request["content_type"] == "application/json"
    assert request["body"]["msgtype"] == "markdown"
    content = request["body"]["markdown"]["content"]
    assert content.startswith("### 进度报告报送提醒：截至2026年2月6日共1项待报送")
    assert f"[催办] {world.reform_a.code} {world.reform_a.title}" in content
    assert "省测试甲厅，2026年1月，截止日期2026年2月5日，已逾期1天" in content
    assert Reminder.objects.get(webhook=robot).state == ReminderState.SENT


def test_a_dingtalk_robot_with_signing_gets_a_valid_signature(world, sweep_on, robot_api):
    secret = "SEC-test-secret"
    UnitChannelFactory(
        unit=world.unit_b, kind=WebhookKind.DINGTALK, url=robot_api.url("/robot/send?access_token=t"), secret=secret
    )
    assert deliver(webhook_delivery(sweep_on(D(2026, 1, 29)))) == "sent"
    [request] = robot_api.requests
    timestamp, [sign] = request["query"]["timestamp"][0], request["query"]["sign"]
    expected = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    assert base64.b64decode(sign) == expected
    markdown = request["body"]["markdown"]
    assert markdown["title"] == "进度报告报送提醒：截至2026年1月29日共1项待报送"
    assert "还有7天到期" in markdown["text"]


def test_a_robot_service_error_is_temporary_and_a_rejected_message_fails(world, sweep_on, robot_api):
    robot = UnitChannelFactory(unit=world.unit_a, url=robot_api.url("/send?key=k"))
    delivery = webhook_delivery(sweep_on(D(2026, 1, 29)))
    robot_api.status = 502
    with pytest.raises(services.TemporaryDeliveryError, match="HTTP 502"):
        deliver(delivery)
    robot_api.status, robot_api.answer = 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
    assert deliver(delivery) == "failed"
    row = Reminder.objects.get(webhook=robot)
    assert (row.state, row.attempts) == (ReminderState.FAILED, 2)
    assert row.last_error == "errcode 93000: invalid webhook url"


def test_a_long_digest_lists_fifteen_items_and_counts_the_rest(world, sweep_on, robot_api):
    from .factories import make_reform_for

    for _ in range(17):
        make_reform_for(world.unit_a, batch=world.batch)
    UnitChannelFactory(unit=world.unit_a, url=robot_api.url("/send?key=k"))
    assert deliver(webhook_delivery(sweep_on(D(2026, 1, 29)))) == "sent"
    content = robot_api.requests[0]["body"]["markdown"]["content"]
    assert content.count("\n> [提醒]") == 15
    assert "……另有3项未列出" in content
    assert len(content.encode()) < 4096
