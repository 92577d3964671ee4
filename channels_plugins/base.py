"""The typed objects plugins register: channels and providers.

A channel (`sms`, `push`, `wechat`, `email`, or a new one) is what a journey's send node
names; its `params_schema` is the form the canvas draws and the check publishing runs. A
provider (`sandbox`, `aliyun`, `smtp`, …) is who delivers on a channel; its `config_schema`
validates a workspace's channel account. Sending, receipts and tracking are added to
`Provider` by the delivery milestone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JSONSchema = Mapping[str, Any]


@dataclass(frozen=True)
class Channel:
    name: str
    title: str
    description: str
    params_schema: JSONSchema

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "params_schema": dict(self.params_schema),
        }


@dataclass(frozen=True)
class Provider:
    name: str
    title: str
    channels: tuple[str, ...]  # the channels served; ("*",) serves every registered channel
    config_schema: JSONSchema
    description: str = ""
    plugin: str = field(default="", compare=False)  # filled in by the registry

    def secret_fields(self) -> frozenset[str]:
        """Top-level config fields marked writeOnly: stored, never returned."""
        properties: Mapping[str, Any] = self.config_schema.get("properties", {})
        return frozenset(
            name
            for name, spec in properties.items()
            if isinstance(spec, Mapping) and spec.get("writeOnly") is True
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "plugin": self.plugin,
            "config_schema": dict(self.config_schema),
        }
