"""Payout requests: one pipeline for collective, conditional and unconditional (payment plan)
payouts. requested → approved (money reserved) → paid; or rejected, or cancelled.

Every public function here is one database transaction with its audit event, except
create_collective_request(), which joins the caller's. Each money movement first locks the pot
row (see ledger.lock_pot), then re-reads the request, so two staff acting at the same instant
are served one after the other and the second sees what the first did.
"""

import contextvars
from contextlib import contextmanager
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pb.audit.services import record
from pb.extensions import db
from pb.forms import in_date_window
from pb.groups.models import Household, Membership
from pb.idempotency import client_key, server_key
from pb.notifications.services import notify, register_kind
from pb.payouts import policy as tiers
from pb.payouts.earmarks import give_back, round_of
from pb.payouts.ledger import LedgerError, lock_pot, post, pot_for_group
from pb.payouts.models import (
    PAYMENT_METHODS,
    PAYOUT_CATEGORIES,
    LedgerTransaction,
    PayoutDecision,
    PayoutReceipt,
    PayoutRequest,
    PlanInstallment,
)
from pb.timeutil import utcnow
from pb.transaction_cache import remember

register_kind("payout.needs_decision", _l("A payout needs your decision: “%(title)s”."))
register_kind("payout.approved", _l("Approved: “%(title)s”. You can read the reason in the app."))
register_kind(
    "payout.rejected",
    _l("Not approved: “%(title)s”. Read the reason in the app, and complain if you disagree."),
)
register_kind("payout.paid", _l("Paid: “%(title)s”."))
register_kind("payout.cancelled", _l("Cancelled: “%(title)s”."))
register_kind("plan.ending", _l("Your monthly support ends on %(date)s."))


class PayoutError(Exception):
    """A refused action. `code` names the reason, for a translated message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _link(request: PayoutRequest) -> str:
    return f"/groups/{request.group_id}/payouts/{request.id}"


def _existing(model, key: str | None):
    if not key:
        return None
    return db.session.scalar(select(model).where(model.idempotency_key == key))


def _pot_or_refuse(group):
    pot = pot_for_group(group)
    if pot is None:
        raise PayoutError("no_pot")
    return pot


def _locked(request: PayoutRequest) -> tuple:
    """Lock the pot, then re-read the request: the state every decision is made on."""
    pot = lock_pot(request.pot_id)
    fresh = db.session.scalar(
        select(PayoutRequest)
        .where(PayoutRequest.id == request.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    return pot, fresh


_JOINED: contextvars.ContextVar[bool] = contextvars.ContextVar("payouts_joined", default=False)


@contextmanager
def in_callers_transaction():
    """Inside this block the services flush instead of committing, so that a caller (the demo
    seed) makes many of them one transaction."""
    token = _JOINED.set(True)
    try:
        yield
    finally:
        _JOINED.reset(token)


def _finish() -> None:
    if _JOINED.get():
        db.session.flush()
    else:
        db.session.commit()


def _commit_or_explain(action, key_model=None, key: str | None = None):
    """Run `action` and commit; a race the database caught becomes a PayoutError, or the first
    result if the same form was sent twice."""
    if _JOINED.get():
        result = action()
        db.session.flush()
        return result
    try:
        result = action()
        db.session.commit()
        return result
    except IntegrityError as error:
        db.session.rollback()
        first = _existing(key_model, key) if key_model is not None else None
        if first is not None:
            return first
        text = str(error.orig).lower()
        if "available_not_negative" in text or "available_ore" in text:
            raise PayoutError("not_enough_money") from error
        if "payout_decision" in text:
            raise PayoutError("already_decided") from error
        if "plan_installment" in text:
            raise PayoutError("already_paid") from error
        if "idempotency_key" in text:
            # The same key again, for something it did not first create: refuse, don't crash.
            raise PayoutError("key_used") from error
        raise
    except Exception:
        db.session.rollback()
        raise


def household_user_ids(household_id: int | None) -> set[int]:
    if household_id is None:
        return set()
    # A copy of the remembered set: callers add to it.
    return set(
        remember(
            ("household_user_ids", household_id),
            lambda: set(
                db.session.scalars(
                    select(Membership.user_id).where(Membership.household_id == household_id)
                )
            ),
        )
    )


def recipient_ids(request: PayoutRequest) -> set[int]:
    ids = household_user_ids(request.household_id)
    if request.recipient_id:
        ids.add(request.recipient_id)
    return ids


def _notify_ids(ids, kind: str, request: PayoutRequest, **params) -> None:
    from pb.accounts.models import User

    for user_id in sorted(ids):
        user = db.session.get(User, user_id)
        if user is not None and user.is_active:
            notify(user, kind, in_group=request.group, link=_link(request), **params)


def audit_reason(request: PayoutRequest, reason: str) -> dict:
    """The group's log (which peer consultants read) shows an event's reason. For a private
    payout the reason stays in the event's details, which only the audit trail keeps."""
    if request.is_private:
        return {"private_reason": reason}
    return {"reason": reason}


