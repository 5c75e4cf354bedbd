"""A page of a list that was sorted in Python, with what the pager macro reads of a Flask-SQLAlchemy page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ListPage:
    items: Sequence[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def page_of(rows: Sequence[Any], requested: int | None, per_page: int) -> ListPage:
    """The requested page (1 for a missing or nonsensical number, the last page beyond the end)."""
    last = max(1, -(-len(rows) // per_page))
    number = min(max(1, requested or 1), last)
    return ListPage(rows[(number - 1) * per_page : number * per_page], number, per_page, len(rows))
