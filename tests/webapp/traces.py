"""Search every text column of every table for a person's identifying data (the erasure and retention tests).

Every ``String``/``Text`` (enumerations too) and ``JSON`` column of every table in the metadata is read, so a column
added later is searched without changing this file. A value matches case-insensitively, also inside JSON (the
document as text), and a phone number also matches when it was written with other spaces, dashes or dots.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import JSON, String, select

from webapp.extensions import db

_SEPARATORS = re.compile(r"[\s\-.()/]+")


def text_columns() -> list[tuple[Any, Any]]:
    """(table, column) for every text or JSON column."""
    return [
        (table, column)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, (String, JSON))
    ]


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _compact(text: str) -> str:
    return _SEPARATORS.sub("", text.casefold())


def traces(needles: Iterable[str]) -> dict[str, set[str]]:
    """For each needle: the ``table.column`` places where it occurs (an empty set: nowhere)."""
    wanted = [n for n in needles if n.strip()]
    found: dict[str, set[str]] = {needle: set() for needle in wanted}
    by_table: dict[Any, list[Any]] = {}
    for table, column in text_columns():
        by_table.setdefault(table, []).append(column)
    for table, columns in by_table.items():
        for row in db.session.execute(select(*columns)).all():
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                text = _as_text(value)
                folded, compact = text.casefold(), _compact(text)
                for needle in wanted:
                    if needle.casefold() in folded or (_compact(needle) and _compact(needle) in compact):
                        found[needle].add(f"{table.name}.{column.name}")
    return found


def digits(phone: str) -> str:
    return "".join(character for character in phone if character.isdigit())
