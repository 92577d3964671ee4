"""The typed objects plugins register: channels and providers.

A channel (`sms`, `push`, `wechat`, `email`, or a new one) is what a journey's send node
names; its `params_schema` is the form the canvas draws and the check publishing runs. A
provider (`sandbox`, `aliyun`, `smtp`, …) is who delivers on a channel; its `config_schema`
validates a workspace's channel account. Both schemas are JSON Schema draft 2020-12, closed,
with a title and description on every property (`channels_plugins.testing` checks that).

`Provider.send` and the message types below it exist for the minimal dispatch the engine
milestone needed; the delivery milestone replaces them with the batch send protocol
(receipts, normalized errors, retries owned by the dispatcher).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

JSONSchema = Mapping[str, Any]
SecretPath = tuple[str, ...]  # keys from the config's root down to a writeOnly value


@dataclass(frozen=True)
class Channel:
    """A way of reaching a contact; journeys' send nodes name it by `name`."""

    name: str  # lower-case identifier, e.g. "sms"; unique across plugins (touchflow.E001)
    title: str  # shown on the canvas palette
    description: str
    params_schema: JSONSchema  # validates a send node's `params`; every string is a template
    # Local hours [start, end) in which marketing messages may be sent on this channel, in the
    # contact's timezone (else the workspace's). Dispatch holds marketing messages outside them
    # (`held: legal_hours`); transactional messages are never held. None: any hour.
    legal_hours: tuple[time, time] | None = None

    def as_dict(self) -> dict[str, Any]:
        """A copy safe to hand out: callers cannot edit the registered schema through it."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "params_schema": copy.deepcopy(dict(self.params_schema)),
            "legal_hours": (
                None
                if self.legal_hours is None
                else {
                    "start": f"{self.legal_hours[0]:%H:%M}",
                    "end": f"{self.legal_hours[1]:%H:%M}",
                }
            ),
        }


@dataclass(frozen=True)
class OutboundMessage:
    """What a provider needs to deliver one message."""

    id: int
    to: str  # the address on this channel: a phone number, token, email or openid
    content: Mapping[str, Any]  # the rendered params
    idempotency_key: str  # providers that accept one get it, so a retry cannot duplicate
    # Where the contact leaves this channel in one click (marketing email only; `tracking`);
    # email providers put it in List-Unsubscribe. Empty: the message offers none.
    unsubscribe_url: str = ""
    # The message's category ("marketing" or "transactional", `MessageCategory`): providers
    # whose protocol classifies messages (Huawei's `category`) set it from this. Empty: unknown.
    category: str = ""
    # The account's receipt URL (`/hooks/{account}/{token}/`), for providers told per message
    # where to report (Twilio's StatusCallback). Empty when dispatch has none to give.
    receipt_url: str = ""


@dataclass(frozen=True)
class Sent:
    provider_message_id: str


@dataclass(frozen=True)
class Failed:
    """A normalized failure (ARCHITECTURE.md §3): the engine acts on `kind`, never on codes."""

    kind: str  # auth, rate_limited, recipient_capped, invalid_recipient, content_rejected,
    # config or transient
    detail: str = ""
    retry_after: float | None = None


Outcome = Sent | Failed

MAX_RETRY_AFTER = 86_400.0  # a Retry-After beyond a day is a broken header, not a plan


def retry_after_seconds(header: str | None) -> float | None:
    """A `Retry-After` header's wait for `Failed.retry_after`: seconds, at most a day. None for
    the HTTP-date form, nonsense or nothing, so dispatch's own backoff applies."""
    try:
        seconds = float(header) if header else None
    except ValueError:
        return None
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return None
    return min(seconds, MAX_RETRY_AFTER)


# What a receipt may report; the same names as `engagement.MESSAGE_EVENTS` (a test holds them
# equal), kept here so a provider module needs nothing but this one.
RECEIPT_EVENTS = frozenset(
    {
        "message.delivered",
        "message.opened",
        "message.clicked",
        "message.bounced",
        "message.failed",
        "message.unsubscribed",
        "message.complained",
    }
)


@dataclass(frozen=True)
class ReceiptRequest:
    """The HTTP request a provider's receipt arrived in, as a provider needs to judge it.

    Plain data rather than Django's request, so a provider's receipt code is tested with bytes.
    """

    body: bytes
    headers: Mapping[str, str]  # names in lower case
    received_at: datetime  # `core.clock.now()` when the request arrived; staleness is judged on it
    # The URL's query parameters (one value each, the last when repeated): providers that sign
    # the URL rather than the body (WeChat's signature, timestamp and nonce) read them here.
    query: Mapping[str, str] = field(default_factory=dict)
    # The public URL the provider called (the account's receipt URL plus the query string):
    # what providers that sign the URL (Twilio) signed. Empty when unknown.
    url: str = ""


