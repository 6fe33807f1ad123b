"""Argon2id password hashing, with the cost taken from the app's settings."""

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

PASSWORD_MIN = 8
# Argon2 accepts any length, but a megabyte "password" is a cheap way to burn our CPU.
PASSWORD_MAX = 128

# Passwords that are guessed first. Not a full list: length and variety do most of the work.
COMMON_PASSWORDS = frozenset(
    [
        "password",
        "passord",
        "password1",
        "passord1",
        "12345678",
        "123456789",
        "1234567890",
        "qwertyui",
        "qwerty123",
        "asdfghjk",
        "iloveyou",
        "fellespott",
        "abcdefgh",
        "abcd1234",
        "11111111",
        "00000000",
        "87654321",
        "sommer2026",
        "football",
        "fotball",
        "letmein1",
        "welcome1",
        "velkommen",
    ]
)


def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=current_app.config["ARGON2_TIME_COST"],
        memory_cost=current_app.config["ARGON2_MEMORY_COST"],
    )


def dummy_hash() -> str:
    """A hash of nothing anyone knows, made once per cost setting, to verify unknown usernames
    against: a log-in for a name that does not exist then takes as long as one that does."""
    key = (current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_COST"])
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = _hasher().hash(secrets.token_hex(16))
    return _DUMMY_HASHES[key]


_DUMMY_HASHES: dict[tuple[int, int], str] = {}


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if len(password) > PASSWORD_MAX:
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is not good enough, as a code the form turns into a message."""
    if len(password) > PASSWORD_MAX:
        return "too_long"
    if len(password) < PASSWORD_MIN:
        return "too_short"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        return "too_common"
    if username and len(username) >= 3 and username.lower() in lowered:
        return "contains_username"
    return None
