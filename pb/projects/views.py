"""Thin handlers: parse, check permission (pb/projects/access.py), call a service, render."""

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from pb.extensions import db
from pb.forms import errors_text
from pb.groups.access import group_access, require
from pb.groups.models import Membership, Programme
from pb.i18n import gettext as _
from pb.i18n import locale_code
from pb.projects import forms, labels, services
from pb.projects.access import (
    activity_of_project,
    is_author,
    may_edit_project,
    may_log_activity,
    may_moderate_story,
    may_start_project,
    photo_of_activity,
    photo_visible,
    project_in_group,
    story_in_group,
    story_photo_visible,
    story_reaches,
)
from pb.projects.models import ActivityPhoto, Project, Story
from pb.projects.services import PHOTO_FOLDER, ProjectError
from pb.proposals import photos
from pb.timeutil import local_today
from pb.web import see_other

# The public story page shows this many, newest first.
PUBLIC_PAGE_STORIES = 60

# ---------------------------------------------------------------------------------------------
# Projects


def _project_form(access, project=None) -> forms.ProjectForm:
    form = forms.ProjectForm(obj=project if request.method == "GET" else None)
    form.leaders.choices = [
        (
            m.user_id,
            m.user.display_name
            + (f" ({labels.PEER_KIND_NAMES[m.peer_kind]})" if m.peer_kind else "")
            + (" – " + _("staff") if m.role == "staff" else ""),
        )
        for m in services.leader_choices(access.group)
    ]
    form.funding.choices = [(p.id, p.title) for p in services.funding_choices(access.group)]
    if request.method == "GET":
        if project is not None:
            form.leaders.data = sorted(project.leader_ids)
            form.funding.data = [f.payout_id for f in project.funding]
        else:
            form.starts_on.data = local_today()
            if current_user.id in {value for value, _label in form.leaders.choices}:
                form.leaders.data = [current_user.id]
    return form


def _project_fields(form) -> dict:
    return {
        "title": form.title.data.strip(),
        "goal": form.goal.data.strip(),
        "result_goals": (form.result_goals.data or "").strip(),
        "effect_goals": (form.effect_goals.data or "").strip(),
        "status": form.status.data,
        "starts_on": form.starts_on.data,
        "ends_on": form.ends_on.data,
    }


@login_required
def projects_page(group_id: int):
    access = group_access(group_id)
    projects = list(
        db.session.scalars(
            select(Project)
            .where(Project.group_id == access.group.id)
            .order_by(Project.status.desc(), Project.starts_on.desc())
        )
    )
    return render_template(
        "projects/projects.html",
        access=access,
        projects=projects,
        totals=services.totals([p.id for p in projects]),
        labels=labels,
        may_start=may_start_project(access),
    )


@login_required
def new_project(group_id: int):
    access = group_access(group_id)
    require(may_start_project(access))
    form = _project_form(access)
    if form.validate_on_submit():
        try:
            project = services.create_project(
                access.group,
                actor=current_user,
                leader_ids=form.leaders.data,
                payout_ids=form.funding.data,
                **_project_fields(form),
            )
        except ProjectError as error:
            form.leaders.errors.append(error.message)
        else:
            flash(_("The project is saved."), "success")
            return see_other(".project_page", group_id=group_id, project_id=project.id)
    return render_template("projects/project_form.html", access=access, form=form, project=None)


@login_required
def edit_project(group_id: int, project_id: int):
    access = group_access(group_id)
    project = project_in_group(access, project_id)
    require(may_edit_project(access, project, current_user))
    form = _project_form(access, project)
    if form.validate_on_submit():
        try:
            services.update_project(
                project,
                actor=current_user,
                leader_ids=form.leaders.data,
                payout_ids=form.funding.data,
                **_project_fields(form),
            )
        except ProjectError as error:
            db.session.rollback()
            form.leaders.errors.append(error.message)
        else:
            flash(_("Saved."), "success")
            return see_other(".project_page", group_id=group_id, project_id=project.id)
    return render_template("projects/project_form.html", access=access, form=form, project=project)


@login_required
def project_page(group_id: int, project_id: int):
    access = group_access(group_id)
    project = project_in_group(access, project_id)
    return render_template(
        "projects/project.html",
        access=access,
        project=project,
        totals=services.totals([project.id])[project.id],
        labels=labels,
        may_edit=may_edit_project(access, project, current_user),
        may_log=may_log_activity(access, project, current_user),
        photo_counts={
            a.id: sum(photo_visible(p, current_user) for p in a.photos) for a in project.activities
        },
    )