def _check_amount(amount_ore) -> None:
    if not isinstance(amount_ore, int) or isinstance(amount_ore, bool) or amount_ore <= 0:
        raise PayoutError("amount")


def _check_recipient(group, household, recipient) -> None:
    if household is not None and household.group_id != group.id:
        raise PayoutError("recipient")
    if recipient is not None and not any(m.group_id == group.id for m in recipient.memberships):
        raise PayoutError("recipient")


# --- creating requests ------------------------------------------------------------------------


def create_collective_request(
    group, *, proposal_id: int, title: str, amount_ore: int, actor
) -> PayoutRequest:
    """A winning proposal's confirmed cost, as a collective request in state "requested", in the
    CALLER's transaction (no commit). Everyone in the group can see it."""
    _check_amount(amount_ore)
    pot = _pot_or_refuse(group)
    request = PayoutRequest(
        group_id=group.id,
        pot_id=pot.id,
        kind="collective",
        state="requested",
        title=title.strip()[:200],
        purpose="",
        amount_ore=amount_ore,
        source_proposal_id=proposal_id,
        tier=tiers.tier_for(tiers.policy_for(group.programme_id), amount_ore),
        requested_by_id=actor.id,
    )
    db.session.add(request)
    db.session.flush()
    record(
        "payout.requested",
        actor=actor,
        group=group,
        subject=request,
        kind="collective",
        amount_ore=amount_ore,
        proposal_id=proposal_id,
    )
    return request


def create_conditional_request(
    group,
    *,
    actor,
    title: str,
    purpose: str,
    amount_ore: int,
    category: str,
    payment_method: str,
    household: Household | None = None,
    recipient=None,
    as_draft: bool = False,
    idempotency_key: str | None = None,
) -> PayoutRequest:
    """Staff write it with the family or youth ("requested"); a peer consultant starts a draft
    that staff then submit. No receipt is needed."""
    idempotency_key = client_key(actor, f"conditional:group-{group.id}", idempotency_key)
    first = _existing(PayoutRequest, idempotency_key)
    if first is not None:
        return first
    _check_amount(amount_ore)
    if category not in PAYOUT_CATEGORIES:
        raise PayoutError("category")
    if payment_method not in PAYMENT_METHODS:
        raise PayoutError("method")
    if household is None and recipient is None:
        raise PayoutError("recipient")
    _check_recipient(group, household, recipient)
    is_staff = actor.id in tiers.deciders(group)
    pot = _pot_or_refuse(group)
    if amount_ore > pot.available_ore:
        raise PayoutError("not_enough_money")
    draft = as_draft or not is_staff
    request = PayoutRequest(
        group_id=group.id,
        pot_id=pot.id,
        kind="conditional",
        state="draft" if draft else "requested",
        title=title.strip()[:200],
        purpose=purpose.strip(),
        amount_ore=amount_ore,
        category=category,
        payment_method=payment_method,
        household_id=getattr(household, "id", None),
        recipient_id=getattr(recipient, "id", None),
        tier=tiers.tier_for(tiers.policy_for(group.programme_id), amount_ore),
        requested_by_id=None if draft else actor.id,
        drafted_by_id=actor.id if draft else None,
        idempotency_key=idempotency_key,
    )

    def write():
        db.session.add(request)
        db.session.flush()
        record(
            "payout.drafted" if draft else "payout.requested",
            actor=actor,
            group=group,
            subject=request,
            kind="conditional",
            amount_ore=amount_ore,
            category=category,
        )
        if not draft:
            _ask_deciders(request, actor)
        return request

    return _commit_or_explain(write, PayoutRequest, idempotency_key)


