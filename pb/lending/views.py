"""Thin handlers: parse, check permission (pb/lending/access.py), call a service, render."""

import io
from datetime import date, timedelta

import segno
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from htmx_flask import request as htmx_request
from sqlalchemy import select

from pb.audit.services import record
from pb.extensions import db, limiter
from pb.forms import errors_text
from pb.groups.access import group_access, require
from pb.groups.models import Membership
from pb.i18n import gettext as _
from pb.lending import feeds, forms, labels, services, swap
from pb.lending.access import (
    booking_of_item,
    is_borrower,
    is_custodian,
    item_in_group,
    may_edit_item,
    may_see_pickup_instructions,
    membership_of,
    party_of,
    swap_post_in_group,
    waitlist_entry_of_item,
)
from pb.lending.models import HandOver, Item
from pb.lending.services import PHOTO_FOLDER, LendingError
from pb.payouts.models import PayoutRequest
from pb.proposals import photos
from pb.timeutil import local_today
from pb.web import query_budget, render_page_or_partial, see_other

# ---------------------------------------------------------------------------------------------
# Items and the "what's free" search


def _member_choices(group) -> list[tuple[int, str]]:
    members = db.session.scalars(
        select(Membership).where(Membership.group_id == group.id).order_by(Membership.id)
    )
    return [(m.user_id, m.user.display_name or m.user.username) for m in members]


@login_required
def items_page(group_id: int):
    access = group_access(group_id)
    search = forms.SearchForm(request.args)
    free = None
    problem = None
    if request.args.get("start") and search.validate():
        start, end = search.start.data, search.end.data or search.start.data
        if end < start:
            problem = _("The last day is before the first day. Choose the days again.")
        elif start < local_today():
            problem = _("These days have passed. Choose days from today on.")
        else:
            free = services.free_items(access.group, start, end, search.category.data or None)
    items = list(
        db.session.scalars(
            select(Item).where(Item.group_id == access.group.id).order_by(Item.category, Item.name)
        )
    )
    limit_form = forms.LimitForm(lending_limit=access.group.lending_limit)
    return render_page_or_partial(
        "lending/items.html",
        "lending/_free.html",
        access=access,
        items=items,
        search=search,
        free=free,
        problem=problem,
        mine=services.my_bookings(current_user, access.group),
        requests=services.waiting_requests(current_user, access.group),
        limit_form=limit_form,
        labels=labels,
    )


@login_required
def lending_settings(group_id: int):
    access = group_access(group_id)
    require(access.can_manage)
    form = forms.LimitForm()
    if form.validate_on_submit():
        access.group.lending_limit = form.lending_limit.data
        record(
            "lending.limit_changed",
            actor=current_user,
            group=access.group,
            limit=form.lending_limit.data,
        )
        db.session.commit()
        flash(_("Saved."), "success")
    else:
        flash(errors_text(form.lending_limit), "error")
    return see_other(".items_page", group_id=group_id)


def _payout_to_prefill(access, payout_id) -> PayoutRequest | None:
    """A paid collective payout of this group that bought equipment, to start an item from."""
    from pb.ids import whole_number

    payout_id = whole_number(payout_id)
    payout = db.session.get(PayoutRequest, payout_id) if payout_id else None
    if payout is None or payout.group_id != access.group.id or not bought_equipment(payout):
        return None
    return payout


def bought_equipment(payout) -> bool:
    """A paid collective payout whose proposal was for equipment: it may become a shared item."""
    from pb.proposals.models import Proposal

    if payout.kind != "collective" or payout.state != "paid" or not payout.source_proposal_id:
        return False
    proposal = db.session.get(Proposal, payout.source_proposal_id)
    return proposal is not None and proposal.category == "equipment"


def item_from_payout(payout) -> Item | None:
    return db.session.scalar(select(Item).where(Item.payout_id == payout.id))


