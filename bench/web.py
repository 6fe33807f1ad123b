"""Load benchmark of the web pages, against a bare-Flask floor. Not a test: it prints tables.

    make bench-web                                   # 20 clients × 60 s, SQLite then PostgreSQL
    .venv/bin/python bench/web.py --clients 10 --seconds 15
    .venv/bin/python bench/web.py --db postgresql --dataset demo

It serves the app with gunicorn (2 sync workers, production settings: no debug, a fresh
SECRET_KEY, compression on) on the bench dataset (`flask --app pb seed-bench`), on SQLite and
then on PostgreSQL, and drives the main pages with locust (bench/web_locust.py) in headless mode:
each client logs in as a different member, peer consultant or staff member (staff with a TOTP
code), then asks its pages in a loop without pauses. In the same run a bare Flask "hello"
(bench/floor.py) is served by the same gunicorn set-up to the same number of clients: the floor.
For each page it prints p50, p95 and p99 latency, throughput and errors, the p50 as a multiple of
the floor's, and the targets of issue 15 (p95 under 100 ms and no errors; p50 within 4× the floor,
`/` within 3×).

The databases belong to the bench: PostgreSQL `fellespott_bench` and
/tmp/fellespott-bench.sqlite3, migrated and seeded here when missing (`--rebuild` starts them
again). With `--dataset demo` (or while `seed-bench` does not exist) it uses the demo programme
in scratch databases that it creates and removes. The log-in rate limit is raised for the
bench's servers through the environment; the production defaults are not touched.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, suppress
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
sys.path.insert(0, str(REPO))

WORKERS = 2
PG_ADMIN = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DATABASES = {
    # dataset: (PostgreSQL database, SQLite file)
    "bench": ("fellespott_bench", "/tmp/fellespott-bench.sqlite3"),
    "demo": ("fellespott_bench_demo", "/tmp/fellespott-bench-demo.sqlite3"),
}
PASSWORDS = {"bench": "fellespott-bench", "demo": "fellespott-demo"}
# The bench's own limits: every client logs in from 127.0.0.1 within a second or two.
BENCH_LIMITS = {"LOGIN_RATE_LIMIT": "100000 per minute", "LOOKUP_RATE_LIMIT": "100000 per minute"}
TARGET_P95_MS = 100.0
TARGET_FLOOR_MULTIPLE = 4.0
TARGET_HOME_FLOOR_MULTIPLE = 3.0
# The pages, in the order a client walks them and the tables list them.
PAGE_ORDER = [
    "home /",
    "group",
    "round list",
    "round",
    "proposal",
    "ballot GET",
    "ballot POST",
    "results",
    "pot",
    "payout list",
    "payout",
    "moderation",
    "item calendar",
    "calendar part",
    "booking",
    "report",
]

RUNNING: list[subprocess.Popen] = []


# ---------------------------------------------------------------------------------------------
# Processes: every child starts in its own session, and is ended with its children, also on
# Ctrl+C or SIGTERM.


def start(command: list[str], **options) -> subprocess.Popen:
    process = subprocess.Popen(command, start_new_session=True, **options)
    RUNNING.append(process)
    return process


def stop(process: subprocess.Popen, grace_s: float = 15) -> None:
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with suppress(ValueError):
        RUNNING.remove(process)


def stop_all() -> None:
    for process in list(RUNNING):
        stop(process, grace_s=5)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def flask_command(args: list[str], url: str, secret_key: str, *, quiet: bool = False) -> None:
    """Run `flask --app pb ARGS` on the database; its output is shown as it goes, or, when
    quiet, only if it fails."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret_key}
    env.pop("FLASK_DEBUG", None)
    output = subprocess.PIPE if quiet else None
    process = start(
        [sys.executable, "-m", "flask", "--app", "pb", *args],
        cwd=REPO,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT if quiet else None,
        text=True,
    )
    printed, _ = process.communicate()
    RUNNING.remove(process)
    if process.returncode != 0:
        raise SystemExit(
            f"`flask --app pb {' '.join(args)}` failed ({process.returncode}).\n{printed or ''}"
        )


