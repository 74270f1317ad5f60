"""API tokens (issue 15): made for a user, revoked, never shown again.

The secret is 32 random bytes, given once to the administrator who made
it; the settings keep its sha256 only. A random secret of that length
needs no slow hash (nobody guesses 256 bits), so checking a token is one
digest and one dict lookup (`core.access.token_actor`).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from core.errors import DeskError, NotFound
from core.model import ApiToken, DeskConfig
from core.settings.people import find_user_ref
from core.text import check_line

PREFIX = "pd_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(config: DeskConfig, user_ref: str, name: str, now: datetime
                 ) -> tuple[ApiToken, str]:
    """A new token for an active user, and its secret."""
    user = find_user_ref(config, user_ref)
    if not user.active:
        raise DeskError(f"The user {user.name} ({user.id}) is deactivated; a token for them "
                        "would act as nobody. Activate the user first.")
    name = check_line(" ".join(name.split()), "A token's name")
    if len(name) > 200:
        raise DeskError("A token's name holds at most 200 characters.")
    taken = {t.id for t in config.tokens}
    n = len(config.tokens) + 1
    while f"t{n}" in taken:
        n += 1
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(id=f"t{n}", user=user.id, name=name, hash=digest(secret), created=now)
    config.tokens.append(token)
    return token, secret


def find_token(config: DeskConfig, token_id: str) -> ApiToken:
    found = next((t for t in config.tokens if t.id == token_id.strip()), None)
    if found is None:
        known = ", ".join(t.id for t in config.tokens) or "none yet"
        raise NotFound(f"No token {token_id.strip()!r}. Tokens: {known}.")
    return found


def revoke_token(config: DeskConfig, token_id: str, now: datetime) -> ApiToken:
    token = find_token(config, token_id)
    if token.revoked is None:
        token.revoked = now
    return token
