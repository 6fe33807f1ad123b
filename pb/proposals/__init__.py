"""Budget rounds, proposals, discussion and peer moderation."""

from flask import Blueprint

bp = Blueprint("proposals", __name__)

from pb.proposals import personal_data, views, waiting  # noqa: E402, F401

ROUND = "/groups/<int:group_id>/rounds/<int:round_id>"
PROPOSAL = ROUND + "/proposals/<int:proposal_id>"
COMMENT = PROPOSAL + "/comments/<int:comment_id>"
GET_POST = ["GET", "POST"]
POST = ["POST"]

bp.add_url_rule("/groups/<int:group_id>/rounds", view_func=views.rounds_page)
bp.add_url_rule("/groups/<int:group_id>/rounds/new", view_func=views.new_round, methods=GET_POST)
bp.add_url_rule(ROUND, view_func=views.round_page)
bp.add_url_rule(ROUND + "/phase", view_func=views.advance_phase, methods=POST)
bp.add_url_rule(ROUND + "/proposals/new", view_func=views.new_proposal, methods=GET_POST)
bp.add_url_rule(PROPOSAL, view_func=views.proposal_page)
bp.add_url_rule(PROPOSAL + "/edit", view_func=views.edit_proposal, methods=GET_POST)
bp.add_url_rule(PROPOSAL + "/versions", view_func=views.versions_page)
bp.add_url_rule(PROPOSAL + "/translate", view_func=views.translate, methods=GET_POST)
bp.add_url_rule(PROPOSAL + "/photo/<any(full, medium, thumb):size>", view_func=views.photo)
bp.add_url_rule(PROPOSAL + "/support", view_func=views.support, methods=POST)
bp.add_url_rule(PROPOSAL + "/comments", view_func=views.comments, methods=GET_POST)
bp.add_url_rule(COMMENT + "/edit", view_func=views.edit_comment, methods=GET_POST)
bp.add_url_rule(COMMENT + "/delete", view_func=views.delete_comment, methods=POST)
bp.add_url_rule(PROPOSAL + "/report", view_func=views.report, methods=GET_POST)
bp.add_url_rule(COMMENT + "/report", view_func=views.report, methods=GET_POST)
bp.add_url_rule(PROPOSAL + "/appeal", view_func=views.appeal, methods=POST)
# Moderation: peer consultants and staff; cost review and cases: staff.
bp.add_url_rule("/groups/<int:group_id>/moderation", view_func=views.queue_page)
bp.add_url_rule(PROPOSAL + "/request-changes", view_func=views.request_changes, methods=POST)
bp.add_url_rule(PROPOSAL + "/cost", view_func=views.confirm_cost, methods=POST)
bp.add_url_rule(PROPOSAL + "/accept", view_func=views.accept, methods=POST)
bp.add_url_rule(PROPOSAL + "/reject", view_func=views.reject, methods=POST)
bp.add_url_rule(PROPOSAL + "/merge", view_func=views.merge, methods=POST)
bp.add_url_rule(PROPOSAL + "/restore", view_func=views.restore, methods=POST)
bp.add_url_rule(PROPOSAL + "/escalate", view_func=views.escalate, methods=POST)
bp.add_url_rule(COMMENT + "/hide", view_func=views.hide_comment, methods=POST)
bp.add_url_rule(COMMENT + "/restore", view_func=views.restore, methods=POST)
bp.add_url_rule(
    "/groups/<int:group_id>/moderation/cases/<int:case_id>",
    view_func=views.case_page,
    methods=GET_POST,
)


@bp.app_errorhandler(413)
def _too_large(_error):
    """A body above MAX_CONTENT_LENGTH: in practice, a photo far above the 5 MB limit."""
    from flask import render_template

    from pb.i18n import gettext as _
    from pb.web import same_site_referrer

    message = _(
        "The photo is far too large to send (more than 20 MB). Choose one under 5 MB. "
        "Go back: what you typed may still be in the form."
    )
    page = render_template(
        "errors/error.html", title=_("Too large"), message=message, back_url=same_site_referrer()
    )
    return page, 413


@bp.record_once
def _template_helpers(state) -> None:
    """The phase banner is drawn by group_nav on every group page, so its helpers are globals."""
    from pb.proposals.templating import TEMPLATE_GLOBALS

    state.app.jinja_env.globals.update(TEMPLATE_GLOBALS)
