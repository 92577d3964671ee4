"""Cursor pages of `limit` items (default 50, at most 500): stable and cheap on big tables."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class LimitPagination(CursorPagination):
    page_size = 50
    max_page_size = 500
    page_size_query_param = "limit"
    ordering = "-id"
