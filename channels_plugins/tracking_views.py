"""Public endpoints behind the links Touchflow puts in email: clicks, opens, unsubscribes.

No authentication: the signed token in the path is the credential, and anything wrong with it
(forged, altered, for a message that no longer exists) is a 404 that records nothing. Each
answer is one or two queries plus the event, so a mail client is never kept waiting.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from channels_plugins import tracking
from channels_plugins.models import Message

# The smallest transparent GIF: 1x1, one transparent colour.
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def _message(purpose: str, token: str) -> tuple[Message, tuple[int, ...]]:
    numbers = tracking.read_token(purpose, token)
    if numbers is None:
        raise Http404("Unknown link.")
    message = Message.objects.select_related("contact", "workspace").filter(pk=numbers[0]).first()
    if message is None:
        raise Http404("Unknown link.")
    return message, numbers


@require_GET
def click(request: HttpRequest, token: str) -> HttpResponse:
    message, (_, index) = _message(tracking.CLICK, token)
    url = tracking.link_for_click(message, index)
    if url is None:
        raise Http404("Unknown link.")
    tracking.record_click(message, index, url)
    response = HttpResponseRedirect(url)
    add_never_cache_headers(response)  # a cached redirect would hide the next click
    return response


@require_GET
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    message, _ = _message(tracking.OPEN, token)
    tracking.record_open(message)
    response = HttpResponse(PIXEL, content_type="image/gif")
    add_never_cache_headers(response)
    response["Pragma"] = "no-cache"
    return response


@csrf_exempt  # RFC 8058: mailbox providers POST here with no session and no CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirm button and changes nothing (mail scanners prefetch links); POST,
    from that button or a mailbox provider's one-click, unsubscribes. Repeats answer the same."""
    message, _ = _message(tracking.UNSUBSCRIBE, token)
    if request.method == "POST":
        tracking.unsubscribe(message)
    response = render(
        request,
        "channels_plugins/unsubscribe.html",
        {
            "sender": message.workspace.name,
            "done": tracking.is_unsubscribed(message),
        },
    )
    add_never_cache_headers(response)
    return response
