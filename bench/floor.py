"""The floor of bench/web.py: a bare Flask "hello", served by the same gunicorn set-up as the app.

    .venv/bin/python -m gunicorn --workers 2 --pythonpath bench floor:app

What is left of a page's time once the app's own work is taken out: gunicorn, a WSGI call, a
Flask request, and the clients. A page's p50 divided by this one's says how much the app adds.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
