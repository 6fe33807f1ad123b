"""Casting, counting and publishing. The ballot is secret: only turnout leaves this module.

Ballots are written with INSERT ... ON CONFLICT DO UPDATE on the (round, voter) unique key, on
PostgreSQL and SQLite alike, so two submissions at the same instant still leave one ballot.
"""

import random
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import datetime, timedelta
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from pb.accounts.services import register_data_exporter
from pb.audit.services import record
from pb.codes import new_code
from pb.extensions import db
from pb.groups.models import Membership
from pb.ids import whole_number
from pb.money import ORE_PER_KRONE
from pb.notifications.services import notify, register_kind
from pb.proposals.models import BudgetRound, Proposal
from pb.tally import Election, Project, VoteType, tally
from pb.tally.pabulib import election_to_pabulib_string
from pb.timeutil import utcnow
from pb.voting.models import Ballot, RoundResult, VotingReminder

# Everyone in the group but its staff votes: members and the peer consultants among them.
VOTING_ROLES = ("member", "peer")
VOTE_TYPES = {
    "approval": VoteType.APPROVAL,
    "knapsack": VoteType.APPROVAL,
    "points": VoteType.CUMULATIVE,
    "ranking": VoteType.ORDINAL,
}

register_kind("voting.opened", _l("Voting has opened in “%(round)s”. Your vote counts!"))
register_kind(
    "voting.last_day",
    _l("Less than 24 hours left to vote in “%(round)s”. You have not voted yet."),
    urgent=True,
)
register_kind(
    "voting.assisted",
    _l("%(helper)s recorded a ballot for you in “%(round)s”. You can look at it and change it."),
)
register_kind("voting.published", _l("The results of “%(round)s” are out."))


def _my_ballots(user) -> list[dict]:
    """A person's own ballots, for their data export: theirs to see, nobody else's."""
    rows = db.session.execute(
        select(Ballot, BudgetRound.title)
        .join(BudgetRound, BudgetRound.id == Ballot.round_id)
        .where(Ballot.voter_id == user.id)
        .order_by(Ballot.id)
    ).all()
    return [
        {
            "round": title,
            "choices": ballot.choices,
            "receipt_code": ballot.receipt_code,
            "submitted_at": ballot.submitted_at.isoformat(),
            "assisted": ballot.assisted_by_id is not None,
        }
        for ballot, title in rows
    ]


register_data_exporter("ballots", _my_ballots)


class BallotError(Exception):
    """A ballot the rules refuse; `code` picks the message, `params` fill it."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


class NotOnRoll(Exception):
    """The person may not vote in this round; the view answers 404."""


def round_phase(budget_round: BudgetRound) -> str:
    return budget_round.phase_at(utcnow())


def ballot_proposals(budget_round: BudgetRound) -> list[Proposal]:
    """What is on the ballot, in a stable order."""
    from pb.proposals import services as proposals

    return proposals.ballot_proposals(budget_round)


def roll(budget_round: BudgetRound):
    """The voter roll: the group's voting members who had joined when voting opened."""
    return select(Membership).where(
        Membership.group_id == budget_round.group_id,
        Membership.role.in_(VOTING_ROLES),
        Membership.joined_at <= budget_round.roll_frozen_at,
    )


def is_on_roll(budget_round: BudgetRound, user) -> bool:
    """The roll's rule (see roll()) read from the person's own memberships, which every
    request has loaded already: no query."""
    frozen_at = budget_round.roll_frozen_at
    return frozen_at is not None and any(
        m.group_id == budget_round.group_id and m.role in VOTING_ROLES and m.joined_at <= frozen_at
        for m in user.memberships
    )


def eligible_count(budget_round: BudgetRound) -> int:
    return db.session.scalar(roll(budget_round).with_only_columns(func.count()).order_by(None))


def turnout(budget_round: BudgetRound) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Ballot).where(Ballot.round_id == budget_round.id)
    )


def ballot_of(budget_round: BudgetRound, user) -> Ballot | None:
    return db.session.scalar(
        select(Ballot).where(Ballot.round_id == budget_round.id, Ballot.voter_id == user.id)
    )


def rounds_voted_in(rounds, user) -> set[int]:
    """Which of these rounds the person has a ballot in, in one query."""
    ids = [r.id for r in rounds]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(Ballot.round_id).where(Ballot.round_id.in_(ids), Ballot.voter_id == user.id)
        )
    )


