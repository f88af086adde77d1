"""Demo accounts: one per role, and one handler per unit whose username is the unit's code. Password `demo`."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from renju.accounts.models import Role, User
from renju.plans.models import Plan, Region

DEMO_PASSWORD = "demo"
URBAN_CORE = ("371082001", "371082002")  # 崖头街道, 城西街道: 崖头城区
STAFF = [
    ("admin", Role.ADMIN, "系统管理员"),
    ("dispatcher", Role.DISPATCHER, "问题汇总派发"),
    ("inspector", Role.INSPECTOR, "城区现场检查"),
    ("inspector2", Role.INSPECTOR, "镇街现场检查"),
    ("scorer", Role.SCORER, "考核测算"),
    ("leader", Role.LEADER, "领导小组"),
    # Systems that push problems in through the API (`renju apitoken hotline12345` gives the key).
    ("hotline12345", Role.INTEGRATION, "12345热线平台"),
    ("videoai", Role.INTEGRATION, "视频AI分析平台"),
]


def demo_users_ensure(plan: Plan) -> list[User]:
    """Create the demo accounts that are missing; existing ones get their role, unit and password back."""
    # One hash for all demo accounts: hashing at production strength costs about 0.3 s an account.
    password_hash = make_password(DEMO_PASSWORD)
    users = []
    for username, role, name in STAFF:
        users.append(_ensure(username, role, name, password_hash, unit=None, superuser=role == Role.ADMIN))
    for unit in plan.units.filter(active=True).order_by("position"):
        users.append(_ensure(unit.code, Role.HANDLER, f"{unit.name}经办人", password_hash, unit=unit, superuser=False))
    _assign_beats(users)
    return users


def _assign_beats(users: list[User]) -> None:
    """附件2: 城区现场检查 and 镇街现场检查 — the demo's `inspector` walks the urban core, `inspector2` the rest."""
    by_name = {u.username: u for u in users}
    urban = list(Region.objects.filter(code__in=URBAN_CORE))
    rest = list(Region.objects.filter(kind__in=("town", "street", "area"), parent__kind="city")
                .exclude(code__in=URBAN_CORE))
    by_name["inspector"].beat.set(urban)
    by_name["inspector2"].beat.set(rest)


def _ensure(username: str, role: str, name: str, password_hash: str, *, unit, superuser: bool) -> User:
    user, _ = User.objects.get_or_create(username=username)
    user.role = role
    user.unit = unit
    user.first_name = name
    user.is_staff = superuser
    user.is_superuser = superuser
    user.is_active = True
    user.password = password_hash
    user.save()
    return user