@login_required
def new_item(group_id: int):
    access = group_access(group_id)
    require(access.can_moderate)
    form = forms.ItemForm()
    del form.custodian_shares_phone  # the keeper's own choice, made when they edit the item
    form.custodian.choices = _member_choices(access.group)
    payout = _payout_to_prefill(access, request.values.get("payout"))
    if request.method == "GET":
        form.custodian.data = current_user.id
        if payout is not None:
            form.name.data = payout.title[:120]
            form.description.data = payout.purpose
            form.payout_id.data = str(payout.id)
    if form.validate_on_submit():
        fields = form.fields_for_service()
        fields["custodian_id"] = form.custodian.data
        custodian = next(
            (m for m in access.group.memberships if m.user_id == form.custodian.data), None
        )
        if form.whole_household.data and custodian is not None:
            fields["custodian_household_id"] = custodian.household_id
        fields["payout_id"] = payout.id if payout is not None else None
        try:
            item = services.create_item(
                access.group, actor=current_user, photo=form.prepared_photo, **fields
            )
        except LendingError as error:
            form.custodian.errors.append(error.message)
        else:
            flash(_("The item is added. Print its label and stick it on."), "success")
            return see_other(".item_page", group_id=group_id, item_id=item.id)
    return render_template(
        "lending/item_form.html", access=access, form=form, item=None, payout=payout
    )


@login_required
def edit_item(group_id: int, item_id: int):
    access = group_access(group_id)
    item = item_in_group(access, item_id)
    require(may_edit_item(access, item, current_user))
    form = forms.ItemForm(obj=item if request.method == "GET" else None)
    # The keeper is changed on a page of its own, where the change is recorded.
    del form.custodian
    del form.whole_household
    if not is_custodian(item, current_user):
        del form.custodian_shares_phone
    if form.validate_on_submit():
        services.update_item(
            item,
            actor=current_user,
            photo=form.prepared_photo,
            remove_photo=bool(form.remove_photo.data),
            **form.fields_for_service(),
        )
        flash(_("Saved."), "success")
        return see_other(".item_page", group_id=group_id, item_id=item.id)
    return render_template("lending/item_form.html", access=access, form=form, item=item)


@login_required
def change_custodian(group_id: int, item_id: int):
    access = group_access(group_id)
    item = item_in_group(access, item_id)
    require(may_edit_item(access, item, current_user))
    form = forms.CustodianForm()
    form.custodian.choices = _member_choices(access.group)
    if request.method == "GET":
        form.custodian.data = item.custodian_id
    if form.validate_on_submit():
        try:
            services.change_custodian(
                item,
                actor=current_user,
                custodian_id=form.custodian.data,
                whole_household=bool(form.whole_household.data),
            )
        except LendingError as error:
            form.custodian.errors.append(error.message)
        else:
            flash(_("Saved. The change is in the group's log."), "success")
            return see_other(".item_page", group_id=group_id, item_id=item.id)
    return render_template("lending/custodian_form.html", access=access, form=form, item=item)


