"""The coalition's dashboard: loneliness outcomes and the flow of the work, as tables of aggregates computed from the
database (reading only; no request code). Every reader (the page, the charts, the CSV and the XLSX) gets the same
``webapp.figures.Table`` objects; ``for_viewers`` hides what a viewer may not see (``webapp.disclosure``).

What counts:

- **Loneliness** (De Jong Gierveld, 11 items, ``INSTRUMENT_VERSION`` only: the 6-item version is never mixed in):
  residents and volunteers apart, each person once per moment: their first measurement "bij de intake" and their
  latest "bij een contactmoment" (the follow-up), by their age on that day (``LonelinessMeasurement.age``) in the
  bands of ``SAMEN_AGE_BANDS``. Only people whose consent for loneliness measurement stands and whose processing is
  not restricted (an erased person's anonymous measurements stay). A measurement with a missing answer has no total:
  it counts as "onvolledig" and in no share and no mean of the total; a subscale's mean takes everyone whose answers
  to that subscale are complete. The change table pairs each person's intake with their latest follow-up, both
  complete.
- **The flow**: the waiting list (``ResidentStatus.WACHTEND``) by programme and by postcode area; days from sign-up
  (the referral, or the coordinator's registration) to the intake talk, to the first match (approved or chosen by
  hand) and to the first active match (medians); what became of every referral; endings by reason; check-in
  moments on time, late or missed (``webapp.figures.check_in_timings``); volunteers with a free place who may be
  matched (``webapp.rules.eligible_programmes``) by area and by time slot; the predicted waiting time per programme
  (``waiting_forecast``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp import catalogue, convert
from webapp.clock import local_date
from webapp.database import cycle_collection_paused
from webapp.disclosure import Place, for_viewers_all
from webapp.enums import (
    CheckInTiming,
    ConsentPurpose,
    FigureKind,
    LonelinessCategory,
    MatchStatus,
    MeasurementMoment,
    ResidentStatus,
)
from webapp.figures import (
    PACE_MONTHS,
    AgeBand,
    Cell,
    Column,
    Row,
    Table,
    band_of,
    check_in_timings,
    mean,
    median,
    parse_age_bands,
    percent,
    predicted_waiting_months,
    sum_lines,
    target_for,
    text,
)
from webapp.labels import label, reason_label
from webapp.loneliness import INSTRUMENT_VERSION, MODERATE_OR_WORSE, SEVERE_OR_WORSE
from webapp.models import (
    Consent,
    EndReason,
    LonelinessMeasurement,
    Match,
    Programme,
    Referral,
    Resident,
    Volunteer,
)
from webapp.postcodes import pc4_areas
from webapp.rules import MatchPolicy, Offset, eligible_programmes, months_after
from webapp.services.follow_up import check_in_dates, policy_from

HOME_PLACE = "Rijswijk"


@dataclass(frozen=True)
class CoalitionSettings:
    age_bands: tuple[AgeBand, ...]
    min_cell: int
    policy: MatchPolicy
    vog_valid_years: int


def settings_from(config: Mapping[str, Any]) -> CoalitionSettings:
    return CoalitionSettings(
        age_bands=parse_age_bands(str(config["SAMEN_AGE_BANDS"])),
        min_cell=int(config["SAMEN_MIN_CELL"]),
        policy=policy_from(config),
        vog_valid_years=int(config["SAMEN_VOG_VALID_YEARS"]),
    )


@dataclass(frozen=True)
class Dashboard:
    """Every table of the dashboard, in the order of the page; ``suppressed``: as a viewer sees them."""

    tables: tuple[Table, ...]
    today: date
    min_cell: int
    age_bands: tuple[AgeBand, ...]
    suppressed: bool = False

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)


# -- the predicted waiting time (also on a resident's page) -----------------------------------------------------


@dataclass(frozen=True)
class WaitingForecast:
    programme_code: str
    backlog: int  # residents on the waiting list of the programme
    matched: int  # matches of its residents that became active in the last PACE_MONTHS months
    months: float | None  # None: nobody was matched in that time, nothing to predict


def _waiting() -> Any:
    return Resident.status == ResidentStatus.WACHTEND


def waiting_forecasts(session: Session, today: date) -> dict[str, WaitingForecast]:
    """Per programme (every one with a waiting list or recent matches): backlog / matches per month."""
    since = months_after(today, -PACE_MONTHS)
    backlog = dict(
        session.execute(
            select(Resident.programme_code, func.count(Resident.id)).where(_waiting()).group_by(Resident.programme_code)
        ).all()
    )
    matched = dict(
        session.execute(
            select(Resident.programme_code, func.count(Match.id))
            .join(Resident, Resident.id == Match.resident_id)
            .where(Match.started_on.is_not(None), Match.started_on > since, Match.started_on <= today)
            .group_by(Resident.programme_code)
        ).all()
    )
    return {
        code: WaitingForecast(
            code,
            int(backlog.get(code, 0)),
            int(matched.get(code, 0)),
            predicted_waiting_months(int(backlog.get(code, 0)), int(matched.get(code, 0))),
        )
        for code in sorted(set(backlog) | set(matched))
    }


def waiting_forecast(session: Session, programme_code: str, today: date) -> WaitingForecast:
    """The predicted waiting time for one programme (the resident's page)."""
    found = waiting_forecasts(session, today).get(programme_code)
    return found or WaitingForecast(programme_code, 0, 0, None)


# -- loneliness -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    person_id: int
    id: int
    measured_on: date
    moment: MeasurementMoment
    total: int | None
    emotional: int | None
    social: int | None
    category: LonelinessCategory | None
    age: int | None


def _measurements(session: Session, residents: bool) -> list[Measured]:
    """The 11-item measurements at intake and at check-ins of residents (or volunteers) who may be counted."""
    m = LonelinessMeasurement
    person: Any = Resident if residents else Volunteer
    owner = m.resident_id if residents else m.volunteer_id
    consent = (
        Consent.in_force(ConsentPurpose.LONELINESS, resident_id=person.id)
        if residents
        else Consent.in_force(ConsentPurpose.LONELINESS, volunteer_id=person.id)
    )
    rows = session.execute(
        select(owner, m.id, m.measured_on, m.moment, m.total, m.emotional, m.social, m.category, m.age)
        .join(person, person.id == owner)
        .where(
            m.instrument_version == INSTRUMENT_VERSION,
            m.moment.in_([MeasurementMoment.INTAKE.value, MeasurementMoment.CHECK_IN.value]),
            person.restricted_at.is_(None),
            consent,
        )
    ).all()
    return [Measured(*row) for row in rows]


def _per_person(measurements: Iterable[Measured]) -> tuple[dict[int, Measured], dict[int, Measured]]:
    """Each person's first intake measurement and latest follow-up (a check-in's)."""
    intake: dict[int, Measured] = {}
    follow_up: dict[int, Measured] = {}
    for item in sorted(measurements, key=lambda m: (m.measured_on, m.id)):
        if item.moment is MeasurementMoment.INTAKE:
            intake.setdefault(item.person_id, item)
        else:
            follow_up[item.person_id] = item
    return intake, follow_up


OUTCOME_COLUMNS = ("met_totaal", "onvolledig")


def _band_label(band: AgeBand | None) -> str:
    if band is None:
        return _("andere of onbekende leeftijd")
    if band.high is None:
        return _("ouder dan %(age)d", age=band.low - 1)
    return _("%(low)d-%(high)d jaar", low=band.low, high=band.high)


def _outcome_cells(items: Sequence[Measured], r: int) -> list[Cell]:
    """The figures of row ``r``: its counts in columns 2 and 3; every statistic follows the count of the people it
    is computed over (a share or a mean next to a hidden count could give that count away)."""
    complete = [m.total for m in items if m.total is not None]
    moderate = sum(1 for total in complete if total >= MODERATE_OR_WORSE)
    severe = sum(1 for total in complete if total >= SEVERE_OR_WORSE)
    emotional = [m.emotional for m in items if m.emotional is not None]
    social = [m.social for m in items if m.social is not None]
    n = len(complete)
    return [
        Cell(n),
        Cell(len(items) - n),
        Cell(percent(moderate, n), FigureKind.PERCENT, base=n, numerator=moderate, follows=((r, 2),)),
        Cell(percent(severe, n), FigureKind.PERCENT, base=n, numerator=severe, follows=((r, 2),)),
        Cell(mean(complete), FigureKind.MEAN, base=n, follows=((r, 2),)),
        # A subscale counts the incomplete measurements whose answers to it are complete: it follows both counts.
        Cell(mean(emotional), FigureKind.MEAN, base=len(emotional), follows=((r, 2), (r, 3))),
        Cell(mean(social), FigureKind.MEAN, base=len(social), follows=((r, 2), (r, 3))),
    ]


def _moment_label(moment: MeasurementMoment) -> str:
    return _("bij de intake") if moment is MeasurementMoment.INTAKE else _("laatste contactmoment")


def outcome_table(key: str, title: str, measurements: Iterable[Measured], bands: Sequence[AgeBand]) -> Table:
    """Per moment (intake, latest follow-up) and age band: how many were measured (complete or not), the shares
    "matig tot zeer ernstig" (>= 3) and "(zeer) ernstig" (>= 9) and the mean scores; each moment's bands add up to
    its row "alle leeftijden"."""
    intake, follow_up = _per_person(measurements)
    rows: list[Row] = []
    lines: list[tuple[tuple[int, int], ...]] = []
    for moment, chosen in ((MeasurementMoment.INTAKE, intake), (MeasurementMoment.CHECK_IN, follow_up)):
        by_band: dict[AgeBand | None, list[Measured]] = defaultdict(list)
        for item in chosen.values():
            by_band[band_of(item.age, bands)].append(item)
        groups: list[AgeBand | None] = [*bands, *([None] if by_band.get(None) else [])]
        first = len(rows)
        for band in groups:
            code = band.code if band is not None else "overig"
            figures = _outcome_cells(by_band.get(band, []), len(rows))
            cells = [text(_moment_label(moment)), text(_band_label(band)), *figures]
            rows.append(Row(f"{moment.value}:{code}", tuple(cells)))
        every = [item for items in by_band.values() for item in items]
        cells = [text(_moment_label(moment)), text(_("alle leeftijden")), *_outcome_cells(every, len(rows))]
        rows.append(Row(f"{moment.value}:alle", tuple(cells), total=True))
        total_row = len(rows) - 1
        lines += sum_lines(range(first, total_row), (2, 3), total_row, None)
    columns = (
        Column("moment", _("Moment"), FigureKind.TEXT),
        Column("leeftijd", _("Leeftijd op de dag van de meting"), FigureKind.TEXT),
        Column("met_totaal", _("Gemeten, alle antwoorden")),
        Column("onvolledig", _("Gemeten, onvolledig (geen totaalscore)")),
        Column("matig_of_erger", _("Matig tot zeer ernstig eenzaam (3 of meer)"), FigureKind.PERCENT),
        Column("ernstig_of_erger", _("(Zeer) ernstig eenzaam (9 of meer)"), FigureKind.PERCENT),
        Column("gem_totaal", _("Gemiddelde totaalscore (0-11)"), FigureKind.MEAN),
        Column("gem_emotioneel", _("Gemiddelde emotionele eenzaamheid (0-6)"), FigureKind.MEAN),
        Column("gem_sociaal", _("Gemiddelde sociale eenzaamheid (0-5)"), FigureKind.MEAN),
    )
    note = _(
        "Ieder telt één keer per moment: de eerste meting bij de intake en de laatste bij een contactmoment, in de "
        "leeftijdsgroep van de leeftijd op die dag. Percentages en de gemiddelde totaalscore tellen alleen metingen "
        "met alle 11 antwoorden; een meting met een ontbrekend antwoord telt als onvolledig. Het gemiddelde van een "
        "deelschaal telt iedereen die de vragen van die deelschaal allemaal beantwoordde."
    )
    return Table(key, title, columns, tuple(rows), tuple(lines), note)


CATEGORIES = tuple(LonelinessCategory)


def change_table(key: str, title: str, measurements: Iterable[Measured]) -> Table:
    """People with a complete intake and a complete latest follow-up: category at intake x category at follow-up."""
    intake, follow_up = _per_person(measurements)
    pairs = Counter(
        (intake[person].category, later.category)
        for person, later in follow_up.items()
        if person in intake
        and intake[person].category is not None
        and later.category is not None
        and later.measured_on >= intake[person].measured_on
    )
    rows = []
    for before in CATEGORIES:
        counts = [pairs.get((before, after), 0) for after in CATEGORIES]
        rows.append(Row(before.value, (text(label(before)), *(Cell(c) for c in counts), Cell(sum(counts)))))
    totals = [sum(pairs.get((before, after), 0) for before in CATEGORIES) for after in CATEGORIES]
    rows.append(Row("totaal", (text(_("Totaal")), *(Cell(c) for c in totals), Cell(sum(totals))), total=True))
    columns = (
        Column("bij_intake", _("Bij de intake \u2193 / laatste contactmoment \u2192"), FigureKind.TEXT),
        *(Column(category.value, label(category)) for category in CATEGORIES),
        Column("totaal", _("Totaal")),
    )
    body = range(1, len(CATEGORIES) + 1)
    lines = sum_lines(range(len(CATEGORIES)), body, len(CATEGORIES), len(CATEGORIES) + 1)
    note = _(
        "Alleen wie zowel bij de intake als bij een later contactmoment alle 11 vragen beantwoordde. Op de "
        "diagonaal bleef de categorie gelijk; links daarvan is die lager (minder eenzaam) dan bij de intake."
    )
    return Table(key, title, columns, tuple(rows), tuple(lines), note)


def targets_table() -> Table:
    """The municipality's targets as reference values (whole population, GGD health monitor)."""
    rows = []
    for min_total, band in (
        (SEVERE_OR_WORSE, None),
        (MODERATE_OR_WORSE, AgeBand(12, 18)),
        (MODERATE_OR_WORSE, AgeBand(19, 65)),
        (MODERATE_OR_WORSE, AgeBand(66, None)),
    ):
        target = target_for(min_total, band)
        assert target is not None
        measure = _("(zeer) ernstig eenzaam") if min_total == SEVERE_OR_WORSE else _("matig tot zeer ernstig eenzaam")
        who = _("alle inwoners") if band is None else _band_label(band)
        rows.append(
            Row(
                f"{min_total}:{band.code if band else 'alle'}",
                (
                    text(who),
                    text(measure),
                    Cell(target.baseline_percent, FigureKind.PERCENT),
                    Cell(target.target_percent, FigureKind.PERCENT),
                ),
            )
        )
    columns = (
        Column("groep", _("Inwoners"), FigureKind.TEXT),
        Column("maat", _("Aandeel"), FigureKind.TEXT),
        Column("startpunt", _("Startpunt (GGD-gezondheidsmonitor)"), FigureKind.PERCENT),
        Column("doel", _("Doel van de gemeente"), FigureKind.PERCENT),
    )
    note = _(
        "Doelen van Gemeente Rijswijk voor de hele bevolking, gemeten met de GGD-gezondheidsmonitor. Deelnemers aan "
        "Samen zijn niet de bevolking: zij doen mee omdat ze eenzaam zijn. Hun cijfers zijn daarom geen "
        "eenzaamheidscijfer van Rijswijk en vallen hoger uit; ze laten zien hoe het de deelnemers vergaat."
    )
    return Table("doelen", _("Doelen van de gemeente (ter vergelijking)"), columns, tuple(rows), (), note, public=True)


# -- the flow of the work ---------------------------------------------------------------------------------------


def _programme_label(code: str) -> str:
    return catalogue.label(catalogue.PROGRAMMES, code)


def waiting_table(session: Session, today: date) -> Table:
    """The waiting list by programme (with and without an intake talk) and the predicted waiting time."""
    counts = session.execute(
        select(Resident.programme_code, Resident.intake_on.is_not(None), func.count(Resident.id))
        .where(_waiting())
        .group_by(Resident.programme_code, Resident.intake_on.is_not(None))
    ).all()
    talked: Counter[str] = Counter()
    not_yet: Counter[str] = Counter()
    for code, held, count in counts:
        (talked if held else not_yet)[code] += int(count)
    forecasts = waiting_forecasts(session, today)
    order = list(session.scalars(select(Programme.code).order_by(Programme.sort_order, Programme.code)))
    codes = [code for code in order if code in forecasts or talked[code] or not_yet[code]]
    rows = []

    def cells(name: str, with_talk: int, without: int, matched: int, r: int) -> tuple[Cell, ...]:
        backlog = with_talk + without
        months = predicted_waiting_months(backlog, matched)
        return (
            text(name),
            Cell(with_talk),
            Cell(without),
            Cell(backlog),
            Cell(matched),
            Cell(matched / PACE_MONTHS, FigureKind.NUMBER, follows=((r, 4),)),
            # Nothing to predict without matches (the zero beside it says so): that tells about nobody.
            Cell(months, FigureKind.MONTHS, base=min(backlog, matched) if matched else None, follows=((r, 3), (r, 4))),
        )

    for code in codes:
        forecast = forecasts.get(code) or WaitingForecast(code, 0, 0, None)
        rows.append(Row(code, cells(_programme_label(code), talked[code], not_yet[code], forecast.matched, len(rows))))
    all_matched = sum(f.matched for f in forecasts.values())
    total = cells(_("Alle programma's"), sum(talked.values()), sum(not_yet.values()), all_matched, len(rows))
    rows.append(Row("totaal", total, total=True))
    total_row = len(rows) - 1
    lines = sum_lines(range(total_row), (1, 2), total_row, 3) + sum_lines(range(total_row), (4,), total_row, None)
    columns = (
        Column("programma", _("Programma"), FigureKind.TEXT),
        Column("met_intake", _("Wachtend, intakegesprek gehouden")),
        Column("zonder_intake", _("Wachtend, nog niet gesproken")),
        Column("wachtend", _("Wachtend, totaal")),
        Column("actief_geworden", _("Koppelingen actief geworden, laatste 6 maanden")),
        Column("per_maand", _("Koppelingen per maand"), FigureKind.NUMBER),
        Column("wachttijd", _("Verwachte wachttijd (maanden)"), FigureKind.MONTHS),
    )
    note = _(
        "Verwachte wachttijd: het aantal wachtenden gedeeld door het aantal koppelingen per maand dat in de laatste "
        "6 maanden actief werd. Zonder koppelingen in die tijd is die niet te voorspellen. Het is een schatting "
        "voor de hele wachtlijst, geen belofte aan één bewoner."
    )
    return Table(
        "wachtlijst_programma",
        _("Wachtlijst en verwachte wachttijd per programma"),
        columns,
        tuple(rows),
        tuple(lines),
        note,
    )


def _area_key(pc4: str) -> str:
    area = pc4_areas().get(pc4)
    return pc4 if area is not None and area.place == HOME_PLACE else "elders"


def _area_label(key: str) -> str:
    if key == "elders":
        return _("buiten Rijswijk")
    area = pc4_areas().get(key)
    return f"{key} {area.place}" if area is not None else key


def _area_rows(counted: Mapping[str, Sequence[Cell]], total: Sequence[Cell]) -> list[Row]:
    keys = sorted(k for k in counted if k != "elders") + (["elders"] if "elders" in counted else [])
    rows = [Row(key, (text(_area_label(key)), *counted[key])) for key in keys]
    rows.append(Row("totaal", (text(_("Totaal")), *total), total=True))
    return rows


def waiting_by_area_table(session: Session) -> Table:
    """The waiting list by postcode area (4 digits): Rijswijk's own areas, and one row for the rest."""
    counts: Counter[str] = Counter()
    for pc4, count in session.execute(
        select(Resident.pc4, func.count(Resident.id)).where(_waiting()).group_by(Resident.pc4)
    ):
        counts[_area_key(pc4)] += int(count)
    rows = _area_rows({key: (Cell(count),) for key, count in counts.items()}, (Cell(sum(counts.values())),))
    lines = sum_lines(range(len(rows) - 1), (1,), len(rows) - 1, None)
    columns = (Column("gebied", _("Postcodegebied"), FigureKind.TEXT), Column("wachtend", _("Wachtend")))
    return Table("wachtlijst_gebied", _("Wachtlijst per postcodegebied"), columns, tuple(rows), tuple(lines))


def durations_table(session: Session) -> Table:
    """Median days from sign-up to the intake talk, to the first match and to the first active match."""
    first_match = dict(
        session.execute(select(Match.resident_id, func.min(Match.created_at)).group_by(Match.resident_id)).all()
    )
    first_active = dict(
        session.execute(
            select(Match.resident_id, func.min(Match.started_on))
            .where(Match.started_on.is_not(None))
            .group_by(Match.resident_id)
        ).all()
    )
    to_intake, to_match, to_active = [], [], []
    for resident_id, created_at, intake_on in session.execute(
        select(Resident.id, Resident.created_at, Resident.intake_on)
    ):
        start = local_date(created_at)
        if intake_on is not None:
            to_intake.append(max(0, (intake_on - start).days))
        if resident_id in first_match:
            to_match.append(max(0, (local_date(first_match[resident_id]) - start).days))
        if resident_id in first_active:
            to_active.append(max(0, (first_active[resident_id] - start).days))
    rows = tuple(
        Row(key, (text(name), Cell(len(days)), Cell(median(days), FigureKind.DAYS, base=len(days))))
        for key, name, days in (
            ("intake", _("Van aanmelding tot intakegesprek"), to_intake),
            ("koppeling", _("Van aanmelding tot koppeling (goedgekeurd of zelf gekozen)"), to_match),
            ("actief", _("Van aanmelding tot actieve koppeling"), to_active),
        )
    )
    columns = (
        Column("stap", _("Stap"), FigureKind.TEXT),
        Column("bewoners", _("Bewoners")),
        Column("mediaan", _("Mediaan (dagen)"), FigureKind.DAYS),
    )
    note = _(
        "Aanmelding: de dag van de verwijzing, of van de inschrijving door een coördinator. Telt iedere bewoner die "
        "de stap haalde, met de eerste keer."
    )
    return Table("doorlooptijden", _("Doorlooptijden"), columns, rows, (), note)


def referrals_table(session: Session) -> Table:
    """What became of every referral: the furthest step it reached."""
    ever_active = set(session.scalars(select(Match.resident_id).where(Match.started_on.is_not(None))))
    introducing = set(session.scalars(select(Match.resident_id).where(Match.status == MatchStatus.KENNISMAKING)))
    outcome: Counter[str] = Counter()
    for resident_id, status, intake_on, withdrawn_at in session.execute(
        select(Referral.resident_id, Resident.status, Resident.intake_on, Referral.withdrawn_at).join(
            Resident, Resident.id == Referral.resident_id
        )
    ):
        if resident_id in ever_active:
            outcome["actief"] += 1
        elif resident_id in introducing:
            outcome["kennismaking"] += 1
        elif status is ResidentStatus.AFGESLOTEN or withdrawn_at is not None:
            outcome["afgesloten"] += 1
        elif intake_on is not None:
            outcome["wacht"] += 1
        else:
            outcome["nieuw"] += 1
    total = sum(outcome.values())
    steps = (
        ("actief", _("Werd een actieve koppeling")),
        ("kennismaking", _("Nu in de kennismaking")),
        ("wacht", _("Intakegesprek gehouden, wacht op een maatje")),
        ("nieuw", _("Nog geen intakegesprek")),
        ("afgesloten", _("Afgesloten zonder actieve koppeling")),
    )
    rows = [
        Row(
            key,
            (
                text(name),
                Cell(outcome[key]),
                Cell(percent(outcome[key], total), FigureKind.PERCENT, base=total, follows=((r, 1), (len(steps), 1))),
            ),
        )
        for r, (key, name) in enumerate(steps)
    ]
    every = Cell(percent(total, total), FigureKind.PERCENT, base=total, follows=((len(steps), 1),))
    rows.append(Row("totaal", (text(_("Alle verwijzingen")), Cell(total), every), total=True))
    lines = sum_lines(range(len(steps)), (1,), len(steps), None)
    columns = (
        Column("uitkomst", _("Wat ervan werd"), FigureKind.TEXT),
        Column("verwijzingen", _("Verwijzingen")),
        Column("aandeel", _("Aandeel"), FigureKind.PERCENT),
    )
    note = _("Elke verwijzing telt één keer, bij de verste stap die ze haalde.")
    return Table("verwijzingen", _("Van verwijzing tot koppeling"), columns, tuple(rows), tuple(lines), note)


def endings_table(session: Session) -> Table:
    """Ended matches by the reason of the ending (the introduction's own reasons included)."""
    counts = dict(
        session.execute(
            select(Match.end_reason_code, func.count(Match.id))
            .where(Match.status == MatchStatus.BEEINDIGD)
            .group_by(Match.end_reason_code)
        ).all()
    )
    reasons = {r.code: r for r in session.scalars(select(EndReason).order_by(EndReason.sort_order, EndReason.code))}
    order = [code for code in reasons if code in counts] + sorted(
        (code for code in counts if code not in reasons), key=str
    )
    rows = [
        Row(str(code), (text(reason_label(reasons.get(code)) or _("zonder reden")), Cell(int(counts[code]))))
        for code in order
    ]
    rows.append(Row("totaal", (text(_("Totaal")), Cell(sum(int(c) for c in counts.values()))), total=True))
    lines = sum_lines(range(len(rows) - 1), (1,), len(rows) - 1, None)
    columns = (Column("reden", _("Reden"), FigureKind.TEXT), Column("koppelingen", _("Beëindigde koppelingen")))
    return Table("beeindigingen", _("Beëindigingen per reden"), columns, tuple(rows), tuple(lines))


TIMINGS = (CheckInTiming.ON_TIME, CheckInTiming.LATE, CheckInTiming.MISSED)


def _moment_name(offset: Offset) -> str:
    if offset.weeks:
        return ngettext("%(num)d week", "%(num)d weken", offset.weeks)
    return ngettext("%(num)d maand", "%(num)d maanden", offset.months)


def check_ins_table(session: Session, policy: MatchPolicy, today: date) -> Table:
    """Check-in moments of the schedule (whose window has closed or which were held in time): on time, late, missed.
    The counts are of moments; a cell hides when it comes from fewer than the minimum of distinct matches."""
    matches = session.execute(
        select(Match.id, Match.started_on, Match.ended_on).where(Match.started_on.is_not(None))
    ).all()
    dates = check_in_dates(session, [m.id for m in matches])
    seen: dict[tuple[Offset, CheckInTiming], set[int]] = defaultdict(set)
    for match_id, started_on, ended_on in matches:
        for moment, timing in check_in_timings(
            started_on, ended_on, dates.get(match_id, []), policy.schedule, policy.window_days, today
        ):
            seen[(moment, timing)].add(match_id)

    rows = [
        _check_in_row(str(moment), _moment_name(moment), [seen[(moment, timing)] for timing in TIMINGS], r)
        for r, moment in enumerate(policy.schedule)
    ]
    # Over all moments: a count of moments, from as many distinct matches as the union holds.
    by_timing = [[seen[(moment, timing)] for moment in policy.schedule] for timing in TIMINGS]
    rows.append(_check_in_row("totaal", _("Alle momenten"), by_timing, len(rows), total=True))
    total_row = len(rows) - 1
    lines = sum_lines(range(total_row), (1, 2, 3), total_row, 4)
    columns = (
        Column("moment", _("Contactmoment na de start"), FigureKind.TEXT),
        *(Column(timing.value, label(timing)) for timing in TIMINGS),
        Column("totaal", _("Totaal")),
        Column("aandeel_op_tijd", _("Op tijd"), FigureKind.PERCENT),
    )
    note = _(
        "Op tijd: binnen %(days)d dagen voor of na het moment. Te laat gehouden: pas daarna. Niet gehouden: het "
        "moment is meer dan %(days)d dagen voorbij zonder contactmoment. Momenten die nog kunnen, en momenten na het "
        "einde van een koppeling, tellen niet mee.",
        days=policy.window_days,
    )
    return Table("contactmomenten", _("Contactmomenten op tijd"), columns, tuple(rows), tuple(lines), note)


def _check_in_row(key: str, name: str, groups: Sequence[Any], r: int, total: bool = False) -> Row:
    """One row of the check-in table: per timing the matches (a set, or for the total row a list of sets, one per
    moment) whose moment went that way; each count knows from how many distinct matches it comes."""

    def moments(group: Any) -> int:
        return len(group) if isinstance(group, set) else sum(len(s) for s in group)

    def matches(groups: Iterable[Any]) -> int:
        found: set[int] = set()
        for group in groups:
            found |= group if isinstance(group, set) else set().union(*group)
        return len(found)

    counts = [Cell(moments(group), base=matches([group])) for group in groups]
    every = sum(moments(group) for group in groups)
    on_time = moments(groups[0])
    follows = ((r, 1), (r, 4))
    share = Cell(percent(on_time, every), FigureKind.PERCENT, base=matches(groups), numerator=on_time, follows=follows)
    return Row(key, (text(name), *counts, Cell(every, base=matches(groups)), share), total=total)


def _free_volunteers(session: Session, settings: CoalitionSettings, today: date) -> list[Volunteer]:
    """Volunteers with a free place who may be matched in at least one programme today (the runs' candidates:
    their programmes loaded in one query, which over 25,000 volunteers saves seconds)."""
    programmes = convert.load_programmes(session)
    with cycle_collection_paused():
        candidates = convert.candidate_volunteers(session)
        return [v for v in candidates if eligible_programmes(v, programmes, today, settings.vog_valid_years)]


def capacity_by_area_table(volunteers: Sequence[Volunteer]) -> Table:
    people: Counter[str] = Counter()
    places: Counter[str] = Counter()
    for volunteer in volunteers:
        key = _area_key(volunteer.pc4)
        people[key] += 1
        places[key] += volunteer.free_capacity
    keys = sorted(k for k in people if k != "elders") + (["elders"] if "elders" in people else [])
    counted = {
        key: (Cell(people[key]), Cell(places[key], FigureKind.NUMBER, follows=((r, 1),))) for r, key in enumerate(keys)
    }
    total = (Cell(sum(people.values())), Cell(sum(places.values()), FigureKind.NUMBER, follows=((len(keys), 1),)))
    rows = _area_rows(counted, total)
    lines = sum_lines(range(len(rows) - 1), (1,), len(rows) - 1, None)
    columns = (
        Column("gebied", _("Postcodegebied"), FigureKind.TEXT),
        Column("vrijwilligers", _("Vrijwilligers met een vrije plek")),
        Column("vrije_plaatsen", _("Vrije plaatsen"), FigureKind.NUMBER),
    )
    note = _("Vrijwilligers die nu gekoppeld mogen worden (geschikt, met een geldige VOG waar die nodig is).")
    return Table("capaciteit_gebied", _("Vrije plaatsen per postcodegebied"), columns, tuple(rows), tuple(lines), note)


def capacity_by_slot_table(volunteers: Sequence[Volunteer]) -> Table:
    slots: Counter[str] = Counter()
    for volunteer in volunteers:
        slots.update(set(volunteer.availability))
    rows = tuple(
        Row(
            day,
            (
                text(catalogue.DAY_LABELS[day]),
                *(Cell(slots[f"{day}-{part}"]) for part in catalogue.DAY_PARTS),
            ),
        )
        for day in catalogue.DAYS
    )
    columns = (
        Column("dag", _("Dag"), FigureKind.TEXT),
        *(Column(part, str(catalogue.PART_LABELS[part])) for part in catalogue.DAY_PARTS),
    )
    note = _(
        "Vrijwilligers met een vrije plek die op dat dagdeel kunnen; wie op meer dagdelen kan, telt bij elk mee "
        "(de cellen tellen dus niet op)."
    )
    return Table("capaciteit_dagdeel", _("Vrije vrijwilligers per dagdeel"), columns, rows, (), note)


# -- the whole dashboard ----------------------------------------------------------------------------------------


def coalition_dashboard(session: Session, settings: CoalitionSettings, today: date) -> Dashboard:
    """Every table, unsuppressed (coordinators and admins); ``for_viewers`` makes the viewers' version."""
    residents = _measurements(session, residents=True)
    volunteers = _measurements(session, residents=False)
    bands = settings.age_bands
    free = _free_volunteers(session, settings, today)
    tables = (
        outcome_table("eenzaamheid_bewoners", _("Eenzaamheid van bewoners"), residents, bands),
        change_table("verandering_bewoners", _("Bewoners: van intake naar laatste contactmoment"), residents),
        outcome_table(
            "eenzaamheid_vrijwilligers", _("Eenzaamheid van vrijwilligers die zich eenzaam voelden"), volunteers, bands
        ),
        change_table(
            "verandering_vrijwilligers", _("Vrijwilligers: van intake naar laatste contactmoment"), volunteers
        ),
        targets_table(),
        waiting_table(session, today),
        waiting_by_area_table(session),
        durations_table(session),
        referrals_table(session),
        endings_table(session),
        check_ins_table(session, settings.policy, today),
        capacity_by_area_table(free),
        capacity_by_slot_table(free),
    )
    return Dashboard(tables, today, settings.min_cell, bands)


def for_viewers(dashboard: Dashboard) -> Dashboard:
    """The dashboard as a viewer sees it: nothing from fewer than ``min_cell`` people, nothing derivable."""
    tables = list(dashboard.tables)
    index = {table.key: i for i, table in enumerate(tables)}
    same: list[tuple[Place, Place]] = []
    by_programme, by_area = tables[index["wachtlijst_programma"]], tables[index["wachtlijst_gebied"]]
    same.append(
        (
            (index["wachtlijst_programma"], *by_programme.position("totaal", "wachtend")),
            (index["wachtlijst_gebied"], *by_area.position("totaal", "wachtend")),
        )
    )
    shown = for_viewers_all(tables, dashboard.min_cell, same)
    return Dashboard(tuple(shown), dashboard.today, dashboard.min_cell, dashboard.age_bands, suppressed=True)
