"""Per-account dispatch state every dispatch worker shares: the rate limit's token bucket and
the circuit breaker. One small row per account, written only by compare-and-set on `version`
(`channels_plugins.gates`), so concurrent workers on SQLite or PostgreSQL never lose an update.
"""

from __future__ import annotations

from django.db import models

from channels_plugins.models.accounts import ChannelAccount


class BreakerState(models.TextChoices):
    CLOSED = "closed", "Closed"  # sending normally
    OPEN = "open", "Open"  # the provider kept failing: messages wait until `reopens_at`
    HALF_OPEN = "half_open", "Half-open"  # one probe message is out; the rest wait for it


class AccountGate(models.Model):
    account = models.OneToOneField(
        ChannelAccount, on_delete=models.CASCADE, primary_key=True, related_name="gate"
    )
    tokens = models.FloatField(default=0.0, help_text="Tokens in the bucket at `refilled_at`.")
    refilled_at = models.DateTimeField(null=True, blank=True)
    breaker = models.CharField(
        max_length=16, choices=BreakerState.choices, default=BreakerState.CLOSED
    )
    failures = models.PositiveIntegerField(
        default=0, help_text="Consecutive failures that show the provider unwell."
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    reopens_at = models.DateTimeField(
        null=True, blank=True, help_text="Open: when the cooldown ends. Half-open: probe lease."
    )
    cooldown = models.FloatField(default=0.0, help_text="The current cooldown, in seconds.")
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"gate of account {self.account_id} ({self.breaker})"
