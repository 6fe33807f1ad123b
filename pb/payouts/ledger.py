"""The pot's double-entry ledger: balanced transactions in øre, balances derived from the entries,
the pot row lock that serialises every movement of one pot, and the books' self-check."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from pb.audit.services import record
from pb.extensions import db
from pb.forms import in_date_window
from pb.idempotency import client_key
from pb.locking import begin_immediate_on_sqlite
from pb.payouts.models import Allocation, LedgerEntry, LedgerTransaction, Pot


class LedgerError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class PotBalances:
    """Derived from the ledger entries, never stored:
    allocated = available + earmarked + reserved + paid."""

    allocated: int
    available: int
    reserved: int
    paid: int
    earmarked: int = 0

    @property
    def share_left(self) -> float:
        return self.available / self.allocated if self.allocated else 0.0


def pot_for_group(group, *, create: bool = False) -> Pot | None:
    pot = db.session.scalar(select(Pot).where(Pot.group_id == group.id))
    if pot is None and create:
        pot = Pot(group_id=group.id)
        db.session.add(pot)
        db.session.flush()
    return pot


def lock_pot(pot_id: int) -> Pot:
    """Lock the pot row for the rest of the transaction and return it freshly read: SELECT ... FOR
    UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite. Every money movement of a pot takes this lock
    first, so approvals, payments and cancellations of one pot happen one after another."""
    begin_immediate_on_sqlite()
    pot = db.session.scalar(
        select(Pot)
        .where(Pot.id == pot_id)
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE: FKs to the pot still insert
        .execution_options(populate_existing=True)
    )
    if pot is None:
        raise LedgerError("no_pot")
    return pot


def balances(pot: Pot) -> PotBalances:
    sums = dict(
        db.session.execute(
            select(LedgerEntry.account, func.sum(LedgerEntry.amount_ore))
            .where(LedgerEntry.pot_id == pot.id)
            .group_by(LedgerEntry.account)
        ).all()
    )
    return PotBalances(
        allocated=-int(sums.get("funding") or 0),
        available=int(sums.get("available") or 0),
        reserved=int(sums.get("reserved") or 0),
        paid=int(sums.get("paid") or 0),
        earmarked=int(sums.get("earmarked") or 0),
    )


def post(
    pot: Pot,
    *,
    kind: str,
    actor,
    moves: dict[str, int],
    memo: str = "",
    payout_request=None,
    idempotency_key: str | None = None,
    budget_round=None,
) -> LedgerTransaction:
    """Write one balanced transaction and keep the cached balance in step, in the caller's
    transaction. The UPDATE is atomic and the CHECK on pot.available_ore refuses an overdraft."""
    if sum(moves.values()) != 0 or len([a for a in moves.values() if a]) < 2:
        raise LedgerError("unbalanced")
    transaction = LedgerTransaction(
        pot_id=pot.id,
        kind=kind,
        memo=memo[:200],
        created_by_id=actor.id,
        payout_request_id=getattr(payout_request, "id", None),
        budget_round_id=getattr(budget_round, "id", None),
        idempotency_key=idempotency_key,
    )
    db.session.add(transaction)
    db.session.flush()
    for account, amount in moves.items():
        if amount:
            db.session.add(
                LedgerEntry(
                    transaction_id=transaction.id, pot_id=pot.id, account=account, amount_ore=amount
                )
            )
    change = moves.get("available", 0)
    if change:
        db.session.execute(
            update(Pot).where(Pot.id == pot.id).values(available_ore=Pot.available_ore + change)
        )
    db.session.flush()
    return transaction


_post = post  # the earlier name


def allocate(group, **letter) -> Allocation:
    """Fund a group's pot from an allocation letter: one transaction. A key that the database
    finds already used (by a form sent at the same instant) gives the first allocation, or a
    refusal; never an error page."""
    try:
        allocation = add_allocation(group, **letter)
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        first = _allocation_with_key(
            client_key(letter["actor"], f"allocate:group-{group.id}", letter.get("idempotency_key"))
        )
        if first is None:
            raise LedgerError("key_used") from error
        return first
    return allocation


def _allocation_with_key(key: str | None) -> Allocation | None:
    if key is None:
        return None
    return db.session.scalar(
        select(Allocation)
        .join(LedgerTransaction, LedgerTransaction.id == Allocation.transaction_id)
        .where(LedgerTransaction.idempotency_key == key)
    )


def add_allocation(
    group,
    *,
    actor,
    amount_ore: int,
    funder: str,
    purpose: str,
    starts_on: date,
    ends_on: date,
    result_goals: str = "",
    effect_goals: str = "",
    idempotency_key: str | None = None,
) -> Allocation:
    """The allocation, its ledger transaction and its audit event, in the caller's transaction.
    The same form sent twice (a double-click, a retry) finds the first allocation."""
    if amount_ore <= 0:
        raise LedgerError("amount")
    if ends_on < starts_on or not (in_date_window(starts_on) and in_date_window(ends_on)):
        raise LedgerError("period")
    idempotency_key = client_key(actor, f"allocate:group-{group.id}", idempotency_key)
    pot = pot_for_group(group, create=True)
    pot = lock_pot(pot.id)
    first = _allocation_with_key(idempotency_key)
    if first is not None:
        return first
    transaction = post(
        pot,
        kind="allocation",
        actor=actor,
        moves={"funding": -amount_ore, "available": amount_ore},
        memo=funder,
        idempotency_key=idempotency_key,
    )
    allocation = Allocation(
        pot_id=pot.id,
        amount_ore=amount_ore,
        funder=funder.strip(),
        purpose=purpose.strip(),
        result_goals=result_goals.strip(),
        effect_goals=effect_goals.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        transaction_id=transaction.id,
        created_by_id=actor.id,
    )
    db.session.add(allocation)
    db.session.flush()
    record(
        "pot.allocated",
        actor=actor,
        group=group,
        subject=allocation,
        amount_ore=amount_ore,
        funder=funder,
    )
    return allocation


def money_ends_on(pot: Pot) -> date | None:
    """The last day the pot's allocations cover."""
    return max((a.ends_on for a in pot.allocations), default=None)