def cast_by_voter(ballot: Ballot | None) -> bool:
    """A ballot the member cast themselves, as opposed to one a helper recorded for them."""
    return ballot is not None and ballot.assisted_by_id is None


def _ids_on_ballot(raw_ids, on_ballot: dict[int, Proposal]) -> list[int]:
    ids = []
    for raw in raw_ids:
        text = str(raw).strip()
        proposal_id = whole_number(text)
        if proposal_id not in on_ballot:
            raise BallotError("not_on_ballot")
        ids.append(proposal_id)
    return ids


def validate_choices(budget_round: BudgetRound, raw) -> list[int] | dict[str, int]:
    """Turn what the form sent into the ballot's canonical choices, or say what is wrong."""
    on_ballot = {p.id: p for p in ballot_proposals(budget_round)}
    fmt = budget_round.ballot_format
    if fmt in ("approval", "knapsack"):
        chosen = sorted(set(_ids_on_ballot(raw, on_ballot)))
        if not chosen:
            raise BallotError("empty")
        if fmt == "approval":
            low, high = budget_round.approval_min or 1, budget_round.approval_max
            if len(chosen) < low or (high is not None and len(chosen) > high):
                raise BallotError("approval_count", min=low, max=high or len(on_ballot))
        else:
            total = sum(on_ballot[i].ballot_cost_ore for i in chosen)
            if total > budget_round.amount_ore:
                raise BallotError("over_budget", total=total, amount=budget_round.amount_ore)
        return chosen
    if fmt == "points":
        points: dict[str, int] = {}
        for raw_id, raw_points in dict(raw).items():
            (proposal_id,) = _ids_on_ballot([raw_id], on_ballot)
            text = str(raw_points).strip() or "0"
            given = whole_number(text)
            if given is None:
                raise BallotError("points_not_number")
            if given:
                points[str(proposal_id)] = given
        total, most = budget_round.points_total or 10, budget_round.points_max_per_proposal
        if not points:
            raise BallotError("empty")
        if sum(points.values()) > total:
            raise BallotError("points_over_total", total=total)
        if most is not None and max(points.values()) > most:
            raise BallotError("points_over_max", most=most)
        return points
    if fmt == "ranking":
        ranked = _ids_on_ballot([r for r in raw if str(r).strip()], on_ballot)
        if not ranked:
            raise BallotError("empty")
        if len(set(ranked)) != len(ranked):
            raise BallotError("duplicate_rank")
        top = budget_round.ranking_top_k or len(on_ballot)
        if len(ranked) > top:
            raise BallotError("too_many_ranked", top=top)
        return ranked
    raise BallotError("unknown_format")


def cast_ballot(budget_round: BudgetRound, voter, raw, *, assisted_by=None) -> Ballot:
    """Record or replace the voter's ballot; the last one before the close counts."""
    if round_phase(budget_round) != "voting":
        raise BallotError("closed")
    if not is_on_roll(budget_round, voter):
        raise NotOnRoll()
    if assisted_by is not None and cast_by_voter(ballot_of(budget_round, voter)):
        raise BallotError("voted_themselves")
    choices = validate_choices(budget_round, raw)
    now = utcnow()
    values = {
        "round_id": budget_round.id,
        "voter_id": voter.id,
        "choices": choices,
        "receipt_code": new_code(8),
        "assisted_by_id": getattr(assisted_by, "id", None),
        "submitted_at": now,
        "changes": 0,
    }
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(Ballot.__table__)
    # Only the member may change a ballot they cast themselves. The condition is part of the
    # upsert, so a helper's ballot that races the member's own can't replace it either.
    statement = insert.values(**values).on_conflict_do_update(
        index_elements=["round_id", "voter_id"],
        set_={
            "choices": insert.excluded.choices,
            "receipt_code": insert.excluded.receipt_code,
            "assisted_by_id": insert.excluded.assisted_by_id,
            "submitted_at": insert.excluded.submitted_at,
            "changes": Ballot.__table__.c.changes + 1,
        },
        where=None if assisted_by is None else Ballot.__table__.c.assisted_by_id.is_not(None),
    )
    written = db.session.execute(statement.returning(Ballot.__table__.c.id)).first()
    if written is None:
        db.session.rollback()
        raise BallotError("voted_themselves")
    group = budget_round.group
    if assisted_by is None:
        record("ballot.cast", actor=voter, group=group, subject=budget_round)
    else:
        record(
            "ballot.assisted",
            actor=assisted_by,
            group=group,
            subject=budget_round,
            voter_id=voter.id,
        )
        notify(
            voter,
            "voting.assisted",
            in_group=group,
            round=budget_round.title,
            helper=assisted_by.display_name,
        )
    db.session.commit()
    db.session.expire_all()
    return ballot_of(budget_round, voter)