def _month(text: str | None, today: date) -> tuple[int, int]:
    """A month from "2026-12"; anything else is this month."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    return today.year, today.month


def _neighbour_months(year: int, month: int) -> tuple[str, str]:
    first = date(year, month, 1)
    before = first - timedelta(days=1)
    after = first + timedelta(days=32)
    return f"{before.year}-{before.month:02d}", f"{after.year}-{after.month:02d}"


def _calendar_context(access, item) -> dict:
    today = local_today()
    year, month = _month(request.args.get("month"), today)
    previous, following = _neighbour_months(year, month)
    return {
        "weeks": services.month_calendar(item, year, month, current_user, today),
        "month_start": date(year, month, 1),
        "previous_month": previous,
        "next_month": following,
    }


@query_budget(11)
@login_required
def item_page(group_id: int, item_id: int):
    access = group_access(group_id)
    item = item_in_group(access, item_id)
    today = local_today()
    form = forms.DaysForm()
    if request.method == "GET":
        start = _iso_day(request.args.get("start"))
        form.start.data = start or today
        form.end.data = _iso_day(request.args.get("end")) or form.start.data
    return _item_page(access, item, form)


def _iso_day(text) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _item_page(access, item, form, status: int = 200, taken: bool = False):
    bookings = services.bookings_of_item(item)
    action, action_booking = services.scan_action(item, current_user)
    custodian = is_custodian(item, current_user)
    context = {
        "access": access,
        "item": item,
        "form": form,
        "taken": taken,
        "labels": labels,
        "bookings": bookings,
        "is_custodian": custodian,
        "may_edit": may_edit_item(access, item, current_user),
        "may_report": services.may_report_damage(access, item, current_user),
        "show_pickup": may_see_pickup_instructions(access, item, current_user, bookings),
        "mine": [b for b in bookings if is_borrower(b, current_user)],
        "is_member": membership_of(current_user, item.group_id) is not None,
        "waitlist": services.waitlist_in_order(item, local_today()),
        "my_party": (party_of(current_user, item.group_id) or ("", None))[0],
        "late": services.late_bookings(item),
        "action": action if request.args.get("scan") else None,
        "action_booking": action_booking,
        "limit": access.group.lending_limit,
        "damage": _latest_damage(item),
        **_calendar_context(access, item),
    }
    return render_template("lending/item.html", **context), status


def _latest_damage(item):
    from pb.lending.models import DamageReport

    if item.status != "maintenance":
        return None
    return db.session.scalar(
        select(DamageReport)
        .where(DamageReport.item_id == item.id)
        .order_by(DamageReport.id.desc())
        .limit(1)
    )


@query_budget(5)
@login_required
def calendar_part(group_id: int, item_id: int):
    """The month calendar alone, for htmx; without JavaScript the month links load the page."""
    access = group_access(group_id)
    item = item_in_group(access, item_id)
    if not htmx_request.htmx:
        return redirect(
            url_for(
                ".item_page", group_id=group_id, item_id=item_id, month=request.args.get("month")
            )
        )
    return render_template(
        "lending/_calendar.html",
        access=access,
        item=item,
        labels=labels,
        **_calendar_context(access, item),
    )


@login_required
def item_photo(group_id: int, item_id: int, size: str):
    access = group_access(group_id)
    item = item_in_group(access, item_id)
    return photos.send_photo(item, size, PHOTO_FOLDER)


@login_required
def book(group_id: int, item_id: int):
    access = group_access(group_id)
    item = item_in_group(access, item_id)
    form = forms.DaysForm()
    if not form.validate_on_submit():
        return _item_page(access, item, form, status=422)
    try:
        booking = services.request_booking(
            item,
            borrower=current_user,
            start=form.start.data,
            end=form.end.data,
            idempotency_key=form.key,
        )
    except LendingError as error:
        form.start.errors.append(error.message)
        return _item_page(access, item, form, status=409, taken=error.code == "taken")
    if booking.status == "confirmed":
        flash(_("Booked! The keeper will hand it over on the first day."), "success")
    else:
        flash(_("Sent! The keeper will answer soon."), "success")
    return see_other(".booking_page", group_id=group_id, item_id=item_id, booking_id=booking.id)


@login_required
def join_waitlist(group_id: int, item_id: int):
    access = group_access(group_id)
    item = item_in_group(access, item_id)
    form = forms.DaysForm()
    if not form.validate_on_submit():
        return _item_page(access, item, form, status=422)
    try:
        services.join_waitlist(item, user=current_user, start=form.start.data, end=form.end.data)
    except LendingError as error:
        form.start.errors.append(error.message)
        return _item_page(access, item, form, status=409)
    flash(
        _("You are on the waiting list. If the days become free, you will hear first or in turn."),
        "success",
    )
    return see_other(".item_page", group_id=group_id, item_id=item_id)


@login_required
def leave_waitlist(group_id: int, item_id: int, entry_id: int):
    access = group_access(group_id)
    item = item_in_group(access, item_id)
    entry = waitlist_entry_of_item(item, entry_id)
    try:
        services.leave_waitlist(entry, user=current_user)
    except LendingError as error:
        if error.code == "not_yours":
            abort(404)
        flash(error.message, "error")
    else:
        flash(_("You have left the waiting list."), "success")
    return see_other(".item_page", group_id=group_id, item_id=item_id)


# ---------------------------------------------------------------------------------------------
# One booking


def _load_booking(group_id: int, item_id: int, booking_id: int):
    """The booking, for the people in it, the custodian, and the group's moderators."""
    access = group_access(group_id)
    item = item_in_group(access, item_id)
    booking = booking_of_item(item, booking_id)
    if not (
        is_borrower(booking, current_user)
        or is_custodian(item, current_user)
        or access.can_moderate
    ):
        abort(404)
    return access, item, booking


