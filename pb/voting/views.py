from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from pb.accounts.models import User
from pb.extensions import db
from pb.groups.access import group_access, require
from pb.groups.models import Membership
from pb.i18n import gettext as _
from pb.i18n import locale_code
from pb.ids import whole_number
from pb.money import format_ore
from pb.proposals.models import BudgetRound
from pb.timeutil import utcnow
from pb.voting import counting, explain, forms, services
from pb.web import query_budget, render_page_or_partial, see_other


def _round(group_id: int, round_id: int):
    access = group_access(group_id)
    budget_round = db.session.get(BudgetRound, round_id)
    if budget_round is None or budget_round.group_id != access.group.id:
        abort(404)
    return access, budget_round


def _money(ore: int) -> str:
    return format_ore(ore, locale_code())


def _ballot_page(access, budget_round, *, voter, chosen, error=None, status=200, assisted=None):
    proposals = services.ballot_proposals(budget_round)
    own = services.ballot_of(budget_round, voter)
    member_ballot = None
    if assisted is not None:
        # The ballot is secret, also from the person helping: they start from an empty ballot,
        # and learn only whether the member voted themselves or with help, and who helped.
        member_ballot, own = own, None
        chosen = chosen or []
    return (
        render_template(
            "voting/ballot.html",
            access=access,
            budget_round=budget_round,
            proposals=proposals,
            phase=services.round_phase(budget_round),
            own=own,
            chosen=chosen if chosen is not None else (own.choices if own else []),
            error=error,
            form=forms.BallotForm(),
            explanation=forms.FORMAT_EXPLANATIONS[budget_round.ballot_format],
            total=explain.chosen_total(
                proposals, chosen if chosen is not None else own.choices if own else []
            ),
            assisted=assisted,
            member_ballot=member_ballot,
            member_voted_themselves=services.cast_by_voter(member_ballot),
            earlier_helper=db.session.get(User, member_ballot.assisted_by_id)
            if member_ballot is not None and member_ballot.assisted_by_id
            else None,
        ),
        status,
    )


@query_budget(6)
@login_required
def ballot(group_id: int, round_id: int):
    access, budget_round = _round(group_id, round_id)
    require(services.is_on_roll(budget_round, current_user))
    return _cast(access, budget_round, voter=current_user)


def _cast(access, budget_round, *, voter, assisted=None):
    form = forms.BallotForm()
    if request.method == "POST" and form.validate_on_submit():
        chosen = forms.read_choices(budget_round, request.form)
        try:
            services.cast_ballot(budget_round, voter, chosen, assisted_by=assisted and current_user)
        except services.NotOnRoll:
            abort(404)
        except services.BallotError as error:
            db.session.rollback()
            return _ballot_page(
                access,
                budget_round,
                voter=voter,
                chosen=chosen,
                error=forms.ballot_message(error, _money),
                status=400,
                assisted=assisted,
            )
        if assisted is not None:
            flash(
                _("The ballot for %(name)s is saved. They will be told.", name=voter.display_name),
                "success",
            )
            return see_other(".assisted_ballot", group_id=access.group.id, round_id=budget_round.id)
        flash(_("Your ballot is saved. You can change it until voting closes."), "success")
        return see_other(".ballot", group_id=access.group.id, round_id=budget_round.id)
    return _ballot_page(access, budget_round, voter=voter, chosen=None, assisted=assisted)


@login_required
def knapsack_total(group_id: int, round_id: int):
    """The running total as the member ticks, for htmx; plain submit shows it too."""
    access, budget_round = _round(group_id, round_id)
    proposals = services.ballot_proposals(budget_round)
    chosen = forms.read_choices(budget_round, request.form)
    # On the assisted ballot the total speaks about the member, not the helper.
    assisted = None
    member_id = whole_number(request.form.get("member"))
    if member_id is not None and access.can_moderate:
        assisted = db.session.get(Membership, member_id)
        if assisted is None or assisted.group_id != access.group.id:
            assisted = None
    return render_template(
        "voting/_knapsack_total.html",
        budget_round=budget_round,
        total=explain.chosen_total(proposals, chosen),
        assisted=assisted,
    )


@login_required
def assisted_ballot(group_id: int, round_id: int):
    """A peer consultant or staff member records a ballot for a member without a phone."""
    access, budget_round = _round(group_id, round_id)
    require(access.can_moderate)
    member_id = whole_number(request.values.get("member"))
    if member_id is None:
        members = db.session.scalars(services.roll(budget_round)).all()
        return render_template(
            "voting/assist_choose.html",
            access=access,
            budget_round=budget_round,
            members=sorted(members, key=lambda m: m.user.display_name.casefold()),
        )
    membership = db.session.get(Membership, member_id)
    if (
        membership is None
        or not services.is_on_roll(budget_round, membership.user)
        or (membership.group_id != access.group.id)
    ):
        abort(404)
    return _cast(access, budget_round, voter=membership.user, assisted=membership)


