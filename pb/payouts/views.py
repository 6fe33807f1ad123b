"""Thin handlers: parse, check permission (pb/payouts/access.py), call a service, render."""

from datetime import date

from flask import Response, abort, flash, render_template, request
from flask_login import current_user, login_required
from markupsafe import Markup

from pb.i18n import gettext as _
from pb.ids import whole_number
from pb.payouts import access as perm
from pb.payouts import forms, reports, services
from pb.payouts.forms import ERROR_MESSAGES
from pb.timeutil import utcnow
from pb.web import query_budget, render_page_or_partial, see_other


def _refused(error: services.PayoutError) -> None:
    if error.code in ("not_yours",):
        abort(404)
    flash(str(ERROR_MESSAGES.get(error.code, error.code)), "error")


def _attempt(action, done: str, *, group_id: int, request_id: int):
    """Run one step on a payout: a refusal is flashed, and the payout page shows the outcome."""
    try:
        action()
    except services.PayoutError as error:
        _refused(error)
    else:
        flash(done, "success")
    return see_other(".payout_page", group_id=group_id, request_id=request_id)


@query_budget(12)
@login_required
def pot_page(group_id: int):
    access = perm.group_access(group_id)
    form = forms.AllocationForm()
    if form.is_submitted():
        perm.require(access.is_programme_lead)
        if form.validate():
            try:
                services.allocate(
                    access.group,
                    actor=current_user,
                    amount_ore=form.amount_ore,
                    funder=form.funder.data,
                    purpose=form.purpose.data,
                    result_goals=form.result_goals.data or "",
                    effect_goals=form.effect_goals.data or "",
                    starts_on=form.starts_on.data,
                    ends_on=form.ends_on.data,
                    idempotency_key=form.key,
                )
            except services.LedgerError as error:
                form.amount.errors.append(ERROR_MESSAGES.get(error.code, error.code))
            else:
                flash(_("The allocation is added to the pot."), "success")
                return see_other(".pot_page", group_id=group_id)
    pot = services.pot_for_group(access.group)
    return render_template(
        "payouts/pot.html",
        access=access,
        pot=pot,
        balances=reports.cached_balances(pot) if pot else None,
        ends_on=services.money_ends_on(pot) if pot else None,
        figures=pot_figures(pot) if pot else None,
        collective=reports.collective_payouts(access.group),
        labels=_labels(),
        form=form,
    )


def pot_figures(pot) -> Markup:
    """The pot's shares, totals and charts, rendered once for each change of its ledger: at
    municipal scale their hundreds of table cells were most of the page's time."""

    def render(pot) -> Markup:
        # bandit B704: our own template's output, escaped by Jinja
        return Markup(  # nosec B704
            render_template(
                "payouts/_pot_figures.html",
                charts=reports.charts(pot),
                summary=reports.pot_summary(pot),
                labels=_labels(),
            )
        )

    return reports.by_ledger(pot, "figures_html", render)


@query_budget(6)
@login_required
def payout_list(group_id: int):
    access = perm.group_access(group_id)
    before = whole_number(request.args.get("before"))
    # One more than a page, to know whether there is an older page to link to.
    shown = perm.visible_requests(access, before=before, limit=perm.PAYOUTS_PER_PAGE + 1)
    older = shown[perm.PAYOUTS_PER_PAGE - 1].id if len(shown) > perm.PAYOUTS_PER_PAGE else None
    return render_page_or_partial(
        "payouts/list.html",
        "payouts/_list.html",
        access=access,
        requests=shown[: perm.PAYOUTS_PER_PAGE],
        older_than=older,
        paged=before is not None,
        can_draft=perm.can_draft(access),
        can_plan=perm.can_plan(access),
        labels=_labels(),
    )


def _labels() -> dict:
    return {
        "kind": forms.KIND_LABELS,
        "state": forms.STATE_LABELS,
        "category": forms.CATEGORY_LABELS,
        "method": forms.METHOD_LABELS,
    }


def _recipient_choices(access) -> list[tuple[str, str]]:
    choices = [("", _("Choose…"))]
    choices += [(f"h{h.id}", h.label) for h in access.group.households]
    members = sorted(
        (m for m in access.group.memberships if m.role in ("member", "peer")),
        key=lambda m: m.user.display_name.casefold(),
    )
    choices += [(f"u{m.user_id}", m.user.display_name) for m in members]
    return choices


