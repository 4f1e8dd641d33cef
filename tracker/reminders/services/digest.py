"""The digest: everything one recipient (or one unit's chat group) is reminded of by one sweep, in one message.

Grouped as the office reads it: overdue, due today, due soon. Written in the site's language (Simplified Chinese),
counted from the sweep's day (`Reminder.as_of`), not from the moment the worker happens to send it.
"""

import datetime
from dataclasses import dataclass, field
from email.header import Header
from email.message import Message
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import conf
from ..choices import STEP_RANK, Bucket, Channel, ObligationKind, ReminderState, Step
from ..models import Reminder
from ..rules import bucket_of


@dataclass(frozen=True)
class DigestItem:
    obligation_id: int
    reform_code: str
    reform_title: str
    unit_name: str  # who owes it: the unit, or the city of a city submission
    period_label: str
    due_on: datetime.date
    step: str
    bucket: str
    days: int  # overdue by, or left until due; 0 on the due day
    kind: str = ObligationKind.REPORT

    @property
    def kind_label(self) -> str:
        return str(ObligationKind(self.kind).label)

    @property
    def step_label(self) -> str:
        return str(Step(self.step).label)

    @property
    def status_text(self) -> str:
        """How late or how soon, e.g. "3 days overdue"."""
        if self.bucket == Bucket.OVERDUE:
            return ngettext("%(days)d day overdue", "%(days)d days overdue", self.days) % {"days": self.days}
        if self.bucket == Bucket.DUE_TODAY:
            return _("due today")
        return ngettext("due in %(days)d day", "due in %(days)d days", self.days) % {"days": self.days}

    @property
    def line(self) -> str:
        """Who, what, which period, by when, how late: one sentence, its own for each kind of obligation."""
        values = {
            "unit": self.unit_name,
            "period": self.period_label,
            "due": formats.date_format(self.due_on),
            "when": self.status_text,
        }
        if self.kind == ObligationKind.CONTRIBUTION:
            return _("%(unit)s (co-unit), contribution for %(period)s, to the lead unit by %(due)s, %(when)s") % values
        if self.kind == ObligationKind.CITY_SUBMISSION:
            return _("%(unit)s, city progress for %(period)s, to file by %(due)s, %(when)s") % values
        return _("%(unit)s, %(period)s, due on %(due)s, %(when)s") % values


@dataclass
class Digest:
    channel: str
    target: object  # a user (e-mail) or a UnitChannel (webhook)
    as_of: datetime.date
    items: list[DigestItem] = field(default_factory=list)
    reminder_ids: list[int] = field(default_factory=list)

    def section(self, bucket: str) -> list[DigestItem]:
        return [i for i in self.items if i.bucket == bucket]

    @property
    def sections(self) -> list[tuple[str, list[DigestItem]]]:
        """(label, items) for the non-empty groups, most urgent first."""
        groups = [(str(b.label), self.section(b)) for b in (Bucket.OVERDUE, Bucket.DUE_TODAY, Bucket.DUE_SOON)]
        return [(label, items) for label, items in groups if items]

    @property
    def kinds(self) -> set[str]:
        return {i.kind for i in self.items}

    @property
    def intro(self) -> str:
        """The first sentence: what is still to be filed, in the words of the one kind the digest holds."""
        values = {"as_of": formats.date_format(self.as_of)}
        kinds = self.kinds
        if kinds == {ObligationKind.CONTRIBUTION}:
            return _("As of %(as_of)s, these co-unit contributions are still to be filed with the lead units:") % values
        if kinds == {ObligationKind.CITY_SUBMISSION}:
            return _("As of %(as_of)s, these city progress submissions are still to be filed:") % values
        if kinds - {ObligationKind.REPORT}:
            return _("As of %(as_of)s, these items are still to be filed:") % values
        return _("As of %(as_of)s, these progress reports are still to be filed:") % values

    @property
    def channel_label(self) -> str:
        return str(Channel(self.channel).label)

    @property
    def target_name(self) -> str:
        if self.channel == Channel.EMAIL:
            return self.target.get_full_name() or self.target.username
        return str(self.target)

    @property
    def address(self) -> str:
        return self.target.email if self.channel == Channel.EMAIL else self.target.url


def digest_build(reminders: list[Reminder], *, channel: str, target) -> Digest:
    """A digest of `reminders` (with obligation, reform, unit and period selected); one item per obligation, under
    its strongest step."""
    as_of = max(r.as_of for r in reminders)
    best: dict[int, Reminder] = {}
    for r in reminders:
        kept = best.get(r.obligation_id)
        if kept is None or STEP_RANK[Step(r.step)] > STEP_RANK[Step(kept.step)]:
            best[r.obligation_id] = r
    items = []
    for r in best.values():
        o = r.obligation
        items.append(
            DigestItem(
                obligation_id=o.pk,
                kind=o.kind,
                reform_code=o.reform.code,
                reform_title=o.reform.title,
                unit_name=o.subject.name,
                period_label=o.period.label,
                due_on=o.due_on,
                step=r.step,
                bucket=bucket_of(o.due_on, as_of),
                days=abs((as_of - o.due_on).days),
            )
        )
    items.sort(key=lambda i: (i.due_on, i.unit_name, i.reform_code))
    return Digest(channel=channel, target=target, as_of=as_of, items=items, reminder_ids=[r.pk for r in reminders])