@contextmanager
def gunicorn(app_spec: list[str], env: dict, log_folder: Path, label: str):
    """Serve with the production set-up: 2 sync workers, no debug, no access log."""
    port = free_port()
    log = log_folder / f"gunicorn-{label}.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(REPO),
        "--error-logfile",
        str(log),
        "--log-level",
        "warning",
        *app_spec,
    ]
    process = start(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    host = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn ({label}) stopped at start:\n{tail(log)}")
            try:
                with urllib.request.urlopen(host + "/", timeout=5):
                    break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn ({label}) did not answer:\n{tail(log)}") from None
                time.sleep(0.2)
        yield host, process.pid, log
    finally:
        stop(process)


def tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def app_env(url: str, secret_key: str, outbox: Path) -> dict:
    env = {
        **os.environ,
        **BENCH_LIMITS,
        "DATABASE_URL": url,
        "SECRET_KEY": secret_key,
        # Plain http on loopback: the session cookie can't be Secure here. Production keeps it.
        "SESSION_COOKIE_SECURE": "0",
        "OUTBOX_FOLDER": str(outbox),
    }
    for name in ("FLASK_DEBUG", "REDIS_URL", "TRUST_PROXY_HEADERS"):
        env.pop(name, None)
    return env


def drive(
    host: str, server_pid: int, clients: list[dict], seconds: float, folder: Path, label: str
):
    """Run the locust clients (bench/web_locust.py) against the server; returns their result."""
    plan_path = folder / f"plan-{label}.json"
    result_path = folder / f"result-{label}.json"
    plan = {
        "host": host,
        "server_pid": server_pid,
        "users": len(clients),
        "seconds": seconds,
        "clients": clients,
    }
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    process = start(
        [sys.executable, str(BENCH / "web_locust.py"), str(plan_path), str(result_path)]
    )
    try:
        code = process.wait(timeout=seconds + 600)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"The clients ({label}) did not finish.") from None
    finally:
        stop(process)
    if code != 0 or not result_path.exists():
        raise SystemExit(f"The clients ({label}) failed ({code}).")
    return json.loads(result_path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Databases


def seed_bench_exists() -> bool:
    """Whether `flask --app pb seed-bench` is there (it came later than this bench)."""
    import importlib.util

    if importlib.util.find_spec("pb.benchdata") is None:
        return False
    from pb import create_app

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return "seed-bench" in app.cli.commands


def sqlite_url(path: str) -> str:
    return f"sqlite:///{path}"


def postgres_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def postgres_reachable() -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_ADMIN)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure to connect means the same thing here
        return False
    finally:
        engine.dispose()


def postgres_database(name: str, *, create: bool = False, drop: bool = False) -> bool:
    """Whether the database exists, after dropping and/or creating it as asked."""
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if drop:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if create and not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
                exists = True
        return bool(exists)
    finally:
        engine.dispose()


def seeded(url: str, dataset: str) -> bool:
    """Whether the database holds the dataset's people already."""
    from sqlalchemy import create_engine, text

    pattern = "bench-%" if dataset == "bench" else "%.staff"
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return bool(
                connection.scalar(
                    text("SELECT count(*) FROM user_account WHERE username LIKE :p"),
                    {"p": pattern},
                )
            )
    except Exception:  # no tables yet
        return False
    finally:
        engine.dispose()


def prepare_database(kind: str, dataset: str, rebuild: bool, secret_key: str) -> str:
    """The URL of the bench's database of this kind, migrated and seeded."""
    pg_name, sqlite_path = DATABASES[dataset]
    fresh = rebuild or dataset == "demo"
    if kind == "sqlite":
        if fresh:
            Path(sqlite_path).unlink(missing_ok=True)
        url = sqlite_url(sqlite_path)
    else:
        postgres_database(pg_name, drop=fresh, create=True)
        url = postgres_url(pg_name)
    print(f"Migrating {kind} ({url.split('@')[-1]}) …", flush=True)
    flask_command(["db", "upgrade", "heads"], url, secret_key, quiet=True)
    if not seeded(url, dataset):
        print(f"Seeding the {dataset} dataset into {kind} …", flush=True)
        began = time.perf_counter()
        if dataset == "bench":
            flask_command(["seed-bench"], url, secret_key)
        else:
            flask_command(["seed-demo"], url, secret_key, quiet=True)
        print(f"Seeded in {time.perf_counter() - began:.0f} s.", flush=True)
    return url


