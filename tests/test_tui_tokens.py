"""API tokens on the settings screens (issue 15 item 3: "also on the
settings screen"): users and teams → `a`. Snapshots in
snapshots/test_tui_tokens/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_tui_people import INGRID, SIZE, people_desk, screen_text, settle
from textual.command import CommandPalette

from core import LOCAL_ADMIN as A
from core.errors import Unauthorized
from tui.app import PipedeskApp
from tui.screens.dialogs import ConfirmDialog, MessageDialog
from tui.screens.people import PeopleScreen
from tui.screens.tokens import TokensScreen


@pytest.mark.anyio
async def test_u1_an_administrator_makes_a_token_sees_its_secret_once_and_revokes_it(
        tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    async with PipedeskApp(desk, A).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("U", "a")
        await settle(pilot)
        assert isinstance(pilot.app.screen, TokensScreen)
        assert "No tokens yet: n makes one." in screen_text(pilot.app)
        await pilot.press("n", *"ingrid CI script", "enter")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, MessageDialog)
        text = screen_text(pilot.app)
        [secret] = [word for line in text.splitlines() for word in line.split()
                    if word.startswith("pd_")]
        assert desk.token_actor(secret) == INGRID  # the secret shown is the one that works
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(pilot.app)
        assert "t1" in text and "Ingrid" in text and "CI script" in text and "active" in text
        assert secret not in text  # shown once, in the dialog only
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert "revoked 2026-11-23" in screen_text(pilot.app)
        with pytest.raises(Unauthorized):
            desk.token_actor(secret)


@pytest.mark.anyio
async def test_u1_a_token_for_nobody_known_is_refused_in_the_prompt(tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    async with PipedeskApp(desk, A).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("U", "a", "n", *"nobody@x.example CI", "enter")
        await settle(pilot)
        assert "nobody@x.example" in screen_text(pilot.app)
        assert desk.api_tokens(A) == []


@pytest.mark.anyio
async def test_c1_an_agent_has_no_way_to_the_tokens(tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    async with PipedeskApp(desk, INGRID).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("U", "a")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PeopleScreen)
        assert "API tokens" not in screen_text(pilot.app)


@pytest.mark.anyio
async def test_u1_the_palette_opens_the_tokens_for_an_administrator(tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    async with PipedeskApp(desk, A).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"api tok")
        await pilot.pause(0.3)  # the palette searches in a worker
        assert "make one, revoke one" in screen_text(pilot.app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, TokensScreen)


@pytest.mark.anyio
async def test_c1_an_agents_palette_offers_no_tokens(tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    async with PipedeskApp(desk, INGRID).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"api tok")
        await pilot.pause(0.3)
        assert isinstance(pilot.app.screen, CommandPalette)
        assert "make one, revoke one" not in screen_text(pilot.app)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, TokensScreen)


def test_snapshot_tokens_screen(tmp_path: Path, snap_compare: Any) -> None:
    desk = people_desk(tmp_path)
    desk.create_token("ingrid", A, "CI script")
    desk.create_token("sven", A, "Reporting")
    desk.revoke_token("t2", A)
    assert snap_compare(PipedeskApp(desk, A), press=["U", "a"], terminal_size=SIZE)