def _booking_context(access, item, booking) -> dict:
    custodian = is_custodian(item, current_user)
    borrower = is_borrower(booking, current_user)
    return {
        "access": access,
        "item": item,
        "booking": booking,
        "labels": labels,
        "is_custodian": custodian,
        "is_borrower": borrower,
        "in_booking": custodian or borrower,
        "show_pickup": borrower and booking.status in ("confirmed", "picked_up"),
        "answer_form": forms.AnswerForm(),
        "message_form": forms.MessageForm(),
        "limit": access.group.lending_limit,
        "today": local_today(),
    }


@query_budget(8)
@login_required
def booking_page(group_id: int, item_id: int, booking_id: int):
    access, item, booking = _load_booking(group_id, item_id, booking_id)
    return render_template("lending/booking.html", **_booking_context(access, item, booking))


def _booking_step(group_id, item_id, booking_id, action, done: str):
    """Run one step on a booking: a refusal is flashed, and the booking page shows the outcome."""
    _access, _item, booking = _load_booking(group_id, item_id, booking_id)
    try:
        action(booking)
    except LendingError as error:
        flash(error.message, "error")
    else:
        flash(done, "success")
    return see_other(".booking_page", group_id=group_id, item_id=item_id, booking_id=booking_id)


@login_required
def confirm_booking(group_id: int, item_id: int, booking_id: int):
    form = forms.AnswerForm()
    return _booking_step(
        group_id,
        item_id,
        booking_id,
        lambda b: services.decide(
            b, actor=current_user, confirm=True, message=form.message.data or ""
        ),
        _("Confirmed. The borrower is told."),
    )


@login_required
def decline_booking(group_id: int, item_id: int, booking_id: int):
    form = forms.AnswerForm()
    return _booking_step(
        group_id,
        item_id,
        booking_id,
        lambda b: services.decide(
            b, actor=current_user, confirm=False, message=form.message.data or ""
        ),
        _("Declined. The borrower is told."),
    )


@login_required
def cancel_booking(group_id: int, item_id: int, booking_id: int):
    return _booking_step(
        group_id,
        item_id,
        booking_id,
        lambda b: services.cancel(b, actor=current_user),
        _("The booking is cancelled."),
    )


@login_required
def accept_offer(group_id: int, item_id: int, booking_id: int):
    return _booking_step(
        group_id,
        item_id,
        booking_id,
        lambda b: services.accept_offer(b, user=current_user),
        _("The days are yours."),
    )


@login_required
def decline_offer(group_id: int, item_id: int, booking_id: int):
    return _booking_step(
        group_id,
        item_id,
        booking_id,
        lambda b: services.decline_offer(b, user=current_user),
        _("Thank you. The days go to the next on the list."),
    )


def _hand_over_view(group_id, item_id, booking_id, kind: str):
    access, item, booking = _load_booking(group_id, item_id, booking_id)
    if not is_custodian(item, current_user):
        flash(LendingError("not_custodian").message, "error")
        return see_other(".booking_page", group_id=group_id, item_id=item_id, booking_id=booking_id)
    form = forms.HandOverForm()
    if request.method == "GET":
        form.condition.data = item.condition
    if form.validate_on_submit():
        step = services.pick_up if kind == "pickup" else services.take_back
        try:
            step(
                booking,
                actor=current_user,
                condition=form.condition.data,
                note=form.note.data or "",
                photo=form.prepared_photo,
            )
        except LendingError as error:
            form.condition.errors.append(error.message)
        else:
            flash(
                _("Handed over. Have a good trip!")
                if kind == "pickup"
                else _("Taken back. Thank you for looking after it."),
                "success",
            )
            return see_other(".item_page", group_id=group_id, item_id=item_id)
    return render_template(
        "lending/handover_form.html",
        access=access,
        item=item,
        booking=booking,
        form=form,
        kind=kind,
        labels=labels,
    )