# ---------------------------------------------------------------------------------------------
# The activity log


def _activity_form(project) -> forms.ActivityForm:
    form = forms.ActivityForm()
    form.project = project
    form.payout.choices = [(0, _("Not paid from a payout"))] + [
        (f.payout_id, f.payout.title) for f in project.funding
    ]
    if request.method == "GET":
        form.happened_on.data = local_today()
    return form


@login_required
def new_activity(group_id: int, project_id: int):
    access = group_access(group_id)
    project = project_in_group(access, project_id)
    require(may_log_activity(access, project, current_user))
    form = _activity_form(project)
    if form.validate_on_submit():
        activity = services.log_activity(
            project,
            actor=current_user,
            photo=form.prepared_photo,
            photo_consent=form.photo_consent.data,
            happened_on=form.happened_on.data,
            kind=form.kind.data,
            place=(form.place.data or "").strip(),
            adults=form.adults.data or 0,
            youth=form.youth.data or 0,
            children=form.children.data or 0,
            volunteer_minutes=form.volunteer_minutes,
            cost_ore=form.cost_ore,
            payout_id=form.payout.data or None,
            note=(form.note.data or "").strip(),
        )
        flash(_("The activity is logged. Thank you!"), "success")
        return see_other(
            ".activity_page", group_id=group_id, project_id=project.id, activity_id=activity.id
        )
    return render_template("projects/activity_form.html", access=access, project=project, form=form)


@login_required
def activity_page(group_id: int, project_id: int, activity_id: int):
    access = group_access(group_id)
    project = project_in_group(access, project_id)
    activity = activity_of_project(project, activity_id)
    may_log = may_log_activity(access, project, current_user)
    return render_template(
        "projects/activity.html",
        access=access,
        project=project,
        activity=activity,
        labels=labels,
        may_log=may_log,
        shown_photos=[p for p in activity.photos if photo_visible(p, current_user)],
        hidden_photos=sum(not photo_visible(p, current_user) for p in activity.photos),
        photo_form=forms.ActivityPhotoForm() if may_log else None,
    )


@login_required
def add_activity_photo(group_id: int, project_id: int, activity_id: int):
    access = group_access(group_id)
    project = project_in_group(access, project_id)
    activity = activity_of_project(project, activity_id)
    require(may_log_activity(access, project, current_user))
    form = forms.ActivityPhotoForm()
    if form.validate_on_submit():
        services.add_activity_photo(
            activity, actor=current_user, photo=form.prepared_photo, consent=form.photo_consent.data
        )
        flash(_("The photo is added."), "success")
    else:
        for message in form.photo.errors + form.photo_consent.errors:
            flash(message, "error")
    return see_other(
        ".activity_page", group_id=group_id, project_id=project.id, activity_id=activity.id
    )


@login_required
def remove_activity_photo(group_id: int, project_id: int, activity_id: int, photo_id: int):
    access = group_access(group_id)
    project = project_in_group(access, project_id)
    activity = activity_of_project(project, activity_id)
    require(may_log_activity(access, project, current_user))
    services.remove_activity_photo(photo_of_activity(activity, photo_id), actor=current_user)
    flash(_("The photo is removed."), "success")
    return see_other(
        ".activity_page", group_id=group_id, project_id=project.id, activity_id=activity.id
    )


@login_required
def activity_photo(group_id: int, project_id: int, activity_id: int, photo_id: int, size: str):
    access = group_access(group_id)
    project = project_in_group(access, project_id)
    photo = photo_of_activity(activity_of_project(project, activity_id), photo_id)
    require(photo_visible(photo, current_user))
    return photos.send_photo(photo, size, PHOTO_FOLDER)


@login_required
def delete_activity(group_id: int, project_id: int, activity_id: int):
    access = group_access(group_id)
    project = project_in_group(access, project_id)
    activity = activity_of_project(project, activity_id)
    require(may_log_activity(access, project, current_user))
    services.delete_activity(activity, actor=current_user)
    flash(_("The activity is taken out of the log."), "success")
    return see_other(".project_page", group_id=group_id, project_id=project.id)


