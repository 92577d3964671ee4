"""WeChat's side of the `wechat_oa` provider: access tokens, template messages, event pushes.

- `POST /cgi-bin/stable_token` checks appid and secret (40013 / 40125) and, like WeChat, hands
  out the same token until 5 minutes before it expires (then a new one, the old one staying
  valid until its own expiry); `force_refresh` issues a new one and invalidates the rest.
  `GET /cgi-bin/token` (the classic API) always issues a new one, invalidating the rest.
- `POST /cgi-bin/message/template/send?access_token=…` answers 41001 / 40001 / 42001 for a
  missing, unknown or expired token, 47001 / 47003 for a malformed body, 40037 for a template
  not in `templates` (when set), then the errcode the knobs script, else
  `{"errcode":0,"errmsg":"ok","msgid":…}`.
- `post_job_finished`, `post_unsubscribe` and `check_url` play WeChat's server calling the
  account's URL: XML events signed in the query with the callback token; with `safe_mode`
  encrypted with the EncodingAESKey and signed over the ciphertext too.

Knobs: `rotate()` (another process force-refreshed: our token now gets 40001), `expire()`
(42001), `errors_for` (openid → errcode), `next_errors` (errcodes answered to the next sends,
in order), `daily_quota` (45009 once that many messages were accepted). Time is `core.clock`.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import httpx
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from channels_plugins.standins.base import Standin, StandinRequest, StandinResponse
from core import clock

TOKEN_LIFETIME = 7200
STABLE_OVERLAP = timedelta(minutes=5)
ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid openid",
    40013: "invalid appid",
    40014: "invalid access_token",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40164: "invalid ip, not in whitelist",
    41001: "access_token missing",
    42001: "access_token expired",
    43004: "require subscribe",
    43019: "require remove blacklist",
    45009: "reach max api daily quota limit",
    47001: "data format error",
    47003: "argument invalid! data.keyword1.value invalid",
    48001: "api unauthorized",
}


def error(code: int, status: int = 200) -> StandinResponse:
    rid = secrets.token_hex(4)
    return StandinResponse.json(
        {"errcode": code, "errmsg": f"{ERRMSG.get(code, 'error')} rid: {rid}"}, status=status
    )


def sign(token: str, timestamp: str, nonce: str) -> str:
    """Recomputed here rather than imported, so a provider bug cannot hide in shared code."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()  # noqa: S324


