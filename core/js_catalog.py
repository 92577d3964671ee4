"""The canvas's translations (`/jsi18n/`), cacheable by the browser.

Django's JavaScriptCatalog builds the catalog on every request and sends it uncacheable, and the
canvas page loads it before its own script runs: every opening of the canvas waited for it. The
page now asks for `/jsi18n/?v=<version>`, where the version is a digest of the compiled catalogs
(.mo files) this process serves, so the answer can be cached for a year: new translations are a
new deployment, whose processes compute a new version, hence a new URL. The answer still varies
with the language (LocaleMiddleware's `Vary: Accept-Language`) and is kept by the browser only
(`private`): a shared cache could not tell a language chosen any other way.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from django.conf import settings
from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog

from core.message_catalogs import LOCALE_DIR

PACKAGES = ["core", "journeys", "channels_plugins"]
A_YEAR = 365 * 24 * 3600


@lru_cache(maxsize=1)
def catalog_version() -> str:
    """A digest of every djangojs catalog served and of the languages offered."""
    digest = hashlib.sha256(repr(settings.LANGUAGES).encode())
    for compiled in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/djangojs.mo")):
        digest.update(compiled.parent.parent.name.encode())
        digest.update(compiled.read_bytes())
    return digest.hexdigest()[:12]


@method_decorator(cache_control(max_age=A_YEAR, private=True, immutable=True), name="get")
class CanvasCatalog(JavaScriptCatalog):
    """The catalog of Touchflow's apps, cacheable: its URL changes with its content."""

    packages = PACKAGES
