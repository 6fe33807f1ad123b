"""Time to the first audio byte of Listen for a 600-character page part, cold and cached.

Serves the app over real HTTP (werkzeug, one process) on a scratch SQLite database with one
proposal of 600 characters, logs a member in, and asks `/speech` for the proposal's text:

- cold: the audio is not kept yet (the speech folder is emptied before each request), so the
  request renders the page for the member, runs espeak-ng and ffmpeg, and sends the MP3;
- cached: the same request again, served from the kept file.

The first byte is the first byte of the body, read by the client. Prints the median, min and max
of each over --runs requests, the audio's size and length, and the ratio.

    .venv/bin/python bench/speech.py [--runs 9]
"""

import argparse
import http.client
import logging
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TEXT = (
    "Vi vil kjøpe to brukte kajakker med padler og redningsvester, slik at alle i gruppa kan "
    "padle på Nidelva om sommeren. Kajakkene kan lånes ut til familier i helgene, og vi lager "
    "en liste over hvem som har dem. En av de voksne i gruppa har kurs i padling og kan lære "
    "de yngste. Vi har spurt en butikk på Lade, og de selger to kajakker for til sammen "
    "elleve tusen kroner. Redningsvestene koster fire hundre kroner hver, og vi trenger seks. "
    "Resten av pengene går til en tilhenger som vi deler med sykkelgruppa. Alle som stemmer "
    "for dette, kan være med på den første turen i juni. Vi gleder oss til turen."
)


def build(folder: Path):
    from flask_migrate import upgrade

    from pb import create_app
    from pb.extensions import db

    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-" + "x" * 40,
            "SESSION_COOKIE_SECURE": False,
            "SPEECH_CACHE_FOLDER": str(folder / "speech"),
            "SPEECH_RATE_LIMIT": "100000 per minute",
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
        }
    )
    with app.app_context():
        upgrade(revision="heads")
        from tests.factories import PASSWORD, build_world
        from tests.proposals_factories import make_proposal, make_round, urls

        world = build_world()
        proposal = make_proposal(make_round(world), world.member_a, description=TEXT)
        page = urls(proposal)["page"]
        username = world.member_a.username
        db.session.remove()
    return app, page, username, PASSWORD


def serve(app):
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def log_in(port: int, username: str, password: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", "/login")
    response = connection.getresponse()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.read().decode()).group(1)
    body = urlencode({"username": username, "password": password, "csrf_token": token})
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    connection.request("POST", "/login", body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    assert response.status == 303, response.status
    return response.getheader("Set-Cookie").split(";")[0]


def first_byte(port: int, path: str, cookie: str) -> tuple[float, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    began = time.perf_counter()
    connection.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "nb"})
    response = connection.getresponse()
    first = response.read(1)
    elapsed = (time.perf_counter() - began) * 1000
    assert response.status == 200 and first, response.status
    body = first + response.read()
    connection.close()
    return elapsed, body


def duration_of(audio: bytes, folder: Path) -> float:
    path = folder / "probe.mp3"
    path.write_bytes(audio)
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
        capture_output=True,
        check=True,
    ).stdout
    return float(out.decode().strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    folder = Path(tempfile.mkdtemp(prefix="fellespott-speech-bench-"))
    try:
        app, page, username, password = build(folder)
        server = serve(app)
        port = server.server_port
        cookie = log_in(port, username, password)
        path = "/speech?" + urlencode({"page": page, "part": "proposal-body"})
        first_byte(port, path, cookie)  # warm the process: imports, templates
        cold, cached = [], []
        for _ in range(runs):
            shutil.rmtree(folder / "speech", ignore_errors=True)
            elapsed, audio = first_byte(port, path, cookie)
            cold.append(elapsed)
            cached.append(first_byte(port, path, cookie)[0])
        server.shutdown()
        seconds = duration_of(audio, folder)
        print(f"Listen: time to the first audio byte, {len(TEXT)} characters, nb, {runs} runs")
        print(f"audio: {len(audio) / 1024:.0f} kB MP3, {seconds:.1f} s of speech")
        print(f"{'':8s} {'median ms':>10s} {'min ms':>8s} {'max ms':>8s}")
        for name, values in (("cold", cold), ("cached", cached)):
            print(
                f"{name:8s} {statistics.median(values):10.1f} {min(values):8.1f} {max(values):8.1f}"
            )
        print(f"cold / cached: {statistics.median(cold) / statistics.median(cached):.1f}x")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