def submit_draft(request: PayoutRequest, *, actor) -> PayoutRequest:
    """Staff take a peer consultant's draft and ask for the decision."""
    if actor.id not in tiers.deciders(request.group):
        raise PayoutError("not_staff")
    if request.state != "draft":
        return request if request.state == "requested" else _refuse("not_open")
    pot = pot_for_group(request.group)
    if request.amount_ore > pot.available_ore:
        raise PayoutError("not_enough_money")
    request.state = "requested"
    request.requested_by_id = actor.id
    request.tier = tiers.tier_for(tiers.policy_for(request.group.programme_id), request.amount_ore)
    record("payout.requested", actor=actor, group=request.group, subject=request, from_draft=True)
    _ask_deciders(request, actor)
    _finish()
    return request


def _refuse(code: str):
    raise PayoutError(code)


def _ask_deciders(request: PayoutRequest, actor) -> None:
    """From the second tier up, someone other than the requester must decide: tell them."""
    if request.tier < 2:
        return
    ids = tiers.staff_team_ids(request.group) - {actor.id}
    _notify_ids(ids, "payout.needs_decision", request, title=request.title)


def create_payment_plan(
    group,
    *,
    actor,
    household: Household,
    per_child_ore: int,
    starts_on: date,
    ends_on: date,
    payment_day: int,
    idempotency_key: str | None = None,
) -> PayoutRequest:
    """An unconditional payment plan: per child per month, from a start to an end, paid on a day
    of the month. Its amount is the plan's whole cost, which approval reserves up front."""
    idempotency_key = client_key(actor, f"plan:group-{group.id}", idempotency_key)
    first = _existing(PayoutRequest, idempotency_key)
    if first is not None:
        return first
    if actor.id not in tiers.deciders(group):
        raise PayoutError("not_staff")
    _check_amount(per_child_ore)
    if ends_on < starts_on or not (in_date_window(starts_on) and in_date_window(ends_on)):
        raise PayoutError("period")
    if not 1 <= payment_day <= 28:
        raise PayoutError("payment_day")
    _check_recipient(group, household, None)
    children = len(household.children)
    if children == 0:
        raise PayoutError("no_children")
    due = tiers.plan_due_dates(starts_on, ends_on, payment_day)
    if not due:
        raise PayoutError("no_payment_days")
    monthly = per_child_ore * children
    total = monthly * len(due)
    pot = _pot_or_refuse(group)
    if total > pot.available_ore:
        raise PayoutError("not_enough_money")
    request = PayoutRequest(
        group_id=group.id,
        pot_id=pot.id,
        kind="unconditional",
        state="requested",
        title=household.label[:200],
        purpose="",
        amount_ore=total,
        household_id=household.id,
        tier=tiers.tier_for(tiers.policy_for(group.programme_id), total),
        requested_by_id=actor.id,
        per_child_ore=per_child_ore,
        children_count=children,
        monthly_ore=monthly,
        plan_starts_on=starts_on,
        plan_ends_on=ends_on,
        payment_day=payment_day,
        idempotency_key=idempotency_key,
    )

    def write():
        db.session.add(request)
        db.session.flush()
        record(
            "payout.requested",
            actor=actor,
            group=group,
            subject=request,
            kind="unconditional",
            amount_ore=total,
            monthly_ore=monthly,
            months=len(due),
        )
        _ask_deciders(request, actor)
        return request

    return _commit_or_explain(write, PayoutRequest, idempotency_key)


# --- deciding ---------------------------------------------------------------------------------


def decision_problem(request: PayoutRequest, user) -> str | None:
    """Why this person may not decide this request now, or None if they may."""
    if request.state != "requested":
        return "not_open"
    if not tiers.is_decider(request.group, user):
        return "not_staff"
    if user.id == request.requested_by_id and not tiers.self_decision_allowed(
        tiers.policy_for(request.group.programme_id), request.tier
    ):
        return "own_request"
    if any(d.actor_id == user.id and d.round == request.decision_round for d in request.decisions):
        return "already_decided"
    return None


def _votes(request: PayoutRequest) -> tiers.Votes:
    current = [d for d in request.decisions if d.round == request.decision_round]
    voted = {d.actor_id for d in current}
    eligible = tiers.deciders(request.group) - {request.requested_by_id}
    return tiers.Votes(
        approvals=sum(d.verdict == "approve" for d in current),
        rejections=sum(d.verdict == "reject" for d in current),
        team_size=len(tiers.staff_team_ids(request.group)),
        undecided_eligible=len(eligible - voted),
        requester_agrees=request.requested_by_id in tiers.deciders(request.group),
    )


