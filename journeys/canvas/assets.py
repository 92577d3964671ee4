"""Where the built canvas bundle is: Vite's manifest maps the entry to hashed file names.

The bundle is built by `make` (npm ci + vite build) into frontend_static/dist/, which settings
add to the static files under the prefix `canvas/`. Reading the manifest ourselves keeps the
page free of a dev-server integration it does not need.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.templatetags.static import static

ENTRY = "src/main.tsx"
STATIC_PREFIX = "canvas"


class BundleMissing(Exception):
    """The canvas was not built: `make run` or `make test` build it."""


@dataclass(frozen=True)
class CanvasBundle:
    script: str
    styles: tuple[str, ...]


def manifest_path() -> Path:
    return Path(settings.CANVAS_BUILD_DIR) / ".vite" / "manifest.json"


def canvas_bundle() -> CanvasBundle:
    """The entry's script and stylesheets as static URLs."""
    path = manifest_path()
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError as exc:
        raise BundleMissing(str(path)) from exc
    return _read(str(path), stamp)


@lru_cache(maxsize=4)
def _read(path: str, stamp: int) -> CanvasBundle:
    """Cached per manifest file version, so a rebuild is picked up without a restart."""
    entry = json.loads(Path(path).read_text(encoding="utf-8"))[ENTRY]
    return CanvasBundle(
        script=static(f"{STATIC_PREFIX}/{entry['file']}"),
        styles=tuple(static(f"{STATIC_PREFIX}/{css}") for css in entry.get("css", [])),
    )
