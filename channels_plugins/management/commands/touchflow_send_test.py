"""Send one test message through a channel account and print what the provider said.

Exits non-zero when nothing could be sent or the provider refused, so a deploy script can use it.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from channels_plugins.base import Failed
from channels_plugins.trial_send import TrialError, find_account, send_trial, trial_params


class Command(BaseCommand):
    help = "Send one test message through a channel account (outside any journey)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("account", help="The channel account's name, e.g. email-main.")
        parser.add_argument(
            "address", help="Where to send: an email, a phone number, a push token or an openid."
        )
        parser.add_argument(
            "--workspace", help="The workspace's slug; needed when several have the account."
        )
        parser.add_argument(
            "--params",
            help='The send-node params as JSON, e.g. \'{"title": "Hi", "body": "Test"}\'; '
            "default: a test message for email, SMS and push.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        given = None
        if options["params"] is not None:
            try:
                given = json.loads(options["params"])
            except json.JSONDecodeError as exc:
                raise CommandError(f"--params is not JSON: {exc}") from exc
            if not isinstance(given, dict):
                raise CommandError("--params must be a JSON object.")
        try:
            account = find_account(options["account"], options["workspace"])
            params = trial_params(account.channel, given)
            self.stdout.write(
                f"Sending a test {account.channel} message through {account.name} "
                f"({account.provider}, workspace {account.workspace.slug}) to {options['address']}"
            )
            outcome = send_trial(account, options["address"], params)
        except TrialError as exc:
            raise CommandError(str(exc)) from exc
        if isinstance(outcome, Failed):
            detail = f": {outcome.detail}" if outcome.detail else ""
            raise CommandError(f"Failed ({outcome.kind}){detail}")
        self.stdout.write(f"Sent: {outcome.provider_message_id}")
