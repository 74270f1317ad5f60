"""API tokens (issue 15 item 3; U1, U3): an administrator makes one for a
user, the secret is shown once and never kept, a request with it acts as
that user, and a revoked token or a deactivated user acts as nobody."""

from __future__ import annotations

import pytest
from core_fixtures import ADMIN, add_agent, refusal, reopen, stored

from core import Actor, Desk
from core.errors import Forbidden, NotFound, Unauthorized


def test_a_token_acts_as_its_user_and_only_its_digest_is_kept(desk: Desk) -> None:
    add_agent(desk)
    token, secret = desk.create_token("ingrid", ADMIN, name="Zapier")
    assert secret.startswith("pd_") and len(secret) > 40
    assert (token.id, token.user, token.name, token.revoked) == ("t1", "ingrid", "Zapier", None)
    assert desk.token_actor(secret) == Actor.user("ingrid")
    assert secret not in repr(stored(desk))  # not in desk.toml, nor in any store
    later = reopen(desk)  # another process: the same token works there
    assert later.token_actor(secret) == Actor.user("ingrid")
    assert [t.id for t in later.api_tokens(ADMIN)] == ["t1"]


def test_two_tokens_have_different_secrets_and_ids(desk: Desk) -> None:
    first = desk.create_token("admin", ADMIN)
    second = desk.create_token("admin", ADMIN)
    assert first[1] != second[1] and first[0].id != second[0].id


def test_u3_a_revoked_token_acts_as_nobody_from_the_next_request_on(desk: Desk) -> None:
    add_agent(desk)
    token, secret = desk.create_token("ingrid", ADMIN)
    other = reopen(desk)
    assert other.token_actor(secret) == Actor.user("ingrid")
    desk.revoke_token(token.id, ADMIN)
    other.refresh()
    with pytest.raises(Unauthorized, match="revoked"):
        other.token_actor(secret)
    assert desk.api_tokens(ADMIN)[0].revoked is not None


def test_u1_a_deactivated_users_token_acts_as_nobody(desk: Desk) -> None:
    add_agent(desk)
    _token, secret = desk.create_token("ingrid", ADMIN)
    desk.deactivate_user("ingrid", ADMIN)
    with pytest.raises(Unauthorized, match="deactivated"):
        desk.token_actor(secret)
    with refusal("deactivated", "Activate the user first"):
        desk.create_token("ingrid", ADMIN)


@pytest.mark.parametrize("secret", ["", "pd_nope", "x" * 10_000, "\x1b[31m\u202e"])
def test_an_unknown_token_is_refused_saying_whom_to_ask(desk: Desk, secret: str) -> None:
    with pytest.raises(Unauthorized) as info:
        desk.token_actor(secret)
    assert "not one of this desk's" in info.value.message
    assert "administrator" in info.value.message


def test_u1_only_administrators_make_see_or_revoke_tokens(desk: Desk) -> None:
    add_agent(desk)
    token, _ = desk.create_token("admin", ADMIN)
    before = stored(desk)
    agent = Actor.user("ingrid")
    with pytest.raises(Forbidden, match="Only administrators may make API tokens"):
        desk.create_token("ingrid", agent)
    with pytest.raises(Forbidden, match="Only administrators may see API tokens"):
        desk.api_tokens(agent)
    with pytest.raises(Forbidden, match="Only administrators may revoke API tokens"):
        desk.revoke_token(token.id, agent)
    assert stored(desk) == before


def test_unknown_users_and_token_ids_are_refused_and_nothing_is_written(desk: Desk) -> None:
    before = stored(desk)
    with pytest.raises(NotFound, match="No user 'olga'"):
        desk.create_token("olga", ADMIN)
    with pytest.raises(NotFound, match=r"No token 't9'\. Tokens: none yet\."):
        desk.revoke_token("t9", ADMIN)
    with refusal("A token's name"):
        desk.create_token("admin", ADMIN, name="Zap\x1b[2Jier")
    assert stored(desk) == before