def remove_database(kind: str, dataset: str) -> None:
    pg_name, sqlite_path = DATABASES[dataset]
    if kind == "sqlite":
        Path(sqlite_path).unlink(missing_ok=True)
    else:
        postgres_database(pg_name, drop=True)


# ---------------------------------------------------------------------------------------------
# The plan: who logs in, and which pages each one asks for


# What bench_logins() gives for each person; resolve() finds what is missing (the demo gives none).
ID_KEYS = (
    "voting_round_id",
    "ballot_format",
    "counted_round_id",
    "proposal_id",
    "proposal_round_id",
    "payout_id",
    "item_id",
    "booking_id",
)


def normalise(login: dict) -> dict:
    found = {key: login[key] for key in ("username", "role", "group_id")}
    found["totp_secret"] = login.get("totp_secret")
    for key in ID_KEYS:
        found[key] = login.get(key)
    if found["booking_id"] is not None:
        found["booking_item_id"] = login.get("item_id")
    return found


def choose_logins(logins: list[dict], clients: int) -> list[dict]:
    """A fifth staff, a fifth peer consultants, the rest members, each person once."""
    by_role: dict[str, list[dict]] = {"staff": [], "peer": [], "member": []}
    seen = set()
    for login in logins:
        if login["role"] in by_role and login["username"] not in seen:
            seen.add(login["username"])
            by_role[login["role"]].append(login)
    wanted = {"staff": max(1, clients // 5), "peer": max(1, clients // 5)}
    wanted["member"] = clients - wanted["staff"] - wanted["peer"]
    chosen = []
    for role, count in wanted.items():
        chosen += by_role[role][:count]
    spare = [login for role in by_role for login in by_role[role] if login not in chosen]
    chosen += spare[: clients - len(chosen)]
    if len(chosen) < clients:
        raise SystemExit(f"The dataset has only {len(chosen)} people to log in as.")
    return chosen[:clients]


def demo_logins() -> list[dict]:
    """The demo's members, peers and staff (with two-step log-in), groups taken in turn."""
    from sqlalchemy import select

    from pb.accounts.models import User
    from pb.extensions import db
    from pb.groups.models import Membership

    rows = db.session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(User.is_demo.is_(True), Membership.role.in_(("member", "peer", "staff")))
        .order_by(Membership.id)
    ).all()
    per_group: dict[int, list[dict]] = {}
    for membership, user in rows:
        if membership.role == "staff" and not user.has_two_factor:
            continue
        per_group.setdefault(membership.group_id, []).append(
            {
                "username": user.username,
                "role": membership.role,
                "group_id": membership.group_id,
                "totp_secret": user.totp_secret,
            }
        )
    interleaved = []
    queues = list(per_group.values())
    while any(queues):
        for queue in queues:
            if queue:
                interleaved.append(queue.pop(0))
    return interleaved


def resolve(login: dict, app) -> dict:
    """Fill in the ids the dataset did not give, from the database, as this person sees it."""
    from flask_login import login_user
    from sqlalchemy import func, select

    from pb.accounts.models import User
    from pb.extensions import db
    from pb.groups.access import group_access
    from pb.lending.models import Booking, Item
    from pb.payouts import access as payout_access
    from pb.proposals.models import BudgetRound, Proposal
    from pb.timeutil import utcnow
    from pb.voting.models import RoundResult

    user = db.session.scalar(select(User).where(User.username == login["username"]))
    group_id = login["group_id"]
    now = utcnow()
    rounds = list(
        db.session.scalars(
            select(BudgetRound)
            .where(BudgetRound.group_id == group_id)
            .order_by(BudgetRound.id.desc())
        )
    )
    if login["voting_round_id"] is None:
        voting = [r for r in rounds if r.phase_at(now) == "voting"]
        login["voting_round_id"] = voting[0].id if voting else None
    voting_round = db.session.get(BudgetRound, login["voting_round_id"] or 0)
    if voting_round is not None:
        login["ballot_format"] = voting_round.ballot_format
        login["voting_open"] = voting_round.phase_at(now) == "voting"
    if login["counted_round_id"] is None:
        login["counted_round_id"] = db.session.scalar(
            select(RoundResult.round_id)
            .join(BudgetRound, BudgetRound.id == RoundResult.round_id)
            .where(BudgetRound.group_id == group_id, RoundResult.published_at.is_not(None))
            .order_by(RoundResult.round_id.desc())
            .limit(1)
        )
    if login["proposal_id"] is None and rounds:
        # The voting round's proposal with the most comments, else any round's.
        from pb.proposals.models import Comment

        for round_ids in ([login["voting_round_id"]], [r.id for r in rounds]):
            login["proposal_id"] = db.session.scalar(
                select(Proposal.id)
                .outerjoin(Comment, Comment.proposal_id == Proposal.id)
                .where(
                    Proposal.round_id.in_(round_ids),
                    Proposal.status == "accepted",
                    Proposal.hidden_at.is_(None),
                )
                .group_by(Proposal.id)
                .order_by(func.count(Comment.id).desc(), Proposal.id)
                .limit(1)
            )
            if login["proposal_id"] is not None:
                break
    if login["proposal_id"] is not None and login["proposal_round_id"] is None:
        login["proposal_round_id"] = db.session.scalar(
            select(Proposal.round_id).where(Proposal.id == login["proposal_id"])
        )
    if login["item_id"] is None:
        login["item_id"] = db.session.scalar(
            select(Item.id)
            .where(Item.group_id == group_id, Item.status == "available")
            .order_by(Item.id)
            .limit(1)
        )
    with app.test_request_context():
        login_user(user)
        access = group_access(group_id)
        if login["payout_id"] is None:
            visible = payout_access.visible_requests(access)
            login["payout_id"] = visible[0].id if visible else None
        if login["booking_id"] is None:
            mine = select(Booking.id, Booking.item_id).join(Item, Item.id == Booking.item_id)
            mine = mine.where(Item.group_id == group_id).order_by(Booking.id.desc()).limit(1)
            own = db.session.execute(mine.where(Booking.borrower_id == user.id)).first()
            if own is None and access.can_moderate:
                own = db.session.execute(mine).first()
            if own is not None:
                login["booking_id"], login["booking_item_id"] = own
    if login["booking_id"] is not None and login.get("booking_item_id") is None:
        login["booking_item_id"] = db.session.scalar(
            select(Booking.item_id).where(Booking.id == login["booking_id"])
        )
    return login


def ballot_form(round_id: int, app) -> list[tuple[str, str]] | None:
    """A valid ballot for the round's format, as the ballot form posts it; None if there is
    none (nothing on the ballot, or nothing fits in the money)."""
    from werkzeug.datastructures import MultiDict

    from pb.extensions import db
    from pb.proposals.models import BudgetRound
    from pb.voting import forms, services

    budget_round = db.session.get(BudgetRound, round_id)
    proposals = services.ballot_proposals(budget_round)
    if not proposals:
        return None
    form = budget_round.ballot_format
    if form == "approval":
        wanted = max(1, budget_round.approval_min or 1)
        fields = [("proposal", str(p.id)) for p in proposals[:wanted]]
    elif form == "knapsack":
        cheapest = min(proposals, key=lambda p: p.ballot_cost_ore)
        fields = [("proposal", str(cheapest.id))]
    elif form == "points":
        fields = [(f"points-{proposals[0].id}", "1")]
    else:
        fields = [("rank-1", str(proposals[0].id))]
    with app.test_request_context():
        try:
            services.validate_choices(
                budget_round, forms.read_choices(budget_round, MultiDict(fields))
            )
        except services.BallotError:
            return None
    return fields


def pages_for(login: dict, ballots: dict) -> list[dict]:
    def page(name, path, *, expect=200, **extra):
        return {"name": name, "method": "GET", "path": path, "expect": expect, **extra}

    g = login["group_id"]
    role = login["role"]
    pages = [
        page("home /", "/"),
        page("group", f"/groups/{g}"),
        page("round list", f"/groups/{g}/rounds"),
    ]
    voting = login["voting_round_id"]
    if voting is not None:
        pages.append(page("round", f"/groups/{g}/rounds/{voting}"))
    if login["proposal_id"] is not None:
        pages.append(
            page(
                "proposal",
                f"/groups/{g}/rounds/{login['proposal_round_id']}/proposals/{login['proposal_id']}",
                has_form=True,
            )
        )
    # Staff are not on the voter roll; a closed round takes no ballots.
    if voting is not None and role != "staff" and login.get("voting_open"):
        ballot = f"/groups/{g}/rounds/{voting}/ballot"
        pages.append(page("ballot GET", ballot, has_form=True))
        if ballots.get(voting):
            pages.append(
                {
                    "name": "ballot POST",
                    "method": "POST",
                    "path": ballot,
                    "form": ballots[voting],
                    "expect": 303,
                }
            )
    if login["counted_round_id"] is not None:
        pages.append(page("results", f"/groups/{g}/rounds/{login['counted_round_id']}/results"))
    pages.append(page("pot", f"/groups/{g}/pot"))
    pages.append(page("payout list", f"/groups/{g}/payouts"))
    if login["payout_id"] is not None:
        pages.append(page("payout", f"/groups/{g}/payouts/{login['payout_id']}"))
    if role in ("peer", "staff"):
        pages.append(page("moderation", f"/groups/{g}/moderation"))
    if login["item_id"] is not None:
        item = f"/groups/{g}/items/{login['item_id']}"
        following = (date.today().replace(day=1) + timedelta(days=32)).strftime("%Y-%m")
        pages.append(page("item calendar", item))
        pages.append(
            page(
                "calendar part",
                f"{item}/calendar?month={following}",
                headers={"HX-Request": "true", "HX-Target": "item-calendar"},
            )
        )
    if login["booking_id"] is not None:
        item_id = login.get("booking_item_id") or login["item_id"]
        pages.append(page("booking", f"/groups/{g}/items/{item_id}/bookings/{login['booking_id']}"))
    if role == "staff":
        pages.append(page("report", f"/groups/{g}/report"))
    return pages


def dataset_summary() -> str:
    from sqlalchemy import text

    from pb.extensions import db

    counts = []
    for label, table in (
        ("groups", '"group"'),
        ("memberships", "membership"),
        ("proposals", "proposal"),
        ("comments", "proposal_comment"),
        ("ballots", "ballot"),
        ("ledger entries", "ledger_entry"),
        ("payouts", "payout_request"),
        ("items", "lending_item"),
        ("bookings", "lending_booking"),
    ):
        counts.append(f"{db.session.scalar(text(f'SELECT count(*) FROM {table}')):,} {label}")
    return ", ".join(counts)


def plan_clients(url: str, dataset: str, clients: int, secret_key: str):
    """The clients of the run (log-in and pages each), a line about the dataset, and the SQL
    statements of each page."""
    from pb import create_app
    from pb.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secret_key,
            "SESSION_COOKIE_SECURE": False,
            **BENCH_LIMITS,
        }
    )
    with app.app_context():
        if dataset == "bench":
            from pb.benchdata import bench_logins

            logins = bench_logins(clients)
        else:
            logins = demo_logins()
        chosen = [resolve(normalise(login), app) for login in choose_logins(logins, clients)]
        ballots = {}
        for login in chosen:
            voting = login["voting_round_id"]
            if voting is not None and voting not in ballots and login.get("voting_open"):
                ballots[voting] = ballot_form(voting, app)
        summary = dataset_summary()
        db.session.remove()
    password = PASSWORDS[dataset]
    plan = []
    for login in chosen:
        pages = pages_for(login, ballots)
        pages.sort(key=lambda p: PAGE_ORDER.index(p["name"]))
        plan.append(
            {
                "username": login["username"],
                "password": password,
                "role": login["role"],
                "totp_secret": login["totp_secret"],
                "pages": pages,
            }
        )
    queries = count_queries(app, plan)
    with app.app_context():
        db.engine.dispose()
    closed = sorted(
        {
            login["voting_round_id"]
            for login in chosen
            if login["voting_round_id"] is not None and not login.get("voting_open")
        }
    )
    notes = []
    if closed:
        notes.append(
            f"Voting is not open in round(s) {', '.join(map(str, closed))}, so the ballot is left"
            " out there: the dataset's voting window has passed (rebuild it with --rebuild)."
        )
    return plan, summary, queries, notes


