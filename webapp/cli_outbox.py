"""``flask samen outbox ...``: sending the e-mails waiting in the outbox."""

from __future__ import annotations

import click

outbox = click.Group("outbox", help="The outbox of e-mails: send what is due, retry what failed.")

#: The commands this module adds to ``flask samen``.
COMMANDS: list[click.Command] = [outbox]
