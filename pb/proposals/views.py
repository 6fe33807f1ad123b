from datetime import timedelta

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from htmx_flask import request as htmx_request

from pb.groups.access import group_access, require
from pb.i18n import LANGUAGES
from pb.i18n import gettext as _
from pb.money import format_kroner_number
from pb.proposals import forms, moderation, photos, services
from pb.proposals.access import (
    can_see_hidden,
    case_in_group,
    comment_on,
    proposal_in_round,
    round_in_group,
)
from pb.proposals.labels import CASE_OUTCOME_NAMES
from pb.proposals.models import PHASES
from pb.proposals.services import ProposalError
from pb.proposals.templating import shown_text
from pb.timeutil import utcnow
from pb.web import query_budget, render_page_or_partial, see_other


def _load(group_id: int, round_id: int, proposal_id: int | None = None):
    """The group (as the reader may see it), the round and, if asked, the proposal."""
    access = group_access(group_id)
    budget_round = round_in_group(access, round_id)
    proposal = proposal_in_round(budget_round, proposal_id) if proposal_id else None
    return access, budget_round, proposal


def _kroner_text(ore: int | None) -> str:
    """An amount to pre-fill a form with, written as the reader's language writes it."""
    return format_kroner_number(ore, g.locale) if ore is not None else ""


def _error_text(error: ProposalError) -> str:
    return error.message


# ---------------------------------------------------------------------------------------------
# Rounds


@query_budget(4)
@login_required
def rounds_page(group_id: int):
    access = group_access(group_id)
    return render_template(
        "proposals/rounds.html",
        access=access,
        rounds=services.rounds_for_group(access.group),
        now=utcnow(),
    )


@login_required
def new_round(group_id: int):
    access = group_access(group_id)
    require(access.can_moderate)
    form = forms.RoundForm()
    form.available_ore = services.default_amount_ore(access.group)
    if request.method == "GET":
        today = utcnow().date()
        form.amount.data = _kroner_text(form.available_ore)
        form.languages.data = [g.locale] if g.locale == "nb" else ["nb", g.locale]
        form.review_starts_on.data = today + timedelta(days=14)
        form.voting_starts_on.data = today + timedelta(days=21)
        form.voting_ends_on.data = today + timedelta(days=28)
        form.followup_starts_on.data = today + timedelta(days=35)
    if form.validate_on_submit():
        try:
            budget_round = services.create_round(
                access.group, actor=current_user, **form.settings()
            )
        except ProposalError as error:
            form.amount.errors.append(_error_text(error))
        else:
            flash(_("The round is open for ideas."), "success")
            return see_other(".round_page", group_id=group_id, round_id=budget_round.id)
    return render_template("proposals/round_form.html", access=access, form=form)


def _visible(proposals, access):
    return [p for p in proposals if not p.is_hidden or can_see_hidden(access, p, current_user)]


@query_budget(11)
@login_required
def round_page(group_id: int, round_id: int):
    access, budget_round, _proposal = _load(group_id, round_id)
    proposals = _visible(services.round_proposals(budget_round), access)
    phase = services.current_phase(budget_round)
    try:
        services.check_can_propose(budget_round, current_user)
        propose_problem = None
    except ProposalError as error:
        propose_problem = error
    supporters = services.support_counts(proposals)
    comments = services.comment_counts(proposals)
    return render_template(
        "proposals/round.html",
        access=access,
        budget_round=budget_round,
        phase=phase,
        next_phase=services.next_phase(budget_round),
        on_ballot=[p for p in proposals if p.status == "accepted"],
        in_review=[p for p in proposals if p.status in ("submitted", "changes_requested")],
        off_ballot=[p for p in proposals if p.status in ("rejected", "merged")],
        propose_problem=propose_problem and _error_text(propose_problem),
        mine=services.proposals_by(budget_round, current_user),
        phase_form=forms.PhaseForm(),
        support_count=lambda proposal: supporters.get(proposal.id, 0),
        comment_count=lambda proposal: comments.get(proposal.id, 0),
        shown_text=shown_text,
    )


@login_required
def advance_phase(group_id: int, round_id: int):
    access, budget_round, _proposal = _load(group_id, round_id)
    require(access.can_moderate)
    form = forms.PhaseForm()
    if form.validate_on_submit() and form.to.data in PHASES:
        try:
            services.advance_phase(budget_round, to=form.to.data, actor=current_user)
            flash(_("The round has moved on."), "success")
        except ProposalError as error:
            flash(_error_text(error), "error")
    return see_other(".round_page", group_id=group_id, round_id=round_id)


