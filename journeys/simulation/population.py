"""The simulated people: made up from distributions, or given one by one.

Made-up contacts get addresses on the channels asked for (sandbox push tokens, reserved-range
phone numbers, example.com addresses, fake openids) and consent on each, so a send reaches
them unless the journey's own policies say otherwise. Channels with no built-in address field
get none: their messages are skipped for `no_address`, as they would be for real.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from core.durations import parse_duration
from journeys.simulation.draws import between, choose, generator, offset


def contacts(population: Mapping[str, Any], seed: int) -> list[dict[str, Any]]:
    """Contact payloads as the contact services take them."""
    if "contacts" in population:
        return [dict(contact) for contact in population["contacts"]]
    return [_made_up(index, population, seed) for index in range(population["count"])]


def _made_up(index: int, population: Mapping[str, Any], seed: int) -> dict[str, Any]:
    number = index + 1
    external_id = f"sim-{number:05d}"
    rng = generator(seed, "contact", external_id)
    contact: dict[str, Any] = {"external_id": external_id, "first_name": f"Sim {number}"}
    attributes = population.get("attributes", {})
    contact["attributes"] = {name: _draw(rng, form) for name, form in sorted(attributes.items())}
    zones = population.get("timezones")
    if zones:
        contact["timezone"] = choose(rng, zones["values"], zones.get("weights"))
    consents: dict[str, bool] = {}
    for channel, share in sorted(population.get("channels", {}).items()):
        if rng.random() < share:
            contact.update(_address(channel, number, external_id))
            consents[channel] = True
    contact["consents"] = consents
    return contact


def _draw(rng: Any, form: Mapping[str, Any]) -> Any:
    if "values" in form:
        return choose(rng, form["values"], form.get("weights"))
    return between(rng, form["min"], form["max"])


def _address(channel: str, number: int, external_id: str) -> dict[str, Any]:
    if channel == "push":
        return {"push_tokens": [{"provider": "sandbox", "token": f"sim-token-{number}"}]}
    if channel == "sms":
        return {"phone": f"+1555{number:07d}"}
    if channel == "email":
        return {"email": f"{external_id}@example.com"}
    if channel == "wechat":
        return {"wechat_openid": f"sim-openid-{number}"}
    return {}


def arrival(population: Mapping[str, Any], seed: int, external_id: str) -> timedelta:
    """How long after the start this contact enters (zero unless `arrive_within` is set)."""
    within = parse_duration(population.get("arrive_within"))
    if within is None:
        return timedelta(0)
    return offset(generator(seed, "arrival", external_id), within.approximate())
