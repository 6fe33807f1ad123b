"""The payouts part of the demo: ten payment plans for the refugee families, and conditional
payouts in every tier for "Stødig start", one of them with a complaint. It joins the caller's
transaction (seed_demo() commits once)."""

from datetime import date, datetime

from sqlalchemy import select

from pb.extensions import db
from pb.groups.models import Group
from pb.money import ORE_PER_KRONE
from pb.payouts import requests as payouts
from pb.payouts.complaints import file_complaint
from pb.payouts.models import LedgerTransaction, PlanInstallment
from pb.payouts.policy import add_months
from pb.timeutil import utcnow

PLAN_PER_CHILD_KRONER = 1_600
PLAN_PAYMENT_DAY = 20


def _staff_of(group: Group) -> dict[str, object]:
    return {m.user.username: m.user for m in group.memberships if m.role == "staff"}


def _member_of(household):
    return next((m.user for m in household.members), None)


def seed_payouts_demo(programme, groups_by_name: dict[str, Group], lead) -> None:
    with payouts.in_callers_transaction():
        _seed_refugee_plans(programme, groups_by_name["Flyktningfamilien i sentrum"], lead)
        _seed_steady_start(programme, groups_by_name["Stødig start"], lead)


def _seed_refugee_plans(programme, group: Group, lead) -> None:
    staff = _staff_of(group)
    fatima, eirik = staff["fatima.staff"], staff["eirik.staff"]
    today = utcnow().date()
    year = today.year
    for household in group.households:
        plan = payouts.create_payment_plan(
            group,
            actor=fatima,
            household=household,
            per_child_ore=PLAN_PER_CHILD_KRONER * ORE_PER_KRONE,
            starts_on=date(year, 1, 1),
            ends_on=date(year, 12, 31),
            payment_day=PLAN_PAYMENT_DAY,
        )
        # A team decision (above NOK 50,000): the requester, the other staff member and the lead.
        for approver in (eirik, lead):
            if plan.state == "requested":
                payouts.decide(
                    plan,
                    actor=approver,
                    approve=True,
                    reason="Fast støtte per barn i ett år, slik piloten gjorde.",
                    reason_translation=_TRANSLATIONS.get(_locale_of(household)),
                    translation_locale=_locale_of(household)
                    if _locale_of(household) in _TRANSLATIONS
                    else None,
                )
    payouts.run_schedules(today)
    # Book each month's payment on its due date, so that the charts show the months as they were.
    for installment in db.session.scalars(select(PlanInstallment)):
        db.session.get(LedgerTransaction, installment.transaction_id).created_at = datetime(
            installment.due_on.year, installment.due_on.month, installment.due_on.day, 8
        )
    db.session.flush()


def _backdate(request, months_ago: int) -> None:
    """Book a demo payout's movements some months back, for charts that show time passing."""
    when = datetime.combine(add_months(utcnow().date(), -months_ago), datetime.min.time())
    for transaction in db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.payout_request_id == request.id)
    ):
        transaction.created_at = when.replace(hour=10)
    db.session.flush()


_TRANSLATIONS = {
    "so": "Taageero joogto ah oo ilmo kasta ah muddo hal sano ah.",
    "ar": "دعم ثابت لكل طفل لمدة عام واحد.",
    "ti": "ንሓደ ዓመት ንነፍሲ ወከፍ ቆልዓ ቀዋሚ ደገፍ።",
}


def _locale_of(household) -> str | None:
    member = _member_of(household)
    return member.locale if member is not None else None


def _seed_steady_start(programme, group: Group, lead) -> None:
    staff = _staff_of(group)
    hanne, jonas = staff["hanne.staff"], staff["jonas.staff"]
    families = {h.label: h for h in group.households}

    def ask(actor, family: str, kroner: int, title: str, category: str, method: str, purpose=""):
        return payouts.create_conditional_request(
            group,
            actor=actor,
            title=title,
            purpose=purpose,
            amount_ore=kroner * ORE_PER_KRONE,
            category=category,
            payment_method=method,
            household=families[family],
        )

    # Under NOK 10,000: one staff member decides, here on her own request, as in the pilot.
    shoes = ask(hanne, "Familie 3", 2_500, "Fotballsko og leggskinn", "sports_shop", "gift_card")
    payouts.decide(shoes, actor=hanne, approve=True, reason="Barna begynner på fotball i høst.")
    payouts.pay(shoes, actor=hanne)
    _backdate(shoes, 3)
    # The autumn season: several families get a gift card for sports gear in the same month.
    # A month of many payouts can be shown on the pot page; one of one or two payouts is hidden.
    for family, kroner in (
        ("Familie 8", 1_800),
        ("Familie 9", 2_200),
        ("Familie 10", 1_500),
        ("Familie 11", 2_000),
    ):
        card = ask(
            hanne, family, kroner, "Sportsutstyr til høstsesongen", "sports_shop", "gift_card"
        )
        payouts.decide(
            card, actor=hanne, approve=True, reason="Alle barna skal få være med på en aktivitet."
        )
        payouts.pay(card, actor=hanne)
        _backdate(card, 3)
    ask(jonas, "Familie 4", 4_000, "Mat i en tung måned", "groceries", "gift_card")
    kari = next(m.user for m in group.memberships if m.role == "peer")
    ask(kari, "Familie 5", 1_500, "Vinterdress", "toys_gear", "gift_card")  # a peer's draft

    # NOK 10,000-50,000: the requester and one more.
    furniture = ask(
        hanne,
        "Familie 2",
        25_000,
        "Møbler til ny leilighet",
        "furniture",
        "vendor_invoice",
        "Seng, bord og stoler etter flytting.",
    )
    payouts.decide(
        furniture,
        actor=jonas,
        approve=True,
        reason="Familien har flyttet og mangler det mest nødvendige.",
    )
    payouts.pay(furniture, actor=jonas)
    _backdate(furniture, 2)
    # Food in the same month for two more families: with the furniture, three payouts, so the
    # month can be shown on the pot page without singling anyone out.
    for family, kroner in (("Familie 12", 3_000), ("Familie 13", 2_500)):
        food = ask(hanne, family, kroner, "Mat i en tung måned", "groceries", "gift_card")
        payouts.decide(food, actor=hanne, approve=True, reason="En tung måned for familien.")
        payouts.pay(food, actor=hanne)
        _backdate(food, 2)
    ask(jonas, "Familie 6", 18_000, "Førerkort for eldste sønn", "driving_licence", "bank_transfer")
    laptop = ask(hanne, "Familie 2", 12_000, "PC til skolearbeid", "electronics", "gift_card")
    payouts.decide(
        laptop,
        actor=jonas,
        approve=False,
        reason="Skolen låner ut PC. Vi har nettopp støttet møbler til familien.",
    )
    complainant = _member_of(families["Familie 2"])
    if complainant is not None:
        file_complaint(
            laptop,
            actor=complainant,
            text="Skolens PC kan ikke tas med hjem, og barna trenger den til lekser.",
        )

    # Above NOK 50,000: a team decision.
    deposit = ask(
        hanne,
        "Familie 7",
        60_000,
        "Depositum for bolig",
        "housing_deposit",
        "bank_transfer",
        "Depositum slik at familien kan flytte fra midlertidig bolig.",
    )
    for approver, reason in (
        (jonas, "Trygg bolig er det viktigste for barna nå."),
        (lead, "Teamet er enig: vi gir depositum. Det kommer tilbake til familien senere."),
    ):
        if deposit.state == "requested":
            payouts.decide(deposit, actor=approver, approve=True, reason=reason)
