"""Twilio Programmable Messaging's side: `POST /2010-04-01/Accounts/{sid}/Messages.json`.

It checks HTTP Basic `AccountSid:AuthToken` or `ApiKeySid:ApiKeySecret` (a wrong one gets
Twilio's 401 error 20003), validates the form as Twilio does (21211 for a `To` that is not
E.164, 21603/21602 for a missing sender or body, 21617 for a body over 1600 characters), and
answers 201 with Twilio's message resource (`sid` "SM…", `status` "queued", or "accepted"
through a Messaging Service).

Knobs: `scripted` maps a `To` number to a Twilio error code it answers with (with the HTTP
status Twilio uses for it); `retry_after` is sent with 429s. `deliver(sid, status, error_code)`
posts the signed status callback to the message's `StatusCallback`, and `reply(url, from_,
body)` posts a signed inbound message (e.g. "STOP"), both signed exactly as Twilio signs them
(`channels_plugins.builtin.twilio.signature`, which the tests check against a known value).
"""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any, ClassVar
from urllib.parse import urlencode

import httpx

from channels_plugins.builtin.twilio import API_VERSION, signature
from channels_plugins.standins.base import Standin, StandinRequest, StandinResponse

E164 = re.compile(r"^\+[1-9]\d{1,14}$")
MESSAGES_PATH = re.compile(rf"^/{API_VERSION}/Accounts/(?P<sid>AC[0-9a-f]{{32}})/Messages\.json$")
ERRORS: dict[int, tuple[int, str]] = {  # code → (HTTP status, Twilio's message)
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "Internal Server Error"),
    21211: (400, "The 'To' number is not a valid phone number."),
    21408: (400, "Permission to send an SMS has not been enabled for the region indicated."),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' phone number is required."),
    21606: (400, "The 'From' phone number provided is not a valid message-capable number."),
    21608: (400, "The number is unverified. Trial accounts may only send to verified numbers."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21612: (400, "The 'To' phone number is not currently reachable via SMS."),
    21614: (400, "'To' number is not a valid mobile number"),
    21617: (400, "The concatenated message body exceeds the 1600 character limit."),
}


def error_response(code: int, retry_after: str | None = None) -> StandinResponse:
    status, message = ERRORS.get(code, (400, f"Error {code}"))
    payload = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    headers = {"Retry-After": retry_after} if status == 429 and retry_after else {}
    return StandinResponse.json(payload, status=status, headers=headers)


class TwilioStandin(Standin):
    channel = "sms"
    provider = "twilio"
    sender: ClassVar[str] = "+15005550006"

    def __init__(self) -> None:
        super().__init__()
        self.account_sid = "AC" + "0123456789abcdef" * 2
        self.auth_token = "twilio-standin-auth-token"  # noqa: S105 - the stand-in's own
        self.api_key_sid = "SK" + "fedcba9876543210" * 2
        self.api_key_secret = "twilio-standin-api-key-secret"  # noqa: S105 - the stand-in's own
        self.scripted: dict[str, int] = {}  # To → error code answered instead of sending
        self.retry_after: str | None = None
        self.messages: dict[str, dict[str, str]] = {}  # sid → the form it was sent with

    def account_config(self) -> dict[str, Any]:
        return {
            "account_sid": self.account_sid,
            "auth_token": self.auth_token,
            "from": self.sender,
            "base_url": self.url,
        }

    def _authenticated(self, request: StandinRequest) -> str | None:
        """The account SID the Basic credentials prove, if they are right."""
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return None
        # Twilio takes the account's own pair or an API key of the account.
        if (user, password) in (
            (self.account_sid, self.auth_token),
            (self.api_key_sid, self.api_key_secret),
        ):
            return self.account_sid
        return None

    def handle(self, request: StandinRequest) -> StandinResponse:
        match = MESSAGES_PATH.match(request.path)
        if request.method != "POST" or match is None:
            return error_response(20404)
        if self._authenticated(request) != match["sid"]:
            return error_response(20003)
        form = {name: values[-1] for name, values in request.form().items()}
        to = form.get("To", "")
        with self.lock:
            code = self.scripted.get(to)
        if code is not None:
            return error_response(code, self.retry_after)
        if not E164.match(to):
            return error_response(21211)
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return error_response(21603)
        if not (form.get("Body") or form.get("ContentSid") or form.get("MediaUrl")):
            return error_response(21602)
        if len(form.get("Body", "")) > 1600:
            return error_response(21617)
        sid = "SM" + uuid.uuid4().hex
        with self.lock:
            self.messages[sid] = form
        service = form.get("MessagingServiceSid")
        return StandinResponse.json(
            {
                "sid": sid,
                "account_sid": match["sid"],
                "api_version": API_VERSION,
                "body": form.get("Body", ""),
                "to": to,
                "from": form.get("From"),
                "messaging_service_sid": service,
                "status": "accepted" if service else "queued",
                "num_segments": "1",
                "num_media": "0",
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "price": None,
                "price_unit": "USD",
                "date_created": "Mon, 02 Nov 2026 04:00:00 +0000",
                "date_sent": None,
                "date_updated": "Mon, 02 Nov 2026 04:00:00 +0000",
                "uri": f"/{API_VERSION}/Accounts/{match['sid']}/Messages/{sid}.json",
                "subresource_uris": {
                    "media": f"/{API_VERSION}/Accounts/{match['sid']}/Messages/{sid}/Media.json"
                },
            },
            status=201,
        )

    def signed_post(self, url: str, params: dict[str, str], token: str = "") -> httpx.Response:
        """Post a form to `url` as Twilio does, signed with the auth token (or `token`)."""
        body = urlencode(params).encode()
        sign = signature(token or self.auth_token, url, {k: [v] for k, v in params.items()})
        return self.post_receipt(
            url,
            body,
            {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sign},
        )

    def deliver(self, sid: str, status: str = "delivered", error_code: int | None = None) -> Any:
        """The status callback Twilio posts for message `sid` to its StatusCallback."""
        form = self.messages[sid]
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "From": form.get("From", ""),
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": form["To"],
        }
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return self.signed_post(form["StatusCallback"], params)

    def reply(self, url: str, from_: str, body: str = "STOP") -> httpx.Response:
        """An inbound message from `from_` to our sender, posted to the number's webhook."""
        sid = "SM" + uuid.uuid4().hex
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "Body": body,
            "From": from_,
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": self.sender,
        }
        if body.strip().upper() == "STOP":
            params["OptOutType"] = "STOP"
        return self.signed_post(url, params)


STANDIN = TwilioStandin
