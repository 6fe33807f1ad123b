"""What a closed wave shows, with the rules statistics offices use so that nobody's answer can be
worked out, and the change over time. The reports call closed_waves() and csv_rows(), and draw
with templates/surveys/_macros.html.

The rules:
- No results at all while a wave is open (only how many have answered), nor for a wave with
  fewer than MIN_ANSWERS answers.
- A cell (one answer to one question) with 1 to MIN_ANSWERS - 1 answers is hidden (primary
  suppression). Every question's cells add up to the number who answered, which is shown; so
  if exactly one cell of a question is hidden, the smallest other non-zero cell is hidden too
  (secondary suppression), or the hidden one could be worked out by subtraction. The same
  when the hidden cells add up to no more than their number: each would have to be 1. Zeros
  are shown.
- A figure made from cells (the share answering 4 or 5) is shown only when every cell it uses
  is shown.
"""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_date, format_percent
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pb.extensions import db
from pb.surveys.models import SurveyAnswerCount, SurveyWave
from pb.surveys.questions import ANSWERS, HIGH, label
from pb.timeutil import local_today

MIN_ANSWERS = 5


@dataclass
class QuestionResult:
    key: str
    label: str
    # answer ("1".."5", "dont_know") -> how many, or None where it is hidden
    cells: dict[str, int | None]
    # The share answering 4 or 5, of everyone who answered; None where it can't be shown.
    high_share: float | None


@dataclass
class WaveResult:
    wave: SurveyWave
    group_name: str
    closed_on: date
    respondents: int
    shown: bool
    questions: list[QuestionResult] = field(default_factory=list)

    @property
    def any_hidden(self) -> bool:
        return any(v is None for q in self.questions for v in q.cells.values())


def suppress(cells: dict[str, int]) -> dict[str, int | None]:
    """One question's counts with the cells that must not be shown set to None.

    Cells of 1 to MIN_ANSWERS - 1 are hidden. Then, as long as the hidden cells could be worked
    out from the shown total (one hidden cell alone, or hidden cells that add up to no more than
    their number, so that each must be 1), the smallest other non-zero cell is hidden too.
    """
    hidden = {a for a, n in cells.items() if 0 < n < MIN_ANSWERS}
    while hidden and (len(hidden) == 1 or sum(cells[a] for a in hidden) <= len(hidden)):
        others = sorted((n, ANSWERS.index(a), a) for a, n in cells.items() if n and a not in hidden)
        if not others:
            break
        hidden.add(others[0][2])
    return {a: (None if a in hidden else n) for a, n in cells.items()}


def high_share(cells: dict[str, int | None], total: int) -> float | None:
    if total <= 0 or any(cells.get(a) is None for a in HIGH):
        return None
    return sum(cells[a] for a in HIGH) / total


def _counts(wave_ids: list[int]) -> dict[int, dict[str, dict[str, int]]]:
    """wave id -> question key -> answer -> count."""
    counts: dict[int, dict[str, dict[str, int]]] = {}
    if not wave_ids:
        return counts
    rows = db.session.execute(
        select(
            SurveyAnswerCount.wave_id,
            SurveyAnswerCount.question_key,
            SurveyAnswerCount.answer,
            SurveyAnswerCount.count,
        ).where(SurveyAnswerCount.wave_id.in_(wave_ids))
    )
    for wave_id, key, answer, count in rows:
        counts.setdefault(wave_id, {}).setdefault(key, dict.fromkeys(ANSWERS, 0))[answer] = count
    return counts


def _result(wave: SurveyWave, counts: dict[str, dict[str, int]], closed_on: date) -> WaveResult:
    keys = wave.question_keys
    per_question = [counts.get(key, dict.fromkeys(ANSWERS, 0)) for key in keys]
    # Everyone answers every question, so any question's cells add up to the answers.
    respondents = sum(per_question[0].values()) if per_question else 0
    shown = respondents >= MIN_ANSWERS
    result = WaveResult(
        wave=wave,
        group_name=wave.group.name,
        closed_on=closed_on,
        respondents=respondents,
        shown=shown,
    )
    for key, cells in zip(keys, per_question, strict=True):
        visible = suppress(cells) if shown else dict.fromkeys(ANSWERS)
        result.questions.append(
            QuestionResult(
                key=key,
                label=label(key),
                cells=visible,
                high_share=high_share(visible, sum(cells.values())) if shown else None,
            )
        )
    return result


def wave_result(wave: SurveyWave) -> WaveResult:
    """The results of one closed wave. An open wave has none: ValueError."""
    closed_on = wave.closed_on()
    if closed_on is None:
        raise ValueError("an open wave shows no results")
    return _result(wave, _counts([wave.id]).get(wave.id, {}), closed_on)


def results_of(waves: list[SurveyWave]) -> list[WaveResult]:
    """The results of the closed ones among these waves, the oldest first."""
    today = local_today()
    closed = [(w.closed_on(today), w) for w in waves]
    closed = sorted(
        ((day, w) for day, w in closed if day is not None), key=lambda p: (p[0], p[1].id)
    )
    counts = _counts([w.id for _, w in closed])
    return [_result(w, counts.get(w.id, {}), day) for day, w in closed]