def ledger_problems() -> list[str]:
    """Everything wrong with the books: unbalanced transactions, or a cache that disagrees."""
    problems = []
    unbalanced = db.session.execute(
        select(LedgerEntry.transaction_id, func.sum(LedgerEntry.amount_ore), func.count())
        .group_by(LedgerEntry.transaction_id)
        .having((func.sum(LedgerEntry.amount_ore) != 0) | (func.count() < 2))
    ).all()
    for transaction_id, total, count in unbalanced:
        problems.append(f"transaction {transaction_id}: {count} entries summing to {total} øre")
    empty = db.session.scalars(
        select(LedgerTransaction.id).where(
            ~select(LedgerEntry.id)
            .where(LedgerEntry.transaction_id == LedgerTransaction.id)
            .exists()
        )
    ).all()
    for transaction_id in empty:
        problems.append(f"transaction {transaction_id}: no entries")
    for pot in db.session.scalars(select(Pot)):
        derived = balances(pot)
        if derived.available != pot.available_ore:
            problems.append(
                f"pot {pot.id}: cached available {pot.available_ore} øre, "
                f"ledger says {derived.available} øre"
            )
        for account in ("available", "earmarked", "reserved", "paid"):
            if getattr(derived, account) < 0:
                problems.append(
                    f"pot {pot.id}: {account} is negative ({getattr(derived, account)} øre)"
                )
        if (
            derived.available + derived.earmarked + derived.reserved + derived.paid
            != derived.allocated
        ):
            problems.append(f"pot {pot.id}: paid + reserved + earmarked + available ≠ allocated")
    problems.extend(_payout_problems())
    from pb.payouts.earmarks import earmark_problems

    problems.extend(earmark_problems())
    return problems


def _payout_problems() -> list[str]:
    """Each payout's reserved money agrees with its state."""
    from pb.payouts.models import PayoutRequest

    problems = []
    reserved = dict(
        db.session.execute(
            select(LedgerTransaction.payout_request_id, func.sum(LedgerEntry.amount_ore))
            .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
            .where(LedgerEntry.account == "reserved")
            .where(LedgerTransaction.payout_request_id.is_not(None))
            .group_by(LedgerTransaction.payout_request_id)
        ).all()
    )
    paid = dict(
        db.session.execute(
            select(LedgerTransaction.payout_request_id, func.sum(LedgerEntry.amount_ore))
            .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
            .where(LedgerEntry.account == "paid")
            .where(LedgerTransaction.payout_request_id.is_not(None))
            .group_by(LedgerTransaction.payout_request_id)
        ).all()
    )
    for request in db.session.scalars(select(PayoutRequest)):
        held = int(reserved.get(request.id) or 0)
        out = int(paid.get(request.id) or 0)
        expected_held = request.amount_ore - out if request.state == "approved" else 0
        if held != expected_held:
            problems.append(
                f"payout {request.id} ({request.state}): holds {held} øre reserved, "
                f"expected {expected_held}"
            )
        if out not in (0, request.amount_ore) and not (
            request.is_plan and out < request.amount_ore
        ):
            problems.append(f"payout {request.id}: paid {out} øre of {request.amount_ore}")
        if request.state == "paid" and out != request.amount_ore:
            problems.append(f"payout {request.id}: marked paid but {out} øre went out")
    return problems
