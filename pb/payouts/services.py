"""The pot and its ledger. Every movement is one database transaction with its audit event."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update

from pb.audit.services import record
from pb.extensions import db
from pb.payouts.models import Allocation, LedgerEntry, LedgerTransaction, Pot


class LedgerError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class PotBalances:
    """Derived from the ledger entries, never stored: allocated = available + reserved + paid."""

    allocated: int
    available: int
    reserved: int
    paid: int


def pot_for_group(group, *, create: bool = False) -> Pot | None:
    pot = db.session.scalar(select(Pot).where(Pot.group_id == group.id))
    if pot is None and create:
        pot = Pot(group_id=group.id)
        db.session.add(pot)
        db.session.flush()
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
    )


def _post(
    pot: Pot, *, kind: str, actor, moves: dict[str, int], memo: str = ""
) -> LedgerTransaction:
    """Write one balanced transaction and keep the cached balance in step, in the caller's
    transaction. The UPDATE is atomic and the CHECK on pot.available_ore refuses an overdraft."""
    if sum(moves.values()) != 0 or len([a for a in moves.values() if a]) < 2:
        raise LedgerError("unbalanced")
    transaction = LedgerTransaction(pot_id=pot.id, kind=kind, memo=memo, created_by_id=actor.id)
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


def allocate(group, **letter) -> Allocation:
    """Fund a group's pot from an allocation letter: one transaction."""
    allocation = add_allocation(group, **letter)
    db.session.commit()
    return allocation


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
) -> Allocation:
    """The allocation, its ledger transaction and its audit event, in the caller's transaction."""
    if amount_ore <= 0:
        raise LedgerError("amount")
    if ends_on < starts_on:
        raise LedgerError("period")
    pot = pot_for_group(group, create=True)
    transaction = _post(
        pot,
        kind="allocation",
        actor=actor,
        moves={"funding": -amount_ore, "available": amount_ore},
        memo=funder[:200],
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
    for pot in db.session.scalars(select(Pot)):
        derived = balances(pot)
        if derived.available != pot.available_ore:
            problems.append(
                f"pot {pot.id}: cached available {pot.available_ore} øre, "
                f"ledger says {derived.available} øre"
            )
        if derived.available < 0:
            problems.append(f"pot {pot.id}: available is negative ({derived.available} øre)")
    return problems