@login_required
def pick_up(group_id: int, item_id: int, booking_id: int):
    return _hand_over_view(group_id, item_id, booking_id, "pickup")


@login_required
def take_back(group_id: int, item_id: int, booking_id: int):
    return _hand_over_view(group_id, item_id, booking_id, "return")


@login_required
def handover_photo(group_id: int, item_id: int, booking_id: int, handover_id: int, size: str):
    _access, _item, booking = _load_booking(group_id, item_id, booking_id)
    handover = db.session.get(HandOver, handover_id)
    if handover is None or handover.booking_id != booking.id:
        abort(404)
    return photos.send_photo(handover, size, PHOTO_FOLDER)


@login_required
def send_message(group_id: int, item_id: int, booking_id: int):
    access, item, booking = _load_booking(group_id, item_id, booking_id)
    form = forms.MessageForm()
    if form.validate_on_submit():
        try:
            services.send_message(booking, author=current_user, text=form.text.data)
        except LendingError as error:
            flash(error.message, "error")
    else:
        flash(errors_text(form.text) or _("Write a message first."), "error")
    if htmx_request.htmx:
        context = _booking_context(access, item, booking)
        return render_template("lending/_messages.html", **context)
    return see_other(".booking_page", group_id=group_id, item_id=item_id, booking_id=booking_id)


@login_required
def report_damage(group_id: int, item_id: int):
    access = group_access(group_id)
    item = item_in_group(access, item_id)
    require(services.may_report_damage(access, item, current_user))
    form = forms.DamageForm()
    if request.method == "GET":
        form.repair_until.data = local_today() + timedelta(days=14)
    if form.validate_on_submit():
        try:
            report = services.report_damage(
                item,
                actor=current_user,
                note=form.note.data,
                repair_until=form.repair_until.data,
                photo=form.prepared_photo,
            )
        except LendingError as error:
            form.repair_until.errors.append(error.message)
        else:
            flash(
                _(
                    "Thank you. The item is marked for repair, and %(count)s booking(s) in that "
                    "time were cancelled.",
                    count=report.cancelled_count,
                ),
                "success",
            )
            return see_other(".item_page", group_id=group_id, item_id=item_id)
    return render_template("lending/damage_form.html", access=access, item=item, form=form)


@login_required
def damage_photo(group_id: int, item_id: int, report_id: int, size: str):
    from pb.lending.models import DamageReport

    access = group_access(group_id)
    item = item_in_group(access, item_id)
    report = db.session.get(DamageReport, report_id)
    if report is None or report.item_id != item.id:
        abort(404)
    return photos.send_photo(report, size, PHOTO_FOLDER)


# ---------------------------------------------------------------------------------------------
# The QR label


@login_required
def label_page(group_id: int, item_id: int):
    access = group_access(group_id)
    item = item_in_group(access, item_id)
    require(may_edit_item(access, item, current_user))
    return render_template("lending/label.html", access=access, item=item)


@login_required
def label_qr(group_id: int, item_id: int):
    access = group_access(group_id)
    item = item_in_group(access, item_id)
    link = url_for(".scan", code=item.code, _external=True)
    out = io.BytesIO()
    # A standalone SVG file, with its namespace: an <img> refuses segno's inline fragment.
    segno.make(link, error="m").save(
        out, kind="svg", scale=6, dark="#1b1b1b", light="#ffffff", xmldecl=False
    )
    return Response(
        out.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=300"}
    )


