"""Serve every provider stand-in on loopback, and optionally point a workspace's accounts at
them: `manage.py touchflow_standins [--port 9100] [--workspace demo [--point push-main=huawei]]`.

With `--workspace`, each stand-in gets a `<provider>-standin` account there; `--point
ACCOUNT=PROVIDER` (repeatable) also re-points an existing account, so the demo's journeys
(which send through `push-main`, `sms-main`, …) deliver through each real protocol
(signatures, tokens, batches, receipts) with no network. Runs until interrupted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from channels_plugins.models import ChannelAccount
from channels_plugins.services import AccountInvalid, create_account, update_account
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
def point_accounts(
    workspace: Workspace, targets: list[tuple[str, Standin]]
) -> list[ChannelAccount]:
    """Each (account name, stand-in): that account created, or re-pointed, to deliver there."""
    accounts = []
    for name, standin in targets:
        config = standin.account_config()
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


def targets_for(running: list[Standin], points: list[str]) -> list[tuple[str, Standin]]:
    """A `<provider>-standin` account per stand-in, plus each `ACCOUNT=PROVIDER` asked for."""
    by_provider = {standin.provider: standin for standin in running}
    targets = [(account_name(standin), standin) for standin in running]
    for point in points:
        name, _, provider = point.partition("=")
        if not name or provider not in by_provider:
            known = ", ".join(sorted(by_provider))
            raise CommandError(f"--point wants ACCOUNT=PROVIDER with a provider of: {known}.")
        targets.append((name, by_provider[provider]))
    return targets


class Command(BaseCommand):
    help = "Serve the providers' stand-ins on loopback (and point a workspace's accounts at them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=9100, help="first port; 0 for any")
        parser.add_argument(
            "--workspace", help="slug of a workspace to give a `<provider>-standin` account each"
        )
        parser.add_argument(
            "--point",
            action="append",
            default=[],
            metavar="ACCOUNT=PROVIDER",
            help="with --workspace, re-point that account at the provider's stand-in",
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
                points = options["point"]
                assert isinstance(points, list)
                try:
                    accounts = point_accounts(workspace, targets_for(running, points))
                except AccountInvalid as exc:
                    raise CommandError(f"An account cannot take that stand-in: {exc}") from exc
                for account in accounts:
                    self.stdout.write(
                        f"account {account.name!r} delivers to the {account.provider} stand-in"
                    )
            self.stdout.write("Serving; Ctrl-C stops.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return
