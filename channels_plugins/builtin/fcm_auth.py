"""Google service-account OAuth for FCM: a signed JWT exchanged for an access token, cached.

Hand-written with `cryptography` rather than through `google-auth`: the grant is one RS256
signature and one form POST, and doing it here lets the token's expiry follow `core.clock` (so
tests move time with time_machine), lets it go through our shared `httpx.Client`, and keeps
`requests` out of the runtime dependencies. The exchange is Google's JWT-bearer grant
(RFC 7523): `POST token_uri` with `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` and
`assertion=<jwt>`, answered `{"access_token", "expires_in", "token_type": "Bearer"}`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from channels_plugins.base import Failed, retry_after_seconds
from core import clock

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL, not a secret
ASSERTION_LIFETIME = timedelta(hours=1)  # Google's maximum for the JWT's exp - iat
REFRESH_EARLY = timedelta(minutes=5)  # fetch a new token this long before the old one expires


class ServiceAccountProblem(ValueError):
    """The service-account JSON cannot sign anything: every message fails `config`."""


class TokenFailed(Exception):
    """The token endpoint refused or could not be reached; `failure` is what each message gets."""

    def __init__(self, failure: Failed) -> None:
        super().__init__(failure.detail)
        self.failure = failure


@dataclass(frozen=True)
class ServiceAccount:
    client_email: str
    private_key: rsa.RSAPrivateKey
    private_key_id: str
    token_uri: str
    key_digest: str  # tells two keys of one account apart in the token cache

    @classmethod
    def from_json(cls, text: str, token_uri: str = "") -> ServiceAccount:
        """Read a key file as Google hands it out; `token_uri` (the account's) wins over its own."""
        try:
            info = json.loads(text)
        except ValueError as exc:
            raise ServiceAccountProblem(f"service_account_json is not JSON: {exc}") from exc
        if not isinstance(info, Mapping):
            raise ServiceAccountProblem("service_account_json must be a JSON object")
        missing = [k for k in ("client_email", "private_key") if not isinstance(info.get(k), str)]
        if missing:
            raise ServiceAccountProblem(f"service_account_json lacks {', '.join(missing)}")
        pem = str(info["private_key"]).encode()
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as exc:
            raise ServiceAccountProblem(f"private_key is not a PEM private key: {exc}") from exc
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ServiceAccountProblem("private_key must be an RSA key (RS256)")
        return cls(
            client_email=str(info["client_email"]),
            private_key=key,
            private_key_id=str(info.get("private_key_id") or ""),
            token_uri=token_uri or str(info.get("token_uri") or GOOGLE_TOKEN_URI),
            key_digest=hashlib.sha256(pem).hexdigest(),
        )

    def assertion(self, now: datetime) -> str:
        """The RS256 JWT Google's token endpoint takes: iss, scope, aud = token_uri, iat, exp."""
        header: dict[str, Any] = {"alg": "RS256", "typ": "JWT"}
        if self.private_key_id:
            header["kid"] = self.private_key_id
        issued = int(now.timestamp())
        claims = {
            "iss": self.client_email,
            "scope": SCOPE,
            "aud": self.token_uri,
            "iat": issued,
            "exp": issued + int(ASSERTION_LIFETIME.total_seconds()),
        }
        signing_input = f"{_b64(header)}.{_b64(claims)}".encode()
        signature = self.private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input.decode()}.{_b64url(signature)}"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64(payload: Mapping[str, Any]) -> str:
    return _b64url(json.dumps(payload, separators=(",", ":")).encode())


@dataclass(frozen=True)
class AccessToken:
    value: str
    refresh_at: datetime  # when to fetch the next one (before the token really expires)


def fetch_token(account: ServiceAccount, client: httpx.Client) -> AccessToken:
    """One JWT-bearer grant; raises `TokenFailed` with the kind dispatch should act on."""
    now = clock.now()
    try:
        response = client.post(
            account.token_uri,
            data={"grant_type": GRANT_TYPE, "assertion": account.assertion(now)},
        )
    except httpx.InvalidURL as exc:
        raise TokenFailed(Failed("config", f"token_uri: {exc}")) from exc
    except httpx.HTTPError as exc:
        raise TokenFailed(Failed("transient", f"token endpoint: {type(exc).__name__}")) from exc
    body = _json(response)
    if response.status_code == 200 and isinstance(body.get("access_token"), str):
        lifetime = timedelta(seconds=float(body.get("expires_in") or 3600))
        # A token shorter-lived than twice the margin is still used for half its life.
        return AccessToken(
            str(body["access_token"]), now + max(lifetime - REFRESH_EARLY, lifetime / 2)
        )
    detail = f"token endpoint HTTP {response.status_code}: {body.get('error', '')}"
    if body.get("error_description"):
        detail += f" ({body['error_description']})"
    if response.status_code == 429:
        raise TokenFailed(
            Failed(
                "rate_limited",
                detail,
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        )
    if response.status_code >= 500:
        raise TokenFailed(
            Failed(
                "transient",
                detail,
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        )
    # invalid_grant (bad signature, unknown account, clock skew), invalid_client, invalid_scope
    raise TokenFailed(Failed("auth", detail))


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class TokenCache:
    """Access tokens per service account and key, shared by every send in the process.

    One lock per account: a batch's threads that all hit a 401 refresh once between them (the
    others find the new token when the lock lets them in).
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[tuple[str, str, str], threading.Lock] = {}
        self._tokens: dict[tuple[str, str, str], AccessToken] = {}

    def token(self, account: ServiceAccount, client: httpx.Client, *, stale: str = "") -> str:
        """A usable access token; `stale` names one the server refused, never handed out again."""
        key = (account.token_uri, account.client_email, account.key_digest)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            cached = self._tokens.get(key)
            if cached is not None and cached.value != stale and clock.now() < cached.refresh_at:
                return cached.value
            fresh = fetch_token(account, client)
            self._tokens[key] = fresh
            return fresh.value

    def clear(self) -> None:
        with self._guard:
            self._tokens.clear()


TOKENS = TokenCache()
