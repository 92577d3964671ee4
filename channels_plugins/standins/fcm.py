"""FCM's side of HTTP v1: Google's token endpoint and `messages:send`, on loopback.

The token endpoint checks the JWT-bearer grant as Google does: the RS256 signature against the
service account's PUBLIC key (so a JWT signed with another key fails), `iss` a known account,
`aud` this token URI, the FCM scope, and `iat`/`exp` at most an hour apart around now. It hands
out access tokens that expire (`token_lifetime`; `revoke_tokens()` ends them early, as a
revoked or rotated key does). `messages:send` wants a live bearer token and the right project,
checks the message as FCM does (one target, string-only data, 4096-byte payload) and answers
FCM's real success body or, for tokens scripted in `errors`, FCM's real error bodies.

There are no receipts to post: FCM has none.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime, timedelta
from typing import Any, ClassVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from channels_plugins.builtin.fcm_auth import GRANT_TYPE, SCOPE
from channels_plugins.standins.base import Standin, StandinRequest, StandinResponse
from core import clock

FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest"
PAYLOAD_LIMIT = 4096
# FCM errorCode -> (HTTP status, google.rpc status, message), as FCM answers them.
ERRORS: dict[str, tuple[int, str, str]] = {
    "UNREGISTERED": (404, "NOT_FOUND", "Requested entity was not found."),
    "INVALID_ARGUMENT": (
        400,
        "INVALID_ARGUMENT",
        "The registration token is not a valid FCM registration token",
    ),
    "SENDER_ID_MISMATCH": (403, "PERMISSION_DENIED", "SenderId mismatch"),
    "QUOTA_EXCEEDED": (
        429,
        "RESOURCE_EXHAUSTED",
        "Quota exceeded for quota metric 'Send requests' and limit 'Send requests per minute'.",
    ),
    "UNAVAILABLE": (503, "UNAVAILABLE", "The service is currently unavailable."),
    "INTERNAL": (500, "INTERNAL", "Internal error encountered."),
    "THIRD_PARTY_AUTH_ERROR": (401, "UNAUTHENTICATED", "Auth error from APNS or Web Push Service"),
    "UNSPECIFIED_ERROR": (500, "UNKNOWN", "No more information is available about this error."),
}
UNAUTHENTICATED = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
    "cookie or other valid authentication credential."
)


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class FcmStandin(Standin):
    channel = "push"
    provider = "fcm"
    project_id: ClassVar[str] = "touchflow-demo"
    client_email: ClassVar[str] = "fcm-sender@touchflow-demo.iam.gserviceaccount.com"

    def __init__(self) -> None:
        super().__init__()
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_id = secrets.token_hex(20)
        self.public_keys = {self.client_email: self.key.public_key()}
        # Knobs tests script:
        self.token_lifetime = 3599  # seconds answered as expires_in
        self.errors: dict[str, str] = {}  # device token -> FCM errorCode to answer for it
        self.retry_after: str | None = None  # Retry-After on 429/503 answers
        # State:
        self.access_tokens: dict[str, datetime] = {}  # issued token -> when it expires
        self.delivered: list[dict[str, Any]] = []  # accepted v1 `message` objects

    # --- what an account needs ----------------------------------------------------------------

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    def service_account_json(self, key: rsa.RSAPrivateKey | None = None) -> str:
        """A key file like the one Firebase hands out; `key` signs with another key (tests)."""
        pem = (key or self.key).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return json.dumps(
            {
                "type": "service_account",
                "project_id": self.project_id,
                "private_key_id": self.key_id,
                "private_key": pem.decode(),
                "client_email": self.client_email,
                "client_id": "100000000000000000001",
                "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                "token_uri": self.token_uri,
            }
        )

    def account_config(self) -> dict[str, Any]:
        return {
            "project_id": self.project_id,
            "service_account_json": self.service_account_json(),
            "base_url": self.url,
            "token_uri": self.token_uri,
        }

    def revoke_tokens(self) -> None:
        """Every access token issued so far stops working now (before its stated expiry)."""
        with self.lock:
            self.access_tokens.clear()

    @property
    def token_grants(self) -> int:
        with self.lock:
            return sum(1 for r in self.requests if r.path == "/token")

    # --- the protocol --------------------------------------------------------------------------

    def handle(self, request: StandinRequest) -> StandinResponse:
        if request.method == "POST" and request.path == "/token":
            return self._grant(request)
        prefix, suffix = "/v1/projects/", "/messages:send"
        path = request.path
        if request.method == "POST" and path.startswith(prefix) and path.endswith(suffix):
            return self._send(request, path[len(prefix) : -len(suffix)])
        return self._status(404, "NOT_FOUND", "Requested entity was not found.")

    def _grant(self, request: StandinRequest) -> StandinResponse:
        form = request.form()
        if form.get("grant_type") != [GRANT_TYPE]:
            grant = (form.get("grant_type") or [""])[0]
            return _oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant}")
        problem = self._check_assertion((form.get("assertion") or [""])[0])
        if problem:
            return _oauth_error(*problem)
        token = f"ya29.standin-{secrets.token_urlsafe(24)}"
        with self.lock:
            self.access_tokens[token] = clock.now() + timedelta(seconds=self.token_lifetime)
        return StandinResponse.json(
            {"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"}
        )

    def _check_assertion(self, assertion: str) -> tuple[str, str] | None:
        """None when Google would grant; else its (error, error_description)."""
        parts = assertion.split(".")
        if len(parts) != 3:
            return "invalid_request", "Invalid JWT: not three segments"
        try:
            header = json.loads(_unb64(parts[0]))
            claims = json.loads(_unb64(parts[1]))
            signature = _unb64(parts[2])
        except ValueError:
            return "invalid_request", "Invalid JWT: undecodable segments"
        if not isinstance(header, dict) or header.get("alg") != "RS256":
            return "invalid_grant", "Invalid JWT: algorithm must be RS256"
        if not isinstance(claims, dict):
            return "invalid_grant", "Invalid JWT: claims are not an object"
        public_key = self.public_keys.get(str(claims.get("iss")))
        if public_key is None:
            return "invalid_grant", "Invalid grant: account not found"
        try:
            public_key.verify(
                signature, f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            return "invalid_grant", "Invalid JWT Signature."
        if claims.get("aud") != self.token_uri:
            return "invalid_grant", "Invalid JWT: Failed audience check."
        if SCOPE not in str(claims.get("scope", "")).split():
            return "invalid_scope", "Invalid OAuth scope or ID token audience provided."
        now = clock.now().timestamp()
        iat, exp = claims.get("iat"), claims.get("exp")
        if (
            not isinstance(iat, int)
            or not isinstance(exp, int)
            or exp - iat > 3600
            or iat > now + 60
            or exp < now
        ):
            return (
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                "reasonable timeframe. Check your iat and exp values in the JWT claim.",
            )
        return None

    def _send(self, request: StandinRequest, project: str) -> StandinResponse:
        bearer = request.headers.get("authorization", "")
        token = bearer.removeprefix("Bearer ") if bearer.startswith("Bearer ") else ""
        with self.lock:
            expires = self.access_tokens.get(token)
        if expires is None or expires <= clock.now():
            return self._status(401, "UNAUTHENTICATED", UNAUTHENTICATED)
        if project != self.project_id:
            return self._status(
                403,
                "PERMISSION_DENIED",
                f"Permission 'cloudmessaging.messages.create' denied on resource "
                f"'//cloudresourcemanager.googleapis.com/projects/{project}' (or it may not "
                "exist).",
            )
        try:
            body = request.json()
        except ValueError:
            return self._status(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        message = body.get("message") if isinstance(body, dict) else None
        problem = _invalid(message)
        if problem:
            field, description = problem
            return self._status(
                400,
                "INVALID_ARGUMENT",
                "Request contains an invalid argument.",
                "INVALID_ARGUMENT",
                [{"field": field, "description": description}],
            )
        assert isinstance(message, dict)  # _invalid checked it
        device = str(message.get("token", ""))
        code = self.errors.get(device)
        if code is not None:
            status, rpc_status, text = ERRORS[code]
            violations = [{"field": "message.token", "description": text}]
            return self._status(
                status,
                rpc_status,
                text,
                code,
                violations if code == "INVALID_ARGUMENT" else None,
            )
        with self.lock:
            self.delivered.append(message)
        name = f"projects/{project}/messages/0:{secrets.token_hex(8)}%{secrets.token_hex(8)}"
        return StandinResponse.json({"name": name})

    def _status(
        self,
        code: int,
        status: str,
        message: str,
        fcm_code: str | None = None,
        violations: list[dict[str, str]] | None = None,
    ) -> StandinResponse:
        """A google.rpc.Status error body, with FCM's FcmError (and BadRequest) details."""
        error: dict[str, Any] = {"code": code, "message": message, "status": status}
        details: list[dict[str, Any]] = []
        if fcm_code:
            details.append({"@type": FCM_ERROR, "errorCode": fcm_code})
        if violations:
            details.append({"@type": BAD_REQUEST, "fieldViolations": violations})
        if details:
            error["details"] = details
        headers = (
            {"Retry-After": self.retry_after} if self.retry_after and code in (429, 503) else {}
        )
        return StandinResponse.json({"error": error}, status=code, headers=headers)


def _invalid(message: Any) -> tuple[str, str] | None:
    """(field, description) of what FCM would refuse in a v1 message, or None."""
    if not isinstance(message, dict):
        return "message", "Message must be an object."
    targets = [key for key in ("token", "topic", "condition") if message.get(key)]
    if len(targets) != 1:
        return "message", "Exactly one of token, topic or condition must be set."
    data = message.get("data", {})
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return "message.data", "Invalid value: data values must be strings."
    payload = {"notification": message.get("notification"), "data": data}
    if len(json.dumps(payload, ensure_ascii=False).encode()) > PAYLOAD_LIMIT:
        return "message", "Android message is too big"
    return None


def _oauth_error(error: str, description: str) -> StandinResponse:
    return StandinResponse.json({"error": error, "error_description": description}, status=400)


STANDIN = FcmStandin
