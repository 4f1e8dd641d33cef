"""Set-your-password links for new accounts, by e-mail, instead of passwords handed out in a file.

The link carries Django's password-reset token (PasswordResetTokenGenerator): it is signed with SECRET_KEY, expires
after PASSWORD_RESET_TIMEOUT, and stops working once used, because the token hashes the password (and the last
sign-in) it was made for. The page it opens is account:set-password (units/views.py).
"""

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


@dataclass
class InvitationOutcome:
    """User names the link went to, and those it could not be sent to (the mail server refused or was down)."""

    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def set_password_url(user) -> str:
    """The absolute link that lets `user` choose a password, on the host SITE_URL names.

    Only SITE_URL's scheme and host are used (the path is the account page's own), so SITE_URL may point at the
    admin, as it does for the reminders.
    """
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("account:set-password", kwargs={"uidb64": uidb64, "token": default_token_generator.make_token(user)})
    return urljoin(settings.SITE_URL, path)


def invitation_send(*, user_ids: Iterable[int]) -> InvitationOutcome:
    """E-mail each user a set-your-password link, in Chinese, over one SMTP connection.

    Call it after commit (the accounts must exist for whoever opens the link). A failure for one address is logged
    and reported and does not stop the others; nothing is retried here: the office resends from the user list.
    """
    outcome = InvitationOutcome()
    users = list(get_user_model().objects.filter(pk__in=list(user_ids)).prefetch_related("memberships__unit"))
    if not users:
        return outcome
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    users.sort(key=lambda u: u.username)
    connection = get_connection()
    try:
        connection.open()
    except (smtplib.SMTPException, OSError):
        logger.exception("set-password links not sent: the mail server cannot be reached")
        outcome.failed = [user.username for user in users]
        return outcome
    # The recipients read Chinese, whatever language the office's admin page is in.
    with translation.override(settings.LANGUAGE_CODE), connection:
        for user in users:
            context = {
                "user": user,
                "name": user.get_full_name() or user.username,
                "units": "、".join(m.unit.name for m in user.memberships.all()),
                "url": set_password_url(user),
                "days": days,
                "site_url": settings.SITE_URL,
            }
            message = EmailMultiAlternatives(
                subject=_("[Rollout Tracker] Set your password"),
                body=render_to_string("units/email/invitation.txt", context),
                to=[user.email],
                connection=connection,
            )
            message.attach_alternative(render_to_string("units/email/invitation.html", context), "text/html")
            try:
                message.send()
            except (smtplib.SMTPException, OSError):
                logger.exception("set-password link for %s not sent", user.username)
                outcome.failed.append(user.username)
            else:
                outcome.sent.append(user.username)
    return outcome
