"""The clients of bench/web.py: locust, run as a library in a process of its own.

    .venv/bin/python bench/web_locust.py PLAN.json RESULT.json

bench/web.py writes the plan and reads the result; run on its own this file only helps to debug a
plan. The plan names the server, the number of clients, the seconds to measure, and for each
client its log-in (none for the floor) and its pages, each a method, a path, the status it must
answer with, and for a form the fields to send (the CSRF token is read from the last page that
had one).

Each client is a locust FastHttpUser that logs in (with a TOTP code for staff), then asks each of
its pages once, untimed: a page this person may not see (404) is dropped and reported, anything
else stays in. When every client is ready, the statistics start from zero and the clients walk
their pages in a loop, without pauses, for the planned seconds. The result has, per page, locust's
request and failure counts and every response time (for exact percentiles), the failures by
message, and how busy the server, locust's own process and the machine were over the measured
window.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import sys
import time
from collections import Counter, defaultdict
from urllib.parse import urlencode

import gevent
import psutil
import pyotp
from gevent.event import Event

# locust monkey-patches the standard library for gevent when it is imported.
from locust import FastHttpUser, constant, events, task
from locust.env import Environment
from locust.exception import StopUser
from locust.log import setup_logging

CSRF_INPUT = re.compile(r"<input\b[^>]*\bname=\"csrf_token\"[^>]*>")
VALUE = re.compile(r"\bvalue=\"([^\"]*)\"")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
READY_TIMEOUT_S = 300


class Shared:
    """What the clients of one run share: the plan, the start signal and the figures."""

    def __init__(self, plan: dict):
        self.plan = plan
        self.next_client = 0
        self.arrived = 0
        self.ready = Event()
        self.measuring = False
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.failures: dict[str, Counter] = defaultdict(Counter)
        self.login_failures: list[str] = []
        self.dropped: dict[str, list[str]] = defaultdict(list)

    def take_client(self) -> dict:
        client = self.plan["clients"][self.next_client % len(self.plan["clients"])]
        self.next_client += 1
        return client

    def arrive(self) -> None:
        self.arrived += 1
        if self.arrived >= self.plan["users"]:
            self.ready.set()


SHARED: Shared


class LoginFailed(Exception):
    pass


def csrf_token(html: str) -> str | None:
    tag = CSRF_INPUT.search(html)
    value = VALUE.search(tag.group(0)) if tag else None
    return value.group(1) if value else None


class BenchClient(FastHttpUser):
    wait_time = constant(0)
    # Plenty: under load a request waits in the server's queue, and a timeout is an error.
    network_timeout = 60.0
    connection_timeout = 60.0

    def on_start(self) -> None:
        self.me = SHARED.take_client()
        self.csrf: str | None = None
        self.pages: list[dict] = []
        try:
            if self.me.get("username"):
                self.log_in()
            self.pages = self.warm_up(self.me["pages"])
        except LoginFailed as error:
            SHARED.login_failures.append(f"{self.me['username']}: {error}")
        except Exception as error:  # a client that can't start is reported, not fatal
            SHARED.login_failures.append(f"{self.me.get('username')}: {error!r}")
            self.pages = []
        finally:
            SHARED.arrive()
        if not self.pages:
            raise StopUser()
        # Each client starts its loop at its own place, so that the pages mix on the server.
        self.position = random.randrange(len(self.pages))

    def _form_post(self, path: str, fields: list, name: str):
        body = urlencode([*fields, ("csrf_token", self.csrf or "")])
        return self.client.post(path, data=body, headers=FORM, name=name, allow_redirects=False)

    def log_in(self) -> None:
        page = self.client.get("/login", name="(log-in)", allow_redirects=False)
        self.csrf = csrf_token(page.text or "")
        fields = [("username", self.me["username"]), ("password", self.me["password"])]
        answer = self._form_post("/login", fields, "(log-in)")
        if answer.status_code not in (302, 303):
            raise LoginFailed(f"password refused (HTTP {answer.status_code})")
        if "/login/code" in (answer.headers.get("Location") or ""):
            secret = self.me.get("totp_secret")
            if not secret:
                raise LoginFailed("a second factor is asked, and the plan has no TOTP secret")
            page = self.client.get("/login/code", name="(log-in)", allow_redirects=False)
            self.csrf = csrf_token(page.text or "") or self.csrf
            totp = pyotp.TOTP(secret)
            # Each 30-second code works once per person, and the app takes the code of the step
            # before and after the current one too. A log-in just before (the bench's query
            # count, or an earlier run) may have used this step and the next; then the step
            # after the next is tried once it is within reach.
            for next_step, ahead in ((False, 0), (False, 30), (True, 30)):
                if next_step:
                    gevent.sleep(30 - time.time() % 30 + 1)
                code = totp.at(time.time() + ahead)
                answer = self._form_post("/login/code", [("code", code)], "(log-in)")
                if answer.status_code in (302, 303):
                    break
            else:
                raise LoginFailed(f"TOTP code refused (HTTP {answer.status_code})")

    def warm_up(self, pages: list[dict]) -> list[dict]:
        """Each page once, not timed. Pages this person can't see (404) are left out."""
        kept = []
        for page in pages:
            status = self.fetch(page, name="(warm-up)")
            if status == 404 and page["method"] == "GET":
                SHARED.dropped[page["name"]].append(self.me.get("username") or "")
            else:
                kept.append(page)
        return kept

    def fetch(self, page: dict, name: str | None = None) -> int:
        options = {
            "name": name or page["name"],
            "allow_redirects": False,
            "catch_response": True,
            "headers": dict(page.get("headers") or {}),
        }
        if page["method"] == "POST":
            fields = [(key, value) for key, value in page["form"]]
            body = urlencode([*fields, ("csrf_token", self.csrf or "")])
            options["headers"].update(FORM)
            request = self.client.post(page["path"], data=body, **options)
        else:
            request = self.client.get(page["path"], **options)
        with request as response:
            status = response.status_code
            if status != page["expect"]:
                where = response.headers.get("Location") if response.headers else None
                response.failure(f"HTTP {status}" + (f" to {where}" if where else ""))
            else:
                response.success()
                if page.get("has_form"):
                    self.csrf = csrf_token(response.text or "") or self.csrf
        return status

    @task
    def walk(self) -> None:
        page = self.pages[self.position % len(self.pages)]
        self.position += 1
        self.fetch(page)