def csrf_of(html: str) -> str | None:
    tag = re.search(r"<input\b[^>]*\bname=\"csrf_token\"[^>]*>", html)
    value = re.search(r"\bvalue=\"([^\"]*)\"", tag.group(0)) if tag else None
    return value.group(1) if value else None


def test_client_login(web, client: dict) -> None:
    """Log in through Flask's test client as the browser does, with a TOTP code for staff."""
    import pyotp

    token = csrf_of(web.get("/login").get_data(as_text=True))
    fields = {"username": client["username"], "password": client["password"], "csrf_token": token}
    answer = web.post("/login", data=fields)
    if answer.status_code not in (302, 303):
        raise SystemExit(f"{client['username']} could not log in (HTTP {answer.status_code}).")
    if "/login/code" in answer.headers.get("Location", ""):
        token = csrf_of(web.get("/login/code").get_data(as_text=True)) or token
        totp = pyotp.TOTP(client["totp_secret"])
        # As in bench/web_locust.py: this step, the next, and the one after it when it comes.
        for next_step, ahead in ((False, 0), (False, 30), (True, 30)):
            if next_step:
                time.sleep(30 - time.time() % 30 + 1)
            code = totp.at(time.time() + ahead)
            answer = web.post("/login/code", data={"code": code, "csrf_token": token})
            if answer.status_code in (302, 303):
                break
        else:
            raise SystemExit(f"{client['username']}'s TOTP code was refused.")


