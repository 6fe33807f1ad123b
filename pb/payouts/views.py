from flask import flash, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pb.groups.access import group_access, require
from pb.payouts import forms, services
from pb.web import see_other


@login_required
def pot_page(group_id: int):
    access = group_access(group_id)
    form = forms.AllocationForm()
    if form.is_submitted():
        require(access.is_programme_lead)
        if form.validate():
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
            )
            flash(_("The allocation is added to the pot."), "success")
            return see_other(".pot_page", group_id=group_id)
    pot = services.pot_for_group(access.group)
    return render_template(
        "payouts/pot.html",
        access=access,
        pot=pot,
        balances=services.balances(pot) if pot else None,
        ends_on=services.money_ends_on(pot) if pot else None,
        form=form,
    )
