"""Compiled graphs: which versions make the walker load the messages their enrollments sent."""

from __future__ import annotations

from typing import Any

import pytest

from journeys.engine.graph import compile_graph
from tests.journeys.builders import JourneyBuilder

SEND = {"channel": "sms", "account": "sms-main", "params": {"body": "Hi"}}


def sending(*, failed_port: bool) -> dict[str, Any]:
    builder = JourneyBuilder().entry().node("sms", "send", SEND).exit().exit("gave_up")
    builder.chain("start", "sms", "done")
    if failed_port:
        builder.edge("sms", "gave_up", "failed")
    return builder.build()


def waiting_for(where: dict[str, Any]) -> dict[str, Any]:
    config = {"event": "message.opened", "timeout": "PT2H", "where": where}
    builder = (
        JourneyBuilder().entry().node("sms", "send", SEND).node("opened", "wait_event", config)
    )
    builder.exit().chain("start", "sms", "opened", "done")
    builder.edge("opened", "done", "received").edge("opened", "done", "timeout")
    return builder.build()


def checking(message: dict[str, Any]) -> dict[str, Any]:
    rule = {"any": [{"tag": "vip"}, {"not": {"message": message}}]}
    builder = (
        JourneyBuilder()
        .entry()
        .node("sms", "send", SEND)
        .node("check", "condition", {"rule": rule})
    )
    builder.exit().chain("start", "sms", "check")
    builder.edge("check", "done", "yes").edge("check", "done", "no")
    return builder.build()


@pytest.mark.parametrize(
    ("document", "reads"),
    [
        (sending(failed_port=False), False),  # moves on as soon as the message exists
        (sending(failed_port=True), True),  # waits for the outcome of the message it sent
        (waiting_for({"node": "sms"}), True),  # engagement with its own message
        (waiting_for({"campaign": "x"}), False),  # any matching event
        (checking({"node": "sms", "status": "opened"}), True),  # its own message, in a rule
        (checking({"node": "sms", "status": "opened", "journey": 7}), False),  # batch facts
    ],
)
def test_reads_messages(document: dict[str, Any], reads: bool) -> None:
    assert compile_graph(document).reads_messages is reads
