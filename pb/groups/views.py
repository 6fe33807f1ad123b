import io

import segno
from flask import Response, abort, flash, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from pb.accounts import services as accounts
from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.groups import forms, services
from pb.groups.access import group_access, programme_access, require
from pb.groups.models import Household, Invite, Membership
from pb.groups.overview import waiting_for
from pb.i18n import gettext as _
from pb.ids import whole_number
from pb.web import query_budget, render_page_or_partial, see_other


@query_budget(3)
def home():
    if not current_user.is_authenticated:
        return render_template("groups/welcome.html")
    led = [r.programme for r in current_user.programme_roles]
    return render_template("groups/home.html", memberships=current_user.memberships, programmes=led)


@login_required
def programme_page(programme_id: int):
    programme, role = programme_access(programme_id)
    form = forms.GroupForm()
    if request.method == "POST":
        require(role == "lead")
        if form.validate():
            group = services.create_group(
                programme,
                name=form.name.data,
                description=form.description.data or "",
                actor=current_user,
            )
            flash(_("The group is created. Invite its staff and members next."), "success")
            return see_other(".invites", group_id=group.id)
    return render_template("groups/programme.html", programme=programme, role=role, form=form)


@query_budget(12)
@login_required
def group_page(group_id: int):
    """The group as it is now: what waits for me, and the rounds that are open."""
    from pb.proposals.services import open_rounds_for
    from pb.voting.services import is_on_roll, round_phase, rounds_voted_in

    access = group_access(group_id)
    open_rounds = open_rounds_for(access.group)
    voted_in = rounds_voted_in(open_rounds, current_user)
    rounds = [
        {
            "round": budget_round,
            "phase": round_phase(budget_round),
            "on_roll": is_on_roll(budget_round, current_user),
            "voted": budget_round.id in voted_in,
        }
        for budget_round in open_rounds
    ]
    return render_template(
        "groups/group.html",
        access=access,
        waiting=waiting_for(access, current_user),
        rounds=rounds,
        member_count=db.session.scalar(
            select(func.count()).select_from(Membership).where(Membership.group_id == group_id)
        ),
    )


@login_required
def members_page(group_id: int):
    """The group's members, searchable by name; htmx swaps in only the list as one types."""
    access = group_access(group_id)
    query = (request.args.get("q") or "").strip()[:60]
    members = members_of(access.group)
    if query:
        members = [m for m in members if query.casefold() in m.user.display_name.casefold()]
    resettable = set()
    if access.can_moderate:
        refused = accounts.reset_code_problems(current_user, [m.user for m in members])
        resettable = {m.id for m in members if m.user_id not in refused}
    return render_page_or_partial(
        "groups/members.html",
        "groups/_member_list.html",
        access=access,
        members=members,
        resettable=resettable,
        query=query,
    )


def members_of(group) -> list[Membership]:
    """The group's memberships with their people, in one query, sorted by name."""
    memberships = db.session.scalars(
        select(Membership)
        .where(Membership.group_id == group.id)
        .options(selectinload(Membership.user))
    ).all()
    return sorted(memberships, key=lambda m: m.user.display_name.casefold())


def _invite_form(access) -> forms.InviteForm:
    form = forms.InviteForm()
    names = {"member": _("Member"), "peer": _("Peer consultant"), "staff": _("Staff")}
    form.role.choices = [(role, names[role]) for role in access.invite_roles]
    households = access.group.households if access.can_invite_into_household else []
    form.household_id.choices = [(0, _("No household yet"))] + [(h.id, h.label) for h in households]
    return form


@login_required
def invites(group_id: int):
    access = group_access(group_id)
    require(access.can_moderate)
    form = _invite_form(access)
    if form.validate_on_submit():
        household = (
            db.session.get(Household, form.household_id.data) if form.household_id.data else None
        )
        if household is not None and household.group_id != access.group.id:
            abort(404)
        invite = services.create_invite(
            access.group,
            actor=current_user,
            role=form.role.data,
            household=household,
            max_uses=form.max_uses.data,
        )
        if not request.headers.get("HX-Request"):
            return see_other(".invite_page", group_id=group_id, invite_id=invite.id)
    return render_page_or_partial(
        "groups/invites.html",
        "groups/_invite_list.html",
        access=access,
        form=form,
        invites=[i for i in services.active_invites(access.group) if access.may_handle_invite(i)],
    )


def _invite_in_group(access, invite_id: int) -> Invite:
    """An invite this person could have made; others' staff or household codes are a 404."""
    invite = db.session.get(Invite, invite_id)
    if invite is None or not access.may_handle_invite(invite):
        abort(404)
    return invite


