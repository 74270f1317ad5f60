"""The change feed (core/feed.py) over the leak walk's desk
(tests/test_access_leaks.py: users of every sight, private pipelines,
tickets moved and deleted): each user gets exactly what they may see
(U2, P6), and a rights change removes what went out of sight (U3)."""

from __future__ import annotations

from core_fixtures import ADMIN
from test_access_leaks import USERS, build

from core import Desk
from core.feed import ChangeLog


def test_u2_p6_through_the_feed_each_user_gets_exactly_what_they_may_see(desk: Desk) -> None:
    """Every user of the leak walk's desk, resuming from before it was
    built: the tickets are exactly those the desk shows them, the same as
    a reset, and no removals (a ticket made and deleted since is never
    named)."""
    log = ChangeLog(desk)
    start = desk.state.seq
    world = build(desk)
    for user in USERS:
        actor = world.actors[user]
        shown = world.keys(t.id for t in desk.tickets(actor))
        answer = log.since(start, actor)
        assert not answer.reset
        assert world.keys(t.id for t in answer.tickets) == shown, user
        assert world.keys(t.id for t in log.since(None, actor).tickets) == shown, user
        # Nothing the client held before was touched: no removal at all,
        # not even of D_GONE, made and deleted since.
        assert answer.removed == [], user


def test_u3_through_the_feed_a_team_taken_off_a_pipeline_loses_its_tickets(desk: Desk) -> None:
    world = build(desk)
    log = ChangeLog(desk)
    bob = world.actors["bob"]
    before = log.since(None, bob)
    billing = {t.id for t in before.tickets if t.pipeline == world.pipelines["billing"]}
    assert billing
    desk.set_pipeline_access(world.pipelines["billing"], ADMIN, view=["user:berit"], edit=None)
    after = log.since(before.seq, bob, before.settings)
    assert set(after.removed) == billing and after.tickets == [] and after.settings_changed
