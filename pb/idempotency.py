"""Idempotency keys: a form sent twice acts once.

A key from a form is chosen by the client, so it is never stored as sent. It is scoped to the
person and to the action on one thing ("pay payout 12"), then hashed. The same form sent twice
finds the first result; the same key in another action, by another person, or on another payout
is simply a different key. Keys the server makes itself (a plan's monthly payment) live in a
scope of their own that no form can reach, so nothing a client sends can collide with them.
"""

import hashlib


def _digest(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()


def client_key(actor, action: str, key: str | None) -> str | None:
    """The stored form of a form's key, for `actor` doing `action` (e.g. "pay:payout-12")."""
    if not key:
        return None
    return _digest(f"client\x1f{actor.id}\x1f{action}\x1f{key}")


def server_key(action: str) -> str:
    """A key the server makes for its own work (e.g. "installment:plan-3:2026-12-20")."""
    return _digest(f"server\x1f{action}")
