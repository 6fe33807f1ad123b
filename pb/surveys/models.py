"""Pulse surveys. What is stored keeps every answer anonymous:

- survey_answer_count holds, per wave, question and answer, only a count. Its rows are made with
  the wave and answering adds one to them, so it has no id, no time and nothing about who.
- survey_respondent holds only "this person has answered this wave", so that nobody answers
  twice. It has no time and nothing that leads to the counts.

An answer adds to the counts and writes the flag in one transaction; the flag's primary key is
what refuses a second answer, also when two arrive at once. On SQLite both tables are made
WITHOUT ROWID, so not even a hidden row number keeps the order the flags were written in.
"""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.surveys.questions import ANSWERS
from pb.timeutil import local_day, local_today, utcnow

TITLE_MAX = 120
KEY_MAX = 40
# A wave may stay open at most this long: a pulse, not a standing poll.
MAX_OPEN_DAYS = 90


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class SurveyWave(db.Model):
    """One sending of a survey to a group. It is open until it is closed by hand or its last
    day has passed."""

    __tablename__ = "survey_wave"
    __table_args__ = (CheckConstraint("closes_on >= opens_on", name="days_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    opens_on: Mapped[date]
    # The last day answers are taken.
    closes_on: Mapped[date]
    # Set when a moderator closes the wave before its last day.
    closed_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group = relationship("Group")
    created_by = relationship("User")
    questions = relationship(
        "SurveyWaveQuestion",
        order_by="SurveyWaveQuestion.position",
        cascade="all, delete-orphan",
    )

    @property
    def question_keys(self) -> list[str]:
        return [q.question_key for q in self.questions]

    def closed_on(self, today: date | None = None) -> date | None:
        """The day the wave closed, or None while it is open."""
        today = today or local_today()
        if self.closed_at is not None:
            return min(local_day(self.closed_at), self.closes_on)
        if self.closes_on < today:
            return self.closes_on
        return None

    def is_open(self, today: date | None = None) -> bool:
        return self.closed_on(today) is None


class SurveyWaveQuestion(db.Model):
    """A question a wave asks, by its key in the library (pb/surveys/questions.py)."""

    __tablename__ = "survey_wave_question"
    __table_args__ = (
        UniqueConstraint("wave_id", "question_key"),
        CheckConstraint("position >= 0", name="position"),
    )

    wave_id: Mapped[int] = mapped_column(ForeignKey("survey_wave.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    question_key: Mapped[str] = mapped_column(String(KEY_MAX))


class SurveyAnswerCount(db.Model):
    """How many answered a question of a wave with one answer. Nothing else: no id, no time,
    no person."""

    __tablename__ = "survey_answer_count"
    __table_args__ = (
        ForeignKeyConstraint(
            ["wave_id", "question_key"],
            ["survey_wave_question.wave_id", "survey_wave_question.question_key"],
        ),
        CheckConstraint(_in("answer", ANSWERS), name="answer"),
        CheckConstraint("count >= 0", name="count"),
        {"sqlite_with_rowid": False},
    )

    wave_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    question_key: Mapped[str] = mapped_column(String(KEY_MAX), primary_key=True)
    answer: Mapped[str] = mapped_column(String(10), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class SurveyRespondent(db.Model):
    """ "This person has answered this wave": nothing about what, or when."""

    __tablename__ = "survey_respondent"
    __table_args__ = ({"sqlite_with_rowid": False},)

    wave_id: Mapped[int] = mapped_column(
        ForeignKey("survey_wave.id"), primary_key=True, autoincrement=False
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id"), primary_key=True, autoincrement=False, index=True
    )
