"""The lending library: the group's own equipment, kept at custodians' homes, and the swap shelf."""

from flask import Blueprint

bp = Blueprint("lending", __name__)

from pb.lending import personal_data, sms, views, waiting  # noqa: E402, F401

ITEMS = "/groups/<int:group_id>/items"
ITEM = ITEMS + "/<int:item_id>"
BOOKING = ITEM + "/bookings/<int:booking_id>"
SWAP = "/groups/<int:group_id>/swap"
PHOTO = "/photo/<any(full, medium, thumb):size>"
GET_POST = ["GET", "POST"]
POST = ["POST"]

bp.add_url_rule(ITEMS, view_func=views.items_page)
bp.add_url_rule(ITEMS + "/new", view_func=views.new_item, methods=GET_POST)
bp.add_url_rule(ITEMS + "/settings", view_func=views.lending_settings, methods=POST)
bp.add_url_rule(ITEM, view_func=views.item_page)
bp.add_url_rule(ITEM + "/calendar", view_func=views.calendar_part)
bp.add_url_rule(ITEM + "/edit", view_func=views.edit_item, methods=GET_POST)
bp.add_url_rule(ITEM + "/custodian", view_func=views.change_custodian, methods=GET_POST)
bp.add_url_rule(ITEM + PHOTO, view_func=views.item_photo)
bp.add_url_rule(ITEM + "/book", view_func=views.book, methods=POST)
bp.add_url_rule(ITEM + "/waitlist", view_func=views.join_waitlist, methods=POST)
bp.add_url_rule(
    ITEM + "/waitlist/<int:entry_id>/leave", view_func=views.leave_waitlist, methods=POST
)
bp.add_url_rule(ITEM + "/damage", view_func=views.report_damage, methods=GET_POST)
bp.add_url_rule(ITEM + "/damage/<int:report_id>" + PHOTO, view_func=views.damage_photo)
bp.add_url_rule(ITEM + "/label", view_func=views.label_page)
bp.add_url_rule(ITEM + "/label.svg", view_func=views.label_qr)
bp.add_url_rule(BOOKING, view_func=views.booking_page)
bp.add_url_rule(BOOKING + "/confirm", view_func=views.confirm_booking, methods=POST)
bp.add_url_rule(BOOKING + "/decline", view_func=views.decline_booking, methods=POST)
bp.add_url_rule(BOOKING + "/cancel", view_func=views.cancel_booking, methods=POST)
bp.add_url_rule(BOOKING + "/accept", view_func=views.accept_offer, methods=POST)
bp.add_url_rule(BOOKING + "/decline-offer", view_func=views.decline_offer, methods=POST)
bp.add_url_rule(BOOKING + "/pickup", view_func=views.pick_up, methods=GET_POST)
bp.add_url_rule(BOOKING + "/return", view_func=views.take_back, methods=GET_POST)
bp.add_url_rule(BOOKING + "/messages", view_func=views.send_message, methods=POST)
bp.add_url_rule(BOOKING + "/handovers/<int:handover_id>" + PHOTO, view_func=views.handover_photo)
# What an item's QR label opens: a short code, no name.
bp.add_url_rule("/i/<string(length=6):code>", view_func=views.scan)
bp.add_url_rule("/calendar", view_func=views.calendar_settings, methods=GET_POST)
bp.add_url_rule("/calendar/<token>.ics", view_func=views.calendar_feed)
bp.add_url_rule(SWAP, view_func=views.swap_shelf)
bp.add_url_rule(SWAP + "/new", view_func=views.new_swap_post, methods=GET_POST)
bp.add_url_rule(SWAP + "/<int:post_id>", view_func=views.swap_page)
bp.add_url_rule(SWAP + "/<int:post_id>" + PHOTO, view_func=views.swap_photo)
bp.add_url_rule(SWAP + "/<int:post_id>/reserve", view_func=views.reserve_swap, methods=POST)
bp.add_url_rule(SWAP + "/<int:post_id>/release", view_func=views.release_swap, methods=POST)
bp.add_url_rule(SWAP + "/<int:post_id>/handed-over", view_func=views.hand_over_swap, methods=POST)
bp.add_url_rule(SWAP + "/<int:post_id>/withdraw", view_func=views.withdraw_swap, methods=POST)


@bp.record_once
def _template_helpers(state) -> None:
    """The payout page offers "add as a shared item" for equipment the group bought."""
    from flask_babel import format_date

    state.app.jinja_env.globals.update(
        bought_equipment=views.bought_equipment, item_from_payout=views.item_from_payout
    )
    state.app.jinja_env.filters.update(
        # "desember 2026", as the month stands alone above a calendar.
        month_name=lambda day: format_date(day, "LLLL y"),
        weekday_name=lambda day: format_date(day, "EEEE"),
        weekday_short=lambda day: format_date(day, "EEEEEE"),
    )
