"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd in a thread), recording what it accepts.

It can be told to answer 451 (try later) to the next N messages, 550 (refused) to all, or to stop at the end of a
message and wait for the test: "before accepting" (the client is left waiting for the reply; a client that dies
meanwhile delivers nothing, aiosmtpd cancels the session) or "after accepting" (recorded, reply not sent yet: the
window where a client that dies cannot know the server has the message).
"""

import asyncio
import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    # The message as it came over the wire, to check how headers are encoded and folded.
    raw: bytes = b""

    @property
    def subject(self) -> str:
        # A long encoded subject is folded onto a continuation line; the fold's whitespace is not part of it.
        return str(self.message["Subject"]).strip()

    def part(self, content_type: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                return part.get_content()
        raise LookupError(content_type)

    @property
    def text(self) -> str:
        return self.part("text/plain")

    @property
    def html(self) -> str:
        return self.part("text/html")


class RecordingHandler:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[ReceivedMail] = []
        self.refusals: list[str] = []
        self.temporary_failures = 0
        self.refuse_permanently = False
        self.hold = ""  # "", "before_accept" or "after_accept"
        self.waiting = 0
        self.held: list[list[str]] = []  # recipients of each message that was held
        self.release = threading.Event()

    async def _wait_for_release(self, rcpt_tos: list[str]) -> None:
        with self.lock:
            self.waiting += 1
            self.held.append(list(rcpt_tos))
        try:
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        finally:
            with self.lock:
                self.waiting -= 1

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse_permanently:
                self.refusals.append("550")
                return "550 5.7.1 Mailbox unavailable"
            if self.temporary_failures > 0:
                self.temporary_failures -= 1
                self.refusals.append("451")
                return "451 4.3.0 Try again later"
            hold = self.hold
        if hold == "before_accept":
            await self._wait_for_release(envelope.rcpt_tos)
        mail = ReceivedMail(
            mail_from=envelope.mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
            message=email.message_from_bytes(envelope.original_content, policy=email.policy.default),
            raw=envelope.original_content,
        )
        with self.lock:
            self.received.append(mail)
        if hold == "after_accept":
            await self._wait_for_release(envelope.rcpt_tos)
        return "250 2.0.0 OK"


class SMTPServer:
    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> "SMTPServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.handler.release.set()
        self.controller.stop()

    @property
    def received(self) -> list[ReceivedMail]:
        with self.handler.lock:
            return list(self.handler.received)

    def to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.received if address in m.rcpt_tos]

    def wait_for(self, predicate, timeout: float = 20.0, what: str = "the SMTP server") -> None:
        """Poll (bounded) until `predicate()` holds: the effect of another process, not a sleep through time."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; received {len(self.received)} messages")
            time.sleep(0.05)

    def wait_until_holding(self, timeout: float = 20.0) -> None:
        self.wait_for(lambda: self.handler.waiting > 0, timeout, "a client to reach the end of DATA")

    def wait_until_dropped(self, timeout: float = 20.0) -> None:
        """Until the server has seen the held client's connection go (aiosmtpd cancels its session)."""
        self.wait_for(lambda: self.handler.waiting == 0, timeout, "the held session to be dropped")
