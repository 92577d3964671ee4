"""The demo workspace: the scenario journeys, their accounts and segments, and a few contacts.

Loading is idempotent: what exists (by slug, name or key) is left as it is, so `make run` can
run it at every start without undoing what someone changed in the demo.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_noop

from channels_plugins.models import ChannelAccount
from channels_plugins.services import create_account
from core.models import Membership, Role, Segment, Workspace
from core.services.contacts import upsert_contact
from core.services.segments import create_segment
from journeys.models import Journey
from journeys.services import create_journey

DEMO_DIR = Path(__file__).resolve().parent.parent / "examples" / "demo"
DEMO_SLUG = "demo"
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "touchflow-demo"  # noqa: S105 - a published demo login, like the README says
EDITORS_GROUP = "Touchflow editors"
TOUCHFLOW_APPS = ("core", "journeys", "channels_plugins")

# Account name → channel, as the examples name them (examples/README.md).
DEMO_ACCOUNTS = {
    "push-main": "push",
    "sms-main": "sms",
    "sms-enterprise": "sms",
    "email-main": "email",
    "wechat-oa": "wechat",
}
DEMO_JOURNEYS = {
    "onboarding_drip.json": gettext_noop("New-user onboarding drip"),
    "silent_staircase.json": gettext_noop("Silent-user staircase"),
    "cart_abc_test.json": gettext_noop("Hesitating buyers A/B/C test"),
    "fallback_chain.json": gettext_noop("Cross-channel fallback chain"),
    "high_value_routing.json": gettext_noop("High-value customers"),
}
DEMO_CONTACTS: list[dict[str, Any]] = [
    {
        "external_id": "demo-li",
        "first_name": "Li",
        "last_name": "Wei",
        "phone": "+8613800000001",
        "timezone": "Asia/Shanghai",
        "locale": "zh-Hans",
        "attributes": {
            "city_tier": 1,
            "gender": "female",
            "age": 27,
            "monthly_spend": 6200,
            "advisor_name": "Zhang Min",
            "advisor_ext": "8021",
            "coupon": "VIP20",
        },
        "push_tokens": [{"provider": "sandbox", "token": "demo-token-li"}],
        "consents": {"push": True, "sms": True},
    },
    {
        "external_id": "demo-ana",
        "first_name": "Ana",
        "email": "ana@example.com",
        "timezone": "Europe/Lisbon",
        "locale": "pt",
        "attributes": {"city_tier": 2, "monthly_spend": 800},
        "push_tokens": [{"provider": "sandbox", "token": "demo-token-ana"}],
        "consents": {"push": True, "email": True},
    },
    {
        "external_id": "demo-sam",
        "first_name": "Sam",
        "email": "sam@example.com",
        "timezone": "America/New_York",
        "locale": "en",
        "wechat_openid": "oDEMO-sam",
        "attributes": {"monthly_spend": 5100},
        "consents": {"email": True, "wechat": True},
    },
]


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)

    def add(self, what: str) -> None:
        self.created.append(what)


def read_example(name: str) -> Any:
    return json.loads((DEMO_DIR / name).read_text())


def editors_group() -> Group:
    """A group holding every permission on Touchflow's models, for staff who are not superusers.

    The admin's own scoping (WorkspaceScopedAdmin) then limits them to their workspaces.
    """
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=TOUCHFLOW_APPS))
    return group


@transaction.atomic
def load_demo() -> DemoReport:
    report = DemoReport()
    workspace, created = Workspace.objects.get_or_create(
        slug=DEMO_SLUG,
        defaults={
            "name": "Demo",
            "timezone": "Asia/Shanghai",
            "quiet_hours": {"start": "22:00", "end": "08:00"},
            "frequency_caps": [{"max": 3, "per": "P1D", "channels": ["push"]}],
        },
    )
    if created:
        report.add(f"workspace {DEMO_SLUG}")

    user_model = get_user_model()
    user = user_model.objects.filter(username=DEMO_USERNAME).first()
    if user is None:
        user = user_model.objects.create_user(
            username=DEMO_USERNAME, password=DEMO_PASSWORD, is_staff=True
        )
        report.add(f"user {DEMO_USERNAME}")
    user.groups.add(editors_group())
    Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": Role.OWNER})

    for name, channel in DEMO_ACCOUNTS.items():
        if not ChannelAccount.objects.filter(workspace=workspace, name=name).exists():
            create_account(workspace, name=name, channel=channel, provider="sandbox", config={})
            report.add(f"account {name}")

    for key, rule in read_example("segments.json").items():
        if not Segment.objects.filter(workspace=workspace, key=key).exists():
            create_segment(workspace, key=key, name=key.replace("_", " ").title(), rule=rule)
            report.add(f"segment {key}")

    for contact in DEMO_CONTACTS:
        _, contact_created = upsert_contact(workspace, contact)
        if contact_created:
            report.add(f"contact {contact['external_id']}")

    for file_name, title in DEMO_JOURNEYS.items():
        if not Journey.objects.filter(workspace=workspace, name=title).exists():
            create_journey(workspace, name=title, definition=read_example(file_name))
            report.add(f"journey {title!r}")
    return report