class WechatOAStandin(Standin):
    channel = "wechat"
    provider = "wechat_oa"

    def __init__(
        self,
        appid: str = "wx0standin0appid",
        secret: str = "standin-app-secret",  # noqa: S107 - a stand-in's own test credential
        callback_token: str = "standin-callback-token",  # noqa: S107
    ) -> None:
        super().__init__()
        self.appid, self.secret, self.callback_token = appid, secret, callback_token
        self.original_id = "gh_7f083739789a"
        # Safe mode: pushes carry only <Encrypt>, signed by msg_signature too (A4.5).
        self.encoding_aes_key = base64.b64encode(secrets.token_bytes(32)).decode()[:43]
        self.safe_mode = False
        self.tokens: dict[str, datetime] = {}  # valid token → expiry
        self.current = ""
        self.token_fetches = 0
        self.forced_fetches = 0
        self.templates: set[str] | None = None
        self.errors_for: dict[str, int] = {}
        self.next_errors: list[int] = []
        self.daily_quota: int | None = None
        self.sent: list[dict[str, Any]] = []  # accepted template/send bodies, with "msgid"
        self._msgids = itertools.count(200228332)

    def account_config(self) -> dict[str, Any]:
        return {
            "appid": self.appid,
            "secret": self.secret,
            "callback_token": self.callback_token,
            "encoding_aes_key": self.encoding_aes_key,
            "api_base_url": self.url,
        }

    # Knobs -------------------------------------------------------------------------------

    def rotate(self) -> str:
        """Another process force-refreshed: a new token, every earlier one invalid (40001)."""
        with self.lock:
            return self._issue(invalidate=True)

    def expire(self) -> None:
        """The current token reaches its end (42001 from now on)."""
        with self.lock:
            if self.current:
                self.tokens[self.current] = clock.now()

    # Protocol ----------------------------------------------------------------------------

    def handle(self, request: StandinRequest) -> StandinResponse:
        if request.path == "/cgi-bin/stable_token" and request.method == "POST":
            return self._stable_token(request)
        if request.path == "/cgi-bin/token" and request.method == "GET":
            return self._classic_token(request)
        if request.path == "/cgi-bin/message/template/send" and request.method == "POST":
            return self._template_send(request)
        return error(-1, status=404)

    def _issue(self, *, invalidate: bool) -> str:
        if invalidate:
            self.tokens.clear()
        self.current = secrets.token_urlsafe(48)
        self.tokens[self.current] = clock.now() + timedelta(seconds=TOKEN_LIFETIME)
        return self.current

    def _credentials_error(self, appid: Any, secret: Any) -> StandinResponse | None:
        if appid != self.appid:
            return error(40013)
        if secret != self.secret:
            return error(40125)
        return None

    def _token_answer(self) -> StandinResponse:
        left = (self.tokens[self.current] - clock.now()).total_seconds()
        return StandinResponse.json({"access_token": self.current, "expires_in": int(left)})

    def _stable_token(self, request: StandinRequest) -> StandinResponse:
        try:
            body = request.json()
        except ValueError:
            return error(47001)
        if not isinstance(body, dict) or body.get("grant_type") != "client_credential":
            return error(40002 if isinstance(body, dict) else 47001)
        refused = self._credentials_error(body.get("appid"), body.get("secret"))
        if refused is not None:
            return refused
        with self.lock:
            self.token_fetches += 1
            if body.get("force_refresh") is True:
                self.forced_fetches += 1
                self._issue(invalidate=True)
            elif (
                not self.current
                or self.tokens.get(self.current, clock.now()) - clock.now() <= STABLE_OVERLAP
            ):
                self._issue(invalidate=False)  # the old one lives on until its own expiry
            return self._token_answer()

    def _classic_token(self, request: StandinRequest) -> StandinResponse:
        query = {name: values[-1] for name, values in request.query.items()}
        if query.get("grant_type") != "client_credential":
            return error(40002)
        refused = self._credentials_error(query.get("appid"), query.get("secret"))
        if refused is not None:
            return refused
        with self.lock:
            self.token_fetches += 1
            self._issue(invalidate=True)  # each classic fetch invalidates the previous token
            return self._token_answer()

    def _template_send(self, request: StandinRequest) -> StandinResponse:
        token = (request.query.get("access_token") or [""])[-1]
        if not token:
            return error(41001)
        with self.lock:
            expires = self.tokens.get(token)
            if expires is None:
                return error(40001)
            if expires <= clock.now():
                return error(42001)
        try:
            body = request.json()
        except ValueError:
            return error(47001)
        problem = _payload_problem(body)
        if problem:
            return error(problem)
        if self.templates is not None and body["template_id"] not in self.templates:
            return error(40037)
        with self.lock:
            if self.next_errors:
                return error(self.next_errors.pop(0))
            if body["touser"] in self.errors_for:
                return error(self.errors_for[body["touser"]])
            if self.daily_quota is not None and len(self.sent) >= self.daily_quota:
                return error(45009)
            msgid = next(self._msgids)
            self.sent.append({**body, "msgid": msgid})
        return StandinResponse.json({"errcode": 0, "errmsg": "ok", "msgid": msgid})

    # WeChat calling the account's server URL ---------------------------------------------

    def signed_query(self, token: str | None = None, **extra: str) -> dict[str, str]:
        """`signature`, `timestamp`, `nonce` as WeChat adds them (with `token`, to sign wrongly)."""
        timestamp = str(int(clock.now().timestamp()))
        nonce = str(secrets.randbelow(10**10))
        signed = sign(self.callback_token if token is None else token, timestamp, nonce)
        return {"signature": signed, "timestamp": timestamp, "nonce": nonce, **extra}

    def event_xml(self, openid: str, event: str, **fields: str) -> bytes:
        created = str(int(clock.now().timestamp()))
        parts = [
            f"<ToUserName><![CDATA[{self.original_id}]]></ToUserName>",
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>",
            f"<CreateTime>{created}</CreateTime>",
            "<MsgType><![CDATA[event]]></MsgType>",
            f"<Event><![CDATA[{event}]]></Event>",
            *(f"<{name}>{escape(value)}</{name}>" for name, value in fields.items()),
        ]
        return ("<xml>" + "".join(parts) + "</xml>").encode()

    def post_event(self, receipt_url: str, body: bytes, token: str | None = None) -> httpx.Response:
        query = self.signed_query(token)
        if self.safe_mode:
            encrypted = self.encrypt(body)
            body = (
                f"<xml><ToUserName><![CDATA[{self.original_id}]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
            ).encode()
            signing = [self.callback_token if token is None else token]
            signing += [query["timestamp"], query["nonce"], encrypted]
            msg_signature = hashlib.sha1("".join(sorted(signing)).encode()).hexdigest()  # noqa: S324
            query.update(encrypt_type="aes", msg_signature=msg_signature)
        url = f"{receipt_url}?{urlencode(query)}"
        return self.post_receipt(url, body, {"Content-Type": "text/xml"})

    def encrypt(self, message: bytes, appid: str | None = None) -> str:
        """AES-256-CBC as WeChat does it: IV = key[:16], PKCS#7 to 32 bytes, appid suffix."""
        key = base64.b64decode(self.encoding_aes_key + "=")
        plain = secrets.token_bytes(16) + len(message).to_bytes(4, "big") + message
        plain += (appid or self.appid).encode()
        pad = 32 - len(plain) % 32
        plain += bytes([pad]) * pad
        encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def post_job_finished(
        self, receipt_url: str, msgid: int | str, openid: str, status: str = "success"
    ) -> httpx.Response:
        body = self.event_xml(openid, "TEMPLATESENDJOBFINISH", MsgID=str(msgid), Status=status)
        return self.post_event(receipt_url, body)

    def post_unsubscribe(self, receipt_url: str, openid: str) -> httpx.Response:
        return self.post_event(receipt_url, self.event_xml(openid, "unsubscribe", EventKey=""))

    def post_subscribe(self, receipt_url: str, openid: str) -> httpx.Response:
        """A follow: WeChat's `subscribe` event (EventKey is empty unless a QR code led there)."""
        return self.post_event(receipt_url, self.event_xml(openid, "subscribe", EventKey=""))

    def check_url(self, receipt_url: str, token: str | None = None) -> tuple[str, httpx.Response]:
        """The GET WeChat makes when the server URL is saved: it expects `echostr` back."""
        echostr = str(secrets.randbelow(10**18))
        query = self.signed_query(token, echostr=echostr)
        return echostr, httpx.get(f"{receipt_url}?{urlencode(query)}", timeout=10)


def _payload_problem(body: Any) -> int:
    """WeChat's errcode for a template/send body it cannot take; 0 when it is well formed."""
    if not isinstance(body, dict):
        return 47001
    if not isinstance(body.get("touser"), str) or not body["touser"]:
        return 40003
    if not isinstance(body.get("template_id"), str) or not body["template_id"]:
        return 40037
    data = body.get("data")
    if not isinstance(data, dict):
        return 47001
    for value in data.values():
        if not isinstance(value, dict) or not isinstance(value.get("value"), str):
            return 47003
        if len(value["value"]) > 200:  # keyword formats cap lengths; `thing` takes 20
            return 47003
    for link in ("url",):
        if link in body and not isinstance(body[link], str):
            return 47001
    miniprogram = body.get("miniprogram")
    if miniprogram is not None and not (
        isinstance(miniprogram, dict) and isinstance(miniprogram.get("appid"), str)
    ):
        return 47001
    return 0


STANDIN = WechatOAStandin
