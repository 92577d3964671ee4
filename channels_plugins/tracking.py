"""Our own tracking: signed click links, the open pixel and one-click unsubscribe for email.

Tokens are `django.core.signing` signatures over the message id (and, for a click, the link's
index in `links.link_targets`), one salt per purpose so an open token cannot unsubscribe and a
click token cannot be replayed for another link. They do not expire: an email's links must
keep working as long as the email is kept; a token whose message is gone answers 404.
Rotating SECRET_KEY keeps old links working through SECRET_KEY_FALLBACKS.

Content is rewritten when dispatch hands a message over (`outbound_message`), never stored:
a retry computes the same bytes (HMAC is deterministic), and a click finds its URL again from
the stored content by index. Click and open tracking follow the account's `track_clicks`
(JOURNEY_FORMAT.md §1 Templates); marketing email always carries the one-click unsubscribe,
which transactional email never does.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.core import signing
from django.db import transaction
from django.utils.http import base36_to_int, int_to_base36

from channels_plugins import links
from channels_plugins.base import OutboundMessage
from channels_plugins.engagement import record_message_event
from channels_plugins.models import Message, MessageCategory
from core import clock
from core.conf import touchflow_settings
from core.models import Contact
from core.services.contacts import unsubscribe_channel
from core.services.events import record_event

CLICK, OPEN, UNSUBSCRIBE = "click", "open", "unsubscribe"
EMAIL = "email"
# The contact-level event the contract's example journey exits on (`exit_on`).
UNSUBSCRIBED_EVENT = "unsubscribed"
_ARITY = {CLICK: 2, OPEN: 1, UNSUBSCRIBE: 1}


def _signer(purpose: str) -> signing.Signer:
    return signing.Signer(salt=f"touchflow.tracking.{purpose}", sep=".")


def make_token(purpose: str, *numbers: int) -> str:
    """A short signed token, e.g. `2n9c-3.<43 characters of signature>`."""
    return _signer(purpose).sign("-".join(int_to_base36(n) for n in numbers))


def read_token(purpose: str, token: str) -> tuple[int, ...] | None:
    """The numbers a token was made with, or None for anything forged, altered or malformed."""
    try:
        value = _signer(purpose).unsign(token)
        numbers = tuple(base36_to_int(part) for part in value.split("-"))
    except (signing.BadSignature, ValueError):
        return None
    return numbers if len(numbers) == _ARITY[purpose] else None


def public_url(path: str) -> str:
    return touchflow_settings.PUBLIC_URL.rstrip("/") + path


def click_url(message_id: int, index: int) -> str:
    return public_url(f"/t/c/{make_token(CLICK, message_id, index)}/")


def open_url(message_id: int) -> str:
    return public_url(f"/t/o/{make_token(OPEN, message_id)}.gif")


def unsubscribe_url(message_id: int) -> str:
    return public_url(f"/u/{make_token(UNSUBSCRIBE, message_id)}/")


def _ours(url: str) -> bool:
    """Our own tracking and unsubscribe links are never wrapped in another redirect."""
    base = public_url("")
    return url.startswith((f"{base}/t/", f"{base}/u/"))


def tracked_content(message_id: int, content: dict[str, Any]) -> dict[str, Any]:
    """The content with every tracked link signed and the open pixel added to the HTML."""
    index = {url: i for i, url in enumerate(links.link_targets(content))}

    def replace_link(url: str) -> str | None:
        return None if _ours(url) or url not in index else click_url(message_id, index[url])

    tracked = dict(content)
    if isinstance(html := content.get("body_html"), str):
        tracked["body_html"] = links.append_pixel(
            links.rewrite_html(html, replace_link), open_url(message_id)
        )
    if isinstance(text := content.get("body_text"), str):
        tracked["body_text"] = links.rewrite_text(text, replace_link)
    return tracked


def outbound_message(message: Message, to: str) -> OutboundMessage:
    """What dispatch hands the provider: the stored content, tracked where the account asks."""
    outbound = OutboundMessage(
        message.pk, to, message.content, message.idempotency_key, category=message.category
    )
    if message.channel != EMAIL:
        return outbound
    if message.account is not None and message.account.track_clicks:
        outbound = replace(outbound, content=tracked_content(message.pk, dict(message.content)))
    if message.category == MessageCategory.MARKETING:
        outbound = replace(outbound, unsubscribe_url=unsubscribe_url(message.pk))
    return outbound


def link_for_click(message: Message, index: int) -> str | None:
    targets = links.link_targets(message.content)
    return targets[index] if 0 <= index < len(targets) else None


def record_click(message: Message, index: int, url: str) -> None:
    """A second click on the same link is the same event (one per link, per message)."""
    record_message_event(
        message,
        "message.clicked",
        source_id=f"touchflow:click:{message.pk}:{index}",
        properties={"url": url, "link_index": index},
    )


def record_open(message: Message) -> None:
    """One open per message: image proxies and re-reads fetch the pixel again and again, and
    what journeys ask is whether the email was opened, not how often."""
    record_message_event(message, "message.opened", source_id=f"touchflow:open:{message.pk}")


def is_unsubscribed(message: Message) -> bool:
    return bool((message.contact.unsubscribed or {}).get(message.channel))


@transaction.atomic
def unsubscribe(message: Message) -> None:
    """The contact leaves the message's channel (so `policies` skips marketing on it) and the
    message gets one `message.unsubscribed` event, however often the link is posted.

    The contact also gets an `unsubscribed` event (with the channel) the first time it leaves
    that channel: the name the contract's `exit_on: ["unsubscribed"]` ends journeys on, however
    the contact unsubscribed.
    """
    contact = Contact.objects.select_for_update().get(pk=message.contact_id)
    leave_channel(contact, message.channel, {"message_id": message.pk})
    message.contact = contact
    record_message_event(
        message, "message.unsubscribed", source_id=f"touchflow:unsubscribe:{message.pk}"
    )


def leave_channel(contact: Contact, channel: str, properties: dict[str, Any]) -> bool:
    """The contact leaves `channel` now; the first time, it also gets the `unsubscribed` event
    (with the channel and `properties`). True when it had not left already.

    Every way out shares it: the one-click link here, an SMS "STOP" reply (`opt_outs`). The
    caller holds the contact's row lock.
    """
    now = clock.now()
    if not unsubscribe_channel(contact, channel, now):
        return False
    record_event(
        contact.workspace,
        contact,
        name=UNSUBSCRIBED_EVENT,
        properties={"channel": channel, **properties},
        occurred_at=now,
    )
    return True