def team_too_small(request: PayoutRequest) -> bool:
    """A team decision that the group's staff (and the lead) can't reach, however they vote."""
    if request.state != "requested" or request.tier < 3:
        return False
    policy = tiers.policy_for(request.group.programme_id)
    votes = _votes(request)
    needed = tiers.approvals_needed(request.tier, votes.team_size, policy.team_min_approvers)
    return votes.approvals + int(votes.requester_agrees) + votes.undecided_eligible < needed


def decide(
    request: PayoutRequest,
    *,
    actor,
    approve: bool,
    reason: str,
    reason_translation: str | None = None,
    translation_locale: str | None = None,
    idempotency_key: str | None = None,
) -> PayoutRequest:
    """One staff member approves or rejects, with a reason in plain words. When the tier's rule
    is met, approval reserves the money (available → reserved)."""
    idempotency_key = client_key(actor, f"decide:payout-{request.id}", idempotency_key)
    if _existing(PayoutDecision, idempotency_key) is not None:
        return request
    reason = (reason or "").strip()
    if not reason:
        raise PayoutError("reason_required")
    translation = (reason_translation or "").strip() or None
    if translation and not translation_locale:
        raise PayoutError("translation_locale")

    def write():
        pot, fresh = _locked(request)
        if _existing(PayoutDecision, idempotency_key) is not None:
            return fresh  # the same form, sent again while the first was being saved
        problem = decision_problem(fresh, actor)
        if problem:
            raise PayoutError(problem)
        decision = PayoutDecision(
            request_id=fresh.id,
            round=fresh.decision_round,
            actor_id=actor.id,
            verdict="approve" if approve else "reject",
            reason=reason,
            reason_translation=translation,
            translation_locale=translation_locale if translation else None,
            idempotency_key=idempotency_key,
        )
        db.session.add(decision)
        db.session.flush()
        db.session.refresh(fresh, ["decisions"])
        policy = tiers.policy_for(fresh.group.programme_id)
        result = tiers.outcome(fresh.tier, _votes(fresh), policy.team_min_approvers)
        record(
            "payout.vote",
            actor=actor,
            group=fresh.group,
            subject=fresh,
            **audit_reason(fresh, reason),
            verdict=decision.verdict,
            tier=fresh.tier,
        )
        budget_round = round_of(fresh)
        if result == "approved":
            # A round's winner was paid for when the round opened: it draws on the earmark.
            source = "earmarked" if budget_round is not None else "available"
            if source == "available" and pot.available_ore < fresh.amount_ore:
                raise PayoutError("not_enough_money")
            post(
                pot,
                kind="reserve",
                actor=actor,
                moves={source: -fresh.amount_ore, "reserved": fresh.amount_ore},
                memo=fresh.title,
                payout_request=fresh,
                budget_round=budget_round,
            )
            fresh.state = "approved"
        elif result == "rejected":
            _give_back_earmark(pot, fresh, budget_round, actor)
            fresh.state = "rejected"
        if result:
            fresh.decided_at = utcnow()
            record(
                f"payout.{result}",
                actor=actor,
                group=fresh.group,
                subject=fresh,
                **audit_reason(fresh, reason),
                amount_ore=fresh.amount_ore,
            )
            ids = recipient_ids(fresh)
            if fresh.requested_by_id:
                ids.add(fresh.requested_by_id)
            _notify_ids(ids - {actor.id}, f"payout.{result}", fresh, title=_title(fresh))
        return fresh

    _commit_or_explain(write, PayoutDecision, idempotency_key)
    return request


def _give_back_earmark(pot, request: PayoutRequest, budget_round, actor) -> None:
    """A round's winner that will not be paid: its earmarked money goes back to "available"."""
    if budget_round is not None:
        give_back(
            pot,
            request.amount_ore,
            budget_round=budget_round,
            actor=actor,
            memo=request.title,
            payout_request=request,
        )


def _title(request: PayoutRequest) -> str:
    return request.title


