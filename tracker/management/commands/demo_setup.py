"""Load the reference data, the demo users and the demo's reporting loop; print who can sign in with what.

Safe to run on every start: fixtures load only into an empty database (so the office's edits are never
overwritten), users are created only when missing, and the demo's rule, reports, sweep and rollup are made once,
for a first batch without a reporting rule (tracker/demo.py); the city's and the co-unit's work once, while the
demo city has filed nothing (tracker/demo_partners.py).

The command sits at the top of the import graph (it uses every app, the issue-12 ones included), so it lives in
tracker, not in units.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from core.access import CITY_STAFF_GROUP, CONSUMER_GROUP, OFFICE_GROUP, UNIT_STAFF_GROUP
from reforms.models import Batch
from tracker.cities.services import city_member_add
from tracker.demo import demo_loop_count, demo_loop_create, demo_refresh
from tracker.demo_partners import demo_partners_create
from units.choices import MembershipRole
from units.models import City, Unit
from units.services import membership_create

# (username, password, full name, group, [(unit name, role)] or for city staff [(city name, role)]) — demo only; the
# command refuses to run without DEBUG.
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
    ("tax", "tax-demo-2026", "省税务局 填报人", UNIT_STAFF_GROUP, [("省税务局", MembershipRole.REPORTER)]),
    # A co-unit only (配合单位 on 7 items, lead of none): it files contributions for the lead units, no reports.
    (
        "finance",
        "finance-demo-2026",
        "山东金融监管局 填报人（配合单位）",
        UNIT_STAFF_GROUP,
        [("山东金融监管局", MembershipRole.REPORTER)],
    ),
    # City staff: files 青岛's progress on its targets and applies for 有条件的市 items.
    ("qingdao", "qingdao-demo-2026", "青岛市 填报人", CITY_STAFF_GROUP, [("青岛", MembershipRole.REPORTER)]),
    ("api", "api-demo-2026", "数据接口（只读）", CONSUMER_GROUP, []),
]
# Who files the demo's reports for each lead unit (a reporter of that unit) and reviews its cities' submissions.
DEMO_CITY, DEMO_CITY_USER = "青岛", "qingdao"
DEMO_CO_UNIT, DEMO_CO_UNIT_USER = "山东金融监管局", "finance"
DEMO_FILERS = {
    "青岛海关": "customs",
    "济南海关": "customs",
    "省市场监管局": "market",
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
        names = [*DEMO_FILERS.values(), "office", DEMO_CITY_USER, DEMO_CO_UNIT_USER]
        users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
        units = dict(Unit.objects.filter(name__in=DEMO_FILERS).values_list("name", "pk"))
        filers = {units[name]: users[username] for name, username in DEMO_FILERS.items() if name in units}
        result = demo_loop_create(batch=batch, office=users["office"], filers=filers)
        partners = demo_partners_create(
            batch=batch,
            office=users["office"],
            city=City.objects.get(name=DEMO_CITY),
            city_user=users[DEMO_CITY_USER],
            co_unit=Unit.objects.get(name=DEMO_CO_UNIT),
            co_user=users[DEMO_CO_UNIT_USER],
            leads=filers,
        )
        if result.created or partners.created:
            demo_refresh()
            result = demo_loop_count(batch, result)
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
        done, ap, cs = partners.submissions, partners.applications, partners.contributions
        self.stdout.write(
            f"{DEMO_CITY}市 city: 报送 submissions 草稿 draft {done['draft']}, 待确认 submitted {done['submitted']}, "
            f"已确认 confirmed {done['confirmed']}, 已退回 returned {done['returned']}; "
            f"申请 applications 待处理 submitted {ap['submitted']}, 已提意见 opinion given {ap['opinion_given']}, "
            f"已批准 approved {ap['approved']}, 不予批准 rejected {ap['rejected']}. "
            f"{DEMO_CO_UNIT} 配合材料 contributions: 草稿 draft {cs['draft']}, 已提交 submitted {cs['submitted']} "
            f"(迟交 late {cs['late']})"
        )

    def _ensure_user(self, username, password, label, group_name, units):
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": label, "is_staff": group_name != CONSUMER_GROUP}
        )
        if created:
            user.set_password(password)
            user.email = f"{username}@example.org"
            user.save()
        if group_name == CITY_STAFF_GROUP:
            for city_name, role in units:
                city_member_add(user=user, city=City.objects.get(name=city_name), role=role)
        elif units:
            for unit_name, role in units:
                membership_create(user=user, unit=Unit.objects.get(name=unit_name), role=role)
        else:
            user.groups.add(Group.objects.get(name=group_name))
        token = Token.objects.get_or_create(user=user)[0].key if group_name == CONSUMER_GROUP else ""
        return username, password, label, token
