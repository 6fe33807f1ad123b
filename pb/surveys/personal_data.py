"""What surveys hold about a person: only which waves they have answered (the "has answered"
flags). Their answers are counts with no link to anyone, so they are not theirs to export or
erase; deleting the account deletes the flags, and the counts stay."""

from sqlalchemy import delete, select, update

from pb import privacy
from pb.extensions import db
from pb.surveys.models import SurveyRespondent, SurveyWave
from pb.surveys.results import wave_name


def _export(user) -> dict:
    waves = db.session.scalars(
        select(SurveyWave)
        .join(SurveyRespondent, SurveyRespondent.wave_id == SurveyWave.id)
        .where(SurveyRespondent.user_id == user.id)
        .order_by(SurveyWave.opens_on, SurveyWave.id)
    ).all()
    return {
        "surveys_answered": [
            {
                "group": wave.group.name,
                "survey": wave_name(wave),
                "opened_on": wave.opens_on.isoformat(),
            }
            for wave in waves
        ]
    }


def _erase(erasure: privacy.Erasure) -> None:
    db.session.execute(delete(SurveyRespondent).where(SurveyRespondent.user_id == erasure.user.id))
    db.session.execute(
        update(SurveyWave)
        .where(SurveyWave.created_by_id == erasure.user.id)
        .values(created_by_id=None)
    )


privacy.register_exporter("surveys", _export)
privacy.register_eraser("surveys", _erase)
