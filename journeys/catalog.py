"""The node-type catalog: what each node type is, how it is configured and which ports it has.

One source of truth for three readers: `GET /api/v1/node-types/` and the canvas palette (titles,
config forms, ports) and the graph checks in `journeys.validation` (`ports_of`). The config
schemas are read from `journeys/schemas/v1/`, never retyped, so the form the canvas draws and
the check the validator runs cannot drift apart.

Pure Python: no Django imports, because the validator and the node handlers share it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "v1"
DOCUMENT_SCHEMA_FILE = "journey.json"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
COMMON_SCHEMA_FILE = "common.json"
# Inlining loses which building block of common.json a field was (a duration, a time of day, a
# rule…) while titles next to the $ref are overwritten; forms need it to pick a widget, so the
# block's name survives as this annotation (2020-12 treats unknown keywords as annotations).
BUILDING_BLOCK_KEYWORD = "x-touchflow-block"
_ANNOTATIONS = frozenset({"title", "description", "examples", "default", "$comment"})


@dataclass(frozen=True)
class DynamicPorts:
    """Ports named by the node's own config: one per item of `config[list_field]`."""

    list_field: str
    key_field: str
    description: str

    def as_dict(self) -> dict[str, str]:
        return {
            "list_field": self.list_field,
            "key_field": self.key_field,
            "description": self.description,
        }


@dataclass(frozen=True)
class NodeType:
    """A node type as the palette shows it and the graph checks wire it.

    `ports` must all be wired; `optional_ports` may be (`failed` changes how a send behaves);
    `dynamic_ports` come from the config and must all be wired too; `conditional_ports` maps a
    port to the config field whose presence creates it (split's `holdout`).
    """

    name: str
    title: str
    description: str
    ports: tuple[str, ...] = ()
    optional_ports: tuple[str, ...] = ()
    dynamic_ports: DynamicPorts | None = None
    conditional_ports: Mapping[str, str] = field(default_factory=dict)

    @property
    def config_schema(self) -> dict[str, Any]:
        """A self-contained JSON Schema for `config` (references inlined, ready for a form)."""
        return config_schema(self.name)

    def as_dict(self) -> dict[str, Any]:
        """The JSON the node-types endpoint serves."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "config_schema": self.config_schema,
            "ports": list(self.ports),
            "optional_ports": list(self.optional_ports),
            "dynamic_ports": self.dynamic_ports.as_dict() if self.dynamic_ports else None,
            "conditional_ports": dict(self.conditional_ports),
        }


NODE_TYPES: tuple[NodeType, ...] = (
    NodeType(
        "entry",
        "Entry",
        "Where contacts enter: an event, entering a segment, a schedule or the API. "
        "A journey has exactly one.",
        ports=("next",),
    ),
    NodeType(
        "send",
        "Send message",
        "Sends a message on a channel through one of the workspace's accounts. With the failed "
        "port wired it waits for the outcome; otherwise it moves on once the message exists.",
        ports=("next",),
        optional_ports=("failed",),
    ),
    NodeType(
        "wait",
        "Wait",
        "Waits for a duration, until a date and time, or until the next time of day.",
        ports=("next",),
    ),
    NodeType(
        "wait_event",
        "Wait for event",
        "Waits for an event of the contact, such as opening the message a send node sent; "
        "takes timeout if it does not come in time.",
        ports=("received", "timeout"),
    ),
    NodeType(
        "condition",
        "Condition",
        "Branches on a rule: yes when the contact matches, no otherwise.",
        ports=("yes", "no"),
    ),
    NodeType(
        "switch",
        "Switch",
        "Branches on the first matching case; default when none matches.",
        ports=("default",),
        dynamic_ports=DynamicPorts("cases", "key", "One port per case key, in case order."),
    ),
    NodeType(
        "split",
        "Split",
        "Assigns contacts to weighted variants (A/B tests), deterministically per contact; an "
        "optional holdout is taken first.",
        dynamic_ports=DynamicPorts("variants", "key", "One port per variant key."),
        conditional_ports={"holdout": "holdout"},
    ),
    NodeType(
        "update_contact",
        "Update contact",
        "Sets attributes and adds or removes tags.",
        ports=("next",),
    ),
    NodeType(
        "webhook",
        "Webhook",
        "Calls an HTTP endpoint with a templated body. With the failed port wired it waits for "
        "the outcome like a send.",
        ports=("next",),
        optional_ports=("failed",),
    ),
    NodeType("exit", "Exit", "Ends the enrollment as completed."),
)
NODE_TYPE_NAMES: tuple[str, ...] = tuple(node_type.name for node_type in NODE_TYPES)
_BY_NAME: dict[str, NodeType] = {node_type.name: node_type for node_type in NODE_TYPES}


def node_type(name: object) -> NodeType | None:
    """The catalog entry for `name`, or None for anything that is not a known type."""
    return _BY_NAME.get(name) if isinstance(name, str) else None


def ports_of(node: Any) -> tuple[list[str], list[str]]:
    """(required ports, optional ports) of a node, tolerating any malformed node.

    An unknown type has no ports. Dynamic ports take each distinct non-empty string key of the
    config list, in order; malformed items are skipped (the schema check reports them).
    """
    if not isinstance(node, Mapping):
        return [], []
    kind = node_type(node.get("type"))
    if kind is None:
        return [], []
    config = node.get("config")
    if not isinstance(config, Mapping):
        config = {}
    required: list[str] = []
    if kind.dynamic_ports is not None:
        required.extend(_keys(config.get(kind.dynamic_ports.list_field), kind.dynamic_ports))
    required.extend(kind.ports)
    for port, config_field in kind.conditional_ports.items():
        if config.get(config_field) is not None:
            required.append(port)
    return list(dict.fromkeys(required)), list(kind.optional_ports)


def _keys(items: Any, dynamic: DynamicPorts) -> list[str]:
    if not isinstance(items, list):
        return []
    keys = (item.get(dynamic.key_field) for item in items if isinstance(item, Mapping))
    return [key for key in keys if isinstance(key, str) and key]


@cache
def _schema_files() -> dict[str, dict[str, Any]]:
    """Every schema file of v1 by file name, read once."""
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(SCHEMA_DIR.glob("*.json"))
    }


@cache
def document_schema() -> dict[str, Any]:
    """The shared, read-only bundled document schema (callers must not mutate it).

    The other v1 files are embedded under `$defs` with their own `$id`: a 2020-12 compound
    document, so one dict validates a journey with no registry or network access.
    """
    files = _schema_files()
    bundled = copy.deepcopy(files[DOCUMENT_SCHEMA_FILE])
    defs = bundled.setdefault("$defs", {})
    for name, schema in files.items():
        if name != DOCUMENT_SCHEMA_FILE:
            defs[name] = copy.deepcopy(schema)
    return bundled


def load_schema() -> dict[str, Any]:
    """The journey document JSON Schema (draft 2020-12), self-contained; a copy per call."""
    return copy.deepcopy(document_schema())


@cache
def _config_schema(name: str) -> dict[str, Any]:
    inlined = _inline({"$ref": f"nodes.json#/$defs/{name}"}, DOCUMENT_SCHEMA_FILE)
    return {"$schema": JSON_SCHEMA_DIALECT, **inlined}


def config_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of `config` for node type `name`, with every `$ref` inlined.

    Forms on the canvas work best on flat schemas, and no node config is recursive.
    Raises KeyError for an unknown type.
    """
    if name not in _BY_NAME:
        raise KeyError(name)
    return copy.deepcopy(_config_schema(name))