@login_required
def scan(code: str):
    """What the label's QR code opens: the item, with the action that fits the moment."""
    item = db.session.scalar(select(Item).where(Item.code == code.upper()[:8]))
    if item is None:
        abort(404)
    group_access(item.group_id)  # 404 for anyone outside the item's group
    return redirect(url_for(".item_page", group_id=item.group_id, item_id=item.id, scan=1))


# ---------------------------------------------------------------------------------------------
# The calendar feed


@login_required
def calendar_settings():
    token = None
    if request.method == "POST":
        if request.form.get("action") == "revoke":
            feeds.revoke_feed(current_user)
            flash(_("The calendar address no longer works."), "success")
        else:
            token = feeds.new_feed(current_user)
    return render_template(
        "lending/calendar_feed.html",
        feed_url=url_for(".calendar_feed", token=token, _external=True) if token else None,
        has_feed=feeds.has_feed(current_user),
    )


@limiter.limit("60 per minute")
def calendar_feed(token: str):
    user = feeds.user_for_token(token)
    if user is None:
        abort(404)
    from flask_babel import force_locale

    def title(booking, mine: bool) -> str:
        if mine:
            return _("Borrowing: %(item)s", item=booking.item.name)
        return _("Lending out: %(item)s", item=booking.item.name)

    with force_locale(user.locale or "nb"):
        body = feeds.calendar_for(user, title)
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": "inline; filename=fellespott.ics",
        },
    )


# ---------------------------------------------------------------------------------------------
# The swap shelf


@login_required
def swap_shelf(group_id: int):
    access = group_access(group_id)
    return render_template(
        "lending/swap.html", access=access, posts=swap.shelf(access.group), labels=labels
    )


@login_required
def new_swap_post(group_id: int):
    access = group_access(group_id)
    require(membership_of(current_user, group_id) is not None)
    form = forms.SwapForm()
    if form.validate_on_submit():
        post = swap.post_thing(
            access.group,
            author=current_user,
            kind=form.kind.data,
            title=form.title.data,
            description=form.description.data,
            size_or_age=form.size_or_age.data,
            photo=form.prepared_photo,
        )
        flash(_("It is on the shelf for 30 days."), "success")
        return see_other(".swap_page", group_id=group_id, post_id=post.id)
    return render_template("lending/swap_form.html", access=access, form=form)


@login_required
def swap_page(group_id: int, post_id: int):
    access = group_access(group_id)
    post = swap_post_in_group(access, post_id)
    return render_template("lending/swap_post.html", access=access, post=post, labels=labels)


@login_required
def swap_photo(group_id: int, post_id: int, size: str):
    access = group_access(group_id)
    post = swap_post_in_group(access, post_id)
    return photos.send_photo(post, size, PHOTO_FOLDER)


def _swap_step(group_id: int, post_id: int, action, done: str):
    access = group_access(group_id)
    post = swap_post_in_group(access, post_id)
    try:
        action(post)
    except LendingError as error:
        flash(error.message, "error")
    else:
        flash(done, "success")
    return see_other(".swap_page", group_id=group_id, post_id=post_id)


@login_required
def reserve_swap(group_id: int, post_id: int):
    require(membership_of(current_user, group_id) is not None)
    return _swap_step(
        group_id,
        post_id,
        lambda p: swap.reserve(p, user=current_user),
        _("Reserved for you. The giver is told, and will hand it over."),
    )


@login_required
def release_swap(group_id: int, post_id: int):
    return _swap_step(
        group_id, post_id, lambda p: swap.release(p, user=current_user), _("It is free again.")
    )


@login_required
def hand_over_swap(group_id: int, post_id: int):
    return _swap_step(
        group_id,
        post_id,
        lambda p: swap.hand_over(p, user=current_user),
        _("Handed over. Thank you!"),
    )


@login_required
def withdraw_swap(group_id: int, post_id: int):
    return _swap_step(
        group_id, post_id, lambda p: swap.withdraw(p, user=current_user), _("Taken off the shelf.")
    )
