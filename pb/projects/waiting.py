"""What projects put at the top of a group page: stories that wait for a moderator."""

from sqlalchemy import func, select

from pb.extensions import db
from pb.groups.overview import Waiting, register_waiting
from pb.i18n import ngettext
from pb.projects.models import Story
from pb.web import path_for


def _stories(access, user) -> list[Waiting]:
    if not access.can_moderate:
        return []
    count = db.session.scalar(
        select(func.count())
        .select_from(Story)
        .where(Story.group_id == access.group.id, Story.status == "submitted")
    )
    return [
        Waiting(
            ngettext(
                "%(num)d story waits for a moderator", "%(num)d stories wait for a moderator", count
            ),
            path_for("projects.stories_page", group_id=access.group.id),
            count,
            icon="shield",
        )
    ]


register_waiting("stories", _stories)
