"""Work every web worker needs before it can answer, done when it starts so no user waits.

Without it the first request a worker serves imports every view through the URL conf and builds
the channel plugin registry (an entry-point scan of the installed packages): about 0.7 s that the
canvas benchmark saw on the first `GET /channels/` of each gunicorn worker.
"""

from __future__ import annotations

from django.urls import get_resolver


def warm_up() -> None:
    from channels_plugins.registry import get_registry

    get_resolver().url_patterns  # noqa: B018 - importing the URL conf imports every view
    get_registry()
