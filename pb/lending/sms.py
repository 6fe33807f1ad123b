"""What an SMS answer does in lending: the keeper confirms or declines a request, and confirms
a hand-over or a return, as the app would, marked in the audit log as done by SMS. Damage is
reported in the app; a return confirmed by SMS keeps the condition the item had."""

from flask_babel import lazy_gettext as _l

from pb.extensions import db
from pb.lending import services
from pb.lending.models import Booking
from pb.notifications.answers import register_action

CONFIRMED = _l("Fellespott: thank you, the booking is confirmed.")
DECLINED = _l("Fellespott: thank you, the booking is declined.")
HANDED_OVER = _l("Fellespott: thank you, the hand-over is recorded.")
RETURNED = _l("Fellespott: thank you, the return is recorded, in the same condition as before.")
NOTHING_CHANGED = _l("Fellespott: thank you. Nothing was changed. Use the app to change it.")


def _booking(booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise services.LendingError("wrong_status")
    return booking


def _decide(booking_id: int, actor, yes: bool):
    services.decide(_booking(booking_id), actor=actor, confirm=yes, via="sms")
    return CONFIRMED if yes else DECLINED


def _on_the_day(step, done):
    """JA to the keeper's question on the day records the hand-over or the return (`step`),
    the item in the condition it had; NEI changes nothing."""

    def handle(booking_id: int, actor, yes: bool):
        if not yes:
            return NOTHING_CHANGED
        booking = _booking(booking_id)
        step(booking, actor=actor, condition=booking.item.condition, via="sms")
        return done

    return handle


register_action("booking.decide", _decide)
register_action("booking.pickup", _on_the_day(services.pick_up, HANDED_OVER))
register_action("booking.return", _on_the_day(services.take_back, RETURNED))
