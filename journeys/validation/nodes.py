"""Per-node shape rules JSON Schema cannot say clearly: wait targets and branch keys.

`oneOf` could demand exactly one wait target, but its error names no field; unique keys need
comparing fields across items, which `uniqueItems` cannot do. Both are shape errors to the
reader, so they keep the `schema.invalid` code.
"""

from __future__ import annotations

from collections.abc import Iterator

from journeys.validation.errors import DocumentError
from journeys.validation.model import Journey, Node, is_name

WAIT_TARGETS = ("duration", "until", "until_time")
_BRANCHES = {"switch": ("cases", "default"), "split": ("variants", "holdout")}


def node_shape_errors(journey: Journey) -> list[DocumentError]:
    errors: list[DocumentError] = []
    for node in journey.nodes:
        if node.type == "wait":
            errors.extend(_wait_target(node))
        elif node.type in _BRANCHES:
            errors.extend(_branch_keys(node, *_BRANCHES[node.type]))
    return errors


def _wait_target(node: Node) -> Iterator[DocumentError]:
    if "config" not in node.raw or not isinstance(node.raw["config"], dict):
        return  # the schema stage reports a missing or non-object config
    given = [name for name in WAIT_TARGETS if name in node.config]
    if len(given) != 1:
        yield DocumentError(
            "schema.invalid",
            "A wait needs exactly one of duration, until or until_time"
            + (f"; it has {', '.join(given)}." if given else "."),
            node.id,
            node.at(),
        )


def _branch_keys(node: Node, list_field: str, reserved: str) -> Iterator[DocumentError]:
    items = node.config.get(list_field)
    if not isinstance(items, list):
        return
    first_use: dict[str, int] = {}
    for index, item in enumerate(items):
        key = item.get("key") if isinstance(item, dict) else None
        if not is_name(key):
            continue
        if key == reserved:
            message = f"Key {key!r} is reserved for the {node.type}'s own {reserved} port."
        elif key in first_use:
            message = (
                f"Key {key!r} is already used by {list_field} item {first_use[key]}; "
                "each key names one port."
            )
        else:
            first_use[key] = index
            continue
        yield DocumentError("schema.invalid", message, node.id, node.at(list_field, index, "key"))