def inlined_document_schema() -> dict[str, Any]:
    """The journey document schema with every `$ref` replaced by its target (a fresh copy).

    A validator over it resolves no reference while validating, which a validator over the
    bundled `document_schema()` spends a third of its time on; no part of it is recursive.
    """
    files = _schema_files()
    document = {k: v for k, v in files[DOCUMENT_SCHEMA_FILE].items() if k != "$defs"}
    inlined: dict[str, Any] = _inline(copy.deepcopy(document), DOCUMENT_SCHEMA_FILE)
    return inlined


def _inline(schema: Any, file_name: str) -> Any:
    """Replace `$ref`s to our own files by their targets, recursively."""
    if isinstance(schema, list):
        return [_inline(item, file_name) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" not in schema:
        return {key: _inline(value, file_name) for key, value in schema.items()}
    target_file, target = _resolve(schema["$ref"], file_name)
    resolved = _inline(target, target_file)
    if target_file == COMMON_SCHEMA_FILE:
        resolved = {**resolved, BUILDING_BLOCK_KEYWORD: schema["$ref"].rpartition("/")[2]}
    siblings = {key: _inline(value, file_name) for key, value in schema.items() if key != "$ref"}
    if set(siblings) - _ANNOTATIONS:
        return {"allOf": [resolved], **siblings}
    return {**resolved, **siblings}


def _resolve(reference: str, file_name: str) -> tuple[str, Any]:
    target_file, _, pointer = reference.partition("#")
    target_file = target_file or file_name
    target: Any = _schema_files()[target_file]
    for token in filter(None, pointer.split("/")):
        target = target[token.replace("~1", "/").replace("~0", "~")]
    return target_file, target
