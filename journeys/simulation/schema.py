"""The simulation request and result, as JSON Schema.

One schema serves twice: `request.py` validates bodies against it (every error located by a
JSON pointer) and the OpenAPI document shows it, so the documentation cannot drift from what
is accepted. It keeps to the subset OpenAPI 3.0 shares with JSON Schema (no `$defs`, `const`
or `prefixItems`), which is why the schemas are written out here rather than referenced.
"""

from __future__ import annotations

from typing import Any

MAX_DAYS = 90
MAX_POPULATION = 20_000
MAX_EXPLICIT_CONTACTS = 10_000
MAX_SCRIPT_LINES = 50
MAX_CHOICES = 1_000
MAX_SAMPLES = 10

_DURATION = {
    "type": "string",
    "maxLength": 64,
    "description": "An ISO 8601 duration, e.g. PT1H or P3D.",
}

CHOICE: dict[str, Any] = {
    "type": "object",
    "title": "Choice",
    "description": "Each contact takes one of `values`, drawn with `weights` (equal if left out).",
    "additionalProperties": False,
    "required": ["values"],
    "properties": {
        "values": {"type": "array", "minItems": 1, "maxItems": MAX_CHOICES},
        "weights": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_CHOICES,
            "items": {"type": "number", "minimum": 0},
            "description": "One non-negative weight per value; they need not add up to 1.",
        },
    },
}

RANGE: dict[str, Any] = {
    "type": "object",
    "title": "Range",
    "description": "A uniform draw between `min` and `max` inclusive: whole numbers when both "
    "are whole, otherwise decimals.",
    "additionalProperties": False,
    "required": ["min", "max"],
    "properties": {"min": {"type": "number"}, "max": {"type": "number"}},
}

SYNTHETIC_POPULATION: dict[str, Any] = {
    "type": "object",
    "title": "Synthetic population",
    "additionalProperties": False,
    "required": ["count"],
    "properties": {
        "count": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_POPULATION,
            "description": "How many contacts to make up (external ids sim-00001, …).",
        },
        "attributes": {
            "type": "object",
            "description": "Attribute name → how its value is drawn. Built-in fields (email, "
            "phone, timezone, …) are not attributes.",
            "maxProperties": 100,
            "additionalProperties": {"oneOf": [CHOICE, RANGE]},
        },
        "timezones": {
            **CHOICE,
            "description": "IANA time zones the contacts live in; without it they have none "
            "and follow the workspace's.",
        },
        "channels": {
            "description": "Which addresses the contacts have: a list of channels (everyone "
            "has them) or channel → share of contacts (0 to 1). Default: every channel the "
            "journey sends on, for everyone. Only the built-in channels (push, sms, email, "
            "wechat) get addresses.",
            "oneOf": [
                {
                    "type": "array",
                    "items": {"type": "string", "maxLength": 64},
                    "maxItems": 50,
                    "uniqueItems": True,
                },
                {
                    "type": "object",
                    "maxProperties": 50,
                    "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1},
                },
            ],
        },
        "arrive_within": {
            **_DURATION,
            "description": "Spread the contacts' entry (the trigger event, or the enrollment "
            "of api and segment journeys) uniformly over this long after `start`. Default: "
            "everyone enters at `start`.",
        },
    },
}

EXPLICIT_POPULATION: dict[str, Any] = {
    "type": "object",
    "title": "Explicit contacts",
    "additionalProperties": False,
    "required": ["contacts"],
    "properties": {
        "contacts": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_EXPLICIT_CONTACTS,
            "items": {"type": "object"},
            "description": "Contact payloads exactly as POST /contacts/ takes them.",
        },
        "arrive_within": SYNTHETIC_POPULATION["properties"]["arrive_within"],
    },
}