def pay(request: PayoutRequest, *, actor, idempotency_key: str | None = None) -> PayoutRequest:
    """Pay an approved collective or conditional payout: reserved → paid, exactly once."""
    idempotency_key = client_key(actor, f"pay:payout-{request.id}", idempotency_key)
    if _existing(LedgerTransaction, idempotency_key) is not None:
        return request

    def write():
        pot, fresh = _locked(request)
        if _existing(LedgerTransaction, idempotency_key) is not None:
            return fresh  # a double-click: the first click paid
        if actor.id not in tiers.deciders(fresh.group):
            raise PayoutError("not_staff")
        if fresh.is_plan:
            raise PayoutError("plan_pays_itself")
        if fresh.state == "paid":
            raise PayoutError("already_paid")
        if fresh.state != "approved":
            raise PayoutError("not_approved")
        post(
            pot,
            kind="payment",
            actor=actor,
            moves={"reserved": -fresh.amount_ore, "paid": fresh.amount_ore},
            memo=fresh.title,
            payout_request=fresh,
            idempotency_key=idempotency_key,
        )
        fresh.state = "paid"
        fresh.paid_at = utcnow()
        record(
            "payout.paid",
            actor=actor,
            group=fresh.group,
            subject=fresh,
            amount_ore=fresh.amount_ore,
        )
        _notify_ids(recipient_ids(fresh) - {actor.id}, "payout.paid", fresh, title=fresh.title)
        return fresh

    _commit_or_explain(write, LedgerTransaction, idempotency_key)
    return request


def paid_so_far(request: PayoutRequest) -> int:
    return (
        sum(i.amount_ore for i in request.installments)
        if request.is_plan
        else (request.amount_ore if request.state == "paid" else 0)
    )


def cancel(
    request: PayoutRequest, *, actor, reason: str, idempotency_key: str | None = None
) -> PayoutRequest:
    """Stop a request before it is paid; an approved one gives its reserved money back
    (reserved → available). A payment plan stops paying, and gives back what is left."""
    idempotency_key = client_key(actor, f"cancel:payout-{request.id}", idempotency_key)
    if _existing(LedgerTransaction, idempotency_key) is not None:
        return request
    reason = (reason or "").strip()
    if not reason:
        raise PayoutError("reason_required")

    def write():
        pot, fresh = _locked(request)
        if _existing(LedgerTransaction, idempotency_key) is not None:
            return fresh
        is_staff = actor.id in tiers.deciders(fresh.group)
        own_draft = fresh.state == "draft" and fresh.drafted_by_id == actor.id
        if not (is_staff or own_draft):
            raise PayoutError("not_staff")
        if fresh.state not in ("draft", "requested", "approved"):
            raise PayoutError("already_paid" if fresh.state == "paid" else "not_open")
        if fresh.state == "requested":
            _give_back_earmark(pot, fresh, round_of(fresh), actor)
        if fresh.state == "approved":
            left = fresh.amount_ore - paid_so_far(fresh)
            if left:
                post(
                    pot,
                    kind="release",
                    actor=actor,
                    moves={"reserved": -left, "available": left},
                    memo=fresh.title,
                    payout_request=fresh,
                    idempotency_key=idempotency_key,
                )
        was = fresh.state
        fresh.state = "cancelled"
        record(
            "payout.cancelled",
            actor=actor,
            group=fresh.group,
            subject=fresh,
            **audit_reason(fresh, reason),
            was=was,
        )
        if was != "draft":
            _notify_ids(
                recipient_ids(fresh) - {actor.id}, "payout.cancelled", fresh, title=fresh.title
            )
        return fresh

    _commit_or_explain(write, LedgerTransaction, idempotency_key)
    return request


# --- payment plans on a schedule --------------------------------------------------------------


def plan_due_dates(request: PayoutRequest) -> list[date]:
    return tiers.plan_due_dates(request.plan_starts_on, request.plan_ends_on, request.payment_day)


def ends_soon_notice(request: PayoutRequest, today: date) -> bool:
    """From three months before its end, the household sees when the support ends."""
    return (
        request.is_plan
        and request.state in ("approved", "paid")
        and request.plan_ends_on is not None
        and tiers.add_months(request.plan_ends_on, -3) <= today <= request.plan_ends_on
    )


