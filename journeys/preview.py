"""Previewing what a send or webhook node would render for one real contact.

The preview renders with the walker's own pieces (`data_context`, the compiled templates of
`journeys.nodes.templates`, the webhook node's `request_template`), so what it shows is what the
send node would write. It reads only: nothing is stored and nothing is sent. The event is empty
(a preview has no triggering event), the journey is the one asked about.

Every problem comes back as a located error with the validator's shape (`code`, `message`,
`node_id`, `path`): problems with the request point into the request body and make the call
fail; templates that fail to render point into the journey document and come back with the
rest of the rendering, the way `validate` reports an invalid document with a 200.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from channels_plugins.webhooks import WEBHOOK_CHANNEL
from core.jsonpointer import pointer
from core.models import Contact, Workspace
from journeys.engine.batch import ContactState
from journeys.models import Journey
from journeys.nodes.templates import data_context, render_located
from journeys.nodes.webhook import request_method, request_template
from journeys.validation.errors import DocumentError

INVALID = "preview.invalid"
NODE_UNKNOWN = "preview.node_unknown"
NODE_NOT_RENDERED = "preview.node_not_rendered"
CONTACT_UNKNOWN = "preview.contact_unknown"
VERSION_UNKNOWN = "preview.version_unknown"
TEMPLATE_RENDER = "template.render"
TEMPLATE_SYNTAX = "template.syntax"
RENDERED_TYPES = ("send", "webhook")


@dataclass(frozen=True)
class Preview:
    node: str
    channel: str
    content: dict[str, Any]
    errors: list[DocumentError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "channel": self.channel,
            "content": self.content,
            "errors": [error.as_dict() for error in self.errors],
        }


class RequestRefused(Exception):
    """The request cannot be previewed; `errors` point into the request body."""

    def __init__(self, errors: list[DocumentError]) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = errors


def _refuse(code: str, message: str, path: str, node_id: str | None = None) -> RequestRefused:
    return RequestRefused([DocumentError(code, message, node_id, path)])


def check_body(body: Any) -> None:
    """The request's shape: `node` and `contact` texts, optional `version` or `definition`."""
    if not isinstance(body, Mapping):
        raise _refuse(INVALID, "The request is a JSON object.", "")
    errors = [
        DocumentError(INVALID, f"`{name}` is a non-empty text.", None, f"/{name}")
        for name in ("node", "contact")
        if not isinstance(body.get(name), str) or not body.get(name)
    ]
    version = body.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        errors.append(DocumentError(INVALID, "`version` is a whole number.", None, "/version"))
    if "definition" in body and not isinstance(body["definition"], Mapping):
        errors.append(DocumentError(INVALID, "`definition` is a JSON object.", None, "/definition"))
    if version is not None and "definition" in body:
        errors.append(
            DocumentError(INVALID, "Give `version` or `definition`, not both.", None, "/version")
        )
    unknown = sorted(set(body) - {"node", "contact", "version", "definition"})
    errors.extend(
        DocumentError(INVALID, f"Unknown field `{name}`.", None, pointer("", name))
        for name in unknown
    )
    if errors:
        raise RequestRefused(errors)


def definition_for(journey: Journey, body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The document previewed: the body's, a published version's, else the current draft."""
    if "definition" in body:
        definition: Mapping[str, Any] = body["definition"]
        return definition
    if body.get("version") is not None:
        version = journey.versions.filter(number=body["version"]).first()
        if version is None:
            message = f"This journey has no version {body['version']}."
            raise _refuse(VERSION_UNKNOWN, message, "/version")
        published: Mapping[str, Any] = version.definition
        return published
    draft: Mapping[str, Any] = journey.definition
    return draft


def _find_node(definition: Mapping[str, Any], node_id: str) -> tuple[int, Mapping[str, Any]]:
    nodes = definition.get("nodes")
    for index, node in enumerate(nodes if isinstance(nodes, list) else []):
        if isinstance(node, Mapping) and node.get("id") == node_id:
            return index, node
    raise _refuse(NODE_UNKNOWN, f"The document has no node {node_id!r}.", "/node")


def preview(workspace: Workspace, journey: Journey, body: Mapping[str, Any]) -> Preview:
    """Render the node of `body` for its contact; raises RequestRefused for a bad request."""
    check_body(body)
    definition = definition_for(journey, body)
    node_id: str = body["node"]
    index, node = _find_node(definition, node_id)
    if node.get("type") not in RENDERED_TYPES:
        message = (
            f"Node {node_id!r} is a {node.get('type')!r} node; only send and webhook nodes render."
        )
        raise _refuse(NODE_NOT_RENDERED, message, "/node", node_id)
    contact = Contact.objects.filter(workspace=workspace, external_id=body["contact"]).first()
    if contact is None:
        raise _refuse(CONTACT_UNKNOWN, f"No contact {body['contact']!r} here.", "/contact")
    context = data_context(ContactState.of(contact).template_data(), None, journey.pk, journey.name)
    config = node.get("config")
    config = config if isinstance(config, Mapping) else {}
    base = pointer("/nodes", index, "config")
    if node["type"] == "webhook":
        channel = WEBHOOK_CHANNEL
        rendered, failures = render_located(request_template(_webhook_parts(config)), context)
        content = {**rendered, "method": request_method(config)}
    else:
        channel = str(config.get("channel", ""))
        base = pointer(base, "params")
        rendered, failures = render_located(config.get("params") or {}, context)
        content = dict(rendered)
    errors = [
        DocumentError(
            TEMPLATE_SYNTAX if failure.syntax else TEMPLATE_RENDER,
            failure.message,
            node_id,
            pointer(base, *failure.location),
        )
        for failure in failures
    ]
    # By pointer, not by the params' key order: PostgreSQL's jsonb does not keep that order.
    errors.sort(key=lambda error: error.path)
    return Preview(node=node_id, channel=channel, content=content, errors=errors)


def _webhook_parts(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """A draft's webhook may lack its url yet: preview it as empty rather than refuse."""
    return config if "url" in config else {**config, "url": ""}
