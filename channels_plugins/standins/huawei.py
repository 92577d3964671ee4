"""Huawei Push Kit's side of the v1 protocol: OAuth tokens, messages:send and signed receipts.

- `POST /oauth2/v3/token` (form, client credentials) checks the client id and secret and issues
  a token lasting `token_lifetime` seconds (Huawei: 3,600); a wrong secret gets Huawei's
  `{"error": 1101, "error_description": "invalid client"}` with HTTP 400.
- `POST /v1/{appId}/messages:send` checks the bearer token (missing or unknown: HTTP 401 code
  80200001; expired: 80200003) and the payload's shape (one of token/topic/condition, 1-1,000
  tokens, android.category from Huawei's list, a click action), then answers 80000000, or
  80100000 listing the tokens in `illegal_tokens`, or 80300007 when all are illegal.
- `post_statuses` posts a receipt the way Huawei does, signed with `X-HUAWEI-CALLBACK-ID`.

Knobs for tests: `illegal_tokens`, `expire_tokens()` (every issued token now counts as
expired), `token_lifetime`, and `script` (answers, in order, that the next sends get instead
of the normal one: `(http status, business code, headers)`). Expiry is judged on
`datetime.now(UTC)`, which `time_machine` moves in tests.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from channels_plugins.builtin.huawei import (
    CLICK_INTENT,
    CLICK_OPEN_APP,
    CLICK_URL,
    MARKETING,
    SERVICE_CATEGORIES,
    SUCCESS,
)
from channels_plugins.builtin.huawei_receipts import CALLBACK_HEADER, callback_header
from channels_plugins.standins.base import Standin, StandinRequest, StandinResponse

SEND_PATH = re.compile(r"^/v1/(?P<app_id>[^/]+)/messages:send$")
CATEGORIES = frozenset({*SERVICE_CATEGORIES, MARKETING})
MESSAGES = {
    SUCCESS: "Success",
    "80100000": "Some request tokens failed",
    "80100001": "Some parameters are invalid",
    "80100003": "Illegal payload",
    "80100004": "The message expiration time is earlier than the current time",
    "80100016": "The message contains sensitive information",
    "80200001": "Oauth authentication error",
    "80200003": "Oauth Token expired",
    "80300002": "No permission to send a message to a specified device",
    "80300007": "All the tokens are invalid",
    "80300008": "The message body size exceeds the default value",
    "80300010": "The number of tokens in the message body exceeds the default value",
    "80600003": "Request OAuth service failed",
    "81000001": "System inner error",
}


@dataclass(frozen=True)
class Scripted:
    """An answer a test has the next send get: an HTTP status and a business code."""

    status: int
    code: str = ""
    headers: Mapping[str, str] | None = None


class HuaweiStandin(Standin):
    channel = "push"
    provider = "huawei"

    def __init__(
        self,
        client_id: str = "101416183",
        client_secret: str = "huawei-standin-secret",  # noqa: S107 - the stand-in's own
        callback_username: str = "touchflow",
        callback_key: str = "huawei-callback-key",
    ) -> None:
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self.callback_username, self.callback_key = callback_username, callback_key
        self.token_lifetime = 3600
        self.illegal_tokens: set[str] = set()
        self.script: list[Scripted] = []
        self.issued: dict[str, datetime] = {}  # access token → when it expires
        self.delivered: list[tuple[str, str, dict[str, Any]]] = []  # (requestId, token, message)
        self._serial = itertools.count(1)

    # Knobs -------------------------------------------------------------------------------

    def expire_tokens(self) -> None:
        """Every token issued so far is expired from now on (Huawei rotated or revoked it)."""
        with self.lock:
            past = datetime.now(UTC) - timedelta(seconds=1)
            self.issued = dict.fromkeys(self.issued, past)

    def token_requests(self) -> int:
        return sum(1 for request in self.requests if request.path == "/oauth2/v3/token")

    def send_requests(self) -> list[StandinRequest]:
        return [request for request in self.requests if SEND_PATH.match(request.path)]

    def account_config(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "token_url": f"{self.url}/oauth2/v3/token",
            "push_url": self.url,
            "callback_username": self.callback_username,
            "callback_key": self.callback_key,
        }

    # Protocol ----------------------------------------------------------------------------

    def handle(self, request: StandinRequest) -> StandinResponse:
        if request.method == "POST" and request.path == "/oauth2/v3/token":
            return self._token(request)
        match = SEND_PATH.match(request.path)
        if request.method == "POST" and match:
            return self._send(request, match["app_id"])
        return StandinResponse.json({"error": "not found"}, status=404)

    def _token(self, request: StandinRequest) -> StandinResponse:
        form = {name: values[-1] for name, values in request.form().items()}
        if form.get("grant_type") != "client_credentials":
            return StandinResponse.json(
                {"error": 1102, "error_description": "unsupported grant type"}, status=400
            )
        if form.get("client_id") != self.client_id or form.get("client_secret") != (
            self.client_secret
        ):
            return StandinResponse.json(
                {"error": 1101, "error_description": "invalid client", "sub_error": 20156},
                status=400,
            )
        token = f"CgB6e3x9{uuid.uuid4().hex}/{next(self._serial)}"
        with self.lock:
            self.issued[token] = datetime.now(UTC) + timedelta(seconds=self.token_lifetime)
        return StandinResponse.json(
            {"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"}
        )

    def _send(self, request: StandinRequest, app_id: str) -> StandinResponse:
        bearer = request.headers.get("authorization", "")
        token = bearer[len("Bearer ") :] if bearer.startswith("Bearer ") else ""
        with self.lock:
            expires = self.issued.get(token)
        if expires is None or app_id != self.client_id:
            return self._answer("80200001", status=401)
        if datetime.now(UTC) >= expires:
            return self._answer("80200003", status=401)
        with self.lock:
            scripted = self.script.pop(0) if self.script else None
        if scripted is not None:
            return self._answer(scripted.code, status=scripted.status, headers=scripted.headers)
        try:
            payload = json.loads(request.body)
        except ValueError:
            return self._answer("80100003", status=400)
        problem = shape_problem(payload)
        if problem is not None:
            return self._answer(problem, status=400)
        message = payload["message"]
        tokens: list[str] = message["token"]
        illegal = [t for t in tokens if t in self.illegal_tokens]
        request_id = f"{int(datetime.now(UTC).timestamp() * 1000)}{next(self._serial):08d}"
        if len(illegal) == len(tokens):
            return self._answer("80300007", status=400, request_id=request_id)
        with self.lock:
            self.delivered += [(request_id, t, message) for t in tokens if t not in illegal]
        if illegal:
            msg = {"success": len(tokens) - len(illegal), "failure": len(illegal)}
            msg["illegal_tokens"] = illegal  # type: ignore[assignment]
            return StandinResponse.json(
                {"code": "80100000", "msg": json.dumps(msg), "requestId": request_id}
            )
        return self._answer(SUCCESS, request_id=request_id)

    def _answer(
        self,
        code: str,
        *,
        status: int = 200,
        request_id: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> StandinResponse:
        body = {
            "code": code,
            "msg": MESSAGES.get(code, "error"),
            "requestId": request_id or uuid.uuid4().hex[:24],
        }
        return StandinResponse.json(body, status=status, headers=headers)

    # Receipts ----------------------------------------------------------------------------

    def post_statuses(
        self,
        receipt_url: str,
        statuses: Sequence[Mapping[str, Any]],
        *,
        key: str | None = None,
        at: datetime | None = None,
    ) -> httpx.Response:
        """Post `{"statuses": [...]}` signed as Huawei signs it (`key`: sign with another)."""
        header = callback_header(
            key or self.callback_key,
            self.callback_username,
            at or datetime.now(UTC),
            str(uuid.uuid4()),
        )
        body = json.dumps({"statuses": list(statuses)}).encode()
        return self.post_receipt(
            receipt_url, body, {"Content-Type": "application/json", CALLBACK_HEADER: header}
        )

    def status_for(self, request_id: str, token: str, status: int = 0) -> dict[str, Any]:
        """A V1 receipt status for one delivered token, as Huawei reports it."""
        return {
            "biTag": "",
            "appid": self.client_id,
            "token": token,
            "status": status,
            "timestamp": int(datetime.now(UTC).timestamp() * 1000),
            "requestId": request_id,
        }


def shape_problem(payload: Any) -> str | None:
    """Huawei's business code for a payload it would refuse, or None when it is well formed."""
    message = payload.get("message") if isinstance(payload, dict) else None
    if not isinstance(message, dict):
        return "80300010"  # Huawei's answer to a misspelt or missing `message`
    targets = [name for name in ("token", "topic", "condition") if name in message]
    if targets != ["token"]:
        return "80100001"
    tokens = message["token"]
    if not isinstance(tokens, list) or not 1 <= len(tokens) <= 1000:
        return "80300010"
    if not all(isinstance(token, str) and token for token in tokens):
        return "80100001"
    if "data" in message and not isinstance(message["data"], str):
        return "80100003"
    android = message.get("android", {})
    if not isinstance(android, dict):
        return "80100003"
    if "category" in android and android["category"] not in CATEGORIES:
        return "80100001"
    if "ttl" in android and not re.fullmatch(r"\d+(\.\d+)?s", str(android["ttl"])):
        return "80100004"
    notification = android.get("notification")
    if notification is not None:
        click = notification.get("click_action") if isinstance(notification, dict) else None
        if not isinstance(click, dict) or click.get("type") not in (
            CLICK_INTENT,
            CLICK_URL,
            CLICK_OPEN_APP,
            4,
        ):
            return "80100003"
        if click["type"] == CLICK_URL and not click.get("url"):
            return "80100003"
    return None


STANDIN = HuaweiStandin
