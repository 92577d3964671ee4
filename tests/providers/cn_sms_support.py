"""A published journey with one SMS send node, and contacts enrolled in it: what the Alibaba
Cloud and Tencent Cloud tests deliver through `touchflow_tick` to their stand-ins."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.core.management import call_command

from channels_plugins.models import ChannelAccount
from channels_plugins.services import create_account
from core.models import Contact, Workspace
from core.services.contacts import upsert_contact
from journeys.engine.enrollment import enroll
from journeys.models import Enrollment, Journey
from tests.engine.factories import published_journey
from tests.journeys.builders import JourneyBuilder

NOW = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)  # midday in Shanghai: inside legal SMS hours


def sms_journey(
    workspace: Workspace,
    *,
    provider: str,
    config: Mapping[str, Any],
    params: Mapping[str, Any],
) -> tuple[ChannelAccount, Journey]:
    account = create_account(
        workspace, name=f"sms-{provider}", channel="sms", provider=provider, config=dict(config)
    )
    document = (
        JourneyBuilder()
        .entry()
        .node(
            "sms",
            "send",
            {"channel": "sms", "account": account.name, "params": dict(params)},
        )
        .exit("done")
        .chain("start", "sms", "done")
        .build()
    )
    return account, published_journey(workspace, document, name=f"otp-{provider}")


def enrolled(journey: Journey, name: str, phone: str) -> Enrollment:
    contact: Contact = upsert_contact(
        journey.workspace,
        {
            "external_id": name.lower(),
            "timezone": "Asia/Shanghai",
            "first_name": name,
            "phone": phone,
        },
    )[0]
    enrollment = enroll(journey, contact, NOW)
    assert isinstance(enrollment, Enrollment)
    return enrollment


def tick(at: datetime = NOW) -> None:
    call_command("touchflow_tick", "--at", at.isoformat())
