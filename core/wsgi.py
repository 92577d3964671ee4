"""WSGI entry point (gunicorn core.wsgi). Each worker warms up before it serves (core.warmup)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
application = get_wsgi_application()

from core.warmup import warm_up  # noqa: E402 - needs the settings configured just above

warm_up()