# ---------------------------------------------------------------------------------------------
# Proposals


@login_required
def new_proposal(group_id: int, round_id: int):
    access, budget_round, _proposal = _load(group_id, round_id)
    form = forms.ProposalForm()
    form.round_amount_ore = budget_round.amount_ore
    if request.method == "GET":
        form.language.data = g.locale
    problem = None
    try:
        services.check_can_propose(budget_round, current_user)
    except ProposalError as error:
        problem = _error_text(error)
    if problem is None and form.validate_on_submit():
        try:
            proposal = services.create_proposal(
                budget_round,
                author=current_user,
                title=form.title.data,
                description=form.description.data,
                category=form.category.data,
                estimated_cost_ore=form.cost_ore,
                language=form.language.data,
                photo=form.prepared_photo,
            )
        except ProposalError as error:
            problem = _error_text(error)
        else:
            flash(_("Thank you! Your proposal is sent to the peer consultants."), "success")
            return see_other(
                ".proposal_page", group_id=group_id, round_id=round_id, proposal_id=proposal.id
            )
    return render_template(
        "proposals/proposal_form.html",
        access=access,
        budget_round=budget_round,
        form=form,
        proposal=None,
        problem=problem,
    )


def _merge_choices(budget_round, proposal, locale):
    return [
        (other.id, shown_text(other, locale)[0])
        for other in services.round_proposals(budget_round)
        if other.id != proposal.id and other.status in ("submitted", "accepted")
    ]


def _proposal_context(access, budget_round, proposal, **overrides) -> dict:
    original = request.args.get("original") == "1"
    title, description, language = shown_text(proposal, g.locale, original=original)
    visible = not proposal.is_hidden or can_see_hidden(access, proposal, current_user)
    cost_form = forms.CostReviewForm()
    if proposal.confirmed_cost_ore or request.method == "GET":
        cost_form.confirmed_cost.data = cost_form.confirmed_cost.data or _kroner_text(
            proposal.confirmed_cost_ore or proposal.estimated_cost_ore
        )
    merge_form = forms.MergeForm()
    # What only the author (an appeal) or a moderator is shown is only looked up for them.
    is_author = proposal.author_id == current_user.id
    merge_form.into.choices = (
        _merge_choices(budget_round, proposal, g.locale) if access.can_moderate else []
    )
    context = {
        "access": access,
        "budget_round": budget_round,
        "proposal": proposal,
        "phase": services.current_phase(budget_round),
        "visible": visible,
        "title": title,
        "description": description,
        "shown_language": language,
        "original": original,
        "has_translation": proposal.translation_for(g.locale) is not None,
        "can_edit": services.can_edit(proposal, current_user),
        "can_translate": services.can_translate(
            proposal, current_user, can_moderate=access.can_moderate
        ),
        "comments": services.comments_for(proposal),
        "comment_form": forms.CommentForm(formdata=None),
        "reply_form": None,
        "reply_to": None,
        "support_count": services.support_count(proposal),
        "supports": services.supports(proposal, current_user),
        "can_edit_comment": services.can_edit_comment,
        "open_case": moderation.open_case_about(proposal) if is_author else None,
        "appeal_decided": moderation.already_appealed(proposal) if is_author else False,
        "open_reports": (
            moderation.open_report_count("proposal", proposal.id) if access.can_moderate else 0
        ),
        "changes_form": forms.RequestChangesForm(formdata=None),
        "cost_form": cost_form,
        "reject_form": forms.RejectForm(formdata=None),
        "merge_form": merge_form,
        "escalate_form": forms.EscalateForm(formdata=None),
        "hide_form": forms.ReasonForm(formdata=None),
        "action_error": None,
    }
    context.update(overrides)
    return context


@query_budget(12)
@login_required
def proposal_page(group_id: int, round_id: int, proposal_id: int):
    access, budget_round, proposal = _load(group_id, round_id, proposal_id)
    return render_template(
        "proposals/proposal.html", **_proposal_context(access, budget_round, proposal)
    )


def _proposal_page_again(access, budget_round, proposal, **overrides):
    """Show the proposal page again, with a form's errors or a refused action's reason."""
    return render_template(
        "proposals/proposal.html", **_proposal_context(access, budget_round, proposal, **overrides)
    )


def _back_to(proposal, anchor: str | None = None):
    return redirect(
        url_for(
            ".proposal_page",
            group_id=proposal.round.group_id,
            round_id=proposal.round_id,
            proposal_id=proposal.id,
            _anchor=anchor,
        ),
        code=303,
    )


