"""Pulse surveys: sending a wave, answering it, closing it.

Every operation is one transaction and commits itself; a refusal rolls back first, so nothing
is half-saved. Sending and closing a wave are audited. Answering is not, and it writes nothing
that names the person beside the answer: the answer adds one to anonymous counters, and a
separate flag says only that the person has answered. The flag's primary key (wave, person)
refuses a second answer, also two sent at the same instant.
"""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from pb.audit.services import record
from pb.errors import RuleRefused
from pb.extensions import db
from pb.groups.models import Membership
from pb.locking import begin_immediate_on_sqlite
from pb.notifications.services import notify
from pb.surveys import notices  # noqa: F401  (registers the notification kinds)
from pb.surveys.models import (
    MAX_OPEN_DAYS,
    TITLE_MAX,
    SurveyAnswerCount,
    SurveyRespondent,
    SurveyWave,
    SurveyWaveQuestion,
)
from pb.surveys.questions import ANSWERS, MAX_QUESTIONS, THEMES
from pb.timeutil import local_today, utcnow
from pb.web import path_for

OFFERED = {key for keys in THEMES.values() for key in keys}


class SurveyError(RuleRefused):
    """A rule refused the action; `code` names it, and MESSAGES holds its translated text."""


MESSAGES = {
    "no_questions": _l("Choose at least one question."),
    "too_many_questions": _l("Choose at most %(max)s questions, so the survey stays short."),
    "unknown_question": _l("One of the questions is not in the list. Choose them again."),
    "closes_in_past": _l("The last day has passed. Choose today or a later day."),
    "closes_too_late": _l("A survey can be open for at most %(days)s days."),
    "title_too_long": _l("Use at most %(max)d characters."),
    "closed": _l("This survey is closed. Thank you anyway!"),
    "already_closed": _l("This survey is already closed."),
    "not_member": _l("Only the group's members answer its surveys."),
    "already_answered": _l("You have already answered this survey."),
    "missing_answer": _l("Choose an answer to every question. “Don't know” is an answer too."),
    "bad_answer": _l("Choose one of the answers shown."),
}
SurveyError.messages = MESSAGES


def _refuse(code: str, **params) -> SurveyError:
    db.session.rollback()
    return SurveyError(code, **params)


def create_wave(
    group, *, actor, question_keys: list[str], closes_on: date, title: str = ""
) -> SurveyWave:
    """Send a survey to the group: the wave, its questions, a zero counter for every answer to
    every question, a notification to each member, and the audit event."""
    keys = list(dict.fromkeys(question_keys))
    today = local_today()
    if not keys:
        raise _refuse("no_questions")
    if len(keys) > MAX_QUESTIONS:
        raise _refuse("too_many_questions", max=MAX_QUESTIONS)
    if any(key not in OFFERED for key in keys):
        raise _refuse("unknown_question")
    if closes_on < today:
        raise _refuse("closes_in_past")
    if closes_on > today + timedelta(days=MAX_OPEN_DAYS):
        raise _refuse("closes_too_late", days=MAX_OPEN_DAYS)
    title = (title or "").strip()
    if len(title) > TITLE_MAX:
        raise _refuse("title_too_long", max=TITLE_MAX)
    wave = SurveyWave(
        group_id=group.id,
        title=title,
        opens_on=today,
        closes_on=closes_on,
        created_by_id=actor.id,
    )
    db.session.add(wave)
    db.session.flush()
    add_questions(wave, keys)
    record(
        "survey.opened",
        actor=actor,
        group=group,
        subject=wave,
        questions=len(keys),
        closes_on=closes_on.isoformat(),
    )
    link = path_for("surveys.wave_page", group_id=group.id, wave_id=wave.id)
    members = db.session.scalars(
        select(Membership).where(Membership.group_id == group.id, Membership.user_id != actor.id)
    )
    for membership in members:
        notify(
            membership.user,
            "survey.opened",
            in_group=group,
            link=link,
            last_day=closes_on.isoformat(),
        )
    db.session.commit()
    return wave