def closed_waves(group_ids: list[int], start: date, end: date) -> list[WaveResult]:
    """The waves of these groups that closed between start and end (both included), the
    oldest first, with their results as they may be shown."""
    if not group_ids:
        return []
    waves = db.session.scalars(
        select(SurveyWave)
        .where(SurveyWave.group_id.in_(list(group_ids)), SurveyWave.opens_on <= end)
        .options(selectinload(SurveyWave.questions))
    ).all()
    return [r for r in results_of(list(waves)) if start <= r.closed_on <= end]


CSV_HEADER = ["group", "wave", "closed_on", "question_key", "question", "answer", "count"]


def _csv_safe(text: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: neutralise free text."""
    text = (text or "").replace("\r", " ").replace("\n", " ")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t") else text


def wave_name(wave: SurveyWave) -> str:
    """The wave's title, or the day it was sent (ISO, so a CSV reads the same in any language)."""
    return wave.title or wave.opens_on.isoformat()


def csv_rows(results: list[WaveResult]) -> list[list[str]]:
    """One row per wave, question and answer, after a header row; a hidden cell is "hidden".
    A wave with too few answers has every cell hidden."""
    rows = [list(CSV_HEADER)]
    for result in results:
        for question in result.questions:
            for answer in ANSWERS:
                count = question.cells.get(answer)
                rows.append(
                    [
                        _csv_safe(result.group_name),
                        _csv_safe(wave_name(result.wave)),
                        result.closed_on.isoformat(),
                        question.key,
                        _csv_safe(question.label),
                        answer,
                        "hidden" if count is None else str(count),
                    ]
                )
    return rows


# --- change over time: one small bar chart per question ------------------------------------------

GROUP_COLOURS = ("#0b5d4b", "#3a6ea5", "#b7791f", "#8e3b46", "#6b4c9a", "#2c7a7b")


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str


@dataclass
class ChangeRow:
    wave: SurveyWave
    group_name: str
    closed_on: date
    share: float | None


@dataclass
class QuestionChange:
    key: str
    label: str
    width: int
    height: int
    baseline: float
    bars: list[Bar] = field(default_factory=list)
    # (x, y, text, anchor)
    labels: list[tuple[float, float, str, str]] = field(default_factory=list)
    grid: list[tuple[float, str]] = field(default_factory=list)  # (y, "50 %")
    rows: list[ChangeRow] = field(default_factory=list)


@dataclass
class Change:
    questions: list[QuestionChange]
    legend: list[tuple[str, str]]  # (group name, colour), when more than one group

    @property
    def empty(self) -> bool:
        return not self.questions


def change_over_time(results: list[WaveResult]) -> Change:
    """For each question asked in these waves: the share answering 4 or 5, wave by wave, as
    bars (oldest on the left) and as rows of a table. A share that can't be shown has no bar,
    and its row says so (share None)."""
    results = sorted(results, key=lambda r: (r.closed_on, r.wave.id))
    groups = list(dict.fromkeys(r.group_name for r in results))
    colours = {name: GROUP_COLOURS[i % len(GROUP_COLOURS)] for i, name in enumerate(groups)}
    keys = list(dict.fromkeys(q.key for r in results for q in r.questions))
    width, height, top, bottom, left = 320, 150, 18, 30, 36
    plot = height - top - bottom
    change = Change(questions=[], legend=list(colours.items()) if len(groups) > 1 else [])
    for key in keys:
        asked = [(r, q) for r in results for q in r.questions if q.key == key]
        chart = QuestionChange(
            key=key, label=label(key), width=width, height=height, baseline=height - bottom
        )
        for share in (0.0, 0.5, 1.0):
            y = round(height - bottom - plot * share, 1)
            chart.grid.append((y, format_percent(share)))
        slot = (width - left) / len(asked)
        bar = max(6.0, min(40.0, slot * 0.6))
        for index, (result, question) in enumerate(asked):
            x = left + index * slot + (slot - bar) / 2
            middle = round(x + bar / 2, 1)
            when = format_date(result.closed_on, "MMM yy")
            share = question.high_share
            if share is not None:
                h = plot * share
                y = height - bottom - h
                chart.bars.append(
                    Bar(
                        round(x, 1),
                        round(y, 1),
                        round(bar, 1),
                        round(h, 1),
                        colours[result.group_name],
                        f"{result.group_name}, {when}",
                    )
                )
                chart.labels.append((middle, round(y - 4, 1), format_percent(share), "middle"))
            else:
                chart.labels.append((middle, height - bottom - 4, "–", "middle"))
            chart.labels.append((middle, height - bottom + 16, when, "middle"))
            chart.rows.append(ChangeRow(result.wave, result.group_name, result.closed_on, share))
        change.questions.append(chart)
    return change
