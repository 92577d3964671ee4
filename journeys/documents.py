"""Facts about a journey document as stored bytes: its size and its checksum."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(document: Any) -> bytes:
    """Key-sorted, compact UTF-8 JSON: equal documents give equal bytes."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def checksum(document: Any) -> str:
    return hashlib.sha256(canonical_json(document)).hexdigest()


def encoded_size(document: Any) -> int:
    """Bytes of the document as JSON, the measure of the 1 MB draft limit."""
    return len(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode())
