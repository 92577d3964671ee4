"""Judging a simulation request: its shape, then what it refers to, every error located.

Errors have the journey validator's shape (`code`, `message`, `node_id`, `path`), with paths
pointing into the request body. The request comes back normalized (seed and start filled in,
contacts as the contact serializer reads them), so a stored run replays exactly.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.protocols import Validator

from channels_plugins.registry import get_registry
from core import clock
from core.api.contact_fields import is_time_zone
from core.api.contacts import ContactSerializer
from core.api.jsonvalues import json_problem
from core.durations import parse_duration
from core.jsonpointer import pointer, pointer_from
from core.models.contact import BUILTIN_FIELDS
from journeys.simulation import schema
from journeys.validation.errors import DocumentError
from journeys.validation.schema import located_errors

INVALID = "simulation.invalid"
EARLIEST_START, LATEST_START = 1970, 2999  # far from datetime's limits, whatever the offsets
LONGEST_WINDOW = timedelta(days=366)


@dataclass(frozen=True)
class Checked:
    request: dict[str, Any]  # normalized; meaningful only when `errors` is empty
    errors: list[DocumentError]


# The envelope: the request with the population only required to be an object. The
# population's two forms are then told apart by `contacts` and each judged on its own, so an
# error says what is wrong with the form meant rather than oneOf's "matches neither".
_ENVELOPE = {
    **schema.REQUEST,
    "properties": {**schema.REQUEST["properties"], "population": {"type": "object"}},
}


@cache
def _validator(name: str) -> Validator:
    return Draft202012Validator(_ENVELOPE if name == "ENVELOPE" else getattr(schema, name))


def _shape_errors(name: str, value: Any, base: tuple[str | int, ...] = ()) -> list[DocumentError]:
    return [
        DocumentError(INVALID, message, None, pointer_from((*base, *location)))
        for location, message, _ in located_errors(_validator(name), value)
    ]


def check_shape(body: Any) -> list[DocumentError]:
    """The JSON Schema stage, then the storability of free-form values."""
    if not isinstance(body, dict):
        return [DocumentError(INVALID, "The request is a JSON object.", None, "")]
    errors = _shape_errors("ENVELOPE", body)
    population = body.get("population")
    if isinstance(population, dict):
        form = "EXPLICIT_POPULATION" if "contacts" in population else "SYNTHETIC_POPULATION"
        errors.extend(_shape_errors(form, population, ("population",)))
    problem = json_problem(body)
    if problem:
        errors.append(DocumentError(INVALID, problem, None, ""))
    return errors


def check_request(body: Mapping[str, Any], definition: Mapping[str, Any]) -> Checked:
    """Every problem with `body` (of a valid shape) as a request to simulate `definition`
    (a valid document)."""
    errors: list[DocumentError] = []
    nodes = {n.get("id"): n for n in definition.get("nodes", []) if isinstance(n, dict)}
    errors.extend(_script_errors(body.get("script", []), nodes))
    start, start_error = _start(body.get("start"))
    if start_error:
        errors.append(start_error)
    population = body["population"]
    if "arrive_within" in population:
        errors.extend(_duration_error(population["arrive_within"], "/population/arrive_within"))
    if "contacts" in population:
        contacts, contact_errors = _contacts(population["contacts"])
        errors.extend(contact_errors)
        population = {**population, "contacts": contacts}
    else:
        errors.extend(_synthetic_errors(population))
        population = {**population, "channels": _channel_shares(population, nodes)}
    request = {
        "version": body.get("version"),
        "days": body["days"],
        "seed": body["seed"] if "seed" in body else secrets.randbelow(2**53),
        "start": start.isoformat() if start else "",
        "population": population,
        "script": [dict(line) for line in body.get("script", [])],
    }
    return Checked(request, errors)


def _start(raw: Any) -> tuple[datetime | None, DocumentError | None]:
    if raw is None:
        return clock.now().replace(microsecond=0), None
    try:
        start = datetime.fromisoformat(raw)
    except ValueError:
        start = None
    if start is None or start.tzinfo is None:
        message = "Give an ISO 8601 moment with its offset, e.g. 2026-11-02T09:00+08:00."
        return None, DocumentError(INVALID, message, None, "/start")
    if not EARLIEST_START <= start.year <= LATEST_START:
        message = f"Start between the years {EARLIEST_START} and {LATEST_START}."
        return None, DocumentError(INVALID, message, None, "/start")
    return start, None


def _duration_error(value: str, path: str) -> list[DocumentError]:
    duration = parse_duration(value)
    if duration is None:
        message = f"{value!r} is not a positive ISO 8601 duration such as PT1H or P3D."
        return [DocumentError("duration.invalid", message, None, path)]
    if duration.approximate() > LONGEST_WINDOW:
        message = f"At most {LONGEST_WINDOW.days} days: longer than any simulation runs."
        return [DocumentError(INVALID, message, None, path)]
    return []


def _script_errors(
    script: list[dict[str, Any]], nodes: Mapping[Any, Mapping[str, Any]]
) -> Iterator[DocumentError]:
    for index, line in enumerate(script):
        base = f"/script/{index}"
        yield from _duration_error(line["within"], f"{base}/within")
        node_id = line.get("node")
        if node_id is None:
            continue
        node = nodes.get(node_id)
        if node is None:
            message = f"The journey has no node {node_id!r}."
            yield DocumentError("simulation.node_unknown", message, node_id, f"{base}/node")
        elif node.get("type") != "send":
            message = f"Node {node_id!r} is a {node.get('type')} node; only send nodes send."
            yield DocumentError("simulation.node_not_send", message, node_id, f"{base}/node")


def _synthetic_errors(population: Mapping[str, Any]) -> Iterator[DocumentError]:
    for name, form in population.get("attributes", {}).items():
        base = pointer("/population/attributes", name)
        if name in BUILTIN_FIELDS:
            yield DocumentError(
                INVALID, f"{name} is a contact field, not an attribute.", None, base
            )
        yield from _form_errors(form, base)
    timezones = population.get("timezones")
    if timezones is not None:
        yield from _form_errors(timezones, "/population/timezones")
        for index, zone in enumerate(timezones["values"]):
            if not (isinstance(zone, str) and is_time_zone(zone)):
                message = f"{json.dumps(zone)} is not an IANA time zone."
                yield DocumentError(INVALID, message, None, f"/population/timezones/values/{index}")
    channels = population.get("channels", [])
    known = get_registry().channels
    for index, channel in enumerate(channels):
        if channel not in known:
            where = (
                f"/population/channels/{index}"
                if isinstance(channels, list)
                else pointer("/population/channels", channel)
            )
            message = f"Unknown channel {channel!r} ({', '.join(sorted(known))})."
            yield DocumentError("channel.unknown", message, None, where)


def _form_errors(form: Mapping[str, Any], base: str) -> Iterator[DocumentError]:
    if "values" in form:
        weights = form.get("weights")
        if weights is not None and len(weights) != len(form["values"]):
            message = f"Give one weight per value ({len(form['values'])})."
            yield DocumentError(INVALID, message, None, f"{base}/weights")
        elif weights is not None and not any(weights):
            yield DocumentError(INVALID, "At least one weight must be above 0.", None, base)
    elif form["min"] > form["max"]:
        yield DocumentError(INVALID, "min is greater than max.", None, f"{base}/min")


def _channel_shares(
    population: Mapping[str, Any], nodes: Mapping[Any, Mapping[str, Any]]
) -> dict[str, float]:
    """channel → share of contacts reachable on it; by default every channel sent on."""
    given = population.get("channels")
    if isinstance(given, dict):
        return {name: float(share) for name, share in given.items()}
    if isinstance(given, list):
        return dict.fromkeys(given, 1.0)
    sent_on = {
        node.get("config", {}).get("channel")
        for node in nodes.values()
        if node.get("type") == "send" and isinstance(node.get("config"), dict)
    }
    return dict.fromkeys(sorted(name for name in sent_on if isinstance(name, str)), 1.0)


def _contacts(items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[DocumentError]]:
    """Each contact judged as POST /contacts/ judges it; external ids must be unique."""
    contacts: list[dict[str, Any]] = []
    errors: list[DocumentError] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        base = f"/population/contacts/{index}"
        serializer = ContactSerializer(data=item)
        if not serializer.is_valid():
            errors.extend(
                DocumentError(INVALID, message, None, path)
                for path, message in _drf_errors(serializer.errors, base)
            )
            continue
        data = json.loads(json.dumps(serializer.validated_data))
        if data["external_id"] in seen:
            message = f"external_id {data['external_id']!r} appears twice."
            errors.append(DocumentError(INVALID, message, None, f"{base}/external_id"))
        seen.add(data["external_id"])
        contacts.append(data)
    return contacts, errors


def _drf_errors(detail: Any, base: str) -> Iterator[tuple[str, str]]:
    """DRF's nested error structure as (JSON pointer, message) pairs."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            where = base if key == "non_field_errors" else pointer(base, key)
            yield from _drf_errors(value, where)
    elif isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            for message in detail:
                yield base, str(message)
        else:
            for index, item in enumerate(detail):
                if item:
                    yield from _drf_errors(item, f"{base}/{index}")
    else:
        yield base, str(detail)
