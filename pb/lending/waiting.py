"""What lending puts at the top of a group page: requests to answer, offers to take, hand-overs
today."""

from sqlalchemy import select

from pb.extensions import db
from pb.groups.overview import Waiting, register_waiting
from pb.i18n import ngettext
from pb.lending import services
from pb.lending.models import Booking
from pb.timeutil import local_today
from pb.web import path_for


def _lending(access, user) -> list[Waiting]:
    items_url = path_for("lending.items_page", group_id=access.group.id)
    requests = services.waiting_requests(user, access.group)
    mine = services.my_bookings(user, access.group)
    offers = [b for b in mine if b.status == "offered"]
    today = local_today()
    looked_after = services.items_looked_after(user, access.group)
    handovers = (
        db.session.scalar(
            select(db.func.count())
            .select_from(Booking)
            .where(
                Booking.item_id.in_(looked_after),
                (
                    (Booking.status == "confirmed") & (Booking.start_on == today)
                    | (Booking.status == "picked_up") & (Booking.end_on <= today)
                ),
            )
        )
        if looked_after
        else 0
    )
    return [
        Waiting(
            ngettext(
                "%(num)d booking request waits for your answer",
                "%(num)d booking requests wait for your answer",
                len(requests),
            ),
            items_url,
            len(requests),
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