@events.request.add_listener
def _record(name, response_time, exception, **_kwargs) -> None:
    if SHARED.measuring:
        SHARED.samples[name].append(response_time)
        if exception is not None:
            SHARED.failures[name][str(exception)[:120]] += 1


def cpu_seconds() -> dict[str, float]:
    """CPU seconds so far: of this process, of the server (gunicorn and its workers), and of
    the whole machine (busy and all, from /proc/stat)."""
    times = os.times()
    found = {"locust": times.user + times.system, "server": 0.0}
    try:
        server = psutil.Process(SHARED.plan["server_pid"])
        for process in [server, *server.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                cpu = process.cpu_times()
                found["server"] += cpu.user + cpu.system
    except (KeyError, TypeError, psutil.Error):
        pass
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    found["machine_all"] = sum(fields[:8]) / ticks
    found["machine_idle"] = (fields[3] + fields[4]) / ticks
    return found


def cpu_use(before: dict, after: dict, window: float) -> dict[str, float]:
    """Percent of one core over the window; the machine's as the percent of all its cores."""
    busy = (after["machine_all"] - after["machine_idle"]) - (
        before["machine_all"] - before["machine_idle"]
    )
    return {
        "locust": 100 * (after["locust"] - before["locust"]) / window,
        "server": 100 * (after["server"] - before["server"]) / window,
        "machine": 100 * busy / max(after["machine_all"] - before["machine_all"], 1e-9),
        "cores": os.cpu_count() or 1,
    }


def run(plan: dict) -> dict:
    global SHARED
    SHARED = Shared(plan)
    BenchClient.host = plan["host"]
    environment = Environment(user_classes=[BenchClient], events=events)
    runner = environment.create_local_runner()
    runner.start(plan["users"], spawn_rate=plan["users"])
    if not SHARED.ready.wait(timeout=READY_TIMEOUT_S):
        runner.quit()
        raise SystemExit(f"Only {SHARED.arrived} of {plan['users']} clients got ready.")
    environment.stats.reset_all()
    SHARED.measuring = True
    started, cpu_started = time.perf_counter(), cpu_seconds()
    gevent.sleep(plan["seconds"])
    # Locust's counts are read in the same step as the recording stops (no greenlet runs in
    # between), so they cover the same requests as the response times.
    SHARED.measuring = False
    window = time.perf_counter() - started
    pages = {}
    for (name, _method), entry in environment.stats.entries.items():
        if name.startswith("("):
            continue
        pages[name] = {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "samples_ms": list(SHARED.samples.get(name, [])),
            "errors": dict(SHARED.failures.get(name, {})),
        }
    cpu = cpu_use(cpu_started, cpu_seconds(), window)
    runner.quit()
    return {
        "window_s": window,
        "clients_ready": SHARED.arrived - len(SHARED.login_failures),
        "login_failures": SHARED.login_failures,
        "dropped": dict(SHARED.dropped),
        "cpu": cpu,
        "pages": pages,
    }


def main() -> None:
    plan_path, result_path = sys.argv[1:3]
    # Not locust's warning about its own CPU: bench/web.py prints what the clients used.
    setup_logging("ERROR")
    with open(plan_path, encoding="utf-8") as plan_file:
        plan = json.load(plan_file)
    result = run(plan)
    with open(result_path, "w", encoding="utf-8") as result_file:
        json.dump(result, result_file)


if __name__ == "__main__":
    main()