@login_required
def invite_page(group_id: int, invite_id: int):
    access = group_access(group_id)
    require(access.can_moderate)
    invite = _invite_in_group(access, invite_id)
    link = url_for("accounts.join", code=invite.code, _external=True)
    return render_template("groups/invite.html", access=access, invite=invite, link=link)


@login_required
def invite_qr(group_id: int, invite_id: int):
    access = group_access(group_id)
    require(access.can_moderate)
    invite = _invite_in_group(access, invite_id)
    link = url_for("accounts.join", code=invite.code, _external=True)
    # A standalone SVG file, with its namespace: an <img> refuses segno's inline fragment.
    out = io.BytesIO()
    segno.make(link, error="m").save(
        out, kind="svg", scale=6, dark="#1b1b1b", light="#ffffff", xmldecl=False
    )
    return Response(
        out.getvalue(),
        mimetype="image/svg+xml",
        headers={"Cache-Control": "private, max-age=300"},
    )


@login_required
def revoke_invite(group_id: int, invite_id: int):
    access = group_access(group_id)
    require(access.can_moderate)
    services.revoke_invite(_invite_in_group(access, invite_id), actor=current_user)
    flash(_("The invite no longer works."), "success")
    return see_other(".invites", group_id=group_id)


@login_required
def households(group_id: int):
    access = group_access(group_id)
    require(access.can_manage)
    return render_template("groups/households.html", access=access)


@login_required
def edit_household(group_id: int, household_id: int | None = None):
    access = group_access(group_id)
    require(access.can_manage)
    household = None
    if household_id is not None:
        household = db.session.get(Household, household_id)
        if household is None or household.group_id != access.group.id:
            abort(404)
    form = forms.HouseholdForm(obj=household)
    if request.method == "GET" and household is not None:
        form.birth_years.data = " ".join(str(c.birth_year) for c in household.children)
    group_member_ids = {m.id for m in access.group.memberships}
    chosen = {whole_number(v) for v in request.form.getlist("member_ids")} - {None}
    if form.validate_on_submit():
        if not chosen <= group_member_ids:
            abort(404)
        services.save_household(
            access.group,
            actor=current_user,
            label=form.label.data,
            birth_years=form.parsed_birth_years(),
            member_ids=sorted(chosen),
            household=household,
        )
        flash(_("Household saved."), "success")
        return see_other(".households", group_id=group_id)
    if request.method == "GET" and household is not None:
        chosen = {m.id for m in household.members}
    members = members_of(access.group)
    return render_template(
        "groups/household_form.html",
        access=access,
        form=form,
        household=household,
        members=members,
        chosen=chosen,
    )


def _membership_in_group(access, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.group_id != access.group.id:
        abort(404)
    return membership


@login_required
def change_role(group_id: int, membership_id: int):
    access = group_access(group_id)
    require(access.can_promote)
    membership = _membership_in_group(access, membership_id)
    form = forms.RoleForm()
    form.role.choices = [("member", _("Member")), ("peer", _("Peer consultant"))]
    if not form.validate_on_submit() or membership.role == "staff":
        flash(_("Choose member or peer consultant."), "error")
        return see_other(".members_page", group_id=group_id)
    services.change_role(membership, form.role.data, actor=current_user)
    flash(
        _(
            "%(name)s is now: %(role)s.",
            name=membership.user.display_name,
            role=dict(form.role.choices)[form.role.data],
        ),
        "success",
    )
    return see_other(".members_page", group_id=group_id)


@login_required
def issue_reset_code(group_id: int, membership_id: int):
    access = group_access(group_id)
    require(access.can_moderate)
    membership = _membership_in_group(access, membership_id)
    # Only someone who outranks the account in every group it is in (see reset_code_problem).
    require(accounts.reset_code_problem(current_user, membership.user) is None)
    code = accounts.issue_reset_code(membership.user, actor=current_user, group=access.group)
    return render_template(
        "groups/reset_code.html", access=access, membership=membership, code=code
    )


@login_required
def audit_log(group_id: int):
    access = group_access(group_id)
    require(access.can_moderate)
    # Who voted is kept in the audit table but not shown here: the group sees only turnout.
    query = select(AuditEvent).where(
        AuditEvent.group_id == access.group.id, AuditEvent.action.not_like("ballot.%")
    )
    if not access.can_manage:
        # Payout events name their households; peers see payouts only as totals.
        query = query.where(AuditEvent.action.not_like("payout.%"))
    events = db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(200)).all()
    return render_template("groups/audit.html", access=access, events=events)