def _rule_name(budget_round: BudgetRound) -> str:
    if budget_round.counting_rule == "greedy" and budget_round.ballot_format == "points":
        return "greedy_points"
    return budget_round.counting_rule


def _plain(value):
    """A tally step as JSON-ready data; exact fractions are kept as "p/q" strings."""
    if isinstance(value, Fraction):
        return str(value)
    if is_dataclass(value):
        data = {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
        data["kind"] = type(value).__name__
        return data
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def scores_of(budget_round: BudgetRound, choices: list) -> dict[str, int]:
    """Votes per proposal: approvals or times ranked, or points. `choices` holds each
    ballot's choices (Ballot.choices)."""
    scores = {str(p.id): 0 for p in ballot_proposals(budget_round)}
    for chosen in choices:
        if isinstance(chosen, dict):
            for proposal_id, points in chosen.items():
                scores[proposal_id] = scores.get(proposal_id, 0) + int(points)
        else:
            for proposal_id in chosen:
                scores[str(proposal_id)] = scores.get(str(proposal_id), 0) + 1
    return scores


def build_election(
    budget_round: BudgetRound, choices: list, proposals: list[Proposal] | None = None
) -> Election:
    """The round as the tally engine sees it, from each ballot's choices; `proposals`, when
    given, are the ones counted."""
    chosen = ballot_proposals(budget_round) if proposals is None else proposals
    costs = {str(p.id): p.ballot_cost_ore for p in chosen}
    raw = [
        {str(k): v for k, v in c.items()} if isinstance(c, dict) else [str(i) for i in c]
        for c in choices
    ]
    return Election.build(
        costs, budget_round.amount_ore, raw, VOTE_TYPES[budget_round.ballot_format]
    )


def _finish(commit: bool) -> None:
    """Services commit; the demo seed asks them to flush into its one transaction instead."""
    if commit:
        db.session.commit()
    else:
        db.session.flush()


def closes_early(budget_round: BudgetRound) -> bool:
    """Counting now would close voting before the end the members were told."""
    return round_phase(budget_round) == "voting" and budget_round.voting_ends_at > utcnow()


def ballot_choices(budget_round: BudgetRound) -> list:
    """Each ballot's choices, in the order they were cast: only the column the count needs,
    not 20,000 ballot objects."""
    return list(
        db.session.scalars(
            select(Ballot.choices).where(Ballot.round_id == budget_round.id).order_by(Ballot.id)
        )
    )


@dataclass(frozen=True)
class Outcome:
    scores: dict[str, int]
    selected: list[int]
    trace: list
    used_ore: int


def count_choices(budget_round: BudgetRound, choices: list) -> Outcome:
    """The count itself, in memory: scores, the rule's winners and its explanation."""
    scores = scores_of(budget_round, choices)
    on_ballot = ballot_proposals(budget_round)
    # Unless the round allows it, a proposal nobody voted for is not in the count at all: it can
    # neither be bought with money left over nor keep the count raising everyone's share.
    counted = [p for p in on_ballot if budget_round.complete_unvoted or scores[str(p.id)] > 0]
    selected, trace = [], []
    if counted:
        outcome = tally(build_election(budget_round, choices, counted), _rule_name(budget_round))
        selected, trace = [int(i) for i in outcome.selected], _plain(list(outcome.trace))
    trace += [
        {"kind": "NotCountedStep", "project": str(p.id), "selected": False, "phase": "setting"}
        for p in on_ballot
        if p not in counted
    ]
    by_id = {str(p.id): p for p in on_ballot}
    return Outcome(scores, selected, trace, sum(by_id[str(i)].ballot_cost_ore for i in selected))


def store_count(
    budget_round: BudgetRound, outcome: Outcome, *, voters: int, actor=None, existing=None
) -> RoundResult:
    """The count's row, flushed in the caller's transaction."""
    result = existing or RoundResult(round_id=budget_round.id)
    result.rule = _rule_name(budget_round)
    result.selected = outcome.selected
    result.scores = outcome.scores
    result.trace = outcome.trace
    result.voters = voters
    result.eligible = eligible_count(budget_round)
    result.budget_ore = budget_round.amount_ore
    result.used_ore = outcome.used_ore
    result.counted_by_id = getattr(actor, "id", None)
    result.counted_at = utcnow()
    db.session.add(result)
    db.session.flush()
    return result


def _close(
    budget_round: BudgetRound, *, actor, complete_unvoted: bool | None
) -> RoundResult | None:
    """Everything before the count: refuse a published or unvoted round, keep the setting for
    proposals without votes, and close voting if it is still open. Returns an earlier count."""
    from pb.proposals import services as proposals

    existing = db.session.scalar(select(RoundResult).where(RoundResult.round_id == budget_round.id))
    if existing is not None and existing.published_at is not None:
        raise BallotError("already_published")
    phase = round_phase(budget_round)
    if phase in ("ideas", "review"):
        raise BallotError("not_voted_yet")
    if complete_unvoted is not None and complete_unvoted != budget_round.complete_unvoted:
        budget_round.complete_unvoted = complete_unvoted
        record(
            "round.setting_changed",
            actor=actor,
            group=budget_round.group,
            subject=budget_round,
            complete_unvoted=complete_unvoted,
        )
    if phase == "voting":
        if actor is None:
            raise BallotError("not_closed")
        proposals.advance_phase(budget_round, to="results", actor=actor)
    return existing


def close_for_count(budget_round: BudgetRound, *, actor, complete_unvoted=None) -> None:
    """Close voting now, and count later (pb/voting/counting.py); one transaction."""
    _close(budget_round, actor=actor, complete_unvoted=complete_unvoted)
    db.session.commit()


def count_round(
    budget_round: BudgetRound,
    *,
    actor=None,
    commit: bool = True,
    reason: str | None = None,
    complete_unvoted: bool | None = None,
) -> RoundResult:
    """Close voting (if it is still open) and count with the round's rule. With no actor, the
    schedule counts a round whose voting time is over. Staff may settle, just before counting,
    whether proposals nobody voted for may be bought; `reason` says why voting closed early."""
    existing = _close(budget_round, actor=actor, complete_unvoted=complete_unvoted)
    choices = ballot_choices(budget_round)
    outcome = count_choices(budget_round, choices)
    result = store_count(budget_round, outcome, voters=len(choices), actor=actor, existing=existing)
    record(
        "round.counted",
        actor=actor,
        group=budget_round.group,
        subject=budget_round,
        reason=reason,
        rule=result.rule,
        selected=result.selected,
        voters=result.voters,
    )
    _finish(commit)
    return result


def count_closed_rounds(now: datetime | None = None, failures: list[str] | None = None) -> int:
    """Count every round whose voting time has ended and that nobody has counted yet, each in
    its own transaction: a round that fails is described in `failures`, the rest are counted."""
    now = now or utcnow()
    counted = select(RoundResult.round_id)
    closed = db.session.scalars(
        select(BudgetRound.id).where(
            BudgetRound.voting_ends_at <= now, BudgetRound.id.not_in(counted)
        )
    ).all()
    done = 0
    for round_id in closed:
        budget_round = db.session.get(BudgetRound, round_id)
        if budget_round.phase_at(now) not in ("results", "followup"):
            continue
        try:
            count_round(budget_round)
            done += 1
        except Exception as error:  # one round's fault must not stop the others' counts
            db.session.rollback()
            if failures is None:
                raise
            failures.append(f"round {round_id}: {error.__class__.__name__}: {error}")
    return done


def run_scheduled(now: datetime | None = None, failures: list[str] | None = None) -> dict[str, int]:
    """The voting part of `flask --app pb tick`: reminders, and counting closed rounds."""
    return {
        "voting reminders": send_reminders(now, failures),
        "rounds counted": count_closed_rounds(now, failures),
    }


def result_of(budget_round: BudgetRound) -> RoundResult | None:
    return db.session.scalar(select(RoundResult).where(RoundResult.round_id == budget_round.id))


def publish_results(budget_round: BudgetRound, *, actor, commit: bool = True) -> RoundResult:
    """Make the count public; each winning proposal becomes a collective payout request."""
    from pb.payouts import services as payouts

    result = result_of(budget_round)
    if result is None:
        raise BallotError("not_counted")
    if result.published_at is not None:
        raise BallotError("already_published")
    result.published_at = utcnow()
    result.published_by_id = actor.id
    winners = {p.id: p for p in ballot_proposals(budget_round) if p.id in set(result.selected)}
    for proposal_id in result.selected:
        proposal = winners[proposal_id]
        payouts.create_collective_request(
            budget_round.group,
            proposal_id=proposal.id,
            title=proposal.title,
            amount_ore=proposal.ballot_cost_ore,
            actor=actor,
        )
    # The winners keep their cost earmarked; the rest of the round's money is free again.
    payouts.release_round_rest(
        budget_round, actor=actor, winners_ore=sum(p.ballot_cost_ore for p in winners.values())
    )
    record(
        "round.published",
        actor=actor,
        group=budget_round.group,
        subject=budget_round,
        selected=result.selected,
    )
    for membership in db.session.scalars(roll(budget_round)):
        notify(
            membership.user,
            "voting.published",
            in_group=budget_round.group,
            round=budget_round.title,
        )
    _finish(commit)
    return result


def send_reminders(now: datetime | None = None, failures: list[str] | None = None) -> int:
    """Voting opened, and 24 hours left for those who have not voted; each sent once. Each
    round is its own transaction, so one round's fault can't hold back the others' reminders."""
    now = now or utcnow()
    sent = 0
    round_ids = db.session.scalars(
        select(BudgetRound.id).where(BudgetRound.voting_ends_at > now)
    ).all()
    for round_id in round_ids:
        try:
            sent += _remind_round(db.session.get(BudgetRound, round_id), now)
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            if failures is None:
                raise
            failures.append(f"reminders for round {round_id}: {error.__class__.__name__}: {error}")
    return sent


def _remind_round(budget_round: BudgetRound, now: datetime) -> int:
    if budget_round.phase_at(now) != "voting":
        return 0
    sent = 0
    voted = set(
        db.session.scalars(select(Ballot.voter_id).where(Ballot.round_id == budget_round.id))
    )
    already = {
        (user_id, kind)
        for user_id, kind in db.session.execute(
            select(VotingReminder.user_id, VotingReminder.kind).where(
                VotingReminder.round_id == budget_round.id
            )
        )
    }
    last_day = budget_round.voting_ends_at - now <= timedelta(hours=24)
    for membership in db.session.scalars(roll(budget_round)):
        wanted = [("opened", "voting.opened")]
        if last_day and membership.user_id not in voted:
            wanted.append(("last_day", "voting.last_day"))
        for kind, notification in wanted:
            if (membership.user_id, kind) in already:
                continue
            db.session.add(
                VotingReminder(round_id=budget_round.id, user_id=membership.user_id, kind=kind)
            )
            notify(
                membership.user,
                notification,
                in_group=budget_round.group,
                round=budget_round.title,
            )
            sent += 1
    return sent


def anonymised_pabulib(budget_round: BudgetRound) -> str:
    """A counted round as a Pabulib file for research: titles and costs in kroner, ballots in a
    random order and numbered 1, 2, ... so nothing in the file leads back to a person."""
    result = result_of(budget_round)
    selected = {str(i) for i in (result.selected if result else [])}
    choices = ballot_choices(budget_round)
    # The system's randomness, so the order says nothing about who voted when.
    random.SystemRandom().shuffle(choices)
    election = build_election(budget_round, choices)
    titles = {str(p.id): p.title for p in ballot_proposals(budget_round)}
    election = replace(
        election,
        projects=tuple(
            Project(
                p.id,
                Fraction(p.cost) / ORE_PER_KRONE,
                name=titles[p.id],
                extra=(("selected", "1" if p.id in selected else "0"),),
            )
            for p in election.projects
        ),
        budget=Fraction(election.budget) / ORE_PER_KRONE,
        meta=(
            ("description", f"Fellespott round {budget_round.id}"),
            ("country", "Norway"),
            ("unit", "Fellespott"),
            ("instance", str(budget_round.id)),
            ("currency", "NOK"),
            ("rule", _rule_name(budget_round)),
        ),
    )
    return election_to_pabulib_string(election)
