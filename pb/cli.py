"""`flask --app pb ...` commands for set-up and operations."""

import click
from flask import Flask
from sqlalchemy import select

from pb.extensions import db
from pb.tally.cli import tally_command


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_bench_command)
    app.cli.add_command(totp_command)
    app.cli.add_command(create_programme_command)
    app.cli.add_command(check_ledger_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(run_schedules_command)
    app.cli.add_command(tick_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(sms_reply_command)
    app.cli.add_command(export_ledger_command)
    app.cli.add_command(tally_command)
    app.cli.add_command(export_pb_command)
    app.cli.add_command(reset_code_command)


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo programme (safe to run again) and print the demo log-ins."""
    from pb.codes import pretty_code
    from pb.demo import DEMO_PASSWORD, DemoRefused, demo_invites, demo_logins, seed_demo

    try:
        added = seed_demo()
    except DemoRefused as error:
        raise click.ClickException(str(error)) from None
    click.echo("Demo data loaded." if added else "Demo data was already there; nothing changed.")
    click.echo(f"\nDemo log-ins (password for all: {DEMO_PASSWORD}):")
    for login in demo_logins():
        line = f"  {login.username:<14} {login.who}"
        if login.totp_secret:
            line += (
                f"\n  {'':<14} TOTP secret {login.totp_secret}"
                f" (or: flask --app pb totp {login.username})"
            )
        click.echo(line)
    click.echo("\nJoin a group as a new member with its invite code (at /join):")
    for group_name, code in demo_invites():
        click.echo(f"  {pretty_code(code)}  {group_name}")


@click.command("seed-bench")
@click.option(
    "--scale",
    type=click.FloatRange(min=0.0001, max=10),
    default=1.0,
    show_default=True,
    help="Multiplies every count (0.01 builds a small copy quickly).",
)
def seed_bench_command(scale: float) -> None:
    """Build the municipal-scale bench dataset for load tests (safe to run again): 200 groups,
    20,000 members, 200,000 ballots, 500,000 ledger entries and more, at --scale 1."""
    from pb.benchdata import BENCH_PASSWORD, LEAD_USERNAME, BenchRefused, seed_bench

    click.echo(f"Building the bench dataset at scale {scale:g}:")
    try:
        report = seed_bench(scale, echo=click.echo)
    except BenchRefused as error:
        raise click.ClickException(str(error)) from None
    if report is None:
        click.echo("The bench dataset was already there; nothing changed.")
        return
    click.echo(f"Done in {report['seconds']:.1f} s. Rows written per table:")
    for table, count in sorted(report["rows"].items(), key=lambda row: -row[1]):
        click.echo(f"  {table:<30} {count:>10,}")
    click.echo(f"  {'total':<30} {sum(report['rows'].values()):>10,}")
    click.echo("The counts of issue 15 (the bench programme's / aimed at):")
    for name, wanted in report["targets"].items():
        click.echo(f"  {name:<30} {report['counts'][name]:>10,} / {wanted:,}")
    for note in report["notes"]:
        click.echo(f"Note: {note}")
    click.echo(
        f"\nLog-ins (password for all: {BENCH_PASSWORD}): bench-m1, bench-m2, ... (members), "
        f"bench-p1, ... (peer consultants), bench-s1, ... (staff, two-step: "
        f"flask --app pb totp bench-s1) and {LEAD_USERNAME}."
    )


@click.command("totp")
@click.argument("username")
def totp_command(username: str) -> None:
    """Print a demo staff user's current two-step code. Refuses real users."""
    from pb.accounts.models import User
    from pb.accounts.services import current_totp

    user = db.session.scalar(select(User).where(User.username == username.casefold()))
    if user is None or not user.is_demo or not user.has_two_factor:
        raise click.ClickException(f"{username} is not a demo user with two-step log-in.")
    click.echo(current_totp(user))


@click.command("create-programme")
@click.argument("name")
@click.option("--lead-username", required=True)
@click.option("--lead-name", required=True)
@click.password_option("--lead-password")
def create_programme_command(
    name: str, lead_username: str, lead_name: str, lead_password: str
) -> None:
    """Start a real deployment: a programme and its lead, who then creates groups and invites."""
    from pb.accounts.models import User
    from pb.accounts.passwords import hash_password, password_problem
    from pb.accounts.services import normalise_username, username_taken
    from pb.groups.services import create_programme

    if username_taken(lead_username):
        raise click.ClickException(f"The username {lead_username} is taken.")
    problem = password_problem(lead_password, lead_username)
    if problem:
        raise click.ClickException(f"The password is not good enough ({problem}).")
    lead = User(
        username=normalise_username(lead_username),
        display_name=lead_name,
        password_hash=hash_password(lead_password),
    )
    db.session.add(lead)
    db.session.flush()
    create_programme(name, lead=lead)
    click.echo(f"Created {name}. {lead_username} sets up two-step log-in at the first log-in.")


@click.command("reset-code")
@click.argument("username")
def reset_code_command(username: str) -> None:
    """Print a one-time password reset code for USERNAME, valid for a day. For the programme lead,
    whom nobody in the app outranks; the audit log records that it came from the server."""
    from pb.accounts.services import find_user, issue_reset_code

    user = find_user(username)
    if user is None or not user.is_active:
        raise click.ClickException(f"There is no active user {username}.")
    code = issue_reset_code(user, actor=None)
    click.echo(f"Reset code for {user.username}: {code} (valid for a day, once). Use it at /reset.")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def backup_command(file: str) -> None:
    """Write every table and uploaded file to FILE (a .tar.gz with checksums; pb/backup.py)."""
    from pathlib import Path

    from pb.backup import backup

    manifest = backup(Path(file))
    rows = sum(manifest["rows"].values())
    files = sum(1 for name in manifest["sha256"] if name.startswith("uploads/"))
    click.echo(f"Backed up {rows} rows in {len(manifest['rows'])} tables and {files} files.")
    click.echo(f"Checksum: {manifest['checksum']}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def restore_command(file: str) -> None:
    """Restore FILE, a backup, into this empty database and upload folder."""
    from pathlib import Path

    from pb.backup import BackupError, restore

    try:
        manifest = restore(Path(file))
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored {sum(manifest['rows'].values())} rows, revision {manifest['revision']}.")


@click.command("check-ledger")
def check_ledger_command() -> None:
    """Check that every transaction sums to zero and every cached balance matches the entries."""
    from pb.payouts.services import ledger_problems

    problems = ledger_problems()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in the ledger.")
    click.echo("The ledger is balanced.")


@click.command("export-pb")
@click.argument("round_id", type=int)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="File; default: stdout.")
def export_pb_command(round_id: int, output: str | None) -> None:
    """Write a finished round as an anonymised Pabulib file, for research."""
    from pb.proposals.models import BudgetRound
    from pb.voting.services import anonymised_pabulib, result_of

    budget_round = db.session.get(BudgetRound, round_id)
    if budget_round is None:
        raise click.ClickException(f"There is no round {round_id}.")
    if result_of(budget_round) is None:
        raise click.ClickException(f"Round {round_id} is not counted yet.")
    text = anonymised_pabulib(budget_round)
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"Wrote {output}.")
    else:
        click.echo(text, nl=False)


def _tick(today) -> None:
    """Everything on a schedule, each part in its own transactions: a failure is reported at
    the end, after everything else has run, and makes the exit status non-zero for cron."""
    from pb.lending.services import run_scheduled as run_lending_schedules
    from pb.notifications import answers, delivery
    from pb.payouts.services import run_schedules
    from pb.payouts.summary import send_weekly_summaries
    from pb.voting.services import run_scheduled as run_voting_schedules

    failures: list[str] = []
    paid = run_schedules(today.date() if today else None, failures=failures)
    click.echo(f"{paid} monthly payment(s) made.")
    for what, count in run_voting_schedules(today, failures=failures).items():
        click.echo(f"{count} {what}.")
    lending_today = today.date() if today else None
    for what, count in run_lending_schedules(lending_today, failures=failures).items():
        click.echo(f"{count} {what}.")
    for what, job in (
        ("weekly staff summaries", send_weekly_summaries),
        ("digests gathered", delivery.gather_digests),
        ("stalled sends released", delivery.release_stale_claims),
        ("old SMS signatures and codes pruned", answers.prune),
        ("messages sent or queued", delivery.send_or_queue_due),
    ):
        try:
            click.echo(f"{job()} {what}.")
        except Exception as error:  # one failing job must not stop the others
            db.session.rollback()
            failures.append(f"{what}: {error.__class__.__name__}: {error}")
    delivery.send_queued()
    for failure in failures:
        click.echo(f"Failed: {failure}", err=True)
    if failures:
        raise click.ClickException(f"{len(failures)} scheduled job(s) failed; the rest ran.")


_TODAY = click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)