def _staff_step(group_id: int, round_id: int, step, done: str):
    """Count or publish: staff only. A refusal is flashed; the results page shows the outcome."""
    from pb.payouts.services import PayoutError

    access, budget_round = _round(group_id, round_id)
    require(access.can_manage)
    try:
        step(budget_round, actor=current_user)
    except services.BallotError as error:
        db.session.rollback()
        flash(forms.ballot_message(error, _money), "error")
    except IntegrityError:
        # Someone else published the same results at the same moment; theirs stands.
        db.session.rollback()
        flash(forms.ballot_message(services.BallotError("already_published"), _money), "error")
    except PayoutError:
        db.session.rollback()
        flash(_("The winners could not become payout requests: the group has no pot."), "error")
    else:
        flash(done, "success")
    return see_other(".results", group_id=group_id, round_id=round_id)


@login_required
def count_progress(group_id: int, round_id: int):
    """While the worker counts: how far it has come. htmx asks again every second; without
    JavaScript the page reloads itself. When the count is there, on to the results."""
    access, budget_round = _round(group_id, round_id)
    require(access.can_manage)
    state = counting.progress(round_id)
    if state is None:
        target = url_for(".results", group_id=group_id, round_id=round_id)
        if request.headers.get("HX-Request"):
            return "", 204, {"HX-Redirect": target}
        return redirect(target, code=303)
    return render_page_or_partial(
        "voting/counting.html",
        "voting/_counting.html",
        access=access,
        budget_round=budget_round,
        state=state,
    )


@login_required
def count(group_id: int, round_id: int):
    """Close and count, after a second look: turnout, time left, the round's setting for
    proposals without votes, and a reason when voting is closed before its end. The page is
    the confirmation, so it works the same without JavaScript."""
    access, budget_round = _round(group_id, round_id)
    require(access.can_manage)
    form = forms.CountForm()
    if request.method == "GET":
        form.complete_unvoted.data = budget_round.complete_unvoted
    early = services.closes_early(budget_round)
    status = 200
    if form.validate_on_submit():
        reason = (form.reason.data or "").strip()
        if early and not reason:
            form.reason.errors.append(_("Write why voting closes early."))
            status = 400
        else:
            try:
                queued = counting.start(
                    budget_round,
                    actor=current_user,
                    reason=reason or None,
                    complete_unvoted=bool(form.complete_unvoted.data),
                )
            except services.BallotError as error:
                db.session.rollback()
                flash(forms.ballot_message(error, _money), "error")
                return see_other(".results", group_id=group_id, round_id=round_id)
            if queued:
                return see_other(".count_progress", group_id=group_id, round_id=round_id)
            flash(
                _("Voting is closed and counted. Check the results, then publish them."), "success"
            )
            return see_other(".results", group_id=group_id, round_id=round_id)
    now = utcnow()
    eligible = services.eligible_count(budget_round)
    turnout = services.turnout(budget_round)
    return render_template(
        "voting/count_confirm.html",
        access=access,
        budget_round=budget_round,
        form=form,
        early=early,
        turnout=turnout,
        eligible=eligible,
        percent=round(100 * turnout / eligible) if eligible else 0,
        time_left=format_timedelta(budget_round.voting_ends_at - now, threshold=1.1)
        if early
        else None,
    ), status


@login_required
def publish(group_id: int, round_id: int):
    return _staff_step(
        group_id,
        round_id,
        services.publish_results,
        _("The results are published. The winners are now payout requests."),
    )


@query_budget(6)
@login_required
def results(group_id: int, round_id: int):
    access, budget_round = _round(group_id, round_id)
    result = services.result_of(budget_round)
    if result is None or (result.published_at is None and not access.can_moderate):
        abort(404)
    return render_template(
        "voting/results.html",
        access=access,
        budget_round=budget_round,
        result=result,
        view=explain.results_view(budget_round, result, services.ballot_proposals(budget_round)),
        form=forms.BallotForm(),
    )


def voting_status(budget_round) -> dict:
    """What the round page's voting panel shows to the current person."""
    access = group_access(budget_round.group_id)
    own = services.ballot_of(budget_round, current_user)
    result = services.result_of(budget_round)
    on_roll = services.is_on_roll(budget_round, current_user)
    joined_late = (
        not on_roll
        and access.membership is not None
        and access.membership.role in services.VOTING_ROLES
    )
    next_round = None
    if joined_late:
        from pb.proposals.services import open_rounds_for

        later = [r for r in open_rounds_for(access.group) if r.id != budget_round.id]
        next_round = later[0] if later else None
    return {
        "phase": services.round_phase(budget_round),
        "turnout": services.turnout(budget_round),
        "eligible": services.eligible_count(budget_round),
        "on_roll": on_roll,
        "joined_late": joined_late,
        "roll_frozen_at": budget_round.roll_frozen_at,
        "next_round": next_round,
        "has_voted": own is not None,
        "counted": result is not None,
        "published": result is not None and result.published_at is not None,
        "can_moderate": access.can_moderate,
        "can_manage": access.can_manage,
    }
