"""The error every validation stage returns, and JSON pointers to locate it.

Errors carry a stable code, the node they concern and a JSON pointer, because the canvas pins
each one on the node and field it is about, and integrators branch on the code.
"""

from __future__ import annotations

from dataclasses import dataclass

CODES = frozenset(
    {
        "schema.invalid",
        "schema.version",
        "node.duplicate_id",
        "node.unknown_type",
        "entry.missing",
        "entry.multiple",
        "edge.dangling",
        "edge.duplicate_port",
        "edge.unknown_port",
        "port.unconnected",
        "node.unreachable",
        "graph.cycle_without_wait",
        "channel.unknown",
        "account.unknown",
        "account.channel_mismatch",
        "segment.unknown",
        "params.invalid",
        "template.syntax",
        "duration.invalid",
        "time.invalid",
        "cron.invalid",
        "rule.invalid",
    }
)
"""Every code the validator emits: exactly the contract's table, which integrators switch on."""


@dataclass(frozen=True)
class DocumentError:
    """One problem in a journey document (JOURNEY_FORMAT.md, "Validation errors")."""

    code: str
    message: str
    node_id: str | None  # None for errors about the whole graph or the settings
    path: str  # JSON pointer into the document, "" for the document itself

    def as_dict(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "message": self.message,
            "node_id": self.node_id,
            "path": self.path,
        }
