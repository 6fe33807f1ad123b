"""Who may do what with the group's surveys: the one place these rules live.

Group staff, the programme lead and peer consultants send and close waves; anyone with a
membership in the group answers. A wave of another group is "not found" (404).
"""

from flask import abort

from pb.extensions import db
from pb.groups.access import GroupAccess
from pb.surveys.models import SurveyWave


def wave_in_group(access: GroupAccess, wave_id: int) -> SurveyWave:
    wave = db.session.get(SurveyWave, wave_id)
    if wave is None or wave.group_id != access.group.id:
        abort(404)
    return wave


def may_send(access: GroupAccess) -> bool:
    return access.can_moderate


def may_answer(access: GroupAccess) -> bool:
    """Members answer: a programme lead looking in from outside the group does not."""
    return access.membership is not None