@click.command("tick")
@_TODAY
def tick_command(today) -> None:
    """Everything on a schedule: plans' monthly payments and their ending notices, voting
    reminders and counting rounds whose voting has closed, lending's offers, reminders and late
    returns, the swap shelf's old posts, staff's weekly summaries, daily digests, and sending
    (or queueing) every email and SMS that is due. Safe to run twice; run it from cron every
    five minutes."""
    _tick(today)


@click.command("run-schedules")
@_TODAY
def run_schedules_command(today) -> None:
    """The same as `tick` (its old name, kept so that existing cron lines keep working)."""
    _tick(today)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Send email and SMS from the Redis queue (needs REDIS_URL)."""
    from flask import current_app

    from pb.notifications.jobs import run_worker

    if not current_app.config["REDIS_URL"]:
        raise click.ClickException(
            "REDIS_URL is not set. Without Redis, the app sends in-process; no worker is needed."
        )
    run_worker(burst=burst)


@click.command("sms-reply")
@click.argument("phone")
@click.argument("text")
def sms_reply_command(phone: str, text: str) -> None:
    """Answer an SMS as PHONE would (for the file backend, in development and tests): the same
    handling as the signed webhook, and the reply goes to the SMS outbox."""
    from pb.notifications import answers, delivery

    reply = answers.handle_inbound(phone, text)
    answers.send_reply(reply)
    delivery.send_queued()
    click.echo(reply.text if reply else "That is not a phone number Fellespott can answer.")


@click.command("export-ledger")
@click.option("--group-id", type=int, default=None, help="Only this group's pot.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default="-")
def export_ledger_command(group_id: int | None, output: str) -> None:
    """Write the ledger as CSV, one row per entry (format: docs/ledger-csv.md)."""
    from pb.payouts.models import Pot
    from pb.payouts.reports import ledger_csv

    query = select(Pot).order_by(Pot.id)
    if group_id is not None:
        query = query.where(Pot.group_id == group_id)
    text = ledger_csv(list(db.session.scalars(query)))
    with click.open_file(output, "wb") as handle:
        handle.write(text.encode("utf-8"))
