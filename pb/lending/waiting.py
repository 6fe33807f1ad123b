"""What lending puts at the top of a group page: requests to answer, offers to take, hand-overs
today."""

from sqlalchemy import func, select

from pb.extensions import db
from pb.groups.overview import Waiting, register_waiting
from pb.i18n import ngettext
from pb.lending import services
from pb.lending.models import Booking
from pb.timeutil import local_today
from pb.web import path_for


def _lending(access, user) -> list[Waiting]:
    items_url = path_for("lending.items_page", group_id=access.group.id)
    mine = services.my_bookings(user, access.group)
    offers = [b for b in mine if b.status == "offered"]
    today = local_today()
    looked_after = services.items_looked_after(user, access.group)
    requests = handovers = 0
    if looked_after:
        # One query counts both: requests to answer, and what goes out or comes back today.
        requests, handovers = db.session.execute(
            select(
                func.count().filter(Booking.status == "requested"),
                func.count().filter(
                    ((Booking.status == "confirmed") & (Booking.start_on == today))
                    | ((Booking.status == "picked_up") & (Booking.end_on <= today))
                ),
            ).where(Booking.item_id.in_(looked_after))
        ).one()
    return [
        Waiting(
            ngettext(
                "%(num)d booking request waits for your answer",
                "%(num)d booking requests wait for your answer",
                requests,
            ),
            items_url,
            requests,
            "calendar",
        ),
        Waiting(
            ngettext(
                "%(num)d freed booking is offered to you",
                "%(num)d freed bookings are offered to you",
                len(offers),
            ),
            items_url,
            len(offers),
            "calendar",
        ),
        Waiting(
            ngettext(
                "%(num)d item to hand over or take back today",
                "%(num)d items to hand over or take back today",
                handovers,
            ),
            items_url,
            handovers,
            "calendar",
        ),
    ]


register_waiting("lending", _lending)