def _recipient(access, value: str):
    value = value or ""
    kind, number = value[:1], whole_number(value[1:])
    if number is None:
        return None, None
    for h in access.group.households:
        if kind == "h" and h.id == number:
            return h, None
    for m in access.group.memberships:
        if kind == "u" and m.user_id == number:
            return None, m.user
    return None, None


@login_required
def new_conditional(group_id: int):
    access = perm.group_access(group_id)
    perm.require(perm.can_draft(access))
    form = forms.ConditionalForm()
    form.recipient.choices = _recipient_choices(access)
    if form.validate_on_submit():
        household, recipient = _recipient(access, form.recipient.data)
        if household is None and recipient is None:
            form.recipient.errors.append(ERROR_MESSAGES["recipient"])
        else:
            try:
                created = services.create_conditional_request(
                    access.group,
                    actor=current_user,
                    title=form.title.data,
                    purpose=form.purpose.data or "",
                    amount_ore=form.amount_ore,
                    category=form.category.data,
                    payment_method=form.payment_method.data,
                    household=household,
                    recipient=recipient,
                    idempotency_key=form.key,
                )
            except services.PayoutError as error:
                form.amount.errors.append(ERROR_MESSAGES.get(error.code, error.code))
            else:
                flash(
                    _("The draft is saved. Staff will look at it with you.")
                    if created.state == "draft"
                    else _("The payout is requested."),
                    "success",
                )
                return see_other(".payout_page", group_id=group_id, request_id=created.id)
    return render_template("payouts/new_conditional.html", access=access, form=form)


@login_required
def new_plan(group_id: int):
    access = perm.group_access(group_id)
    perm.require(perm.can_plan(access))
    form = forms.PlanForm()
    households = [h for h in access.group.households if h.children]
    form.household.choices = [(h.id, f"{h.label} ({len(h.children)})") for h in households]
    if request.method == "GET" and not form.starts_on.data:
        today = utcnow().date()
        form.starts_on.data = date(today.year, today.month, 1)
    if form.validate_on_submit():
        household = next((h for h in households if h.id == form.household.data), None)
        if household is None:
            abort(404)
        try:
            plan = services.create_payment_plan(
                access.group,
                actor=current_user,
                household=household,
                per_child_ore=form.per_child_ore,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                payment_day=form.payment_day.data,
                idempotency_key=form.key,
            )
        except services.PayoutError as error:
            form.per_child.errors.append(ERROR_MESSAGES.get(error.code, error.code))
        else:
            flash(_("The payment plan is requested."), "success")
            return see_other(".payout_page", group_id=group_id, request_id=plan.id)
    return render_template("payouts/new_plan.html", access=access, form=form)


def _detail(access, payout, status: int = 200, **given):
    """The payout page with whatever forms this person may use on it now."""
    today = utcnow().date()
    decide_form = given.get("decide_form")
    if decide_form is None and services.decision_problem(payout, current_user) is None:
        decide_form = forms.DecisionForm(formdata=None)
        decide_form.translation_locale.data = _recipient_locale(payout)
    complaint_form = given.get("complaint_form")
    if complaint_form is None and services.complaint_problem(payout, current_user) is None:
        complaint_form = forms.ComplaintForm(formdata=None)
    complaint_decision_forms = {
        c.id: given.get("complaint_decision_form")
        if given.get("complaint_id") == c.id
        else forms.ComplaintDecisionForm(formdata=None, prefix="complaint")
        for c in payout.complaints
        if services.complaint_decision_problem(c, current_user) is None
    }
    html = render_page_or_partial(
        "payouts/payout.html",
        "payouts/_payout.html",
        access=access,
        payout=payout,
        labels=_labels(),
        locale=str(current_user.locale or ""),
        decide_form=decide_form,
        pay_form=forms.PayForm(formdata=None)
        if access.can_manage and payout.state == "approved" and not payout.is_plan
        else None,
        cancel_form=given.get("cancel_form")
        or (
            forms.ReasonForm(formdata=None, prefix="cancel")
            if payout.state in ("draft", "requested", "approved")
            and (access.can_manage or payout.drafted_by_id == current_user.id)
            else None
        ),
        can_submit=access.can_manage and payout.state == "draft",
        complaint_form=complaint_form,
        complaint_decision_forms=complaint_decision_forms,
        complaint_deadline=services.complaint_deadline(payout),
        ends_soon=services.ends_soon_notice(payout, today),
        paid_so_far=services.paid_so_far(payout),
        due_dates=services.plan_due_dates(payout) if payout.is_plan else [],
        receipt_form=given.get("receipt_form")
        or (
            forms.ReceiptForm(formdata=None)
            if services.may_attach_receipt(payout, current_user)
            else None
        ),
        is_staff=access.can_manage,
        team_too_small=access.can_manage and services.team_too_small(payout),
    )
    return html, status