# ---------------------------------------------------------------------------------------------
# Stories


def _story_text(story: Story):
    """(title, body, translated?) in the reader's language when a translation exists."""
    translation = services.translation_for(story, locale_code())
    if translation is None:
        return story.title, story.body, False
    return translation.title or story.title, translation.body, True


@login_required
def stories_page(group_id: int):
    access = group_access(group_id)
    mine = list(
        db.session.scalars(
            select(Story)
            .where(
                Story.group_id == access.group.id,
                Story.author_id == current_user.id,
                Story.status.in_(("submitted", "declined")),
            )
            .order_by(Story.id.desc())
        )
    )
    return render_template(
        "projects/stories.html",
        access=access,
        stories=services.published_stories([access.group.id]),
        mine=mine,
        waiting=services.waiting_stories(access.group) if may_moderate_story(access) else [],
        labels=labels,
        story_text=_story_text,
        photo_shown=lambda story: story_photo_visible(story, current_user, inside_group=True),
        link=lambda story: url_for(".story_page", group_id=group_id, story_id=story.id),
        photo_url=lambda story: url_for(
            ".story_photo", group_id=group_id, story_id=story.id, size="thumb"
        ),
    )


def _own_declined_story(access, story_id: int | None) -> Story | None:
    story = db.session.get(Story, story_id) if story_id else None
    if story is None or story.group_id != access.group.id or story.status != "declined":
        return None
    return story if is_author(story, current_user) else None


@login_required
def new_story(group_id: int):
    access = group_access(group_id)
    form = forms.StoryForm()
    projects = db.session.scalars(
        select(Project).where(Project.group_id == access.group.id).order_by(Project.title)
    )
    form.project.choices = [(0, _("No project"))] + [(p.id, p.title) for p in projects]
    if request.method == "GET":
        form.language.data = locale_code()
        form.project.data = request.args.get("project", 0, type=int)
        earlier = _own_declined_story(access, request.args.get("from", type=int))
        if earlier is not None:
            # A declined story, to change and send again: as with a proposal sent back.
            form.title.data, form.body.data = earlier.title, earlier.body
            form.language.data, form.visibility.data = earlier.language, earlier.visibility
            form.project.data = earlier.project_id or 0
    if form.validate_on_submit():
        story = services.submit_story(
            access.group,
            actor=current_user,
            photo=form.prepared_photo,
            photo_consent=form.photo_consent.data,
            title=(form.title.data or "").strip(),
            body=form.body.data.strip(),
            language=form.language.data,
            visibility=form.visibility.data,
            project_id=form.project.data or None,
        )
        flash(_("Thank you! A moderator reads your story before others can see it."), "success")
        return see_other(".story_page", group_id=group_id, story_id=story.id)
    return render_template("projects/story_form.html", access=access, form=form)


@login_required
def story_page(group_id: int, story_id: int):
    access = group_access(group_id)
    story = story_in_group(access, story_id)
    moderates = may_moderate_story(access)
    title, body, translated = _story_text(story)
    return render_template(
        "projects/story.html",
        access=access,
        story=story,
        title=title,
        body=body,
        translated=translated,
        labels=labels,
        moderates=moderates,
        is_author=is_author(story, current_user),
        photo_shown=story_photo_visible(story, current_user, inside_group=True),
        decline_form=forms.DeclineForm() if moderates else None,
    )


def _story_action(group_id: int, story_id: int, allowed):
    access = group_access(group_id)
    story = story_in_group(access, story_id)
    require(allowed(access, story))
    return access, story


def _decided(story: Story, action) -> bool:
    try:
        action()
    except ProjectError as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    return True


@login_required
def publish_story(group_id: int, story_id: int):
    _access, story = _story_action(group_id, story_id, lambda a, s: may_moderate_story(a))
    _decided(story, lambda: services.publish_story(story, actor=current_user))
    return see_other(".story_page", group_id=group_id, story_id=story_id)


@login_required
def decline_story(group_id: int, story_id: int):
    _access, story = _story_action(group_id, story_id, lambda a, s: may_moderate_story(a))
    form = forms.DeclineForm()
    if form.validate_on_submit():
        _decided(
            story,
            lambda: services.decline_story(story, actor=current_user, reason=form.reason.data),
        )
    else:
        flash(errors_text(form.reason) or _("Please reload the page and try again."), "error")
    return see_other(".story_page", group_id=group_id, story_id=story_id)


