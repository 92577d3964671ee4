"""The contact admin judges fields as the API does and saves as the API saves."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from core.models import Contact, Workspace
from core.services.contacts import upsert_contact

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def form(contact: Contact, **changes: Any) -> dict[str, Any]:
    """The change form as the admin posts it, with `changes` over the stored values."""
    values: dict[str, Any] = {
        "workspace": contact.workspace_id,
        "external_id": contact.external_id,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "phone": contact.phone,
        "timezone": contact.timezone,
        "locale": contact.locale,
        "wechat_openid": contact.wechat_openid,
        "push_tokens": json.dumps(contact.push_tokens),
        "attributes": json.dumps(contact.attributes),
        "tags": json.dumps(contact.tags),
        "consents": json.dumps(contact.consents),
        "unsubscribed": json.dumps(contact.unsubscribed),
    }
    return {**values, **changes}


def change_url(contact: Contact) -> str:
    return f"/admin/core/contact/{contact.pk}/change/"


def test_the_admin_refuses_what_the_api_refuses(
    admin_client: Client, workspace: Workspace, changes: list[tuple[str, bool]]
) -> None:
    contact, _ = upsert_contact(workspace, {"external_id": "u1", "timezone": "Asia/Shanghai"})
    changes.clear()
    response = admin_client.post(
        change_url(contact),
        form(
            contact,
            timezone="Mars/Olympus",
            phone="138 0000 0000",
            attributes=json.dumps({"email": "x@example.com"}),
            push_tokens=json.dumps([{"provider": "nokia", "token": "t"}]),
        ),
    )
    assert response.status_code == 200  # the form again, with its errors
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"timezone", "phone", "attributes", "push_tokens"}, errors
    assert "not an IANA time zone" in errors["timezone"][0]
    assert "E.164" in errors["phone"][0]
    assert "contact fields, not attributes" in errors["attributes"][0]
    contact.refresh_from_db()
    assert (contact.timezone, contact.phone, contact.attributes) == ("Asia/Shanghai", "", {})
    assert changes == []


def test_an_admin_edit_is_stamped_and_announced_like_an_api_change(
    admin_client: Client, workspace: Workspace, changes: list[tuple[str, bool]]
) -> None:
    contact, _ = upsert_contact(workspace, {"external_id": "u1"})
    changes.clear()
    with time_machine.travel(NOW, tick=False):
        response = admin_client.post(
            change_url(contact),
            form(contact, phone="+8613800000000", tags=json.dumps(["vip"])),
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    contact.refresh_from_db()
    assert (contact.phone, contact.tags, contact.updated_at) == ("+8613800000000", ["vip"], NOW)
    assert changes == [("u1", False)]