def _recipient_locale(payout) -> str:
    for user_id in services.recipient_ids(payout):
        from pb.accounts.models import User
        from pb.extensions import db

        user = db.session.get(User, user_id)
        if user is not None and user.locale:
            return user.locale
    return ""


@query_budget(11)
@login_required
def payout_page(group_id: int, request_id: int):
    access = perm.group_access(group_id)
    payout = perm.load_request(access, request_id)
    return _detail(access, payout)


@login_required
def decide(group_id: int, request_id: int):
    access = perm.group_access(group_id)
    payout = perm.load_request(access, request_id)
    perm.require(access.can_manage)
    form = forms.DecisionForm()
    if not form.validate():
        return _detail(access, payout, 200, decide_form=form)
    return _attempt(
        lambda: services.decide(
            payout,
            actor=current_user,
            approve=form.verdict.data == "approve",
            reason=form.reason.data,
            reason_translation=form.reason_translation.data,
            translation_locale=form.translation_locale.data or None,
            idempotency_key=form.key,
        ),
        _("Your decision is saved."),
        group_id=group_id,
        request_id=request_id,
    )


@login_required
def pay(group_id: int, request_id: int):
    access = perm.group_access(group_id)
    payout = perm.load_request(access, request_id)
    perm.require(access.can_manage)
    form = forms.PayForm()
    if not form.validate():
        return see_other(".payout_page", group_id=group_id, request_id=request_id)
    return _attempt(
        lambda: services.pay(payout, actor=current_user, idempotency_key=form.key),
        _("The payout is recorded as paid."),
        group_id=group_id,
        request_id=request_id,
    )


@login_required
def cancel(group_id: int, request_id: int):
    access = perm.group_access(group_id)
    payout = perm.load_request(access, request_id)
    perm.require(access.can_manage or payout.drafted_by_id == current_user.id)
    form = forms.ReasonForm(prefix="cancel")
    if not form.validate():
        return _detail(access, payout, 200, cancel_form=form)
    return _attempt(
        lambda: services.cancel(
            payout, actor=current_user, reason=form.reason.data, idempotency_key=form.key
        ),
        _("The payout is cancelled."),
        group_id=group_id,
        request_id=request_id,
    )


@login_required
def submit_draft(group_id: int, request_id: int):
    access = perm.group_access(group_id)
    payout = perm.load_request(access, request_id)
    perm.require(access.can_manage)
    form = forms.PayForm()
    if not form.validate():
        return see_other(".payout_page", group_id=group_id, request_id=request_id)
    return _attempt(
        lambda: services.submit_draft(payout, actor=current_user),
        _("The payout is requested."),
        group_id=group_id,
        request_id=request_id,
    )


@login_required
def complain(group_id: int, request_id: int):
    access = perm.group_access(group_id)
    payout = perm.load_request(access, request_id)
    perm.require(services.may_complain(payout, current_user))
    form = forms.ComplaintForm()
    if not form.validate():
        return _detail(access, payout, 200, complaint_form=form)
    return _attempt(
        lambda: services.file_complaint(
            payout, actor=current_user, text=form.text.data, idempotency_key=form.key
        ),
        _("Your complaint is sent. A staff member who took no part will decide it."),
        group_id=group_id,
        request_id=request_id,
    )