@login_required
def withdraw_story(group_id: int, story_id: int):
    _access, story = _story_action(
        group_id,
        story_id,
        lambda a, s: is_author(s, current_user) or may_moderate_story(a),
    )
    if _decided(story, lambda: services.withdraw_story(story, actor=current_user)):
        flash(_("The story is taken down."), "success")
    return see_other(".stories_page", group_id=group_id)


@login_required
def translate_story(group_id: int, story_id: int):
    access, story = _story_action(
        group_id,
        story_id,
        lambda a, s: may_moderate_story(a) and s.status in ("submitted", "published"),
    )
    form = forms.TranslationForm()
    if form.validate_on_submit():
        try:
            services.translate_story(
                story,
                actor=current_user,
                language=form.language.data,
                title=(form.title.data or "").strip(),
                body=form.body.data.strip(),
            )
        except ProjectError as error:
            db.session.rollback()
            form.language.errors.append(error.message)
        else:
            flash(_("The translation is saved."), "success")
            return see_other(".story_page", group_id=group_id, story_id=story_id)
    return render_template("projects/translate.html", access=access, story=story, form=form)


@login_required
def story_photo(group_id: int, story_id: int, size: str):
    access = group_access(group_id)
    story = story_in_group(access, story_id)
    require(story_photo_visible(story, current_user, inside_group=True))
    return photos.send_photo(story, size, PHOTO_FOLDER)


# ---------------------------------------------------------------------------------------------
# The programme's stories: the public "tell about change" page, no log-in needed


def programme_stories(programme_id: int):
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        abort(404)
    group_ids = [group.id for group in programme.groups]
    user = current_user if current_user.is_authenticated else None
    # The newest; anyone without a log-in gets only the public ones from the database.
    visibilities = None if user is not None else ("public",)
    stories = [
        story
        for story in services.published_stories(group_ids, visibilities, limit=PUBLIC_PAGE_STORIES)
        if story_reaches(story, user)
    ]
    return render_template(
        "projects/programme_stories.html",
        programme=programme,
        programme_id=programme.id,
        stories=stories,
        photos=[
            photo
            for photo in services.shared_photos(group_ids, ("programme", "public"))
            if photo_visible(photo, user)
        ],
        story_text=_story_text,
        photo_shown=lambda story: story_photo_visible(story, user, inside_group=False),
        link=None,
        photo_url=lambda story: url_for(
            ".programme_story_photo", programme_id=programme_id, story_id=story.id, size="thumb"
        ),
        labels=labels,
    )


def programme_story_photo(programme_id: int, story_id: int, size: str):
    story = db.session.get(Story, story_id)
    user = current_user if current_user.is_authenticated else None
    if (
        story is None
        or story.group.programme_id != programme_id
        or not story_reaches(story, user)
        or not story_photo_visible(story, user, inside_group=False)
    ):
        abort(404)
    response = photos.send_photo(story, size, PHOTO_FOLDER)
    if story.visibility == "public" and story.photo_consent == "public":
        response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def programme_activity_photo(programme_id: int, photo_id: int, size: str):
    """An activity's photo outside its group's pages: the programme's report and story page."""
    photo = db.session.get(ActivityPhoto, photo_id)
    user = current_user if current_user.is_authenticated else None
    if (
        photo is None
        or photo.activity.project.group.programme_id != programme_id
        or not photo_visible(photo, user)
    ):
        abort(404)
    response = photos.send_photo(photo, size, PHOTO_FOLDER)
    if photo.consent == "public":
        response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# ---------------------------------------------------------------------------------------------
# The kind of peer work, on a peer consultant's membership


@login_required
def set_peer_kind(group_id: int, user_id: int):
    access = group_access(group_id)
    require(access.can_manage)
    membership = db.session.scalar(
        select(Membership).where(
            Membership.group_id == access.group.id, Membership.user_id == user_id
        )
    )
    if membership is None:
        abort(404)
    form = forms.PeerKindForm()
    if form.validate_on_submit():
        try:
            services.set_peer_kind(membership, form.peer_kind.data or None, actor=current_user)
        except ProjectError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(_("Saved."), "success")
    return see_other("groups.members_page", group_id=group_id)
