"""The surveys part of the demo: "Stødig start" answered the same pulse survey twice, about
13 months ago and a month ago, like the 2022 and 2023 waves of the pilot's evaluation, and the
later wave is better. It joins the caller's transaction (seed_demo() commits once) and writes
the waves, their counters and the "has answered" flags, as answering would: nothing that links
an answer to a person."""

import random
from datetime import timedelta

from sqlalchemy import update

from pb.extensions import db
from pb.surveys.models import SurveyAnswerCount, SurveyRespondent, SurveyWave
from pb.surveys.questions import ANSWERS
from pb.surveys.services import add_questions
from pb.timeutil import local_today

# How many gave each answer (1 to 5, then "don't know") to each question. Some cells are
# small, so the demo shows hidden numbers too, and one share that can't be shown.
EARLIER = {
    "life_good": (0, 3, 5, 5, 5, 0),
    "everyday_better": (1, 2, 5, 6, 0, 4),
    "matter_group": (0, 2, 6, 5, 5, 0),
    "trust_services": (2, 4, 6, 6, 0, 0),
    "say_project": (3, 4, 5, 6, 0, 0),
    "belong_group": (0, 0, 7, 6, 5, 0),
}
LATER = {
    "life_good": (0, 2, 4, 8, 7, 0),
    "everyday_better": (0, 3, 4, 8, 5, 1),
    "matter_group": (0, 0, 6, 9, 6, 0),
    "trust_services": (1, 2, 6, 7, 5, 0),
    "say_project": (1, 3, 6, 6, 5, 0),
    "belong_group": (0, 2, 3, 9, 7, 0),
}


def seed_survey_demo(group, opened_by, respondents) -> None:
    # bandit B311: made-up demo data, not security
    rng = random.Random(2023)  # nosec B311
    today = local_today()
    people = list(respondents)
    for closes_ago, title, table in [
        (396, "Pulsen i fjor", EARLIER),
        (30, "Pulsen i år", LATER),
    ]:
        answered = sum(next(iter(table.values())))
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
        add_questions(wave, list(table))
        for person in rng.sample(people, min(len(people), answered)):
            db.session.add(SurveyRespondent(wave_id=wave.id, user_id=person.id))
        for key, counts in table.items():
            for answer, count in zip(ANSWERS, counts, strict=True):
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
