"""Why, in Dutch: what keeps a volunteer from being matched, why a pair is refused, why a resident still waits.

Data in, short sentences out (no HTML). Services use these for their error messages, templates for their lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from matcher import ReasonCode
from webapp.rules import NO_CONSENT, NO_LOCATION, Blocker


def join_words(words: Iterable[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b en c'."""
    items = [str(w) for w in words]
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s en %(last)s", first=", ".join(items[:-1]), last=items[-1])


def blocker_text(blocker: Blocker, vog_valid_years: int) -> str:
    """A Dutch sentence for a coordinator."""
    if blocker is Blocker.UNKNOWN_PROGRAMME:
        return _("Dit programma bestaat niet meer.")
    if blocker is Blocker.PROGRAMME_INACTIVE:
        return _("Dit programma is niet actief.")
    if blocker is Blocker.NOT_SUITABLE:
        return _("Het intakegesprek heeft (nog) niet de uitkomst 'geschikt'.")
    if blocker is Blocker.RESCREENING:
        return _("Een koppeling is beëindigd wegens zorgen over veiligheid: leg eerst een nieuw intakegesprek vast.")
    if blocker is Blocker.STOPPED:
        return _("De vrijwilliger is gestopt.")
    if blocker is Blocker.RESTRICTED:
        return _("De verwerking van de gegevens van deze vrijwilliger is beperkt (privacyverzoek).")
    if blocker is Blocker.NO_CONSENT:
        return _(
            "De vrijwilliger heeft geen toestemming (meer) gegeven voor intake en koppelen: leg eerst een nieuwe "
            "toestemming vast."
        )
    if blocker is Blocker.NO_FREE_CAPACITY:
        return _("Er is geen vrije plek: alle plekken zijn bezet.")
    if blocker is Blocker.VOG_EXPIRED:
        return ngettext(
            "Dit programma vraagt een VOG van hoogstens %(num)d jaar oud; deze VOG is te oud.",
            "Dit programma vraagt een VOG van hoogstens %(num)d jaar oud; deze VOG is te oud.",
            vog_valid_years,
        )
    return _("Dit programma vraagt een VOG; die is nog niet afgegeven.")


def _code(code: ReasonCode | str) -> str:
    return code.value if isinstance(code, ReasonCode) else str(code)


def _blocked(code: str, n: int, only: bool) -> str:
    """'3 vrijwilligers wonen te ver weg'; 'alle 3 ...' when this rule ruled out every volunteer of the run."""
    if code == ReasonCode.BLOCKED_BY_PROGRAMME.value:
        if only:
            return _("geen vrijwilliger doet mee aan dit programma")
        return ngettext(
            "%(num)d vrijwilliger doet niet mee aan dit programma",
            "%(num)d vrijwilligers doen niet mee aan dit programma",
            n,
        )
    if code == ReasonCode.BLOCKED_BY_LANGUAGE.value:
        if only:
            return _("geen vrijwilliger spreekt dezelfde taal")
        return ngettext(
            "%(num)d vrijwilliger spreekt niet dezelfde taal", "%(num)d vrijwilligers spreken niet dezelfde taal", n
        )
    if code == ReasonCode.BLOCKED_BY_DISTANCE.value:
        if only:
            return ngettext("de enige vrijwilliger woont te ver weg", "alle %(num)d vrijwilligers wonen te ver weg", n)
        return ngettext("%(num)d vrijwilliger woont te ver weg", "%(num)d vrijwilligers wonen te ver weg", n)
    if code == ReasonCode.BLOCKED_BY_AVAILABILITY.value:
        if only:
            return ngettext(
                "de enige vrijwilliger kan niet op dezelfde momenten",
                "alle %(num)d vrijwilligers kunnen niet op dezelfde momenten",
                n,
            )
        return ngettext(
            "%(num)d vrijwilliger kan niet op dezelfde momenten",
            "%(num)d vrijwilligers kunnen niet op dezelfde momenten",
            n,
        )
    if code == ReasonCode.BLOCKED_BY_GENDER.value:
        if only:
            return _("geen vrijwilliger heeft het gewenste geslacht")
        return ngettext(
            "%(num)d vrijwilliger heeft niet het gewenste geslacht",
            "%(num)d vrijwilligers hebben niet het gewenste geslacht",
            n,
        )
    if code == ReasonCode.BLOCKED_BY_AGE.value:
        if only:
            return _("geen vrijwilliger past binnen de leeftijdsregels van dit programma (is de leeftijd bekend?)")
        return ngettext(
            "%(num)d vrijwilliger past niet binnen de leeftijdsregels van dit programma",
            "%(num)d vrijwilligers passen niet binnen de leeftijdsregels van dit programma",
            n,
        )
    if code == ReasonCode.BLOCKED_BY_EXCLUDED.value:
        if only:
            return ngettext(
                "de enige vrijwilliger is eerder afgewezen voor deze bewoner of is ermee gestopt",
                "alle %(num)d vrijwilligers zijn eerder afgewezen voor deze bewoner of zijn ermee gestopt",
                n,
            )
        return ngettext(
            "%(num)d vrijwilliger is eerder afgewezen voor deze bewoner of is ermee gestopt",
            "%(num)d vrijwilligers zijn eerder afgewezen voor deze bewoner of zijn ermee gestopt",
            n,
        )
    if code == ReasonCode.BLOCKED_BY_CAPACITY.value:
        return ngettext("%(num)d vrijwilliger heeft geen plek meer", "%(num)d vrijwilligers hebben geen plek meer", n)
    if code == ReasonCode.BLOCKED_BY_MIN_SCORE.value:
        return ngettext(
            "%(num)d vrijwilliger past te weinig (score te laag)",
            "%(num)d vrijwilligers passen te weinig (score te laag)",
            n,
        )
    return _("onbekende reden (%(code)s)", code=code)


