"""Helpers the templates call: the phase banner's round and time left, and translated names."""

from flask_babel import format_timedelta

from pb.proposals import labels, services
from pb.timeutil import utcnow


def phase_banner(group, budget_round=None) -> dict | None:
    """A round's phase and how long the phase has left: the round a page is about, or else the
    group's open round."""
    budget_round = budget_round or services.open_round_for(group)
    if budget_round is None:
        return None
    now = utcnow()
    ends = budget_round.next_phase_starts_at(now)
    return {
        "round": budget_round,
        "phase": budget_round.phase_at(now),
        "time_left": format_timedelta(ends - now, threshold=1.1) if ends else None,
    }


def shown_text(proposal, locale: str, *, original: bool = False):
    """The reader's language first, when a translation exists; else the author's text."""
    translation = None if original else proposal.translation_for(locale)
    if translation is not None:
        return translation.title, translation.description, translation.language
    return proposal.title, proposal.description, proposal.language


TEMPLATE_GLOBALS = {"phase_banner": phase_banner, **labels.TEMPLATE_LABELS}