def count_queries(app, plan: list[dict]) -> dict[str, tuple[int, float]]:
    """For each page: the SQL statements of one request, and the median time of nine, in this
    process through Flask's test client (no HTTP, no other request at the same time), as the
    first client that has the page sees it. The first request is not counted: it may fill a
    cache of the process."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from werkzeug.datastructures import MultiDict

    statements = []

    def count(*_args) -> None:
        statements.append(1)

    found: dict[str, tuple[int, float]] = {}
    event.listen(Engine, "before_cursor_execute", count)
    try:
        for client in plan:
            todo = [page for page in client["pages"] if page["name"] not in found]
            if not todo:
                continue
            web = app.test_client()
            test_client_login(web, client)
            token = None
            for page in todo:
                headers = {"Accept-Encoding": "gzip, deflate, br", **(page.get("headers") or {})}
                times, counts = [], []
                for _attempt in range(10):
                    statements.clear()
                    began = time.perf_counter()
                    if page["method"] == "POST":
                        form = MultiDict([*map(tuple, page["form"]), ("csrf_token", token)])
                        response = web.post(page["path"], data=form, headers=headers)
                    else:
                        response = web.get(page["path"], headers=headers)
                    times.append((time.perf_counter() - began) * 1000)
                    counts.append(len(statements))
                if response.status_code == page["expect"]:
                    found[page["name"]] = (counts[-1], statistics.median(times[1:]))
                if page.get("has_form"):  # the token for a form further on, read uncompressed
                    token = csrf_of(web.get(page["path"]).get_data(as_text=True)) or token
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    return found


# ---------------------------------------------------------------------------------------------
# Figures and tables


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def figures(result: dict) -> dict[str, dict]:
    rows = {}
    for name, page in result["pages"].items():
        samples = page["samples_ms"]
        rows[name] = {
            "requests": page["requests"],
            "per_s": page["requests"] / result["window_s"],
            "errors": page["failures"],
            "p50": percentile(samples, 0.50),
            "p95": percentile(samples, 0.95),
            "p99": percentile(samples, 0.99),
            "error_messages": page["errors"],
        }
    every = [t for page in result["pages"].values() for t in page["samples_ms"]]
    total = sum(page["requests"] for page in result["pages"].values())
    rows["all pages"] = {
        "requests": total,
        "per_s": total / result["window_s"],
        "errors": sum(page["failures"] for page in result["pages"].values()),
        "p50": percentile(every, 0.50),
        "p95": percentile(every, 0.95),
        "p99": percentile(every, 0.99),
        "error_messages": {},
    }
    return rows


def verdict(name: str, row: dict, floor_p50: float) -> str:
    misses = []
    if not row["p95"] < TARGET_P95_MS:
        misses.append(f"p95≥{TARGET_P95_MS:.0f}")
    limit = TARGET_HOME_FLOOR_MULTIPLE if name == "home /" else TARGET_FLOOR_MULTIPLE
    if row["p50"] > limit * floor_p50:
        misses.append(f"p50>{limit:.0f}×floor")
    if row["errors"]:
        misses.append("errors")
    return "pass" if not misses else "MISS " + ", ".join(misses)


def print_floor(result: dict, clients: int, seconds: float) -> dict:
    row = figures(result)["floor"]
    print(f'\nFloor: a bare Flask "hello", gunicorn {WORKERS} sync workers, {clients} clients')
    print(
        f"{'':<16}{'requests':>9}{'req/s':>8}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    )
    print(
        f"{'floor':<16}{row['requests']:>9}{row['per_s']:>8.0f}{row['errors']:>7}"
        f"{row['p50']:>9.1f}{row['p95']:>9.1f}{row['p99']:>9.1f}"
    )
    print(f"  {cpu_text(result)}")
    if result["cpu"]["locust"] > 50:
        print(
            "  The clients (one locust process) used much of a core here: part of the floor's\n"
            "  latency is theirs, so the multiples below err on the generous side."
        )
    return row


def cpu_text(result: dict) -> str:
    cpu = result["cpu"]
    rest = cpu["machine"] * cpu["cores"] - cpu["server"] - cpu["locust"]
    return (
        f"CPU over the window, in % of one core: server {cpu['server']:.0f}, clients (locust)"
        f" {cpu['locust']:.0f},\n  the rest of the machine (PostgreSQL, other work) {rest:.0f};"
        f" its {cpu['cores']} cores were {cpu['machine']:.0f}% busy"
    )


def print_pages(
    title: str, result: dict, floor_p50: float, queries: dict[str, tuple[int, float]]
) -> dict[str, dict]:
    rows = figures(result)
    print(f"\n{title}")
    header = (
        f"{'page':<16}{'SQL':>4}{'alone':>7}{'requests':>9}{'req/s':>8}{'errors':>7}{'p50 ms':>9}"
        f"{'p95 ms':>9}{'p99 ms':>9}{'p50/floor':>11}  targets"
    )
    print(header)
    print("-" * (len(header) + 24))
    names = [n for n in PAGE_ORDER if n in rows] + sorted(
        n for n in rows if n not in PAGE_ORDER and n != "all pages"
    )
    for name in [*names, "all pages"]:
        row = rows[name]
        row["floor_multiple"] = row["p50"] / floor_p50
        row["verdict"] = verdict(name, row, floor_p50) if name != "all pages" else ""
        if name == "all pages":
            print("-" * (len(header) + 24))
        row["queries"], row["alone_ms"] = queries.get(name, (None, None))
        alone = "" if row["alone_ms"] is None else f"{row['alone_ms']:.1f}"
        print(
            f"{name:<16}{'' if row['queries'] is None else row['queries']:>4}{alone:>7}"
            f"{row['requests']:>9}{row['per_s']:>8.1f}{row['errors']:>7}"
            f"{row['p50']:>9.1f}{row['p95']:>9.1f}{row['p99']:>9.1f}"
            f"{row['floor_multiple']:>10.1f}×  {row['verdict']}"
        )
    for name in names:
        for message, count in rows[name]["error_messages"].items():
            print(f"  {name}: {count} × {message}")
    if result["login_failures"]:
        print(f"  Clients that could not log in: {', '.join(result['login_failures'])}")
    for name, who in sorted(result["dropped"].items()):
        print(f"  {name}: left out for {len(who)} client(s) who get 404 there ({', '.join(who)})")
    missing = [name for name in PAGE_ORDER if name not in rows]
    if missing:
        print(f"  Not measured (no client has the page in this dataset): {', '.join(missing)}")
    passed = sum(1 for name in names if rows[name]["verdict"] == "pass")
    print(f"  Targets met by {passed} of {len(names)} pages.")
    print(f"  {cpu_text(result)}")
    if result["cpu"]["locust"] > 50:
        print(
            "  The clients (one locust process) used much of a core here: part of the floor's\n"
            "  latency is theirs, so the multiples below err on the generous side."
        )
    return rows


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (20)")
    parser.add_argument("--seconds", type=float, default=60, help="measured seconds per run (60)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--dataset", choices=("bench", "demo"), default="bench")
    parser.add_argument("--rebuild", action="store_true", help="drop and seed the bench databases")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args()
    if options.clients < 3:
        parser.error("--clients must be at least 3 (a staff member, a peer and a member)")
    try:
        import locust  # noqa: F401
    except ImportError:
        raise SystemExit("locust is missing: .venv/bin/pip install -e '.[bench]'") from None
    if options.dataset == "bench" and not seed_bench_exists():
        print("`flask --app pb seed-bench` does not exist yet: using the demo dataset instead.")
        options.dataset = "demo"
    kinds = ["sqlite", "postgresql"] if options.db == "both" else [options.db]
    if "postgresql" in kinds and not postgres_reachable():
        print(f"PostgreSQL skipped: not reachable at {PG_ADMIN}.")
        kinds.remove("postgresql")
    # Ctrl+C (also when started from a shell that ignores it in the background), SIGTERM and
    # SIGHUP end the run on the way out of main(), which stops the servers and the clients.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(129))
    secret_key = secrets.token_hex(32)
    folder = Path(tempfile.mkdtemp(prefix="fellespott-bench-web-"))
    report: dict = {
        "clients": options.clients,
        "seconds": options.seconds,
        "dataset": options.dataset,
        "workers": WORKERS,
    }
    made = []
    try:
        plans = {}
        for kind in kinds:
            url = prepare_database(kind, options.dataset, options.rebuild, secret_key)
            if options.dataset == "demo":
                made.append(kind)
            plans[kind] = (url, *plan_clients(url, options.dataset, options.clients, secret_key))
        floor_env = {**os.environ}
        floor_env.pop("FLASK_DEBUG", None)
        print(f"\nFloor: {options.clients} clients × {options.seconds:.0f} s …", flush=True)
        floor_clients = [
            {"pages": [{"name": "floor", "method": "GET", "path": "/", "expect": 200}]}
            for _ in range(options.clients)
        ]
        floor_app = ["--pythonpath", str(BENCH), "floor:app"]
        with gunicorn(floor_app, floor_env, folder, "floor") as (host, pid, _log):
            floor_result = drive(host, pid, floor_clients, options.seconds, folder, "floor")
        floor = print_floor(floor_result, options.clients, options.seconds)
        report["floor"] = {**floor, "cpu": floor_result["cpu"]}
        for kind in kinds:
            url, clients, summary, queries, notes = plans[kind]
            name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[kind]
            print(f"\n{name}: {options.clients} clients × {options.seconds:.0f} s …", flush=True)
            env = app_env(url, secret_key, folder / f"outbox-{kind}")
            with gunicorn(["pb:create_app()"], env, folder, kind) as (host, pid, log):
                result = drive(host, pid, clients, options.seconds, folder, kind)
                problems = tail(log, 15)
            roles = {}
            for client in clients:
                roles[client["role"]] = roles.get(client["role"], 0) + 1
            title = (
                f"{name}, {options.dataset} dataset:\n{textwrap.fill(summary, 100)}\n"
                f"{options.clients} clients ({', '.join(f'{n} {r}' for r, n in roles.items())})"
                f" × {result['window_s']:.0f} s, gunicorn {WORKERS} sync workers;"
                f" floor p50 {floor['p50']:.1f} ms"
            )
            report[kind] = {
                "dataset": summary,
                "pages": print_pages(title, result, floor["p50"], queries),
                "cpu": result["cpu"],
                "login_failures": result["login_failures"],
                "dropped": result["dropped"],
            }
            for note in notes:
                print(f"  {note}")
            if problems.strip() and problems != "(no log)":
                print(f"  gunicorn's log ({log.name}), last lines:\n{problems}")
        print(
            "\nSQL: the statements of one request; alone: the ms of one request in-process\n"
            "(Flask's test client, one request at a time, no HTTP; median of 9). Both as the\n"
            "first client with the page sees it."
        )
        print(
            f"Targets (issue 15): p95 under {TARGET_P95_MS:.0f} ms and no errors; p50 within"
            f" {TARGET_FLOOR_MULTIPLE:.0f}× the floor's, `/` within"
            f" {TARGET_HOME_FLOOR_MULTIPLE:.0f}×."
        )
        if options.json:
            options.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    except KeyboardInterrupt:
        print("\nStopped.")
        raise SystemExit(130) from None
    finally:
        stop_all()
        for kind in made:
            with suppress(Exception):
                remove_database(kind, options.dataset)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
