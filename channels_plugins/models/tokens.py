"""Provider access tokens every dispatch worker and process shares.

Some providers (WeChat's `access_token` above all) hand out one token per app at a time and
invalidate the previous one when a new one is fetched, or limit how often one may be fetched.
A token held in one process's memory would then be refetched by every worker, each fetch
breaking the others' tokens; one row per app here is the single central store they all read.
`channels_plugins.tokens` reads and writes it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProviderToken(models.Model):
    key = models.CharField(
        max_length=300,
        unique=True,
        help_text=_("Provider, base URL and app id: whose token this is."),
        verbose_name=_("key"),
    )
    token = models.TextField(verbose_name=_("token"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    fetched_at = models.DateTimeField(verbose_name=_("fetched at"))

    def __str__(self) -> str:
        return f"{self.key} (until {self.expires_at:%Y-%m-%d %H:%M})"
