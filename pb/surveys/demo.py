"""The surveys part of the demo: "Stødig start" answered the same pulse survey twice, about
13 months ago and a month ago, like the 2022 and 2023 waves of the pilot's evaluation, and the
later wave is a little better. It joins the caller's transaction (seed_demo() commits once) and
writes the waves, their counters and the "has answered" flags, as answering would: nothing
that links an answer to a person."""

import random
from datetime import timedelta

from sqlalchemy import update

from pb.extensions import db
from pb.surveys.models import SurveyAnswerCount, SurveyRespondent, SurveyWave
from pb.surveys.questions import ANSWERS
from pb.surveys.services import add_questions
from pb.timeutil import local_today

QUESTIONS = [
    "life_good",
    "everyday_better",
    "matter_group",
    "trust_services",
    "say_project",
    "belong_group",
]
# How likely each answer is, 1 to 5 and "don't know", in the earlier and the later wave.
EARLIER = (0.08, 0.17, 0.33, 0.25, 0.10, 0.07)
LATER = (0.03, 0.09, 0.25, 0.35, 0.22, 0.06)
# Trust in the services grew the most in the pilot; say in the project was lowest at first.
SHIFT = {"trust_services": 1, "say_project": -1}


def seed_survey_demo(group, opened_by, respondents) -> None:
    rng = random.Random(2023)
    today = local_today()
    people = list(respondents)
    for (closes_ago, weights, title), answering in zip(
        [
            (396, EARLIER, "Pulsen i fjor"),
            (30, LATER, "Pulsen i år"),
        ],
        [rng.sample(people, min(len(people), 14)), rng.sample(people, min(len(people), 17))],
        strict=True,
    ):
        closes_on = today - timedelta(days=closes_ago)
        wave = SurveyWave(
            group_id=group.id,
            title=title,
            opens_on=closes_on - timedelta(days=14),
            closes_on=closes_on,
            created_by_id=opened_by.id,
        )
        db.session.add(wave)
        db.session.flush()
        add_questions(wave, QUESTIONS)
        counts = {(key, answer): 0 for key in QUESTIONS for answer in ANSWERS}
        for person in answering:
            db.session.add(SurveyRespondent(wave_id=wave.id, user_id=person.id))
            for key in QUESTIONS:
                answer = rng.choices(ANSWERS, weights=_shifted(weights, SHIFT.get(key, 0)))[0]
                counts[key, answer] += 1
        for (key, answer), count in counts.items():
            if count:
                db.session.execute(
                    update(SurveyAnswerCount)
                    .where(
                        SurveyAnswerCount.wave_id == wave.id,
                        SurveyAnswerCount.question_key == key,
                        SurveyAnswerCount.answer == answer,
                    )
                    .values(count=count)
                    .execution_options(synchronize_session=False)
                )
    db.session.flush()


def _shifted(weights: tuple[float, ...], step: int) -> tuple[float, ...]:
    """The scale's weights moved one answer up (step 1) or down (-1); "don't know" stays."""
    scale = list(weights[:5])
    if step > 0:
        scale = [0.0, *scale[:3], scale[3] + scale[4]]
    elif step < 0:
        scale = [scale[0] + scale[1], *scale[2:], 0.0]
    return (*scale, weights[5])