@login_required
def edit_proposal(group_id: int, round_id: int, proposal_id: int):
    access, budget_round, proposal = _load(group_id, round_id, proposal_id)
    require(proposal.author_id == current_user.id)
    form = forms.ProposalForm(obj=proposal if request.method == "GET" else None)
    form.round_amount_ore = budget_round.amount_ore
    if request.method == "GET":
        form.estimated_cost.data = _kroner_text(proposal.estimated_cost_ore)
    form.language.data = proposal.language
    problem = (
        None
        if services.can_edit(proposal, current_user)
        else _("This proposal can no longer be changed: the review has started or it was decided.")
    )
    if problem is None and form.validate_on_submit():
        try:
            services.edit_proposal(
                proposal,
                actor=current_user,
                title=form.title.data,
                description=form.description.data,
                category=form.category.data,
                estimated_cost_ore=form.cost_ore,
                photo=form.prepared_photo,
                remove_photo=form.remove_photo.data,
            )
        except ProposalError as error:
            problem = _error_text(error)
        else:
            flash(_("Your changes are saved and sent for review."), "success")
            return _back_to(proposal)
    return render_template(
        "proposals/proposal_form.html",
        access=access,
        budget_round=budget_round,
        form=form,
        proposal=proposal,
        problem=problem,
    )


def _require_visible(access, proposal) -> None:
    require(not proposal.is_hidden or can_see_hidden(access, proposal, current_user))


@login_required
def versions_page(group_id: int, round_id: int, proposal_id: int):
    access, budget_round, proposal = _load(group_id, round_id, proposal_id)
    _require_visible(access, proposal)
    return render_template(
        "proposals/versions.html",
        access=access,
        budget_round=budget_round,
        proposal=proposal,
        versions=list(reversed(proposal.versions)),
    )


@login_required
def translate(group_id: int, round_id: int, proposal_id: int):
    access, budget_round, proposal = _load(group_id, round_id, proposal_id)
    require(services.can_translate(proposal, current_user, can_moderate=access.can_moderate))
    form = forms.TranslationForm()
    form.language.choices = [
        (code, name) for code, name in LANGUAGES.items() if code != proposal.language
    ]
    if request.method == "GET":
        wanted = request.args.get("language", g.locale)
        form.language.data = wanted if wanted != proposal.language else None
        existing = proposal.translation_for(wanted)
        if existing is not None:
            form.title.data, form.description.data = existing.title, existing.description
    if form.validate_on_submit():
        services.save_translation(
            proposal,
            actor=current_user,
            language=form.language.data,
            title=form.title.data,
            description=form.description.data,
        )
        flash(_("The translation is saved."), "success")
        return _back_to(proposal)
    return render_template(
        "proposals/translation_form.html",
        access=access,
        budget_round=budget_round,
        proposal=proposal,
        form=form,
    )


@login_required
def photo(group_id: int, round_id: int, proposal_id: int, size: str):
    access, _round, proposal = _load(group_id, round_id, proposal_id)
    _require_visible(access, proposal)
    return photos.send_photo(proposal, size)


@login_required
def support(group_id: int, round_id: int, proposal_id: int):
    access, budget_round, proposal = _load(group_id, round_id, proposal_id)
    try:
        services.set_support(proposal, current_user, support=request.form.get("support") == "1")
    except ProposalError as error:
        flash(_error_text(error), "error")
    if htmx_request.htmx:
        return render_template(
            "proposals/_support.html", **_proposal_context(access, budget_round, proposal)
        )
    return _back_to(proposal, "support")


# ---------------------------------------------------------------------------------------------
# Discussion


@login_required
def comments(group_id: int, round_id: int, proposal_id: int):
    """GET: the discussion partial (htmx polls it). POST: a comment or a reply."""
    access, budget_round, proposal = _load(group_id, round_id, proposal_id)
    _require_visible(access, proposal)
    if request.method == "GET":
        if not htmx_request.htmx:
            return _back_to(proposal, "comments")
        return render_template(
            "proposals/_comments.html", **_proposal_context(access, budget_round, proposal)
        )
    form = forms.CommentForm()
    parent = comment_on(proposal, form.parent_id.data) if form.parent_id.data else None
    overrides = {"reply_form": form, "reply_to": parent.id} if parent else {"comment_form": form}
    if form.validate_on_submit():
        try:
            comment = services.add_comment(
                proposal, author=current_user, body=form.body.data, parent=parent
            )
        except ProposalError as error:
            form.body.errors = [_error_text(error)]
        else:
            if htmx_request.htmx:
                return render_template(
                    "proposals/_comments.html",
                    **_proposal_context(access, budget_round, proposal),
                )
            return _back_to(proposal, f"comment-{comment.id}")
    return render_page_or_partial(
        "proposals/proposal.html",
        "proposals/_comments.html",
        **_proposal_context(access, budget_round, proposal, **overrides),
    )


