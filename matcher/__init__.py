"""Samen's matching engine: the best set of buddy pairs for a whole waiting list, with reasons.

Pure Python with numpy and scipy; it never imports the web app's frameworks. Frozen dataclasses in,
frozen dataclasses out; ids are opaque. See the README for the rules it applies.
"""

from matcher.engine import propose_matches, rank_candidates
from matcher.model import (
    DAY_PARTS,
    DAYS,
    EARTH_RADIUS_KM,
    SLOTS,
    AgeRule,
    MatcherInputError,
    MatchResult,
    MatchRules,
    MatchStats,
    ProgrammeRules,
    Proposal,
    Reason,
    ReasonCode,
    Resident,
    Rule,
    ScoreComponents,
    UnmatchedResident,
    Volunteer,
    Weights,
)
from matcher.recruiting import RecruitingReport, RecruitingStats, RecruitOutcome, evaluate_recruits

__all__ = [
    "DAYS",
    "DAY_PARTS",
    "EARTH_RADIUS_KM",
    "SLOTS",
    "AgeRule",
    "MatchResult",
    "MatchRules",
    "MatchStats",
    "MatcherInputError",
    "ProgrammeRules",
    "Proposal",
    "Reason",
    "ReasonCode",
    "RecruitOutcome",
    "RecruitingReport",
    "RecruitingStats",
    "Resident",
    "Rule",
    "ScoreComponents",
    "UnmatchedResident",
    "Volunteer",
    "Weights",
    "evaluate_recruits",
    "propose_matches",
    "rank_candidates",
]
