"""Who is acting on a local desk (U1; docs/people.md).

Several agents may SSH into one host and open one data dir, each under
their own operating-system account. The acting user is:

1. the user named by `user = "..."` in the person's own config
   (core/user_config.py), if that user has no login or has this login;
2. else the user whose `login` is this account's;
3. else, on a desk where no user has a login yet (a desk made before
   logins, or desk.toml written by hand), the first active administrator:
   such a desk has only ever been one person's.

Anyone else is refused with whom to ask. A new desk makes the account that
creates it its administrator (`core.local.open_desk`).

The login is the account the process runs as (its uid), not $USER or
$LOGNAME, which anyone can set. This keeps agents on one host apart in
the screens and commands; it is no wall against someone who can write the
data dir's files (docs/people.md says what it protects and what not).
"""

from __future__ import annotations

import os

from core.access import Actor, administrators, find_user
from core.errors import DeskError
from core.model import DeskConfig, User


def current_login() -> str:
    """The operating-system account this process runs as."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        # No password database entry (a container's bare uid), or no pwd
        # module at all: the name the environment gives, as getpass has it.
        import getpass

        return getpass.getuser()


class UnknownLogin(DeskError):
    """The account is not a user of the desk, or the user is deactivated."""


def find_person(config: DeskConfig, ref: str) -> User | None:
    """A user named by id, login or email (any case for the last two)."""
    wanted = ref.strip()
    found = find_user(config, wanted)
    if found is not None:
        return found
    folded = wanted.casefold()
    return next((u for u in config.users
                 if folded and folded in (u.login.casefold(), u.email.casefold())), None)


def acting_user(config: DeskConfig, login: str, named: str | None = None,
                place: str = "this desk") -> Actor:
    """The actor for `login` (and the user the person's config names),
    by the rule above; `UnknownLogin` says why not and whom to ask."""
    ask = f"ask an administrator ({administrators(config)})"
    if named:
        user = find_person(config, named)
        if user is None:
            raise UnknownLogin(f"Your config names the user {named!r}, which {place} does "
                               f"not have; {ask} to add you, or change `user` in your config.")
        if user.login and user.login != login:
            raise UnknownLogin(f"Your config names the user {user.name} ({user.id}), who "
                               f"works under the login {user.login!r}, not {login!r}; "
                               f"{ask}, or change `user` in your config.")
    else:
        user = next((u for u in config.users if u.login and u.login == login), None)
        if user is None and not any(u.login for u in config.users):
            user = next((u for u in config.users
                         if u.role == "administrator" and u.active), None)
        if user is None:
            raise UnknownLogin(f"The login {login!r} is not a user of {place}; {ask} to add "
                               f"you: pipedesk user add EMAIL --name NAME --login {login}")
    if not user.active:
        raise UnknownLogin(f"The user {user.name} ({user.id}) is deactivated on {place}; "
                           f"{ask} to activate the user again.")
    return Actor.user(user.id)
