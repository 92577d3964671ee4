"""Refuse oversized bodies with 413 before anything reads them."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core.api.parsers import unstorable
from core.conf import touchflow_settings


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = touchflow_settings.MAX_REQUEST_BYTES
        if length > limit:
            body = {"detail": f"The request body is larger than {limit} bytes."}
            return HttpResponse(json.dumps(body), status=413, content_type="application/json")
        return self.get_response(request)


class RejectUnstorableTextMiddleware:
    """A NUL in the path or query string (`%00`) reaches database lookups, which PostgreSQL
    refuses with an error; such a request can only be a mistake or a probe, so it gets a 400."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        texts = [request.path, *request.GET.keys()]
        texts.extend(value for values in request.GET.lists() for value in values[1])
        if any(unstorable(text) for text in texts):
            body = {"detail": "The URL contains a NUL character or an unpaired surrogate."}
            return HttpResponse(json.dumps(body), status=400, content_type="application/json")
        return self.get_response(request)