def waiting_reason(code: ReasonCode | str, volunteers: int, only: bool = False) -> str:
    """One structured reason why a resident is still waiting, in Dutch."""
    code = _code(code)
    if code == ReasonCode.NO_VOLUNTEERS.value:
        return _("er zijn nog geen vrijwilligers")
    if code == ReasonCode.ASSIGNED_ELSEWHERE.value:
        return ngettext(
            "de enige geschikte vrijwilliger is al aan een ander voorgesteld",
            "alle %(num)d geschikte vrijwilligers zijn al aan anderen voorgesteld",
            volunteers,
        )
    if code == NO_LOCATION:
        return _("de postcode van de bewoner staat niet in onze postcodetabel")
    if code == NO_CONSENT:
        return _("de bewoner heeft geen toestemming (meer) gegeven voor koppelen")
    return _blocked(code, volunteers, only)


def waiting_reasons(reasons: Iterable[Mapping[str, Any]]) -> list[str]:
    """The reasons stored for a waiting resident ([{"code": ..., "volunteers": n}]) as Dutch sentences."""
    items = list(reasons)
    only = len(items) == 1
    # Most useful first: other programmes' volunteers are rarely the point, so they come last.
    items.sort(key=lambda r: r["code"] == ReasonCode.BLOCKED_BY_PROGRAMME.value)
    return [waiting_reason(r["code"], int(r.get("volunteers", 0)), only=only) for r in items]


def pair_refusal(code: ReasonCode | str | None) -> str:
    """Why one chosen volunteer cannot be matched with this resident (the first rule that fails)."""
    code = _code(code) if code is not None else ""
    texts = {
        ReasonCode.BLOCKED_BY_PROGRAMME.value: _("Deze vrijwilliger doet niet mee aan het programma van de bewoner."),
        ReasonCode.BLOCKED_BY_DISTANCE.value: _("Deze vrijwilliger woont te ver weg."),
        ReasonCode.BLOCKED_BY_AVAILABILITY.value: _("Deze vrijwilliger kan niet op dezelfde momenten als de bewoner."),
        ReasonCode.BLOCKED_BY_LANGUAGE.value: _("Deze vrijwilliger spreekt niet dezelfde taal als de bewoner."),
        ReasonCode.BLOCKED_BY_GENDER.value: _("Deze vrijwilliger heeft niet het geslacht dat de bewoner wil."),
        ReasonCode.BLOCKED_BY_AGE.value: _("Deze vrijwilliger past niet binnen de leeftijdsregels van het programma."),
        ReasonCode.BLOCKED_BY_EXCLUDED.value: _(
            "Dit paar is eerder afgewezen of beëindigd en wordt niet opnieuw gekoppeld."
        ),
        ReasonCode.BLOCKED_BY_CAPACITY.value: _("Deze vrijwilliger heeft geen plek meer."),
        ReasonCode.BLOCKED_BY_MIN_SCORE.value: _("Deze vrijwilliger past te weinig bij de bewoner."),
    }
    return texts.get(code, _("Deze vrijwilliger past niet bij deze bewoner."))
