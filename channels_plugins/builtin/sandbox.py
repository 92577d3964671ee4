"""The `sandbox` provider: serves every channel and records messages instead of sending them.

Demos and tests use it so a journey can run end to end with no outside service. It takes no
credentials. It accepts receipts in Touchflow's signed format (`signed_receipts`), so a demo or
a test can play the provider's side: say a message was delivered, opened or bounced, and see the
journey react. Its one secret is the optional `receipt_secret` those receipts are signed with.

Receipt body: `{"receipts": [{"id", "event", "provider_message_id", "occurred_at"?,
"detail"?}]}`; `provider_message_id` is what the sandbox returned at send (`sandbox-<id>`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from channels_plugins import signed_receipts
from channels_plugins.base import (
    OutboundMessage,
    Outcome,
    Provider,
    Receipt,
    ReceiptRequest,
    Sent,
)
from channels_plugins.hookspecs import hookimpl


class SandboxProvider(Provider):
    def send(self, config: Mapping[str, Any], messages: Sequence[OutboundMessage]) -> list[Outcome]:
        """Accept everything; the outbox row itself is the record of what was "sent"."""
        return [Sent(f"sandbox-{message.id}") for message in messages]

    def verify_receipt(self, config: Mapping[str, Any], request: ReceiptRequest) -> None:
        signed_receipts.verify(config, request)

    def parse_receipts(self, config: Mapping[str, Any], request: ReceiptRequest) -> list[Receipt]:
        reader = signed_receipts.ItemReader()
        receipts = []
        for path, raw in signed_receipts.items(request, "receipts"):
            item = reader.object(path, raw)
            if item is None:
                continue
            receipts.append(
                Receipt(
                    id=reader.receipt_id(item, path),
                    event=reader.event(item, path),
                    provider_message_id=reader.text(
                        item, path, "provider_message_id", required=True, max_length=200
                    ),
                    occurred_at=reader.occurred_at(item, path),
                    detail=reader.detail(item, path),
                )
            )
        reader.check()
        return receipts


SANDBOX = SandboxProvider(
    name="sandbox",
    title="Sandbox",
    description="Records messages instead of sending them.",
    channels=("*",),  # every channel, third-party ones included
    max_batch_size=100,  # batches exercise dispatch's grouping; no rate limit unless configured
    config_schema={
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "note": {
                "type": "string",
                "title": "Note",
                "description": "Why this account exists, for people reading the account list.",
            },
            signed_receipts.SECRET_FIELD: signed_receipts.SECRET_SCHEMA,
        },
    },
)


@hookimpl(trylast=True)
def touchflow_register_providers(register: Callable[[Provider], None]) -> None:
    register(SANDBOX)
