"""The nodes that only route: entry, condition, switch, split, update_contact and exit."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from core.rules.evaluation import CompiledRule, compile_rule
from journeys.engine.split import Variant, assign, split_point
from journeys.nodes.base import Advance, ChangeContact, Finish, Transition, Visit


@lru_cache(maxsize=1024)
def _compiled(rule_json: str) -> CompiledRule:
    return compile_rule(json.loads(rule_json))


_by_identity: dict[int, tuple[Any, Any]] = {}  # id(config object) → (that object, derived)


def _per_object(key_object: Any, derive: Any) -> Any:
    """What `derive(key_object)` gives, kept per object for the walker's hot path.

    Version documents are compiled once and kept (`journeys.engine.graph`), so the walker
    hands the same rule and variant objects to every visit; keying by identity skips even the
    JSON encoding a by-value cache needs. The object is held in the entry, so its id cannot be
    reused while cached.
    """
    entry = _by_identity.get(id(key_object))
    if entry is not None and entry[0] is key_object:
        return entry[1]
    if len(_by_identity) > 4096:
        _by_identity.clear()
    value = derive(key_object)
    _by_identity[id(key_object)] = (key_object, value)
    return value


def compiled_rule(rule: Any) -> CompiledRule:
    """Compiled once per distinct rule (the versions' rules are immutable)."""
    compiled: CompiledRule = _per_object(rule, lambda r: _compiled(json.dumps(r, sort_keys=True)))
    return compiled


def _variants(config_variants: list[dict[str, Any]]) -> list[Variant]:
    built: list[Variant] = _per_object(
        config_variants, lambda vs: [Variant(v["key"], float(v["weight"])) for v in vs]
    )
    return built


# Transitions without effects, data or detail, made once: they are immutable, and building a
# frozen dataclass per visit cost more than most of these handlers' own work.
NEXT = Advance("next")
_YES, _NO = Advance("yes"), Advance("no")
_COMPLETED = Finish("completed")


def entry(visit: Visit) -> Transition:
    return NEXT


def condition(visit: Visit) -> Transition:
    matched = compiled_rule(visit.config["rule"])(visit.contact, visit.facts)
    return _YES if matched else _NO


def switch(visit: Visit) -> Transition:
    for case in visit.config["cases"]:
        if compiled_rule(case["rule"])(visit.contact, visit.facts):
            return Advance(case["key"])
    return Advance("default")


def split(visit: Visit) -> Transition:
    """The assignment is stored with the enrollment, so even a changed split cannot move it."""
    node_id = visit.node["id"]
    chosen = visit.data.get("variants", {}).get(node_id)
    if chosen is None:
        variants = _variants(visit.config["variants"])
        point = split_point(visit.journey.id, node_id, visit.contact.id)
        chosen = assign(point, variants, float(visit.config.get("holdout", 0)))
    variants_so_far = {**visit.data.get("variants", {}), node_id: chosen}
    return Advance(chosen, data={"variants": variants_so_far}, detail={"variant": chosen})


def update_contact(visit: Visit) -> Transition:
    config = visit.config
    change = ChangeContact(
        set_attributes=dict(config.get("set", {})),
        add_tags=tuple(config.get("add_tags", ())),
        remove_tags=tuple(config.get("remove_tags", ())),
    )
    return Advance("next", effects=(change,))


def exit_node(visit: Visit) -> Transition:
    return _COMPLETED
