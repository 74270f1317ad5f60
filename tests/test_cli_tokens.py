"""`pipedesk token create | list | revoke` (issue 15 item 3): the secret
once, on stdout alone; the list never shows it; bad input exits 1 saying
what is wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core import open_desk


def test_a_token_made_on_the_command_line_acts_as_its_user(run: Any, home: Path) -> None:
    made = run("token", "create", "--user", "admin", "--name", "Nightly export")
    assert made.code == 0, made.err
    secret = made.out.strip()
    assert secret.startswith("pd_") and "\n" not in secret  # stdout: the secret alone
    assert "cannot show it again" in made.err
    assert open_desk(home).token_actor(secret).id == "admin"
    listed = run("token", "list")
    assert "t1" in listed.out and "Nightly export" in listed.out and secret not in listed.out
    shown = json.loads(run("token", "list", "--json").out)
    assert shown[0]["id"] == "t1" and shown[0]["revoked"] is None
    assert "hash" not in shown[0] and "token" not in shown[0]


def test_a_revoked_token_is_said_revoked_in_the_list(run: Any, home: Path) -> None:
    run("token", "create", "--user", "admin")
    done = run("token", "revoke", "t1")
    assert done.code == 0 and "Revoked token t1" in done.out
    assert json.loads(run("token", "list", "--json").out)[0]["revoked"] is not None


def test_bad_input_exits_1_saying_what(run: Any, home: Path) -> None:
    unknown_user = run("token", "create", "--user", "olga")
    assert unknown_user.code == 1 and "No user 'olga'" in unknown_user.err
    unknown_id = run("token", "revoke", "t7")
    assert unknown_id.code == 1 and "No token 't7'" in unknown_id.err
    assert "Traceback" not in unknown_user.err + unknown_id.err
    assert run("token", "list").out.strip() == "(none)"
