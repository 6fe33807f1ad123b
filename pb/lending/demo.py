"""The lending part of the demo: "Stødig start" owns a boat, four paddle boards, two bikes with
child seats and a tent, kept by different families, with bookings past and future, one damage
report, and a few things on the swap shelf. It joins the caller's transaction (seed_demo()
commits once), so it writes rows, not through the services that commit."""

from datetime import datetime, time, timedelta

from pb.codes import new_code
from pb.extensions import db
from pb.lending.models import SWAP_DAYS, Booking, DamageReport, HandOver, Item, SwapPost
from pb.timeutil import local_today, utcnow

PICKUP = {
    "water": "Står i garasjen. Ring på når du kommer, så låser jeg opp.",
    "bikes": "Står i sykkelboden ved inngang B. Hjelmer henger på veggen.",
    "camping": "Ligger i boden i kjelleren. Send en melding dagen før.",
}


def seed_lending_demo(group, lead) -> None:
    parents = [m for m in group.memberships if m.role in ("member", "peer")]
    by_name = {m.user.username: m for m in parents}
    # The first parent of families 1-6 keep the things; ola is family 2, kari family 1 (peer).
    keepers = [m for m in parents if m.household_id is not None][:6]
    staff = next(m.user for m in group.memberships if m.role == "staff")
    today = local_today()

    def item(name, category, keeper, **fields) -> Item:
        thing = Item(
            group_id=group.id,
            code=new_code(6),
            name=name,
            category=category,
            custodian_id=keeper.user_id,
            pickup_instructions=PICKUP[category],
            owner="parents" if category == "water" else "group",
            created_by_id=staff.id,
            **fields,
        )
        db.session.add(thing)
        return thing

    boat = item(
        "Båten",
        "water",
        keepers[2],
        description="Robåt med plass til fire, redningsvester i kassen.",
        max_loan_days=3,
        buffer_days=1,
        insurance_note="Forsikret gjennom foreldreforeningen.",
    )
    boards = [
        item(
            f"Padlebrett {n}",
            "water",
            keepers[1] if n <= 2 else keepers[3],
            description="Oppblåsbart brett med åre og pumpe.",
            max_loan_days=3,
            auto_confirm=n == 3,
        )
        for n in range(1, 5)
    ]
    bikes = [
        item(
            f"Sykkel med barnesete {n}",
            "bikes",
            keepers[4],
            description="Voksensykkel med barnesete bak, for barn opp til 22 kg.",
            max_loan_days=7,
        )
        for n in (1, 2)
    ]
    tent = item(
        "Telt for fire",
        "camping",
        keepers[0],
        description="Tunneltelt med fire soveplasser.",
        max_loan_days=7,
        buffer_days=1,
    )
    db.session.flush()
    families = [m for m in parents if m.household_id is not None][6:]

    def booking(thing, family, first, last, status, **extra) -> Booking:
        start, end = today + timedelta(days=first), today + timedelta(days=last)
        row = Booking(
            item_id=thing.id,
            borrower_id=family.user_id,
            household_id=family.household_id,
            party=f"h{family.household_id}",
            start_on=start,
            end_on=end,
            blocks_from=start,
            blocks_until=end + timedelta(days=thing.buffer_days if status != "returned" else 0),
            status=status,
            created_at=utcnow() + timedelta(days=min(first, 0) - 3),
            **extra,
        )
        db.session.add(row)
        return row

    def handed(row, kind, day_offset, condition="good", note=""):
        row.handovers.append(
            HandOver(
                kind=kind,
                condition=condition,
                note=note,
                recorded_by_id=row.item.custodian_id,
                recorded_at=datetime.combine(today + timedelta(days=day_offset), time(17)),
            )
        )

    # The past: returned, one with a scratch noted.
    for thing, family, first, last, note in (
        (boat, families[0], -40, -38, ""),
        (boards[0], families[1], -30, -29, "En liten ripe under brettet."),
        (bikes[0], families[2], -20, -14, ""),
        (tent, families[3], -12, -10, ""),
    ):
        row = booking(thing, family, first, last, "returned")
        row.item = thing
        handed(row, "pickup", first)
        handed(row, "return", last, "worn" if note else "good", note)
    # Now: a bike is out; the boat goes out this weekend.
    out = booking(bikes[1], families[4], -2, 4, "picked_up")
    out.item = bikes[1]
    handed(out, "pickup", -2)
    booking(boat, families[5], 5, 6, "confirmed", decided_at=utcnow())
    booking(boards[0], families[6], 2, 3, "requested")
    booking(boards[2], families[7], 9, 10, "confirmed", decided_at=utcnow())
    booking(tent, families[8], 14, 18, "requested")
    # Padlebrett 4 came back with a hole: it is being repaired, and a booking was cancelled.
    broken = boards[3]
    broken.status, broken.condition = "maintenance", "needs_repair"
    broken.maintenance_until = today + timedelta(days=10)
    booking(broken, families[9], 4, 5, "cancelled", cancel_reason="damage")
    db.session.add(
        DamageReport(
            item_id=broken.id,
            reporter_id=broken.custodian_id,
            note="Hull i ventilen, lekker luft. Sendt til reparasjon.",
            repair_until=broken.maintenance_until,
            cancelled_count=1,
        )
    )

    now = utcnow()
    for family, kind, title, size, description in (
        (families[0], "give", "Vinterdress", "str. 110", "Brukt én vinter, hel og ren."),
        (families[2], "swap", "Skøyter", "str. 30–33", "Bytter mot større skøyter."),
        (by_name.get("ola", families[1]), "give", "Barnevogn", "", "Kan hentes i helgen."),
    ):
        db.session.add(
            SwapPost(
                group_id=group.id,
                author_id=family.user_id,
                kind=kind,
                title=title,
                size_or_age=size,
                description=description,
                created_at=now - timedelta(days=2),
                expires_at=now + timedelta(days=SWAP_DAYS - 2),
            )
        )
    db.session.flush()