def _run_plan(request: PayoutRequest, today: date, actor) -> int:
    """Pay the plan's installments that are due, in the caller's transaction. Returns how many."""
    pot, fresh = _locked(request)
    if fresh.state != "approved":
        return 0
    done = {i.due_on for i in fresh.installments}
    paid_now = 0
    for due in plan_due_dates(fresh):
        if due > today or due in done:
            continue
        transaction = post(
            pot,
            kind="installment",
            actor=actor,
            moves={"reserved": -fresh.monthly_ore, "paid": fresh.monthly_ore},
            memo=f"{fresh.title} {due.isoformat()}",
            payout_request=fresh,
            idempotency_key=server_key(f"installment:plan-{fresh.id}:{due.isoformat()}"),
        )
        db.session.add(
            PlanInstallment(
                request_id=fresh.id,
                due_on=due,
                amount_ore=fresh.monthly_ore,
                transaction_id=transaction.id,
            )
        )
        db.session.flush()
        record(
            "payout.installment_paid",
            actor=actor,
            group=fresh.group,
            subject=fresh,
            due_on=due.isoformat(),
            amount_ore=fresh.monthly_ore,
        )
        paid_now += 1
    db.session.refresh(fresh, ["installments"])
    if len(fresh.installments) == len(plan_due_dates(fresh)):
        fresh.state = "paid"
        fresh.paid_at = utcnow()
        record(
            "payout.paid",
            actor=actor,
            group=fresh.group,
            subject=fresh,
            amount_ore=fresh.amount_ore,
            by="schedule",
        )
    ids = household_user_ids(fresh.household_id)
    for field, months in (("reminded_3m_at", 3), ("reminded_1m_at", 1)):
        if getattr(fresh, field) is None and tiers.add_months(fresh.plan_ends_on, -months) <= today:
            setattr(fresh, field, utcnow())
            _notify_ids(ids, "plan.ending", fresh, date=fresh.plan_ends_on.isoformat())
    return paid_now


def run_schedules(
    today: date | None = None, *, actor=None, failures: list[str] | None = None
) -> int:
    """Pay every approved plan's due installments, one plan per transaction. Safe to run twice:
    each plan and due date is paid once (unique in the database, and checked under the lock).
    A plan that fails is rolled back alone and described in `failures`; the others still pay."""
    today = today or utcnow().date()
    plan_ids = db.session.scalars(
        select(PayoutRequest.id).where(
            PayoutRequest.kind == "unconditional", PayoutRequest.state == "approved"
        )
    ).all()
    total = 0
    for plan_id in plan_ids:
        plan = db.session.get(PayoutRequest, plan_id)
        runner = actor or plan.requested_by
        try:
            total += _commit_or_explain(
                lambda plan=plan, runner=runner: _run_plan(plan, today, runner)
            )
        except PayoutError as error:
            if error.code != "already_paid":  # else another run paid it at the same moment
                _failed(failures, f"payment plan {plan_id}: {error.code}")
        except Exception as error:  # one plan's fault must not stop the others' payments
            db.session.rollback()
            _failed(failures, f"payment plan {plan_id}: {error.__class__.__name__}: {error}")
    return total


def _failed(failures: list[str] | None, text: str) -> None:
    if failures is None:
        raise RuntimeError(text)
    failures.append(text)


def may_attach_receipt(request: PayoutRequest, user) -> bool:
    """Staff, the recipient, or the peer who drafts it may attach a receipt, if they want to."""
    if request.state in ("rejected", "cancelled"):
        return False
    if user.id in tiers.deciders(request.group):
        return True
    return user.id in recipient_ids(request) or (
        request.state == "draft" and user.id == request.drafted_by_id
    )


def attach_receipt(request: PayoutRequest, *, actor, stream) -> PayoutReceipt:
    """Keep an optional receipt: re-encoded to a clean JPEG (no EXIF, no GPS), replacing any
    earlier one. One transaction with its audit event."""
    from pb.proposals.photos import PhotoError, prepare_photo

    if not may_attach_receipt(request, actor):
        raise PayoutError("not_yours")
    try:
        photo = prepare_photo(stream)
    except PhotoError as error:
        raise PayoutError(f"receipt_{error.code}") from error

    def write():
        receipt = request.receipt
        if receipt is None:
            receipt = PayoutReceipt(request_id=request.id, uploaded_by_id=actor.id, image=b"")
            db.session.add(receipt)
        receipt.image = photo.full
        receipt.uploaded_by_id = actor.id
        receipt.created_at = utcnow()
        db.session.flush()
        record("payout.receipt_attached", actor=actor, group=request.group, subject=request)
        return receipt

    return _commit_or_explain(write)


def complaint_deadline(request: PayoutRequest) -> date | None:
    if request.decided_at is None:
        return None
    return (request.decided_at + timedelta(days=tiers.COMPLAINT_DAYS)).date()


__all__ = [
    "LedgerError",
    "PayoutError",
    "cancel",
    "create_collective_request",
    "create_conditional_request",
    "create_payment_plan",
    "decide",
    "decision_problem",
    "pay",
    "run_schedules",
    "submit_draft",
]
