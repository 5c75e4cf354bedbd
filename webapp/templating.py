"""Template globals and filters: vocabularies, Dutch dates and numbers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, get_locale, ngettext
from jinja2 import pass_context
from jinja2.runtime import Context

from webapp import catalogue, enums
from webapp import labels as enum_labels
from webapp.clock import local_date
from webapp.rules import Offset


def km(value: float) -> str:
    """1.234 -> '1,2 km' in Dutch, '1.2 km' in English."""
    return f"{format_decimal(round(value, 1), format='#,##0.0')} km"


def number(value: object) -> object:
    """A whole number as people read it: 41087 -> '41.087' in Dutch, '41,087' in English; anything else as is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return format_decimal(value, format="#,##0")
    return value


def when(value: date | datetime | None, style: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "d MMM yyyy HH:mm" if style == "medium" else style)
    return format_date(value, "d MMM yyyy" if style == "medium" else style)


def labels(codes: Iterable[str], vocabulary: dict[str, object]) -> str:
    return ", ".join(catalogue.label(vocabulary, code) for code in codes)


def aria(field: Any, hint: object | None) -> dict[str, str]:
    """ARIA attributes that tie an input to its hint and error message."""
    described = [f"{field.id}-hint"] if hint else []
    attributes = {}
    if field.errors:
        described.append(f"{field.id}-error")
        attributes["aria-invalid"] = "true"
    if described:
        attributes["aria-describedby"] = " ".join(described)
    return attributes


def summary_label(text: object) -> str:
    """A field label as the start of an error-summary line: without its own closing '?', '.' or ':'."""
    return str(text).strip().rstrip("?.:").strip()


def moment_label(offset: Offset | None) -> str:
    """A check-in moment as people say it: '6 weken', '3 maanden'."""
    if offset is None:
        return ""
    if offset.weeks:
        return ngettext("%(num)d week", "%(num)d weken", offset.weeks)
    return ngettext("%(num)d maand", "%(num)d maanden", offset.months)


def _counts_grouped(ngettext_of_jinja: Callable[..., str]) -> Callable[..., str]:
    """Jinja's ngettext with the count shown as :func:`number` shows it ("44.014 bewoners"); the templates' plural
    messages take their count as ``%(num)s``."""

    @pass_context
    def counted(context: Context, singular: str, plural: str, count: int, **variables: Any) -> str:
        variables.setdefault("num", number(count))
        return ngettext_of_jinja(context, singular, plural, count, **variables)

    return counted


def register(app: Flask) -> None:
    app.jinja_env.filters.update(km=km, number=number, when=when)
    app.jinja_env.globals["ngettext"] = _counts_grouped(app.jinja_env.globals["ngettext"])

    # Globals rather than a context processor: imported form macros see globals, not the request context.
    app.jinja_env.globals.update(
        {
            "current_locale": lambda: str(get_locale() or "nl"),
            "aria": aria,
            "summary_label": summary_label,
            "days": catalogue.DAYS,
            "day_parts": catalogue.DAY_PARTS,
            "day_labels": catalogue.DAY_LABELS,
            "day_short": catalogue.DAY_SHORT,
            "part_labels": catalogue.PART_LABELS,
            "slot_label": catalogue.slot_label,
            "programme_label": lambda code: catalogue.label(catalogue.PROGRAMMES, code) if code else "",
            "interest_labels": lambda codes: labels(codes, catalogue.INTERESTS),
            "language_labels": lambda codes: labels(codes, catalogue.LANGUAGES),
            "slot_labels": lambda codes: ", ".join(catalogue.slot_label(c) for c in codes),
            "gender_label": lambda code: catalogue.label(catalogue.GENDERS, str(code)) if code else "",
            "enums": enums,
            "local_date": local_date,
            "status_label": enum_labels.label,
            "badge_kind": enum_labels.badge_kind,
            "referral_explanation": enum_labels.referral_explanation,
            "reason_label": enum_labels.reason_label,
            "moment_label": moment_label,
            "programmes": catalogue.PROGRAMMES,
            "programme_descriptions": catalogue.PROGRAMME_DESCRIPTIONS,
        }
    )
