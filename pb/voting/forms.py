"""The ballot form: its fields depend on the round, so it is read here and checked in services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField

from pb.forms import max_length, optional
from pb.i18n import fill
from pb.ids import whole_number

BALLOT_MESSAGES = {
    "empty": _l("Choose at least one proposal."),
    "not_on_ballot": _l(
        "One of your choices is not on this ballot. Reload the page and try again."
    ),
    "approval_count": _l("Choose between %(min)d and %(max)d proposals."),
    "over_budget": _l(
        "Your choices cost %(total)s, but the round has %(amount)s. Remove something."
    ),
    "points_not_number": _l("Write the points as whole numbers."),
    "points_over_total": _l("You can give %(total)d points in all."),
    "points_over_max": _l("You can give at most %(most)d points to one proposal."),
    "duplicate_rank": _l("Each proposal can have only one place in your ranking."),
    "too_many_ranked": _l("Rank at most %(top)d proposals."),
    "closed": _l("Voting is closed. Your ballot was not changed."),
    "not_voted_yet": _l("Voting has not started yet."),
    "not_closed": _l("Voting is still open."),
    "already_published": _l("The results are already published."),
    "not_counted": _l("Count the votes first."),
    "unknown_format": _l("This ballot can't be read."),
    "voted_themselves": _l(
        "This member has already voted themselves. Only they can change their ballot."
    ),
}

FORMAT_EXPLANATIONS = {
    "approval": _l("Tick every proposal you want."),
    "knapsack": _l("Tick proposals until the money runs out: the total must fit in the round."),
    "points": _l("Share your points between the proposals you like."),
    "ranking": _l("Put your favourites in order: first choice first."),
}


class BallotForm(FlaskForm):
    """Only the CSRF token: the choices are read by read_choices()."""


class CountForm(FlaskForm):
    """ "Close and count": a second look before the count, with a reason when it is early."""

    reason = TextAreaField(
        _l("Why close voting before its end? Members will read this."),
        validators=[optional(), max_length(1000)],
    )
    complete_unvoted = BooleanField(
        _l("Money left at the end may buy proposals that nobody voted for")
    )


def read_choices(budget_round, form) -> list[str] | dict[str, str]:
    """What the browser sent, as raw choices for services.validate_choices()."""
    if budget_round.ballot_format in ("approval", "knapsack"):
        return form.getlist("proposal")
    if budget_round.ballot_format == "points":
        return {
            key.removeprefix("points-"): value
            for key, value in form.items()
            if key.startswith("points-")
        }
    ranks = sorted(
        (whole_number(key.removeprefix("rank-")), value)
        for key, value in form.items()
        if key.startswith("rank-") and whole_number(key.removeprefix("rank-")) is not None
    )
    return [value for _position, value in ranks]


def ballot_message(error, format_money) -> str:
    params = dict(error.params)
    for key in ("total", "amount"):
        if key in params and error.code == "over_budget":
            params[key] = format_money(params[key])
    return fill(str(BALLOT_MESSAGES[error.code]), params)
