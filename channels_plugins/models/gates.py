"""Per-account dispatch state every dispatch worker shares: the rate limit's token bucket and
the circuit breaker. One small row per account, written only by compare-and-set on `version`
(`channels_plugins.gates`), so concurrent workers on SQLite or PostgreSQL never lose an update.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from channels_plugins.models.accounts import ChannelAccount


class BreakerState(models.TextChoices):
    # Closed: sending normally. Open: the provider kept failing, messages wait until
    # `reopens_at`. Half-open: one probe message is out; the rest wait for it.
    CLOSED = "closed", pgettext_lazy("circuit breaker", "Closed")
    OPEN = "open", pgettext_lazy("circuit breaker", "Open")
    HALF_OPEN = "half_open", pgettext_lazy("circuit breaker", "Half-open")


class AccountGate(models.Model):
    account = models.OneToOneField(
        ChannelAccount,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="gate",
        verbose_name=_("account"),
    )
    tokens = models.FloatField(
        default=0.0, help_text=_("Tokens in the bucket at `refilled_at`."), verbose_name=_("tokens")
    )
    refilled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("refilled at"))
    breaker = models.CharField(
        max_length=16,
        choices=BreakerState.choices,
        default=BreakerState.CLOSED,
        verbose_name=_("breaker"),
    )
    failures = models.PositiveIntegerField(
        default=0,
        help_text=_("Consecutive failures that show the provider unwell."),
        verbose_name=_("failures"),
    )
    opened_at = models.DateTimeField(null=True, blank=True, verbose_name=_("opened at"))
    reopens_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Open: when the cooldown ends. Half-open: probe lease."),
        verbose_name=_("reopens at"),
    )
    cooldown = models.FloatField(
        default=0.0, help_text=_("The current cooldown, in seconds."), verbose_name=_("cooldown")
    )
    version = models.PositiveBigIntegerField(default=0, verbose_name=_("version"))

    def __str__(self) -> str:
        return f"gate of account {self.account_id} ({self.breaker})"
