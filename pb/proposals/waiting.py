"""What the proposals domain puts at the top of a group page: the moderation queue."""

from flask import url_for

from pb.groups.overview import Waiting, register_waiting
from pb.i18n import ngettext
from pb.proposals import moderation


def _moderation_queue(access, _user) -> list[Waiting]:
    if not access.can_moderate:
        return []
    size = moderation.queue_size(access.group)
    return [
        Waiting(
            ngettext(
                "%(num)d thing waits for moderation", "%(num)d things wait for moderation", size
            ),
            url_for("proposals.queue_page", group_id=access.group.id),
            size,
            "shield",
        )
    ]


register_waiting("moderation", _moderation_queue)
