"""Programmes, groups, households, invites and roles."""

from flask import Blueprint

bp = Blueprint("groups", __name__)

from pb.groups import views  # noqa: E402

bp.add_url_rule("/", view_func=views.home)
bp.add_url_rule(
    "/programmes/<int:programme_id>", view_func=views.programme_page, methods=["GET", "POST"]
)
bp.add_url_rule("/groups/<int:group_id>", view_func=views.group_page)
bp.add_url_rule("/groups/<int:group_id>/members", view_func=views.members_page)
bp.add_url_rule("/groups/<int:group_id>/invites", view_func=views.invites, methods=["GET", "POST"])
bp.add_url_rule("/groups/<int:group_id>/invites/<int:invite_id>", view_func=views.invite_page)
bp.add_url_rule("/groups/<int:group_id>/invites/<int:invite_id>/qr.svg", view_func=views.invite_qr)
bp.add_url_rule(
    "/groups/<int:group_id>/invites/<int:invite_id>/revoke",
    view_func=views.revoke_invite,
    methods=["POST"],
)
bp.add_url_rule("/groups/<int:group_id>/households", view_func=views.households)
bp.add_url_rule(
    "/groups/<int:group_id>/households/new", view_func=views.edit_household, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/groups/<int:group_id>/households/<int:household_id>",
    view_func=views.edit_household,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/groups/<int:group_id>/members/<int:membership_id>/role",
    view_func=views.change_role,
    methods=["POST"],
)
bp.add_url_rule(
    "/groups/<int:group_id>/members/<int:membership_id>/reset-code",
    view_func=views.issue_reset_code,
    methods=["POST"],
)
bp.add_url_rule("/groups/<int:group_id>/audit", view_func=views.audit_log)