@login_required
def edit_comment(group_id: int, round_id: int, proposal_id: int, comment_id: int):
    access, budget_round, proposal = _load(group_id, round_id, proposal_id)
    comment = comment_on(proposal, comment_id)
    require(comment.author_id == current_user.id)
    form = forms.CommentEditForm(obj=comment if request.method == "GET" else None)
    problem = None
    if form.validate_on_submit():
        try:
            services.edit_comment(comment, actor=current_user, body=form.body.data)
        except ProposalError as error:
            problem = _error_text(error)
        else:
            return _back_to(proposal, f"comment-{comment.id}")
    elif not services.can_edit_comment(comment, current_user):
        problem = _("A comment can only be changed in the first 15 minutes.")
    return render_template(
        "proposals/comment_edit.html",
        access=access,
        budget_round=budget_round,
        proposal=proposal,
        comment=comment,
        form=form,
        problem=problem,
    )


@login_required
def delete_comment(group_id: int, round_id: int, proposal_id: int, comment_id: int):
    access, budget_round, proposal = _load(group_id, round_id, proposal_id)
    comment = comment_on(proposal, comment_id)
    require(comment.author_id == current_user.id)
    try:
        services.delete_comment(comment, actor=current_user)
    except ProposalError as error:
        flash(_error_text(error), "error")
    if htmx_request.htmx:
        return render_template(
            "proposals/_comments.html", **_proposal_context(access, budget_round, proposal)
        )
    return _back_to(proposal, f"comment-{comment.id}")


@login_required
def report(group_id: int, round_id: int, proposal_id: int, comment_id: int | None = None):
    access, budget_round, proposal = _load(group_id, round_id, proposal_id)
    _require_visible(access, proposal)
    comment = comment_on(proposal, comment_id) if comment_id else None
    form = forms.ReportForm()
    problem = None
    if form.validate_on_submit():
        try:
            moderation.file_report(
                comment or proposal,
                reporter=current_user,
                reason=form.reason.data,
                note=form.note.data or "",
            )
        except ProposalError as error:
            problem = _error_text(error)
        else:
            flash(_("Thank you. The peer consultants will look at it."), "success")
            return _back_to(proposal)
    return render_template(
        "proposals/report_form.html",
        access=access,
        budget_round=budget_round,
        proposal=proposal,
        comment=comment,
        form=form,
        problem=problem,
    )


@login_required
def appeal(group_id: int, round_id: int, proposal_id: int):
    _access, _round, proposal = _load(group_id, round_id, proposal_id)
    require(proposal.author_id == current_user.id)
    form = forms.AppealForm()
    if form.validate_on_submit():
        try:
            moderation.appeal(proposal, actor=current_user, message=form.message.data or "")
            flash(_("Your appeal is sent to staff. You will hear from them here."), "success")
        except ProposalError as error:
            flash(_error_text(error), "error")
    return _back_to(proposal)


# ---------------------------------------------------------------------------------------------
# Moderation


@query_budget(8)
@login_required
def queue_page(group_id: int):
    access = group_access(group_id)
    require(access.can_moderate)
    return render_template(
        "proposals/queue.html",
        access=access,
        queue=moderation.queue_for(access.group),
        log=moderation.moderation_log(access.group),
        shown_text=shown_text,
    )


_FORMS_ON_THE_PAGE = (
    "changes_form",
    "cost_form",
    "reject_form",
    "merge_form",
    "escalate_form",
    "hide_form",
)


def _moderate(group_id, round_id, proposal_id, form_class, form_name, act, *, staff=False):
    """The shared shape of a moderation action: check the role, validate, act, or show why not."""
    access, budget_round, proposal = _load(group_id, round_id, proposal_id)
    require(access.can_manage if staff else access.can_moderate)
    form = form_class()
    if form_name == "cost_form":
        form.round_amount_ore = budget_round.amount_ore
    if form_name == "merge_form":
        form.into.choices = _merge_choices(budget_round, proposal, g.locale)
    if form.validate_on_submit():
        try:
            message = act(access, budget_round, proposal, form)
        except ProposalError as error:
            return _proposal_page_again(
                access, budget_round, proposal, action_error=_error_text(error), **{form_name: form}
            )
        flash(message, "success")
        return _back_to(proposal)
    if form_name in _FORMS_ON_THE_PAGE:
        return _proposal_page_again(access, budget_round, proposal, **{form_name: form})
    # A form drawn without its fields' errors (a comment's hide form): say why at the top.
    errors = " ".join(str(e) for field_errors in form.errors.values() for e in field_errors)
    return _proposal_page_again(access, budget_round, proposal, action_error=errors)