def add_questions(wave: SurveyWave, keys: list[str]) -> None:
    """The wave's questions and, for each, a counter at zero for every answer."""
    for position, key in enumerate(keys):
        db.session.add(SurveyWaveQuestion(wave_id=wave.id, position=position, question_key=key))
    db.session.flush()
    db.session.add_all(
        SurveyAnswerCount(wave_id=wave.id, question_key=key, answer=answer, count=0)
        for key in keys
        for answer in ANSWERS
    )
    db.session.flush()


def is_member(group, user) -> bool:
    return user is not None and any(m.group_id == group.id for m in user.memberships)


def has_answered(wave: SurveyWave, user) -> bool:
    return (
        db.session.get(SurveyRespondent, (wave.id, user.id)) is not None
        if user is not None
        else False
    )


def answer(wave: SurveyWave, *, user, answers: dict[str, str]) -> None:
    """Count one person's answers. Every question needs an answer ("don't know" is one).

    The flag and the counters are written in one transaction. Nothing else is: no audit event,
    no notification, no time. While the answer is written the wave's row is held in share mode
    (PostgreSQL; SQLite takes its write lock), so closing the wave waits for answers in flight
    and no answer lands after the results are out; answers never wait for each other.
    """
    keys = wave.question_keys
    if not is_member(wave.group, user):
        raise _refuse("not_member")
    if set(answers) != set(keys) or any(not answers[k] for k in keys):
        raise _refuse("missing_answer")
    if any(answers[key] not in ANSWERS for key in keys):
        raise _refuse("bad_answer")
    begin_immediate_on_sqlite()
    closed_at, closes_on = db.session.execute(
        select(SurveyWave.closed_at, SurveyWave.closes_on)
        .where(SurveyWave.id == wave.id)
        .with_for_update(read=True)
    ).one()
    if closed_at is not None or closes_on < local_today():
        raise _refuse("closed")
    try:
        db.session.add(SurveyRespondent(wave_id=wave.id, user_id=user.id))
        db.session.flush()
    except IntegrityError:
        raise _refuse("already_answered") from None
    for key in keys:
        db.session.execute(
            update(SurveyAnswerCount)
            .where(
                SurveyAnswerCount.wave_id == wave.id,
                SurveyAnswerCount.question_key == key,
                SurveyAnswerCount.answer == answers[key],
            )
            .values(count=SurveyAnswerCount.count + 1)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def close_wave(wave: SurveyWave, *, actor) -> None:
    if not wave.is_open():
        raise _refuse("already_closed")
    wave.closed_at = utcnow()
    record(
        "survey.closed",
        actor=actor,
        group=wave.group,
        subject=wave,
        answered=answered_count(wave),
    )
    db.session.commit()


def answered_count(wave: SurveyWave) -> int:
    """How many have answered: the counters of the wave's first question, added up. (The flags
    could say less: a person who deletes their account loses their flag, not their answer.)"""
    if not wave.questions:
        return 0
    return db.session.scalar(
        select(func.coalesce(func.sum(SurveyAnswerCount.count), 0)).where(
            SurveyAnswerCount.wave_id == wave.id,
            SurveyAnswerCount.question_key == wave.questions[0].question_key,
        )
    )


def waves_of(group) -> list[SurveyWave]:
    """The group's waves, the newest first."""
    return list(
        db.session.scalars(
            select(SurveyWave)
            .where(SurveyWave.group_id == group.id)
            .order_by(SurveyWave.opens_on.desc(), SurveyWave.id.desc())
        )
    )


def answered_wave_ids(user, wave_ids: list[int]) -> set[int]:
    if user is None or not wave_ids:
        return set()
    return set(
        db.session.scalars(
            select(SurveyRespondent.wave_id).where(
                SurveyRespondent.user_id == user.id, SurveyRespondent.wave_id.in_(wave_ids)
            )
        )
    )
