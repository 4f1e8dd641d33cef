"""TEST ONLY (scripts/smoke_stack): the HTTP side of the stack smoke test, as a browser and an API client see it.

    python deploy/smoke/client.py BASE_URL health [--expect 200]   print /health/, fail unless the status matches
    python deploy/smoke/client.py BASE_URL signin USER PASSWORD     the admin's sign-in form, then the admin index
    python deploy/smoke/client.py BASE_URL report TOKEN REFORM      file a report with a PDF attached, submit it
    python deploy/smoke/client.py BASE_URL files TOKEN              download every attachment the reporter sees and
                                                                    check each against its recorded SHA-256

Every request says X-Forwarded-Proto: https, as the TLS proxy in front of production does, so the production
settings (SSL redirect, secure cookies, CSRF origin checks) are exercised as they are, not switched off.
Exits non-zero with the reason on the first unexpected answer.
"""

import hashlib
import http.client
import json
import re
import sys
import urllib.parse


class Client:
    def __init__(self, base_url: str) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.origin = f"https://{parts.netloc}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        all_headers = {"X-Forwarded-Proto": "https", "Accept-Language": "zh-hans", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return response, data

    def json(self, method: str, path: str, payload=None, *, token: str, headers: dict | None = None):
        body = json.dumps(payload).encode() if payload is not None else None
        all_headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", **(headers or {})}
        response, data = self.request(method, path, body=body, headers=all_headers)
        return response, (json.loads(data) if data else None)


def fail(message: str) -> None:
    raise SystemExit(f"smoke: {message}")


def expect(response, status: int, what: str, data=b"") -> None:
    if response.status != status:
        fail(f"{what}: expected {status}, got {response.status}: {str(data)[:500]}")


def health(client: Client, expected: int) -> None:
    response, data = client.request("GET", "/health/")
    print(data.decode())
    expect(response, expected, "GET /health/", data)


def signin(client: Client, username: str, password: str) -> None:
    response, data = client.request("GET", "/admin/login/")
    expect(response, 200, "GET /admin/login/", data)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data)
    if not match or "csrftoken" not in client.cookies:
        fail("the sign-in form has no CSRF token")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": match.group(1).decode(), "username": username, "password": password, "next": "/admin/"}
    ).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": client.origin}
    response, data = client.request("POST", "/admin/login/", body=form, headers=headers)
    expect(response, 302, "POST /admin/login/ (a wrong password answers 200 with the form again)", data)
    if "sessionid" not in client.cookies:
        fail("signed in without a session cookie")
    response, data = client.request("GET", "/admin/")
    expect(response, 200, "GET /admin/ signed in", data)
    if b'id="logout-form"' not in data:
        fail("the admin index does not show a signed-in user")
    print(f"signed in as {username}: admin index 200")


def report(client: Client, token: str, reform: int) -> None:
    response, periods = client.json("GET", "/api/tracker/periods/", token=token)
    expect(response, 200, "GET /api/tracker/periods/", periods)
    if not periods["results"]:
        fail("no reporting period: the sweep derived none")
    period = min(periods["results"], key=lambda p: p["due_on"])
    body = {"reform": reform, "period": period["id"], "percent": 40, "work_done": "冒烟测试：已完成部署方案"}
    response, created = client.json("POST", "/api/tracker/reports/", body, token=token)
    expect(response, 201, "POST /api/tracker/reports/", created)
    attach(client, token, created["id"])
    response, current = client.json("GET", f"/api/tracker/reports/{created['id']}/", token=token)
    expect(response, 200, f"GET /api/tracker/reports/{created['id']}/", current)
    path = f"/api/tracker/reports/{created['id']}/submit/"
    response, submitted = client.json("POST", path, token=token, headers={"If-Match": response.headers["ETag"]})
    expect(response, 200, f"POST {path}", submitted)
    if submitted["state"] != "submitted":
        fail(f"the report is {submitted['state']!r} after submit")
    print(f"report {created['id']} for period {period['code']} filed and submitted")


# A small valid PDF (one empty page), so the backup rehearsal has a real evidence file to carry.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def attach(client: Client, token: str, report_id: int) -> None:
    boundary = "smoke-boundary-7f3a"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="smoke.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Authorization": f"Token {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"}
    path = f"/api/tracker/reports/{report_id}/attachments/"
    response, data = client.request("POST", path, body=body, headers=headers)
    expect(response, 201, f"POST {path}", data)
    created = json.loads(data)
    if created["sha256"] != hashlib.sha256(PDF).hexdigest():
        fail(f"the stored attachment's SHA-256 {created['sha256']} is not the uploaded file's")
    print(f"attachment {created['id']} ({created['size']} bytes, sha256 {created['sha256'][:12]}…) uploaded")


def files(client: Client, token: str) -> None:
    response, reports = client.json("GET", "/api/tracker/reports/", token=token)
    expect(response, 200, "GET /api/tracker/reports/", reports)
    checked = 0
    for report_row in reports["results"]:
        path = f"/api/tracker/reports/{report_row['id']}/attachments/"
        response, attachments = client.json("GET", path, token=token)
        expect(response, 200, f"GET {path}", attachments)
        for attachment in attachments["results"]:
            response, data = client.request(
                "GET", f"{path}{attachment['id']}/download/", headers={"Authorization": f"Token {token}"}
            )
            expect(response, 200, f"GET {path}{attachment['id']}/download/", data)
            if hashlib.sha256(data).hexdigest() != attachment["sha256"]:
                fail(f"attachment {attachment['id']}: the file served differs from its recorded SHA-256")
            checked += 1
    if not checked:
        fail("the reporter sees no attachment")
    print(f"{checked} attachment(s) downloaded through the API, each matching its recorded SHA-256")


def main(argv: list[str]) -> None:
    client, command, args = Client(argv[1]), argv[2], argv[3:]
    if command == "health":
        health(client, int(args[1]) if args[:1] == ["--expect"] else 200)
    elif command == "signin":
        signin(client, *args)
    elif command == "report":
        report(client, args[0], int(args[1]))
    elif command == "files":
        files(client, args[0])
    else:
        fail(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
