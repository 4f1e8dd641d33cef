"""Import of unit staff (name, user name, e-mail, phone, unit, role) from the office's CSV or XLSX.

One row is one membership: a person filing for two units has two rows, which must agree on the person. All or
nothing; a second run of the same file changes nothing. New accounts get no password: they are sent a link to set
one (units.invitations), after the import has committed.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import holds_office_or_api_role
from core.tables import (
    Column,
    ImportFailed,
    ImportIssue,
    ImportResult,
    Table,
    choice_parse,
    read_table,
    read_table_data,
)
from units.choices import MembershipRole
from units.invitations import InvitationOutcome, invitation_send
from units.models import PHONE_VALIDATOR, Membership, StaffProfile, Unit
from units.services import membership_create

from .unit_rows import UnitIndex

# Uploads larger than this are refused before they are read: a staff list of every unit is a few hundred rows.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024

STAFF_COLUMNS = (
    Column("name", gettext_lazy("full name"), ("姓名", "名字")),
    Column("username", gettext_lazy("user name"), ("用户名", "账号", "帐号", "登录名")),
    Column("email", gettext_lazy("e-mail"), ("邮箱", "电子邮箱", "电子邮件", "e-mail", "mail")),
    Column("phone", gettext_lazy("phone"), ("电话", "手机", "联系电话", "手机号码", "telephone", "mobile"), False),
    Column("unit", gettext_lazy("unit"), ("单位", "单位名称", "所在单位", "负责单位")),
    # Absent or empty: 填报人 (reporter), the role most rows have.
    Column("role", gettext_lazy("role"), ("角色",), required=False),
)


@dataclass
class StaffRow:
    """A validated row; `phone` None means "no phone column: leave the stored number alone"."""

    number: int
    name: str
    username: str
    email: str
    phone: str | None
    unit: Unit
    role: str


@dataclass
class StaffImportResult:
    """What an import did to accounts and memberships, and to whom a set-your-password link went."""

    accounts: ImportResult
    memberships: ImportResult
    dry_run: bool = False
    # Filled in after commit, when the links are sent (nothing is sent by a dry run or a refused file).
    invited: list[str] = field(default_factory=list)
    invitation_failures: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(r.created or r.updated for r in (self.accounts, self.memberships))

    def lines(self) -> list[str]:
        lines = [self.accounts.summary(), self.memberships.summary()]
        if self.dry_run:
            lines.append(_("Dry run: nothing was written and no e-mail was sent."))
        elif not self.changed:
            lines.append(_("Nothing changed: every account and membership in the file is already as it says."))
        if self.invited:
            lines.append(
                _("Set-your-password links sent to %(count)d new accounts: %(users)s")
                % {"count": len(self.invited), "users": "、".join(self.invited)}
            )
        if self.invitation_failures:
            lines.append(
                _(
                    "The link could not be sent to %(users)s: the accounts were created; send the link again from the "
                    "user list (action “Send a set-your-password link”) once mail works."
                )
                % {"users": "、".join(self.invitation_failures)}
            )
        return lines


def role_parse(text: str) -> str | None:
    """Map "reporter", "manager" or their labels (填报人, 单位管理员, "Unit manager") to a MembershipRole value."""
    return choice_parse(text, MembershipRole) if text.strip() else MembershipRole.REPORTER


def _check(validator, value: str) -> str | None:
    try:
        validator(value)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


def staff_rows_parse(table: Table, units: UnitIndex) -> list[StaffRow]:
    """Every row checked on its own and against the others; raises ImportFailed with all problems found."""
    User = get_user_model()
    issues: list[ImportIssue] = []
    rows: list[StaffRow] = []
    first_row_of: dict[str, tuple[int, tuple[str, str, str | None]]] = {}
    email_owner: dict[str, str] = {}
    memberships_seen: dict[tuple[str, int], int] = {}

    def problem(message: str, number: int, column: str) -> None:
        issues.append(table.issue(message, number, column))

    for row in table.rows:
        cells, number = row.cells, row.number
        name, username, email = cells["name"], cells["username"], cells["email"]
        phone = cells["phone"] if table.has("phone") else None
        if not name:
            problem(_("the name is empty"), number, "name")
        elif len(name) > User._meta.get_field("first_name").max_length:
            problem(_("the name is too long"), number, "name")
        if not username:
            problem(_("the user name is empty"), number, "username")
        elif len(username) > User._meta.get_field("username").max_length:
            problem(_("the user name is too long"), number, "username")
        elif error := _check(UnicodeUsernameValidator(), username):
            problem(error, number, "username")
        if not email:
            problem(_("the e-mail address is empty"), number, "email")
        elif error := _check(validate_email, email):
            problem(error, number, "email")
        elif username and email_owner.setdefault(email.lower(), username) != username:
            problem(
                _("the e-mail address is already given to “%(user)s” in this file")
                % {"user": email_owner[email.lower()]},
                number,
                "email",
            )
        if phone and (error := _check(PHONE_VALIDATOR, phone)):
            problem(error, number, "phone")
        unit = None
        matches = units.resolve(cells["unit"]) if cells["unit"] else []
        if not cells["unit"]:
            problem(_("the unit is empty"), number, "unit")
        elif not matches:
            if hint := units.suggest(cells["unit"]):
                message = _("unknown unit “%(name)s” (did you mean “%(suggestion)s”?)") % {
                    "name": cells["unit"],
                    "suggestion": hint,
                }
            else:
                message = _("unknown unit “%(name)s”") % {"name": cells["unit"]}
            problem(message, number, "unit")
        elif len(matches) > 1:
            problem(
                _("“%(name)s” matches several units: %(units)s")
                % {"name": cells["unit"], "units": "、".join(u.name for u in matches)},
                number,
                "unit",
            )
        else:
            unit = matches[0]
        role = role_parse(cells.get("role", ""))
        if role is None:
            problem(
                _("unknown role “%(value)s”; use one of: %(choices)s")
                % {"value": cells["role"], "choices": "、".join(str(label) for label in MembershipRole.labels)},
                number,
                "role",
            )
        if username and unit is not None:
            earlier = memberships_seen.setdefault((username, unit.pk), number)
            if earlier != number:
                problem(
                    _("“%(user)s” is already listed for %(unit)s in row %(row)d")
                    % {"user": username, "unit": unit.name, "row": earlier},
                    number,
                    "unit",
                )
        if username:
            # A person in several units has several rows; they must describe the same person.
            person = (name, email.lower(), phone)
            earlier_number, earlier_person = first_row_of.setdefault(username, (number, person))
            for column, mine, theirs in zip(("name", "email", "phone"), person, earlier_person, strict=True):
                if mine != theirs:
                    problem(
                        _("differs from row %(row)d, which gives “%(user)s” the same user name")
                        % {"row": earlier_number, "user": username},
                        number,
                        column,
                    )
        rows.append(StaffRow(number, name, username, email, phone, unit, role or ""))
    issues += _accounts_check(table, [row for row in rows if row.username])
    if issues:
        raise ImportFailed(sorted(issues, key=lambda issue: issue.row or 0))
    return rows


def _accounts_check(table: Table, rows: Sequence[StaffRow]) -> list[ImportIssue]:
    """Rows against the stored accounts: the import creates and updates unit staff, and touches no one else."""
    User = get_user_model()
    usernames = {row.username for row in rows}
    existing = {user.username: user for user in User.objects.filter(username__in=usernames).prefetch_related("groups")}
    # Addresses compared case-insensitively: Zhang@… and zhang@… reach the same mailbox.
    taken = dict(
        User.objects.annotate(email_key=Lower("email"))
        .filter(email_key__in={row.email.lower() for row in rows})
        .exclude(username__in=usernames)
        .values_list("email_key", "username")
    )
    issues = []
    for row in rows:
        user = existing.get(row.username)
        if user is not None and holds_office_or_api_role(user):
            message = _("“%(user)s” is an account of the office, an administrator or an API consumer, not unit staff")
            issues.append(table.issue(message % {"user": row.username}, row.number, "username"))
        if row.email.lower() in taken:
            message = _("the e-mail address belongs to another account, “%(user)s”")
            issues.append(table.issue(message % {"user": taken[row.email.lower()]}, row.number, "email"))
    return issues


def _read(file: str | Path | UploadedFile) -> Table:
    if isinstance(file, str | Path):
        return read_table(file, STAFF_COLUMNS)
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        message = _("The file is larger than %(size)d MB.") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
        raise ImportFailed([ImportIssue(message)])
    return read_table_data(file.read(), name=file.name or "", columns=STAFF_COLUMNS)


def staff_import(*, file: str | Path | UploadedFile, dry_run: bool = False) -> StaffImportResult:
    """Create or update the accounts and memberships listed in `file`; all or nothing.

    Accounts and memberships not in the file are kept. New accounts are made without a usable password and, once the
    import has committed, sent a link to set one.
    """
    User = get_user_model()
    table = _read(file)
    result = StaffImportResult(
        accounts=ImportResult(label=gettext_lazy("Accounts")),
        memberships=ImportResult(label=gettext_lazy("Memberships")),
        dry_run=dry_run,
    )
    with transaction.atomic():
        rows = staff_rows_parse(table, UnitIndex(Unit.objects.all()))
        users = {u.username: u for u in User.objects.filter(username__in={r.username for r in rows})}
        profiles = {p.user_id: p for p in StaffProfile.objects.filter(user__in=users.values())}
        memberships = Membership.objects.filter(user__in=users.values())
        roles = {(m.user_id, m.unit_id): m.role for m in memberships}
        new_users = []
        for row in rows:
            user = users.get(row.username)
            if user is None:
                user = User(username=row.username, first_name=row.name, email=row.email)
                user.set_unusable_password()
                user.save()
                users[row.username] = user
                new_users.append(user)
                result.accounts.created.append(row.username)
            elif row.username not in result.accounts.created + result.accounts.updated + result.accounts.unchanged:
                changed = _user_update(user, row, profiles.get(user.pk))
                (result.accounts.updated if changed else result.accounts.unchanged).append(row.username)
            if row.phone and user.pk not in profiles:
                profiles[user.pk] = StaffProfile.objects.create(user=user, phone=row.phone)
            label = f"{row.username} @ {row.unit.name}"
            stored = roles.get((user.pk, row.unit.pk))
            if stored == row.role:
                result.memberships.unchanged.append(label)
                continue
            # The service also puts the person in the unit-staff group and opens the admin to them.
            membership_create(user=user, unit=row.unit, role=row.role)
            (result.memberships.created if stored is None else result.memberships.updated).append(label)
        if dry_run:
            transaction.set_rollback(True)
        elif new_users:
            ids = [user.pk for user in new_users]
            # After commit: a refused or rolled-back import must not have mailed anyone a link to an account that
            # does not exist. The result is filled in when the links have gone (before this function returns, unless
            # a caller's transaction is still open).
            transaction.on_commit(lambda: _record(result, invitation_send(user_ids=ids)))
    return result


def _record(result: StaffImportResult, outcome: InvitationOutcome) -> None:
    result.invited, result.invitation_failures = outcome.sent, outcome.failed


def _user_update(user, row: StaffRow, profile: StaffProfile | None) -> bool:
    """Bring an existing account to what its row says; True if anything changed."""
    wanted = {"first_name": row.name, "last_name": "", "email": row.email}
    fields = [name for name, value in wanted.items() if getattr(user, name) != value]
    if fields:
        user.first_name, user.last_name, user.email = row.name, "", row.email
        user.save(update_fields=fields)
    phone_changed = row.phone is not None and profile is not None and profile.phone != row.phone
    if phone_changed:
        profile.phone = row.phone
        profile.save(update_fields=["phone"])
    return bool(fields) or phone_changed or bool(row.phone and profile is None)
