"""Node handlers in isolation: pure functions from a visit to a transition."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.rules.evaluation import ContactSnapshot, EventRequirement
from journeys.nodes import UnsupportedNode, handle
from journeys.nodes.base import Advance, JourneyInfo, SendMessage, Sleep, Visit

SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHT = datetime(2026, 6, 1, 23, 0, tzinfo=SHANGHAI).astimezone(UTC)


class NoFacts:
    def event_count(self, contact_id: int, requirement: EventRequirement) -> int:
        return 0

    def message_status(self, contact_id: int, node: str, journey: int | None) -> str | None:
        return None


def visit(
    node: dict[str, Any],
    *,
    now: datetime = NIGHT,
    attributes: Any = None,
    quiet: dict[str, str] | None = None,
) -> Visit:
    attributes = attributes or {}
    return Visit(
        node=node,
        contact=ContactSnapshot(1, {"first_name": "Li"}, attributes, frozenset()),
        template_contact={"first_name": "Li", "attributes": attributes},
        zone=SHANGHAI,
        now=now,
        arrived_at=now,
        data={},
        event={"name": "e", "properties": {"item": "coat"}},
        journey=JourneyInfo(1, "J", quiet),
        facts=NoFacts(),
    )


def send_node(**config: Any) -> dict[str, Any]:
    return {
        "id": "s",
        "type": "send",
        "config": {
            "channel": "push",
            "account": "push-main",
            "params": {
                "title": "Hi {{ contact.first_name }}",
                "body": "{{ event.properties.item }}",
            },
            **config,
        },
    }


def test_switch_takes_the_first_matching_case_else_default() -> None:
    node = {
        "id": "sw",
        "type": "switch",
        "config": {
            "cases": [
                {"key": "big", "rule": {"attr": "spend", "op": "gte", "value": 100}},
                {"key": "any", "rule": {"attr": "spend", "op": "gte", "value": 0}},
            ]
        },
    }
    assert handle(visit(node, attributes={"spend": 150})) == Advance("big")
    assert handle(visit(node, attributes={"spend": 5})) == Advance("any")
    assert handle(visit(node, attributes={})) == Advance("default")


def test_marketing_waits_out_quiet_hours_transactional_does_not() -> None:
    quiet = {"start": "22:00", "end": "08:00"}
    held = handle(visit(send_node(), quiet=quiet))
    assert held == Sleep(
        datetime(2026, 6, 2, 8, 0, tzinfo=SHANGHAI).astimezone(UTC), reason="quiet hours"
    )
    sent = handle(visit(send_node(category="transactional"), quiet=quiet))
    assert isinstance(sent, Advance)
    message = sent.effects[0]
    assert isinstance(message, SendMessage)
    assert message.content == {"title": "Hi Li", "body": "coat"}
    assert message.category == "transactional"


def test_a_template_that_fails_while_rendering_rejects_the_message() -> None:
    node = send_node(params={"title": "{{ 1 / 0 }}", "body": "x"})
    result = handle(visit(node))
    assert isinstance(result, Advance)
    message = result.effects[0]
    assert isinstance(message, SendMessage)
    assert message.content == {}
    assert "ZeroDivisionError" in message.error


def test_unknown_node_types_say_so() -> None:
    with pytest.raises(UnsupportedNode, match="teleport"):
        handle(visit({"id": "w", "type": "teleport", "config": {}}))
