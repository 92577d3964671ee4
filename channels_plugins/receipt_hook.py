"""`POST /hooks/<account_id>/<token>/`: where providers post receipts for one channel account.

The URL's token is the authentication (no session, no API key, no CSRF token: providers
cannot hold those). It is compared in constant time, and a wrong account and a wrong token
get the same 404, so the endpoint says nothing about which accounts exist. Then the account's
provider checks its own signature (`Provider.verify_receipt`) and reads the body
(`Provider.parse_receipts`); `receipts.apply_receipts` records what it says.

Answers: 200 `{"accepted", "duplicates", "unknown"}`; 400 `{"errors": [{"code", "message",
"path"}]}` for a body the provider cannot read (`path` a JSON pointer into it); 401/403 with
one such error for a signature problem; 405 when the provider takes no receipts; 413 above
MAX_RECEIPT_BYTES. Never a 500 for anything a sender can put in a request. A provider may
answer otherwise (`Provider.receipt_answer`: Alibaba Cloud's `"code": 0`, WeChat's
`success`). A GET is a provider checking that we own the URL (WeChat's `echostr`
handshake): answered by `Provider.answer_url_check` for providers that do that, 405 for the
rest.
"""

from __future__ import annotations

import hmac
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from channels_plugins.base import (
    Provider,
    Receipt,
    ReceiptMalformed,
    ReceiptRejected,
    ReceiptRequest,
)
from channels_plugins.models import ChannelAccount, new_hook_token
from channels_plugins.receipts import apply_receipts
from channels_plugins.registry import get_registry
from core import clock
from core.api.parsers import find_unstorable_text
from core.conf import touchflow_settings

NOT_FOUND = {"detail": "Not found."}
MAX_ID = 2**63 - 1
# Compared against when the account does not exist, so both misses take the same time.
_DECOY_TOKEN = new_hook_token()


def receipt_url(account: ChannelAccount) -> str:
    """The full URL an operator gives the provider for this account's receipts."""
    base = str(touchflow_settings.PUBLIC_URL).rstrip("/")
    return f"{base}/hooks/{account.pk}/{account.hook_token}/"


def _error(status: int, code: str, message: str, path: str = "") -> JsonResponse:
    return JsonResponse(
        {"errors": [{"code": code, "message": message, "path": path}]}, status=status
    )


def _account(account_id: int, token: str) -> ChannelAccount | None:
    account = None
    if account_id <= MAX_ID:  # larger ones overflow the database's integer
        account = ChannelAccount.objects.select_related("workspace").filter(pk=account_id).first()
    expected = account.hook_token if account is not None else _DECOY_TOKEN
    if not hmac.compare_digest(expected.encode(), token.encode()):
        return None
    return account


def _unstorable(receipt: Receipt) -> bool:
    texts = [receipt.id, receipt.provider_message_id, receipt.idempotency_key, receipt.recipient]
    return find_unstorable_text([texts, dict(receipt.detail)]) is not None


def _query(request: HttpRequest) -> dict[str, str]:
    return {name: request.GET.get(name, "") for name in request.GET}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def receive_receipts(request: HttpRequest, account_id: int, token: str) -> HttpResponse:
    account = _account(account_id, token)
    if account is None:
        return JsonResponse(NOT_FOUND, status=404)
    provider = get_registry().provider(account.channel, account.provider)
    if request.method == "GET":
        return _url_check(request, account, provider)
    if provider is None or not provider.accepts_receipts:
        return _error(
            405, "receipts_not_supported", f"Provider {account.provider!r} takes no receipts."
        )
    limit = touchflow_settings.MAX_RECEIPT_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit or len(body := request.body) > limit:
        return _error(413, "too_large", f"The body is larger than {limit} bytes.")
    query = request.META.get("QUERY_STRING", "")
    incoming = ReceiptRequest(
        body=body,
        headers={name.lower(): value for name, value in request.headers.items()},
        received_at=clock.now(),
        query=_query(request),
        # What the provider called: the URL it was given (behind any proxy), not Django's view.
        url=receipt_url(account) + (f"?{query}" if query else ""),
    )
    config: dict[str, Any] = dict(account.config)
    try:
        provider.verify_receipt(config, incoming)
        receipts = provider.parse_receipts(config, incoming)
    except ReceiptRejected as exc:
        return _error(exc.status, exc.code, exc.message)
    except ReceiptMalformed as exc:
        return JsonResponse({"errors": [p.as_dict() for p in exc.problems]}, status=400)
    if any(_unstorable(receipt) for receipt in receipts):
        # A provider that does not check passed on text PostgreSQL cannot hold.
        return _error(400, "unstorable_text", "A NUL character or an unpaired surrogate.")
    answer = provider.receipt_answer(apply_receipts(account, receipts).as_dict())
    if isinstance(answer, str):
        return HttpResponse(answer, content_type="text/plain; charset=utf-8")
    return JsonResponse(answer)


def _url_check(
    request: HttpRequest, account: ChannelAccount, provider: Provider | None
) -> HttpResponse:
    if provider is None or not provider.accepts_url_checks:
        return _error(405, "url_check_not_supported", "Receipts are posted to this URL.")
    incoming = ReceiptRequest(
        body=b"",
        headers={name.lower(): value for name, value in request.headers.items()},
        received_at=clock.now(),
        query=_query(request),
    )
    try:
        answer = provider.answer_url_check(dict(account.config), incoming)
    except ReceiptRejected as exc:
        return _error(exc.status, exc.code, exc.message)
    return HttpResponse(answer, content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("<int:account_id>/<str:token>/", receive_receipts, name="receipt-hook"),
]