@login_required
def decide_complaint(group_id: int, complaint_id: int):
    access = perm.group_access(group_id)
    complaint = perm.load_complaint(access, complaint_id)
    perm.require(access.can_manage)
    payout = complaint.request
    form = forms.ComplaintDecisionForm(prefix="complaint")
    if not form.validate():
        return _detail(access, payout, 200, complaint_decision_form=form, complaint_id=complaint.id)
    return _attempt(
        lambda: services.decide_complaint(
            complaint,
            actor=current_user,
            upheld=form.outcome.data == "upheld",
            reason=form.reason.data,
        ),
        _("The outcome of the complaint is saved."),
        group_id=group_id,
        request_id=payout.id,
    )


@login_required
def ledger_csv(group_id: int):
    access = perm.group_access(group_id)
    perm.require(perm.can_export(access))
    pot = services.pot_for_group(access.group)
    if pot is None:
        abort(404)
    return Response(
        reports.ledger_csv([pot]),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="ledger-group-{group_id}.csv"',
            "Cache-Control": "private, no-store",
        },
    )


@login_required
def allocation_report(group_id: int):
    access = perm.group_access(group_id)
    perm.require(access.can_manage)
    pot = services.pot_for_group(access.group)
    if pot is None:
        abort(404)
    return render_template(
        "payouts/report.html",
        access=access,
        pot=pot,
        balances=reports.cached_balances(pot),
        summary=reports.pot_summary(pot),
        ends_on=services.money_ends_on(pot),
        labels=_labels(),
        today=utcnow().date(),
    )


@login_required
def programme_pots(programme_id: int):
    programme, role = perm.programme_access(programme_id)
    policy = services.policy_for(programme.id)
    form = forms.PolicyForm(
        data={
            "tier2_from": policy.tier2_from_ore // 100,
            "tier3_above": policy.tier3_above_ore // 100,
            "team_min_approvers": policy.team_min_approvers,
            "self_approval": policy.self_approval_in_lowest_tier,
        }
        if request.method == "GET"
        else None
    )
    if request.method == "POST":
        perm.require(role == "lead")
        if form.validate():
            services.save_policy(
                programme.id,
                actor=current_user,
                tier2_from_ore=form.tier2_from_ore,
                tier3_above_ore=form.tier3_above_ore,
                team_min_approvers=form.team_min_approvers.data,
                self_approval_in_lowest_tier=bool(form.self_approval.data),
            )
            flash(_("The approval tiers are saved."), "success")
            return see_other(".programme_pots", programme_id=programme_id)
    now = utcnow()
    return render_template(
        "payouts/programme.html",
        programme=programme,
        role=role,
        # The lead sees every pot; staff only those of the groups they are staff of.
        rows=reports.programme_rows(
            programme,
            None
            if role == "lead"
            else {m.group_id for m in current_user.memberships if m.role == "staff"},
        ),
        complaints=services.open_complaints(programme.id) if role == "lead" else [],
        now=now,
        policy=policy,
        form=form,
    )


@login_required
def programme_ledger_csv(programme_id: int):
    programme, role = perm.programme_access(programme_id)
    perm.require(role == "lead")
    pots = [p for g in programme.groups if (p := services.pot_for_group(g)) is not None]
    return Response(
        reports.ledger_csv(pots),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="ledger-programme-{programme_id}.csv"',
            "Cache-Control": "private, no-store",
        },
    )


@login_required
def upload_receipt(group_id: int, request_id: int):
    access = perm.group_access(group_id)
    payout = perm.load_request(access, request_id)
    perm.require(services.may_attach_receipt(payout, current_user))
    form = forms.ReceiptForm()
    if not form.validate():
        return _detail(access, payout, 200, receipt_form=form)
    try:
        services.attach_receipt(payout, actor=current_user, stream=form.receipt.data.stream)
    except services.PayoutError as error:
        form.receipt.errors.append(ERROR_MESSAGES.get(error.code, error.code))
        return _detail(access, payout, 200, receipt_form=form)
    flash(_("The receipt is attached."), "success")
    return see_other(".payout_page", group_id=group_id, request_id=request_id)


@login_required
def receipt_image(group_id: int, request_id: int):
    access = perm.group_access(group_id)
    payout = perm.load_request(access, request_id)
    if payout.receipt is None:
        abort(404)
    return Response(
        payout.receipt.image,
        mimetype="image/jpeg",
        headers={"Cache-Control": "private, max-age=300"},
    )
