"""Serve every provider stand-in on loopback, and optionally give a workspace accounts that
deliver to them: `manage.py touchflow_standins [--port 9100] [--workspace demo]`.

The demo then sends through each real protocol (signatures, tokens, batches, receipts) with no
network. Runs until interrupted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from channels_plugins.models import ChannelAccount
from channels_plugins.services import create_account, update_account
from channels_plugins.standins import available
from channels_plugins.standins.base import Standin, serving
from core.models import Workspace


@contextmanager
def serving_all(
    classes: dict[str, type[Standin]], host: str, first_port: int
) -> Iterator[list[Standin]]:
    """Each stand-in on its own port, counting up from `first_port` (0: any free ports)."""
    with ExitStack() as stack:
        running = [
            stack.enter_context(serving(cls(), host, first_port + index if first_port else 0))
            for index, cls in enumerate(classes[name] for name in sorted(classes))
        ]
        yield running


def account_name(standin: Standin) -> str:
    return f"{standin.provider}-standin"


@transaction.atomic
def point_accounts(workspace: Workspace, standins: list[Standin]) -> list[ChannelAccount]:
    """An account per stand-in, `<provider>-standin`, created or re-pointed at its URL."""
    accounts = []
    for standin in standins:
        name, config = account_name(standin), standin.account_config()
        existing = ChannelAccount.objects.filter(workspace=workspace, name=name).first()
        if existing is None:
            account = create_account(
                workspace,
                name=name,
                channel=standin.channel,
                provider=standin.provider,
                config=config,
            )
        else:
            account = update_account(existing, provider=standin.provider, config=config)
        accounts.append(account)
    return accounts


class Command(BaseCommand):
    help = "Serve the providers' stand-ins on loopback (and point a workspace's accounts at them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=9100, help="first port; 0 for any")
        parser.add_argument(
            "--workspace", help="slug of a workspace to give a `<provider>-standin` account each"
        )

    def handle(self, *args: object, **options: object) -> None:
        classes = available()
        if not classes:
            raise CommandError("No stand-ins are installed.")
        workspace = None
        if options["workspace"]:
            workspace = Workspace.objects.filter(slug=str(options["workspace"])).first()
            if workspace is None:
                raise CommandError(f"No workspace {options['workspace']!r}.")
        port = options["port"]
        assert isinstance(port, int)
        with serving_all(classes, str(options["host"]), port) as running:
            for standin in running:
                self.stdout.write(f"{standin.provider:>10}  {standin.url}")
            if workspace is not None:
                for account in point_accounts(workspace, running):
                    self.stdout.write(f"account {account.name!r} delivers to its stand-in")
            self.stdout.write("Serving; Ctrl-C stops.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return
