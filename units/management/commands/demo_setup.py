"""Load the reference data, the demo users and the demo's reporting loop; print who can sign in with what.

Safe to run on every start: fixtures load only into an empty database (so the office's edits are never
overwritten), users are created only when missing, and the demo's rule, reports, sweep and rollup are made once,
for a first batch without a reporting rule (tracker/demo.py).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from core.access import CONSUMER_GROUP, OFFICE_GROUP, UNIT_STAFF_GROUP
from reforms.models import Batch
from tracker.demo import demo_loop_create
from units.choices import MembershipRole
from units.models import City, Unit
from units.services import membership_create

# (username, password, full name, group, [(unit name, role)]) — demo only; the command refuses to run without DEBUG.
DEMO_USERS = [
    ("office", "office-demo-2026", "省推广办 审核员", OFFICE_GROUP, []),
    (
        "customs",
        "customs-demo-2026",
        "海关 填报人（两个单位）",
        UNIT_STAFF_GROUP,
        [("青岛海关", MembershipRole.REPORTER), ("济南海关", MembershipRole.REPORTER)],
    ),
    (
        "market",
        "market-demo-2026",
        "省市场监管局 填报人",
        UNIT_STAFF_GROUP,
        [("省市场监管局", MembershipRole.REPORTER)],
    ),
    (
        "market_lead",
        "market-lead-demo-2026",
        "省市场监管局 单位管理员",
        UNIT_STAFF_GROUP,
        [("省市场监管局", MembershipRole.MANAGER)],
    ),
    (
        "finance",
        "finance-demo-2026",
        "山东金融监管局 填报人",
        UNIT_STAFF_GROUP,
        [("山东金融监管局", MembershipRole.REPORTER)],
    ),
    ("tax", "tax-demo-2026", "省税务局 填报人", UNIT_STAFF_GROUP, [("省税务局", MembershipRole.REPORTER)]),
    ("api", "api-demo-2026", "数据接口（只读）", CONSUMER_GROUP, []),
]
# Who files the demo's reports for each unit (a reporter of that unit).
DEMO_FILERS = {
    "青岛海关": "customs",
    "济南海关": "customs",
    "省市场监管局": "market",
    "山东金融监管局": "finance",
    "省税务局": "tax",
}


class Command(BaseCommand):
    help = "Load cities, units and the first batch into an empty database and create the demo users."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_setup 只用于本地演示（DEBUG 模式）/ demo_setup is for the local demo only.")
        if not City.objects.exists():
            call_command("loaddata", "cities", "units", "reforms", verbosity=0)
            self.stdout.write("已载入示例数据 / reference data loaded")
        with transaction.atomic():
            rows = [self._ensure_user(*spec) for spec in DEMO_USERS]
        self._demo_loop()
        self.stdout.write("\n演示账号 / demo accounts (http://127.0.0.1:<port>/admin/):")
        for username, password, label, token in rows:
            extra = f"  API token: {token}" if token else ""
            self.stdout.write(f"  {username:<12} {password:<22} {label}{extra}")
        self.stdout.write("")

    def _demo_loop(self) -> None:
        batch = Batch.objects.order_by("pk").first()
        if batch is None:
            return
        users = {u.username: u for u in get_user_model().objects.filter(username__in=[*DEMO_FILERS.values(), "office"])}
        units = dict(Unit.objects.filter(name__in=DEMO_FILERS).values_list("name", "pk"))
        filers = {units[name]: users[username] for name, username in DEMO_FILERS.items() if name in units}
        result = demo_loop_create(batch=batch, office=users["office"], filers=filers)
        states = result.states
        self.stdout.write(
            ("已生成演示报送数据" if result.created else "演示报送数据已存在")
            + f" / demo reports {'created' if result.created else 'already there'}: "
            f"{result.periods} 个报送期 periods, {result.obligations} 项报送任务 obligations; "
            f"已审核 approved {states['approved']}, 已提交 submitted {states['submitted']}, "
            f"已退回 returned {states['returned']}, 草稿 draft {states['draft']}, "
            f"迟报 late {states['late']}, 缺报 missing {states['missing']}; "
            f"发件箱 outbox {result.reminders} 条提醒 reminders"
        )

    def _ensure_user(self, username, password, label, group_name, units):
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": label, "is_staff": group_name != CONSUMER_GROUP}
        )
        if created:
            user.set_password(password)
            user.email = f"{username}@example.org"
            user.save()
        if units:
            for unit_name, role in units:
                membership_create(user=user, unit=Unit.objects.get(name=unit_name), role=role)
        else:
            user.groups.add(Group.objects.get(name=group_name))
        token = Token.objects.get_or_create(user=user)[0].key if group_name == CONSUMER_GROUP else ""
        return username, password, label, token
