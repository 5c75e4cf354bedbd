"""``flask samen retention ...``: deleting or anonymising what is due under the retention periods."""

from __future__ import annotations

import click

retention = click.Group("retention", help="Retention periods: delete or anonymise what is due.")

#: The commands this module adds to ``flask samen``.
COMMANDS: list[click.Command] = [retention]