def claimed_rows(*, claim: str, channel: str, target_id: int):
    """The rows of one delivery: still `sending` under this claim token, for this recipient or chat robot."""
    target = {"recipient_id": target_id} if channel == Channel.EMAIL else {"webhook_id": target_id}
    return Reminder.objects.filter(claim=claim, channel=channel, state=ReminderState.SENDING, **target)


def digest_load(*, claim: str, channel: str, target_id: int) -> Digest | None:
    rows = list(
        claimed_rows(claim=claim, channel=channel, target_id=target_id).select_related(
            "obligation__reform",
            "obligation__unit",
            "obligation__city",
            "obligation__period",
            "recipient",
            "webhook__unit",
        )
    )
    if not rows:
        return None
    target = rows[0].recipient if channel == Channel.EMAIL else rows[0].webhook
    return digest_build(rows, channel=channel, target=target)


def _context(digest: Digest) -> dict:
    return {
        "digest": digest,
        "as_of": formats.date_format(digest.as_of),
        "intro": digest.intro,
        "site_url": conf.get("SITE_URL"),
        "Bucket": {b.name: b.value for b in Bucket},
    }


def digest_subject(digest: Digest) -> str:
    """The subject line, its own for each kind (进度报告报送提醒 / 配合材料提醒 / 城市推进情况填报提醒), a general one
    for a digest that mixes kinds (the office's 督办, a user of both a lead unit and a co-unit)."""
    count = len(digest.items)
    kinds = digest.kinds
    values = {"count": count, "date": formats.date_format(digest.as_of)}
    if kinds == {ObligationKind.CONTRIBUTION}:
        return (
            ngettext(
                "Co-unit contributions: %(count)d contribution to file with the lead unit, as of %(date)s",
                "Co-unit contributions: %(count)d contributions to file with the lead units, as of %(date)s",
                count,
            )
            % values
        )
    if kinds == {ObligationKind.CITY_SUBMISSION}:
        return (
            ngettext(
                "City progress: %(count)d submission to file, as of %(date)s",
                "City progress: %(count)d submissions to file, as of %(date)s",
                count,
            )
            % values
        )
    if kinds - {ObligationKind.REPORT}:
        return (
            ngettext(
                "Reminders: %(count)d item to file, as of %(date)s",
                "Reminders: %(count)d items to file, as of %(date)s",
                count,
            )
            % values
        )
    return ngettext(
        "Progress reports: %(count)d report to file, as of %(date)s",
        "Progress reports: %(count)d reports to file, as of %(date)s",
        count,
    ) % {"count": count, "date": formats.date_format(digest.as_of)}


class ChineseEmail(EmailMultiAlternatives):
    """An e-mail whose non-ASCII subject is folded the standard way.

    Django 5.2 encodes a non-ASCII subject with email.header.Header but without the header's name, so the first
    encoded word is written as if "Subject: " were not before it; the line is then too long and the generator
    breaks it before that word: "Subject: " followed by an empty line, which some Chinese mail clients show as a
    blank or cut subject. Told its name, Header folds after the first encoded word that fits.
    """

    def message(self):
        message = super().message()
        subject = str(self.subject)
        if not subject.isascii():
            del message["Subject"]
            # Message.__setitem__, not Django's SafeMIME one: it would turn the Header back into text and encode
            # it again the old way. The text has no line breaks (Django refused it otherwise, before this point).
            Message.__setitem__(message, "Subject", Header(subject, "utf-8", header_name="Subject"))
        return message


def digest_sender() -> str:
    """The From header: the configured address, under the service's Chinese name unless the setting gives one.
    formataddr() encodes a non-ASCII name as an RFC 2047 word, which every mail client shows as the name."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((name or _("Rollout Tracker reminders"), address))


def digest_email(digest: Digest) -> EmailMultiAlternatives:
    """The digest as an e-mail, plain text and HTML, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        context = _context(digest)
        message = ChineseEmail(
            subject=digest_subject(digest),
            body=render_to_string("reminders/email/digest.txt", context),
            from_email=digest_sender(),
            to=[digest.target.email],
        )
        message.attach_alternative(render_to_string("reminders/email/digest.html", context), "text/html")
    return message


# WeCom takes at most 4096 bytes of markdown: a long digest lists the most urgent items and counts the rest.
WEBHOOK_MAX_ITEMS = 15


def digest_markdown(digest: Digest) -> tuple[str, str]:
    """(title, markdown text) for a group-chat robot; the subset of Markdown both WeCom and DingTalk render."""
    with translation.override(settings.LANGUAGE_CODE):
        shown, sections = 0, []
        for label, items in digest.sections:
            items = items[: max(WEBHOOK_MAX_ITEMS - shown, 0)]
            shown += len(items)
            if items:
                sections.append((label, items))
        title = digest_subject(digest)
        context = {**_context(digest), "title": title, "sections": sections, "more": len(digest.items) - shown}
        text = render_to_string("reminders/webhook/digest.md", context)
    return title, text
