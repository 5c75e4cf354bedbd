"""Recruiting gaps (``matcher.evaluate_recruits``): worked examples whose answer is known by hand, then the same
promise against independent oracles on many small instances: the gain is exactly what a run with the recruit added
matches more."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, given, settings
from scipy.sparse.csgraph import maximum_bipartite_matching

from matcher import (
    MatcherInputError,
    MatchRules,
    ProgrammeRules,
    Resident,
    Volunteer,
    evaluate_recruits,
    propose_matches,
)
from tests.matcher import oracle
from tests.matcher.strategies import (
    PROPERTY_SETTINGS,
    Instance,
    RecruitingCase,
    is_clear_of_boundaries,
    random_recruiting_case,
    recruiting_cases,
)

# PC4 points of seed_data/pc4_haaglanden.csv: two Rijswijk areas about 2 km apart, and Noordwijk, 20 km away.
PC4_2284 = (52.0393765, 4.3161176)
PC4_2289 = (52.0355505, 4.3480274)
PC4_2200 = (52.2340226, 4.4489376)
TUE_AFTERNOON = frozenset({"tue-afternoon"})
#: Per recruit: its id, the gain, the unblocked and the feasible waiting residents' ids.
Row = tuple[Hashable, int, tuple[Hashable, ...], tuple[Hashable, ...]]


def _volunteer(vid: str, where: tuple[float, float], **fields: object) -> Volunteer:
    defaults: dict[str, object] = {"availability": TUE_AFTERNOON, "programmes": {"buddy"}, "languages": {"nl"}}
    defaults.update(fields)
    return Volunteer(id=vid, lat=where[0], lon=where[1], **defaults)  # type: ignore[arg-type]


def _resident(rid: str, where: tuple[float, float], **fields: object) -> Resident:
    defaults: dict[str, object] = {"programme": "buddy", "availability": TUE_AFTERNOON, "languages": {"nl"}}
    defaults.update(fields)
    return Resident(id=rid, lat=where[0], lon=where[1], **defaults)  # type: ignore[arg-type]


# -- worked examples -----------------------------------------------------------------------------------


class TestThreeTurkishSpeakersIn2284:
    """Three residents in 2284 want a buddy on Tuesday afternoon and speak Turkish only; the one volunteer lives in
    Noordwijk. Nobody fits them now, so one new volunteer in 2284 who speaks Turkish on Tuesday afternoon gets
    exactly one of them matched (one place) and gives all three a feasible volunteer."""

    waiting = tuple(_resident(f"turks-{i}", PC4_2284, languages={"tr"}) for i in range(3))
    elsewhere = _volunteer("noordwijk", PC4_2200, languages={"tr"})

    def evaluate(self, *recruits: Volunteer) -> list[tuple[Hashable, int, int, int]]:
        report = evaluate_recruits([self.elsewhere], self.waiting, recruits)
        return [(o.volunteer_id, o.matched_gain, len(o.unblocked), len(o.feasible_waiting)) for o in report.outcomes]

    def test_nobody_fits_them_now(self) -> None:
        report = evaluate_recruits([self.elsewhere], self.waiting, [])

        assert report.baseline.stats.matched == 0
        assert report.without_feasible == ("turks-0", "turks-1", "turks-2")
        assert report.outcomes == ()

    def test_one_volunteer_there_matches_one_and_unblocks_three(self) -> None:
        here = _volunteer("nieuw-2284", PC4_2284, languages={"tr"})

        assert self.evaluate(here) == [("nieuw-2284", 1, 3, 3)]

    def test_two_kilometres_away_helps_as_much(self) -> None:
        near = _volunteer("nieuw-2289", PC4_2289, languages={"tr", "nl"})

        assert self.evaluate(near) == [("nieuw-2289", 1, 3, 3)]

    def test_with_room_for_three_all_three_are_matched(self) -> None:
        roomy = _volunteer("nieuw-2284", PC4_2284, languages={"tr"}, capacity=3)

        assert self.evaluate(roomy) == [("nieuw-2284", 3, 3, 3)]

    def test_a_volunteer_where_nobody_waits_gains_nothing(self) -> None:
        far = _volunteer("nieuw-2200", PC4_2200, languages={"tr"})

        assert self.evaluate(far) == [("nieuw-2200", 0, 0, 0)]

    @pytest.mark.parametrize(
        ("recruit", "why"),
        [
            (_volunteer("woensdag", PC4_2284, languages={"tr"}, availability={"wed-morning"}), "another part-day"),
            (_volunteer("nederlands", PC4_2284, languages={"nl"}), "another language"),
            (_volunteer("wandelen", PC4_2284, languages={"tr"}, programmes={"wandelmaatje"}), "another programme"),
            (_volunteer("vol", PC4_2284, languages={"tr"}, capacity=0), "no room"),
        ],
        ids=lambda value: value if isinstance(value, str) else "",
    )
    def test_a_volunteer_who_does_not_fit_them_gains_nothing(self, recruit: Volunteer, why: str) -> None:
        assert self.evaluate(recruit) == [(recruit.id, 0, 0, 0)]

    def test_each_recruit_is_judged_alone(self) -> None:
        here = _volunteer("nieuw-2284", PC4_2284, languages={"tr"})
        far = _volunteer("nieuw-2200", PC4_2200, languages={"tr"})

        assert self.evaluate(far, here, replace(here, id="nog-een")) == [
            ("nieuw-2200", 0, 0, 0),
            ("nieuw-2284", 1, 3, 3),
            ("nog-een", 1, 3, 3),
        ]


class TestAChainThroughAMatchedResident:
    """Anna (2284) fits Bram, in her own area, and Cor, 2 km away; she has one place and the best run gives it to
    Bram. Dilek speaks Turkish only and nobody fits her. A new Turkish- and Dutch-speaking volunteer in 2284 fits
    Bram and Dilek, not Cor: with one place they get Dilek matched; with two, Bram moves to them and Anna takes
    Cor, so two more are matched although the recruit fits only one of the waiting residents. Only an exact run
    sees that; the bounds do not meet, so the engine runs again."""

    anna = _volunteer("anna", PC4_2284)
    bram = _resident("bram", PC4_2284)
    cor = _resident("cor", PC4_2289, languages={"nl"}, max_distance_km=2.5)
    dilek = _resident("dilek", PC4_2284, languages={"tr"})

    def evaluate(self, recruit: Volunteer, *, use_bounds: bool = True) -> tuple[int, int, int, int]:
        report = evaluate_recruits([self.anna], [self.bram, self.cor, self.dilek], [recruit], use_bounds=use_bounds)
        (outcome,) = report.outcomes
        return outcome.matched_gain, len(outcome.unblocked), len(outcome.feasible_waiting), report.stats.reruns

    def test_the_best_run_gives_anna_to_bram(self) -> None:
        result = propose_matches([self.anna], [self.bram, self.cor, self.dilek])

        assert [(p.volunteer_id, p.resident_id) for p in result.proposals] == [("anna", "bram")]

    def test_with_one_place_the_recruit_gets_dilek_matched_without_running_again(self) -> None:
        recruit = _volunteer("nieuw", PC4_2284, languages={"tr", "nl"}, max_distance_km=1.0)

        assert self.evaluate(recruit) == (1, 1, 1, 0)

    def test_with_two_places_the_chain_frees_anna_for_cor(self) -> None:
        recruit = _volunteer("nieuw", PC4_2284, languages={"tr", "nl"}, max_distance_km=1.0, capacity=2)

        assert self.evaluate(recruit) == (2, 1, 1, 1)

    def test_a_recruit_who_fits_only_bram_still_gets_cor_matched(self) -> None:
        recruit = _volunteer("nieuw", PC4_2284, max_distance_km=1.0)

        assert self.evaluate(recruit) == (1, 0, 0, 0)

    def test_running_again_every_time_gives_the_same(self) -> None:
        for capacity in (1, 2, 3):
            recruit = _volunteer("nieuw", PC4_2284, languages={"tr", "nl"}, max_distance_km=1.0, capacity=capacity)
            gain, unblocked, feasible, reruns = self.evaluate(recruit, use_bounds=False)

            assert (gain, unblocked, feasible, reruns) == (min(capacity, 2), 1, 1, 1)


def test_a_programme_rule_applies_to_the_recruit() -> None:
    """Walking buddies meet within 1 km: a recruit 2 km away fits the buddy resident, not the walker."""
    rules = MatchRules(programme_rules={"wandelmaatje": ProgrammeRules(max_distance_km=1.0)})
    walker = _resident("wandelaar", PC4_2284, programme="wandelmaatje")
    buddy = _resident("maatje", PC4_2284)
    recruit = _volunteer("nieuw", PC4_2289, programmes={"buddy", "wandelmaatje"}, capacity=2)

    (outcome,) = evaluate_recruits([], [walker, buddy], [recruit], rules).outcomes

    assert (outcome.matched_gain, outcome.unblocked) == (1, ("maatje",))


# -- bad input -----------------------------------------------------------------------------------------


def test_a_recruit_with_a_volunteers_id_is_refused() -> None:
    anna = _volunteer("anna", PC4_2284)

    with pytest.raises(MatcherInputError, match=r"recruit 'anna': id is also the id of a volunteer"):
        evaluate_recruits([anna], [], [anna])


def test_an_invalid_recruit_is_named() -> None:
    broken = _volunteer("nieuw", PC4_2284, availability={"tuesday"})

    with pytest.raises(MatcherInputError, match=r"^recruits: volunteer 'nieuw': availability has unknown slot"):
        evaluate_recruits([], [], [broken])


def test_two_recruits_with_one_id_are_refused() -> None:
    recruit = _volunteer("nieuw", PC4_2284)

    with pytest.raises(MatcherInputError, match=r"id appears more than once"):
        evaluate_recruits([], [], [recruit, recruit])


@pytest.mark.parametrize("value", [None, 1, "yes"])
def test_use_bounds_must_be_a_bool(value: object) -> None:
    with pytest.raises(MatcherInputError, match="use_bounds"):
        evaluate_recruits([], [], [], use_bounds=value)  # type: ignore[arg-type]


# -- against oracles -----------------------------------------------------------------------------------


def maximum_matched(volunteers: Sequence[Volunteer], residents: Sequence[Resident], rules: MatchRules) -> int:
    """Most residents matched, by the README's rules (the oracle) and scipy's maximum bipartite matching."""
    columns = [j for j, v in enumerate(volunteers) for _ in range(v.capacity)]
    edges = [
        (i, c)
        for i, r in enumerate(residents)
        for c, j in enumerate(columns)
        if oracle.first_failed_rule(volunteers[j], r, rules) is None
    ]
    if not edges:
        return 0
    rows, cols = zip(*edges, strict=True)
    graph = sp.csr_array((np.ones(len(edges)), (np.array(rows), np.array(cols))), shape=(len(residents), len(columns)))
    return int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())


def clear(case: RecruitingCase) -> bool:
    """No pair, recruits included, within rounding of a limit (there the oracle and the engine may disagree)."""
    instance = case.instance
    return is_clear_of_boundaries(Instance((*instance.volunteers, *case.recruits), instance.residents, instance.rules))


def expected(case: RecruitingCase) -> list[Row]:
    """Per recruit, by the oracle: the gain in residents matched, the unblocked and the feasible waiting residents."""
    volunteers, residents, rules = case.instance.volunteers, case.instance.residents, case.instance.rules
    before = maximum_matched(volunteers, residents, rules)
    waiting = {u.resident_id for u in propose_matches(volunteers, residents, rules).unmatched}
    stuck = {r.id for r in residents if all(oracle.first_failed_rule(v, r, rules) is not None for v in volunteers)}
    rows = []
    for recruit in case.recruits:
        fits = [r.id for r in residents if oracle.first_failed_rule(recruit, r, rules) is None]
        rows.append(
            (
                recruit.id,
                maximum_matched((*volunteers, recruit), residents, rules) - before,
                tuple(rid for rid in fits if rid in stuck),
                tuple(rid for rid in fits if rid in waiting),
            )
        )
    return rows


def outcomes(case: RecruitingCase, *, use_bounds: bool = True) -> list[Row]:
    report = evaluate_recruits(
        case.instance.volunteers, case.instance.residents, case.recruits, case.instance.rules, use_bounds=use_bounds
    )
    return [(o.volunteer_id, o.matched_gain, o.unblocked, o.feasible_waiting) for o in report.outcomes]


SEEDS = range(250)


@pytest.fixture(scope="module")
def seeded_cases() -> list[RecruitingCase]:
    # More residents than volunteers: recruits compete, and chains through matched residents occur.
    cases = [random_recruiting_case(seed, residents=(4, 12), volunteers=(1, 5), recruits=(1, 4)) for seed in SEEDS]
    return [case for case in cases if clear(case)]


def test_the_seeded_cases_gain_something_and_need_the_engine_often(seeded_cases: list[RecruitingCase]) -> None:
    """The cases are worth checking: many recruits gain, some more than one, and many need the engine again."""
    reports = [
        evaluate_recruits(c.instance.volunteers, c.instance.residents, c.recruits, c.instance.rules)
        for c in seeded_cases
    ]
    gains = [o.matched_gain for report in reports for o in report.outcomes]

    assert len(seeded_cases) >= 0.97 * len(SEEDS)
    assert sum(g > 0 for g in gains) >= 0.3 * len(gains)
    assert sum(g > 1 for g in gains) >= 50
    assert sum(report.stats.reruns for report in reports) >= 10


@pytest.mark.parametrize("use_bounds", [True, False], ids=["bounds", "engine-every-time"])
def test_the_gain_is_what_a_maximum_matching_with_the_recruit_adds(
    seeded_cases: list[RecruitingCase], use_bounds: bool
) -> None:
    failures = [case for case in seeded_cases if outcomes(case, use_bounds=use_bounds) != expected(case)]

    assert failures == []


def test_tiny_cases_agree_with_brute_force() -> None:
    """The brute-force optimum (oracle.best_assignment) with and without each recruit, on the smallest cases."""
    checked = 0
    for seed in range(150):
        case = random_recruiting_case(seed, residents=(0, 4), volunteers=(0, 3), recruits=(1, 2))
        if not clear(case):
            continue
        volunteers, residents, rules = case.instance.volunteers, case.instance.residents, case.instance.rules
        before, _, _ = oracle.best_assignment(volunteers, residents, rules)
        for recruit, outcome in zip(case.recruits, outcomes(case), strict=True):
            after, _, _ = oracle.best_assignment((*volunteers, recruit), residents, rules)
            assert outcome[1] == after - before, f"seed {seed}, recruit {recruit.id}"
            checked += 1

    assert checked >= 150


@settings(PROPERTY_SETTINGS, max_examples=50)
@given(recruiting_cases(residents=(0, 12), volunteers=(0, 10), recruits=(1, 4)))
def test_the_gain_is_a_run_with_the_recruit_minus_the_run_without(case: RecruitingCase) -> None:
    assume(clear(case))
    volunteers, residents, rules = case.instance.volunteers, case.instance.residents, case.instance.rules
    before = propose_matches(volunteers, residents, rules).stats.matched

    report = evaluate_recruits(volunteers, residents, case.recruits, rules)

    assert report.baseline.stats.matched == before
    for recruit, outcome in zip(case.recruits, report.outcomes, strict=True):
        after = propose_matches((*volunteers, recruit), residents, rules).stats.matched
        assert outcome.matched_gain == after - before
        assert 0 <= outcome.matched_gain <= recruit.capacity
        assert (
            set(outcome.unblocked)
            <= set(outcome.feasible_waiting)
            <= {u.resident_id for u in report.baseline.unmatched}
        )


@settings(PROPERTY_SETTINGS, max_examples=30)
@given(recruiting_cases(residents=(0, 12), volunteers=(0, 10), recruits=(1, 4)))
def test_a_baseline_passed_in_gives_the_same_report(case: RecruitingCase) -> None:
    """A matching run hands its own result over instead of letting the engine run again."""
    volunteers, residents, rules = case.instance.volunteers, case.instance.residents, case.instance.rules
    run = propose_matches(volunteers, residents, rules)

    given_one = evaluate_recruits(volunteers, residents, case.recruits, rules, baseline=run)

    assert given_one.baseline is run
    assert given_one.outcomes == evaluate_recruits(volunteers, residents, case.recruits, rules).outcomes


def test_a_baseline_of_other_people_is_refused() -> None:
    here = _volunteer("hier", PC4_2284)
    stranger = propose_matches([here], [_resident("vreemd", PC4_2284)])
    assert len(stranger.proposals) == 1

    with pytest.raises(MatcherInputError, match="baseline"):
        evaluate_recruits([here], [], [], baseline=stranger)
    with pytest.raises(MatcherInputError, match="baseline"):
        evaluate_recruits([here], [], [], baseline="run")  # type: ignore[arg-type]


def test_a_baseline_whose_waiting_residents_are_not_this_inputs_is_refused() -> None:
    # The report takes who has no feasible volunteer from the baseline's explanations: they must be this input's.
    here = _volunteer("hier", PC4_2284)
    waiting = [_resident("een", PC4_2284), _resident("twee", PC4_2284)]
    run = propose_matches([here], waiting)
    assert len(run.unmatched) == 1
    other = propose_matches([here], [*waiting, _resident("drie", PC4_2284)])

    with pytest.raises(MatcherInputError, match="baseline"):
        evaluate_recruits([here], waiting, [], baseline=other)
    with pytest.raises(MatcherInputError, match="baseline"):
        evaluate_recruits([here], waiting, [], baseline=replace(run, unmatched=()))