@dataclass(frozen=True)
class Receipt:
    """One thing a provider reports about one message it delivered for us.

    The message is found within the receiving account by `provider_message_id` (what `Sent`
    returned), or by our own `message_id` or `idempotency_key` when the provider echoes those.
    `id` is unique per provider report: a receipt sent twice carries the same id and is recorded
    once. `detail` becomes the recorded event's properties (flat, JSON values).
    """

    id: str
    event: str  # one of RECEIPT_EVENTS
    provider_message_id: str = ""
    message_id: int | None = None
    idempotency_key: str = ""
    occurred_at: datetime | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)
    # The recipient's address can never be delivered to (a hard bounce): Touchflow stops using
    # it. `recipient` names the address when the report does; else the contact's current one.
    address_unusable: bool = False
    recipient: str = ""
    # The recipient asked for no more messages on this channel (an SMS "STOP" reply). Such a
    # receipt names no message: `recipient` is the address, and every contact of the account's
    # workspace reached there is unsubscribed from the account's channel (`opt_outs`).
    opt_out: bool = False
    # The recipient can be reached again (a WeChat follower who followed the account again):
    # every mark of `recipient` as unusable on the account's channel is lifted. Such a receipt
    # names no message and records no event, so its `event` may be empty.
    address_usable: bool = False


@dataclass(frozen=True)
class ReceiptProblem:
    """One located fault in a receipt body: a JSON pointer into it, a stable code, words."""

    path: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "path": self.path}


