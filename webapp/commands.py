"""Command-line tasks: ``flask --app webapp samen ...``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

samen = AppGroup("samen", help="Samen tasks.")


def register(app: Flask) -> None:
    app.cli.add_command(samen)
