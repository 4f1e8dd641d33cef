"""Delivery of one digest: e-mail through Django's SMTP backend, or a group-chat robot's webhook.

The rows of a delivery are those still `sending` under the claim token the sweep gave them. The order of writes is
what makes it safe to run twice:
1. renew the lease (UPDATE claimed_at WHERE claim = token AND state = sending): zero rows means another run already
   sent them, or a later sweep took them over, so this run sends nothing;
2. send;
3. only after the server accepted: state = sent, sent_at = now.
A process killed between 2 and 3 leaves the rows `sending`; the next sweep after the lease sends them again. That
window (the server accepted, the row does not know yet) is the only way to a duplicate; see docs/reminders.md.
"""

import base64
import hashlib
import hmac
import json
import logging
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import get_connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import may_run_reminders

from .. import conf
from ..choices import Channel, ReminderState, WebhookKind
from ..models import Reminder, UnitChannel
from .digest import Digest, claimed_rows, digest_email, digest_load, digest_markdown
from .fulfilment import obligation_met

logger = logging.getLogger(__name__)

SENT, FAILED, NOTHING = "sent", "failed", "nothing"
# Rate-limit answers of the robots ("api freq out of limit", "send too fast"): wait and retry.
WEBHOOK_RETRY_ERRCODES = {45009, 130101}


class TemporaryDeliveryError(Exception):
    """The mail server or the chat service said "later" (4xx, connection refused, timeout): retry with backoff."""


class WebhookError(Exception):
    def __init__(self, message: str, *, temporary: bool) -> None:
        super().__init__(message)
        self.temporary = temporary


def is_temporary(exc: BaseException) -> bool:
    """SMTP 4xx and network trouble are temporary; 5xx and anything unexpected are permanent."""
    if isinstance(exc, WebhookError):
        return exc.temporary
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPException):
        return False
    # Connection refused or reset, timeouts, name resolution (smtplib's errors are OSErrors too, hence the order).
    return isinstance(exc, OSError)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, WebhookError):
        return str(exc)
    if isinstance(exc, smtplib.SMTPResponseException):
        message = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"SMTP {exc.smtp_code}: {message}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"SMTP {code}: {msg!r}" for code, msg in exc.recipients.values())
    return f"{type(exc).__name__}: {exc}"[:2000]


def _send_email(digest: Digest) -> None:
    timeout = settings.EMAIL_TIMEOUT or conf.get("REMINDERS_SMTP_TIMEOUT_SECONDS")
    with get_connection(fail_silently=False, timeout=timeout) as connection:
        message = digest_email(digest)
        message.connection = connection
        message.send()


def webhook_request(channel: UnitChannel, title: str, text: str) -> urllib.request.Request:
    """The robot's POST: WeCom and DingTalk both take {"msgtype": "markdown"}, with different fields."""
    if channel.kind == WebhookKind.DINGTALK:
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    else:
        body = {"msgtype": "markdown", "markdown": {"content": text}}
    url = channel.url
    if channel.kind == WebhookKind.DINGTALK and channel.secret:
        # DingTalk's signing (加签): HMAC-SHA256 of "<ms timestamp>\n<secret>", base64, in the query string.
        timestamp = str(round(time.time() * 1000))
        digest = hmac.new(channel.secret.encode(), f"{timestamp}\n{channel.secret}".encode(), hashlib.sha256).digest()
        sign = urllib.parse.quote_plus(base64.b64encode(digest))
        url += ("&" if "?" in url else "?") + f"timestamp={timestamp}&sign={sign}"
    data = json.dumps(body, ensure_ascii=False).encode()
    return urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})


def _send_webhook(digest: Digest) -> None:
    title, text = digest_markdown(digest)
    request = webhook_request(digest.target, title, text)
    try:
        with urllib.request.urlopen(request, timeout=conf.get("REMINDERS_WEBHOOK_TIMEOUT_SECONDS")) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raise WebhookError(f"HTTP {exc.code}", temporary=exc.code >= 500 or exc.code == 429) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise WebhookError(f"{type(exc).__name__}: {exc}", temporary=True) from exc
    except ValueError as exc:
        raise WebhookError(f"not JSON: {exc}", temporary=False) from exc
    errcode = answer.get("errcode", 0)
    if errcode:
        message = f"errcode {errcode}: {answer.get('errmsg', '')}"
        raise WebhookError(message, temporary=errcode in WEBHOOK_RETRY_ERRCODES)


def reminders_deliver(*, claim: str, channel: str, target_id: int) -> str:
    """Send the digest of one claim to one recipient or chat robot; "sent", "failed" or "nothing" (not ours, or every
    report came in meanwhile). Raises TemporaryDeliveryError for the task to retry."""
    rows = claimed_rows(claim=claim, channel=channel, target_id=target_id)
    if not rows.update(claimed_at=timezone.now()):
        return NOTHING
    # Reminders stop as soon as the report (contribution, city submission) is in, also between the sweep and the send.
    rows.filter(obligation_met("obligation__")).update(state=ReminderState.CANCELLED)
    digest = digest_load(claim=claim, channel=channel, target_id=target_id)
    if digest is None:
        return NOTHING
    mine = Reminder.objects.filter(pk__in=digest.reminder_ids, claim=claim, state=ReminderState.SENDING)
    try:
        if channel == Channel.EMAIL:
            _send_email(digest)
        else:
            _send_webhook(digest)
    except Exception as exc:
        error = _describe(exc)
        if is_temporary(exc):
            mine.update(attempts=F("attempts") + 1, last_error=error, claimed_at=timezone.now())
            raise TemporaryDeliveryError(error) from exc
        logger.warning("reminder delivery failed for good: %s (%s %s)", error, channel, target_id)
        mine.update(state=ReminderState.FAILED, attempts=F("attempts") + 1, last_error=error)
        return FAILED
    # Only now: the server has accepted the message.
    mine.update(state=ReminderState.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="")
    return SENT


def reminders_release(*, claim: str, channel: str, target_id: int) -> None:
    """After the task's last retry: give the rows back to the next sweep, or fail those out of attempts."""
    rows = claimed_rows(claim=claim, channel=channel, target_id=target_id)
    rows.filter(attempts__gte=conf.get("REMINDERS_MAX_ATTEMPTS")).update(state=ReminderState.FAILED)
    rows.update(state=ReminderState.PENDING, claim=None, claimed_at=None)


def reminders_retry(*, reminders, user) -> int:
    """The office sends failed reminders again (after fixing an address): back to pending with fresh attempts."""
    if not may_run_reminders(user):
        raise PermissionDenied(_("Only the provincial office sends reminders."))
    ids = [r.pk for r in reminders]
    return Reminder.objects.filter(pk__in=ids, state=ReminderState.FAILED).update(
        state=ReminderState.PENDING, claim=None, claimed_at=None, attempts=0
    )