class ReceiptRejected(Exception):
    """The request is not the provider's: unsigned, wrongly signed or stale (HTTP `status`)."""

    def __init__(self, code: str, message: str, *, status: int = 401) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class ReceiptMalformed(Exception):
    """The body is signed but cannot be read as receipts (HTTP 400 with every problem)."""

    def __init__(self, problems: Sequence[ReceiptProblem]) -> None:
        super().__init__("; ".join(f"{p.path or '/'}: {p.message}" for p in problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: `per_second` tokens flow in, at most `burst` are saved up."""

    per_second: float
    burst: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RateLimit | None:
        """The account's own `rate_limit`, if it sets one (validated by `RATE_LIMIT_SCHEMA`)."""
        raw = config.get("rate_limit")
        if not isinstance(raw, Mapping) or "per_second" not in raw:
            return None
        per_second = float(raw["per_second"])
        return cls(per_second, int(raw.get("burst") or max(1, round(per_second))))


# Every account may set `rate_limit`, whatever its provider: `Provider.account_schema` adds it.
RATE_LIMIT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Rate limit",
    "description": "How fast dispatch hands this account's messages to the provider; messages "
    "beyond it wait (held: rate_limit). Leave empty for the provider's default.",
    "additionalProperties": False,
    "required": ["per_second"],
    "properties": {
        "per_second": {
            "type": "number",
            "exclusiveMinimum": 0,
            "title": "Messages per second",
            "description": "The sustained rate, shared by every dispatch worker.",
        },
        "burst": {
            "type": "integer",
            "minimum": 1,
            "title": "Burst",
            "description": "How many messages may go at once after a quiet spell "
            "(default: one second's worth).",
        },
    },
}


@dataclass(frozen=True)
class Provider:
    """Who delivers on one or more channels; a workspace's `ChannelAccount` configures it."""

    name: str  # e.g. "aliyun"; unique per channel (touchflow.E003)
    title: str
    channels: tuple[str, ...]  # the channels served; ("*",) serves every registered channel
    config_schema: JSONSchema  # validates an account's config; secrets marked "writeOnly": true
    description: str = ""
    # The most messages one `send` call takes: dispatch groups an account's due messages into
    # batches of at most this size. 1 (the default) means one call per message.
    max_batch_size: int = 1
    # The account rate limit used when an account's config sets no `rate_limit`; None: unlimited.
    default_rate_limit: RateLimit | None = None
    # The registering plugin's name. The registry fills it on its own copy of the object, so a
    # plugin never sets it and one object registered by two plugins keeps both names apart.
    plugin: str = field(default="", compare=False)

    def secret_paths(self) -> tuple[SecretPath, ...]:
        """Where the writeOnly values are: stored, never returned, kept when left out.

        Followed through nested object `properties`; a writeOnly object hides all of itself.
        """
        return tuple(_write_only_paths(self.config_schema, ()))

    def secret_fields(self) -> frozenset[str]:
        """Top-level config fields marked writeOnly."""
        return frozenset(path[0] for path in self.secret_paths() if len(path) == 1)

    def account_schema(self) -> dict[str, Any]:
        """`config_schema` plus the generic `rate_limit` every account may set: what account
        configs are validated against and forms draw."""
        schema = copy.deepcopy(dict(self.config_schema))
        properties = schema.setdefault("properties", {})
        if isinstance(properties, dict) and "rate_limit" not in properties:
            properties["rate_limit"] = copy.deepcopy(RATE_LIMIT_SCHEMA)
        return schema

    def own_config(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The config without the generic keys `account_schema` added: what `send` receives,
        so a provider validating its config against its own closed schema never sees them."""
        own = dict(config)
        if "rate_limit" not in self.config_schema.get("properties", {}):
            own.pop("rate_limit", None)
        return own

    def rate_limit(self, config: Mapping[str, Any]) -> RateLimit | None:
        """The account's rate limit: its config's `rate_limit`, else this provider's default."""
        return RateLimit.from_config(config) or self.default_rate_limit

    def send(self, config: Mapping[str, Any], messages: Sequence[OutboundMessage]) -> list[Outcome]:
        """Deliver a batch; one outcome per message, in order. Never sleep or retry here:
        the dispatcher owns backoff. A provider that registers without sending cannot be used
        by dispatch, which fails its messages with kind `config`."""
        raise NotImplementedError(f"Provider {self.name!r} does not send messages.")

    @property
    def accepts_receipts(self) -> bool:
        """Whether `/hooks/…` takes receipts for this provider's accounts (it overrides both
        receipt methods); for other providers the endpoint answers 405."""
        cls = type(self)
        return (
            cls.verify_receipt is not Provider.verify_receipt
            and cls.parse_receipts is not Provider.parse_receipts
        )

    def verify_receipt(self, config: Mapping[str, Any], request: ReceiptRequest) -> None:
        """Prove the request comes from the provider, before anything reads its body.

        Raise `ReceiptRejected` (a stable `code`; `status` 401 for a missing or wrong signature
        or a stale timestamp, 403 when the account lacks what checking needs). The account's
        URL token has already been checked; this is the provider's own signature.
        """
        raise NotImplementedError(f"Provider {self.name!r} does not accept receipts.")

    def parse_receipts(self, config: Mapping[str, Any], request: ReceiptRequest) -> list[Receipt]:
        """The receipts in a verified request, in order; raise `ReceiptMalformed` with located
        problems for a body that is not the provider's format. Never touch the database:
        matching receipts to messages and recording them is Touchflow's job."""
        raise NotImplementedError(f"Provider {self.name!r} does not accept receipts.")

    @property
    def accepts_url_checks(self) -> bool:
        """Whether a GET to `/hooks/…` is this provider checking the URL (`answer_url_check`)."""
        return type(self).answer_url_check is not Provider.answer_url_check

    def answer_url_check(self, config: Mapping[str, Any], request: ReceiptRequest) -> str:
        """The body to answer a provider's GET that proves we own the receipt URL (WeChat
        echoes `echostr` back once the signature checks). Raise `ReceiptRejected` for a request
        that is not the provider's."""
        raise NotImplementedError(f"Provider {self.name!r} does not check receipt URLs.")

    def receipt_answer(self, counts: Mapping[str, int]) -> dict[str, Any] | str:
        """What `/hooks/…` answers an accepted receipt request: a dict as JSON, a string as
        text/plain. By default Touchflow's counts; a provider adds what it needs to read the
        push as acknowledged (Alibaba Cloud retries a push whose answer lacks `"code": 0`,
        Tencent Cloud one lacking `"result": 0`) or answers the fixed text it expects (WeChat:
        `success`)."""
        return dict(counts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "plugin": self.plugin,
            "config_schema": self.account_schema(),
        }


def _write_only_paths(schema: Any, prefix: SecretPath) -> Iterator[SecretPath]:
    if not isinstance(schema, Mapping):
        return
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return
    for name, spec in properties.items():
        if not isinstance(spec, Mapping):
            continue
        if spec.get("writeOnly") is True:
            yield (*prefix, name)
        else:
            yield from _write_only_paths(spec, (*prefix, name))
