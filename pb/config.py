"""Settings from the environment. Nothing secret has a production default."""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class ConfigurationError(RuntimeError):
    """Raised at start-up when production settings are unsafe."""


def load_config(overrides: dict | None = None) -> dict:
    overrides = overrides or {}
    debug = overrides.get("DEBUG", env_flag("FLASK_DEBUG"))
    testing = overrides.get("TESTING", False)
    config = {
        "DEBUG": debug,
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE / 'fellespott.sqlite3'}"
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # A phone left on a shared table should not stay logged in for ever.
        "PERMANENT_SESSION_LIFETIME": 7 * 24 * 3600,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env_flag("SESSION_COOKIE_SECURE", default=True),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_I18N_ENABLED": False,
        "BABEL_DEFAULT_LOCALE": "nb",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Oslo",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Keeps two deployments (or test runs) on one Redis apart.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "fellespott"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;40 per hour"),
        # Look-ups that tell whether a username or an invite code exists.
        "LOOKUP_RATE_LIMIT": os.environ.get("LOOKUP_RATE_LIMIT", "30 per minute;300 per hour"),
        # A member's reports of a wrong word in a translation.
        "WORD_REPORT_RATE_LIMIT": os.environ.get("WORD_REPORT_RATE_LIMIT", "5 per hour;20 per day"),
        # Argon2id cost; tests lower it, production keeps the library's defaults.
        "ARGON2_TIME_COST": int(os.environ.get("ARGON2_TIME_COST", 3)),
        "ARGON2_MEMORY_COST": int(os.environ.get("ARGON2_MEMORY_COST", 65536)),
        "INVITE_DAYS_VALID": 14,
        "RESET_CODE_HOURS_VALID": 24,
        "TRUST_PROXY_HEADERS": env_flag("TRUST_PROXY_HEADERS"),
        # Re-encoded proposal photos; served only through a view that checks group access.
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(INSTANCE / "uploads")),
        # A request body above this is refused before it is read. A photo may be 5 MB; a larger
        # one (phones take up to about 15 MB) still reaches the form, which refuses it beside
        # the field and keeps everything else that was typed.
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        # Server speech (pb/speech): the audio of each text, kept by a hash of text and language.
        "SPEECH_CACHE_FOLDER": os.environ.get("SPEECH_CACHE_FOLDER", str(INSTANCE / "speech")),
        # Per person (or per address, before log-in). Listen asks twice for a part's first
        # piece (once to learn how many pieces there are), so a page of five pieces is six.
        "SPEECH_RATE_LIMIT": os.environ.get("SPEECH_RATE_LIMIT", "30 per minute;300 per hour"),
        # Where links in emails lead: the address people open the app at.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        # Email: "smtp", or "file" (the default without SMTP_HOST): a local mailbox folder.
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Fellespott <fellespott@localhost>"),
        "SMTP_HOST": os.environ.get("SMTP_HOST"),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", 587)),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME"),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD"),
        "SMTP_STARTTLS": env_flag("SMTP_STARTTLS", default=True),
        "SMTP_SSL": env_flag("SMTP_SSL"),
        "SMTP_TIMEOUT": float(os.environ.get("SMTP_TIMEOUT", 10)),
        # SMS: "file" (the default), or a provider class as "package.module:ClassName".
        "SMS_BACKEND": os.environ.get("SMS_BACKEND"),
        # Signs what the SMS provider posts to /sms/inbound; without it, the route is off.
        "SMS_WEBHOOK_SECRET": os.environ.get("SMS_WEBHOOK_SECRET"),
        "SMS_CODE_HOURS_VALID": int(os.environ.get("SMS_CODE_HOURS_VALID", 48)),
        # The file backends' folder: mail/ and sms/ inside it.
        "OUTBOX_FOLDER": os.environ.get("OUTBOX_FOLDER", str(INSTANCE / "outbox")),
        # With Redis, email and SMS go through an RQ queue (`flask --app pb worker`); without
        # it, the app sends them itself after each commit, and `tick` sends what is due.
        "REDIS_URL": os.environ.get("REDIS_URL"),
        "NOTIFY_QUEUE": os.environ.get("NOTIFY_QUEUE", "fellespott-notifications"),
        # Counting a large round (seconds of work) goes to the same worker, off the request.
        "COUNT_QUEUE": os.environ.get("COUNT_QUEUE", "fellespott-counting"),
        # A failed delivery is tried this many times in all, waiting these many seconds between
        # tries, and is then put on the dead-letter list that staff see.
        "DELIVERY_MAX_ATTEMPTS": int(os.environ.get("DELIVERY_MAX_ATTEMPTS", 5)),
        "DELIVERY_BACKOFF_SECONDS": [
            int(s)
            for s in os.environ.get("DELIVERY_BACKOFF_SECONDS", "60,300,1800,7200").split(",")
        ],
        # A sender that stopped mid-send (a killed worker) leaves its claim; after this long the
        # tick hands the delivery to another sender.
        "DELIVERY_LEASE_SECONDS": int(os.environ.get("DELIVERY_LEASE_SECONDS", 600)),
        # Logs: one JSON object per line with the request's id in production; Flask's own
        # lines in debug mode and the tests. LOG_REQUESTS adds a line for every request.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "plain" if debug or testing else "json"),
    }
    config.update(overrides)
    config.setdefault(
        "LOG_REQUESTS", env_flag("LOG_REQUESTS", default=config["LOG_FORMAT"] == "json")
    )
    if not config["SECRET_KEY"]:
        if not (config["DEBUG"] or testing):
            raise ConfigurationError(
                "SECRET_KEY is not set. Set it to a long random value before running in "
                "production (python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        config["SECRET_KEY"] = secrets.token_hex(32)
    return config
