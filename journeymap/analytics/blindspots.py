"""Where the map and the data disagree: friction nobody wrote down, pain nobody measured.

(a) Friction without a pain point: between two bound stages, a drop-off of at least
    `DROPOFF` (or the journey's worst, from `WORST_DROPOFF`), or a median time at least
    `SLOW` times the median of the journey's other stage-to-stage times; a stage's survey score below `LOW_CSAT` /
    `LOW_NPS`; a bound touchpoint whose users convert less than those who did not use
    it (the 95 % intervals apart). A finding is reported only when the stage people were
    at when they left (or the stage itself) has no pain point, and only on at least
    `MIN_PEOPLE` people, so a workshop does not chase noise.
(b) A pain point the data does not back: its stage moves most people on, better than
    the journey's median (the interval's low end above both), is not slow, and has no low
    survey score. That is an untested assumption, worth checking with research.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from journeymap.analytics.stages import JourneyNumbers, Rate, StageNumbers
from journeymap.analytics.stats import duration
from journeymap.analytics.tables import SurveyScore, stage_key
from journeymap.model import LaneKind, MapBoard

DROPOFF = 0.5
WORST_DROPOFF = 0.3  # the journey's worst drop-off is a finding from here on
SLOW = 3.0
LOW_CSAT = 3.5
LOW_NPS = 0.0
MIN_PEOPLE = 30
MIN_ANSWERS = 5


@dataclass(frozen=True)
class Finding:
    """One blind spot: where, what, and the evidence in one sentence."""

    kind: str  # "drop-off" | "slow" | "low score" | "touchpoint" | "untested"
    stage_id: str  # where a pain-point note for it belongs
    title: str
    evidence: str  # metric, n and interval, dataset and range
    note_ids: tuple[str, ...] = ()  # the pain points an "untested" finding is about

    @property
    def missing_pain(self) -> bool:
        return self.kind != "untested"


def blind_spots(
    board: MapBoard,
    numbers: JourneyNumbers,
    *,
    surveys: Mapping[str, SurveyScore] | None = None,
    source: str = "",
) -> list[Finding]:
    """The findings for a map and its numbers; `source` names the dataset and date range."""
    surveys = surveys or {}
    pain_lanes = {lane.id for lane in board.lanes if lane.kind is LaneKind.PAIN}
    pains: dict[str, list[str]] = {}
    for note in board.notes:
        if note.lane_id in pain_lanes:
            pains.setdefault(note.stage_id, []).append(note.id)
    names = {stage.id: stage.name for stage in board.stages}
    cite = f" ({source})" if source else ""
    bound = numbers.bound
    typical = {b.key: _typical_time(bound, b) for b in bound}
    findings: list[Finding] = []
    for before, stage in pairwise(bound):
        if before.key in pains:  # the pain of leaving belongs where people were
            continue
        move = stage.from_previous
        lost = 1 - move.value if move.n else 0.0
        if move.n >= MIN_PEOPLE and (lost >= DROPOFF or (stage.worst and lost >= WORST_DROPOFF)):
            findings.append(
                Finding(
                    "drop-off",
                    before.key,
                    f"{_pct(1 - move.value)} leave between {before.name} and {stage.name}",
                    f"{stage.dropoff:,} of {move.n:,} people who reached {before.name} did not "
                    f"reach {stage.name} (drop-off {_pct(1 - move.value)}, 95% CI "
                    f"{_ci_lost(move)}){cite}.",
                )
            )
        elif _slow(before, typical[before.key]) and move.n >= MIN_PEOPLE:
            findings.append(
                Finding(
                    "slow",
                    before.key,
                    f"{before.name} to {stage.name} takes {duration(before.median_to_next)}",
                    f"Median time from {before.name} to {stage.name} is "
                    f"{duration(before.median_to_next)} ({stage.reached:,} people), "
                    f"{before.median_to_next / typical[before.key]:.0f}x the journey's typical "
                    f"stage-to-stage time of {duration(typical[before.key])}{cite}.",
                )
            )
    for stage in board.stages:
        score = surveys.get(stage_key(stage.name))
        low = _low_score(score)
        if low and stage.id not in pains:
            findings.append(Finding("low score", stage.id, f"{stage.name}: {low}", f"{low}{cite}."))
    for note in board.notes:
        mark = numbers.touchpoints.get(note.id)
        if mark is None or mark.used is None or note.stage_id in pains:
            continue
        used, rest = mark.used, mark.not_used
        if used.n < MIN_PEOPLE or rest.n < MIN_PEOPLE:
            continue
        if used.interval[1] < rest.interval[0]:
            findings.append(
                Finding(
                    "touchpoint",
                    note.stage_id,
                    f"People who used \u201c{_short(note.text)}\u201d convert less",
                    f"{_pct(used.value)} of {used.n:,} people who used it reached the next "
                    f"stage, against {_pct(rest.value)} of {rest.n:,} who did not (95% CIs "
                    f"{_ci(used)} and {_ci(rest)}); an association, not a cause{cite}.",
                )
            )
    findings.extend(_untested(board, numbers, pains, names, surveys, typical, cite))
    return findings


def _untested(board, numbers, pains, names, surveys, typical, cite) -> list[Finding]:
    bound = numbers.bound
    moves = [b.from_previous for b in bound[1:] if b.from_previous and b.from_previous.n]
    if not moves:
        return []
    median = statistics.median(m.value for m in moves)
    out = []
    for here, after in pairwise(bound):
        if here.key not in pains:
            continue
        move = after.from_previous
        healthy = (
            move.n >= MIN_PEOPLE
            and move.interval[0] > max(median, 1 - DROPOFF)
            and not _slow(here, typical[here.key])
            and not _low_score(surveys.get(stage_key(names[here.key])))
        )
        if healthy:
            out.append(
                Finding(
                    "untested",
                    here.key,
                    f"Pain points on {here.name}, where the data looks healthy",
                    f"{_pct(move.value)} of {move.n:,} people move on from {here.name} to "
                    f"{after.name} (95% CI {_ci(move)}), better than the journey's median step "
                    f"({_pct(median)}); check these pain points with research{cite}.",
                    tuple(pains[here.key]),
                )
            )
    return out


def _typical_time(bound: Sequence[StageNumbers], stage: StageNumbers) -> float | None:
    """The median of the journey's other stage-to-stage times (at least two of them), so a
    slow step is compared with the rest, not with itself."""
    times = [b.median_to_next for b in bound if b.median_to_next and b.key != stage.key]
    return statistics.median(times) if len(times) >= 2 else None


def _slow(stage: StageNumbers, typical: float | None) -> bool:
    t = stage.median_to_next
    return bool(typical and t and t >= SLOW * typical)


def _low_score(score: SurveyScore | None) -> str:
    if score is None:
        return ""
    if score.csat is not None and score.csat_n >= MIN_ANSWERS and score.csat < LOW_CSAT:
        return f"CSAT {score.csat:.1f} of 5 from {score.csat_n} answers"
    if score.nps is not None and score.nps_n >= MIN_ANSWERS and score.nps < LOW_NPS:
        return f"NPS {score.nps:+.0f} from {score.nps_n} answers"
    return ""


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def _ci(r: Rate) -> str:
    low, high = r.interval
    return f"{100 * low:.0f}-{100 * high:.0f}%"


def _ci_lost(r: Rate) -> str:
    low, high = r.interval
    return f"{100 * (1 - high):.0f}-{100 * (1 - low):.0f}%"


def _short(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "\u2026"