SCRIPT_LINE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["event", "p", "within"],
    "properties": {
        "event": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "description": "The event the contact does, e.g. message.opened or order_paid.",
        },
        "node": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "description": "A send node: the event follows each message it sends (for "
            "message.* events with properties.message_id set to that message). Without it, "
            "the event follows each entry into the journey.",
        },
        "p": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "The probability that the event happens.",
        },
        "within": {
            **_DURATION,
            "description": "It happens at a uniformly drawn moment this long at most after the "
            "message was sent (or the contact entered). Moments fall on a grid of 1/60 of "
            "`within` (at least a minute), which keeps the run's steps bounded.",
        },
        "properties": {
            "type": "object",
            "description": "Properties the event carries.",
        },
    },
}

REQUEST: dict[str, Any] = {
    "type": "object",
    "title": "SimulationRequest",
    "additionalProperties": False,
    "required": ["days", "population"],
    "properties": {
        "version": {
            "type": "integer",
            "minimum": 1,
            "description": "A published version to simulate; the draft when left out.",
        },
        "days": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_DAYS,
            "description": "How many days of journey time to run.",
        },
        "seed": {
            "type": "integer",
            "minimum": 0,
            "maximum": 2**53 - 1,
            "description": "The same seed, start and inputs give the same result. Drawn at "
            "random when left out, and reported in the result.",
        },
        "start": {
            "type": "string",
            "format": "date-time",
            "maxLength": 64,
            "description": "When virtual time starts (ISO 8601 with an offset); default now.",
        },
        "population": {"oneOf": [SYNTHETIC_POPULATION, EXPLICIT_POPULATION]},
        "script": {
            "type": "array",
            "maxItems": MAX_SCRIPT_LINES,
            "items": SCRIPT_LINE,
            "description": "What the contacts do while they are in the journey.",
        },
    },
}

_COUNT = {"type": "integer", "minimum": 0}

NODE_COUNTS: dict[str, Any] = {
    "type": "object",
    "description": "The same shape as a node in GET /journeys/{id}/stats/.",
    "properties": {
        "entered": {**_COUNT, "description": "Visits that arrived at the node."},
        "waiting": {**_COUNT, "description": "Enrollments still at the node at the end."},
        "passed": {**_COUNT, "description": "Visits that left it (or finished at an exit)."},
        "ports": {"type": "object", "additionalProperties": _COUNT},
        "sent": {**_COUNT, "description": "Messages handed to the (sandbox) provider."},
        "delivered": _COUNT,
        "opened": _COUNT,
        "clicked": _COUNT,
        "failed": _COUNT,
        "skipped": _COUNT,
        "converted": {**_COUNT, "description": "Converted enrollments that entered the node."},
    },
}

RESULT: dict[str, Any] = {
    "type": "object",
    "title": "SimulationResult",
    "properties": {
        "start": {"type": "string", "format": "date-time"},
        "end": {"type": "string", "format": "date-time"},
        "days": {"type": "integer"},
        "seed": {"type": "integer"},
        "complete": {
            "type": "boolean",
            "description": "False when the run hit its time or step budget before `end`.",
        },
        "simulated_until": {"type": "string", "format": "date-time"},
        "population": _COUNT,
        "entered": _COUNT,
        "nodes": {"type": "object", "additionalProperties": NODE_COUNTS},
        "conversions": {
            "type": "object",
            "properties": {"count": _COUNT, "rate": {"type": "number"}},
        },
        "messages": {
            "type": "object",
            "description": "Channel → messages sent.",
            "additionalProperties": _COUNT,
        },
        "script": {
            "type": "array",
            "description": "Per script line, how many events it fired.",
            "items": {
                "type": "object",
                "properties": {
                    "event": {"type": "string"},
                    "node": {"type": "string", "nullable": True},
                    "fired": _COUNT,
                },
            },
        },
        "samples": {
            "type": "array",
            "maxItems": MAX_SAMPLES,
            "description": "Example walks, one per distinct route first (the most common "
            "routes first).",
            "items": {
                "type": "object",
                "properties": {
                    "contact": {"type": "string"},
                    "status": {"type": "string"},
                    "path": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "node": {"type": "string"},
                                "port": {"type": "string", "nullable": True},
                                "at": {"type": "string", "format": "date-time"},
                            },
                        },
                    },
                },
            },
        },
        "steps": {**_COUNT, "description": "Distinct moments virtual time stopped at."},
        "elapsed_ms": _COUNT,
    },
}