@login_required
def request_changes(group_id: int, round_id: int, proposal_id: int):
    def act(_access, _round, proposal, form):
        moderation.request_changes(proposal, actor=current_user, message=form.message.data)
        return _("The author is asked to make changes.")

    return _moderate(group_id, round_id, proposal_id, forms.RequestChangesForm, "changes_form", act)


@login_required
def confirm_cost(group_id: int, round_id: int, proposal_id: int):
    def act(_access, _round, proposal, form):
        moderation.confirm_cost(proposal, actor=current_user, cost_ore=form.cost_ore)
        return _("The cost is confirmed.")

    return _moderate(
        group_id, round_id, proposal_id, forms.CostReviewForm, "cost_form", act, staff=True
    )


@login_required
def accept(group_id: int, round_id: int, proposal_id: int):
    def act(_access, _round, proposal, _form):
        moderation.accept_proposal(proposal, actor=current_user)
        return _("The proposal is on the ballot.")

    return _moderate(group_id, round_id, proposal_id, forms.ConfirmForm, "accept_form", act)


@login_required
def reject(group_id: int, round_id: int, proposal_id: int):
    def act(_access, _round, proposal, form):
        moderation.reject_proposal(
            proposal,
            actor=current_user,
            reason_code=form.reason_code.data,
            note=form.note.data or "",
        )
        return _("The proposal is not accepted. The author is told why.")

    return _moderate(group_id, round_id, proposal_id, forms.RejectForm, "reject_form", act)


@login_required
def merge(group_id: int, round_id: int, proposal_id: int):
    def act(_access, budget_round, proposal, form):
        target = proposal_in_round(budget_round, form.into.data)
        moderation.merge_proposal(
            proposal, into=target, actor=current_user, note=form.merge_note.data or ""
        )
        return _("The proposal is merged.")

    return _moderate(group_id, round_id, proposal_id, forms.MergeForm, "merge_form", act)


@login_required
def escalate(group_id: int, round_id: int, proposal_id: int):
    def act(_access, _round, proposal, form):
        comment = comment_on(proposal, form.comment_id.data) if form.comment_id.data else None
        moderation.escalate(
            proposal, actor=current_user, message=form.staff_message.data, comment=comment
        )
        return _("Staff are asked to decide.")

    return _moderate(group_id, round_id, proposal_id, forms.EscalateForm, "escalate_form", act)


@login_required
def hide_comment(group_id: int, round_id: int, proposal_id: int, comment_id: int):
    def act(_access, _round, proposal, form):
        comment = comment_on(proposal, comment_id)
        moderation.hide_comment(comment, actor=current_user, reason=form.reason.data)
        return _("The comment is hidden.")

    return _moderate(group_id, round_id, proposal_id, forms.ReasonForm, "comment_form_hide", act)


@login_required
def restore(group_id: int, round_id: int, proposal_id: int, comment_id: int | None = None):
    def act(_access, _round, proposal, form):
        subject = comment_on(proposal, comment_id) if comment_id else proposal
        moderation.restore(subject, actor=current_user, reason=form.reason.data)
        return _("It is visible again.")

    return _moderate(group_id, round_id, proposal_id, forms.ReasonForm, "hide_form", act)


@login_required
def case_page(group_id: int, case_id: int):
    access = group_access(group_id)
    require(access.can_moderate)
    case = case_in_group(access, case_id)
    form = forms.DecideForm()
    form.outcome.choices = [
        (outcome, CASE_OUTCOME_NAMES[outcome])
        for outcome in moderation.CASE_OUTCOMES_BY_KIND[case.kind]
    ]
    problem = None
    if request.method == "POST":
        require(access.can_manage)
        if form.validate_on_submit():
            try:
                moderation.decide_case(
                    case, actor=current_user, outcome=form.outcome.data, note=form.note.data
                )
            except ProposalError as error:
                problem = _error_text(error)
            else:
                flash(_("The case is decided. Those involved are told."), "success")
                return see_other(".queue_page", group_id=group_id)
    return render_template(
        "proposals/case.html", access=access, case=case, form=form, problem=problem
    )
