"""Placeholders are checked when a template or a notification's message is
saved in the app (issue 11, item 6; A4a, A4b): the dialog says which
placeholder and where, stays open, and nothing is saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from core_fixtures import data_dir
from test_tui_automate import NOW, SIZE, settle

from core import LOCAL_ADMIN, Desk, open_desk
from core.clock import fixed_clock
from tui.app import PipedeskApp
from tui.screens.action_dialog import ActionDialog
from tui.screens.templates import TemplateDialog, TemplatesScreen

A = LOCAL_ADMIN


@pytest.mark.anyio
async def test_the_template_editor_refuses_an_unknown_placeholder(desk: Desk) -> None:
    desk.templates(A)
    before = (data_dir(desk) / "desk.toml").read_bytes()
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", "t", "n")
        await settle(pilot)
        await pilot.press(*"Survey", "tab", *"How did we do?", "tab",
                          *"Hello {{ contact.nme }}", "ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, TemplateDialog)
        assert dialog.error_text == ("Template 'Survey', body line 1: {{ contact.nme }} is "
                                     "not a placeholder; did you mean {{ contact.name }}?")
        assert (data_dir(desk) / "desk.toml").read_bytes() == before
        body = dialog.query_one("#template-body")
        body.text = "Hello {{ contact.name }}"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TemplatesScreen)
        made = desk.config.template("Survey")
        assert made is not None and made.body == "Hello {{ contact.name }}"


@pytest.mark.anyio
async def test_the_action_editor_refuses_a_message_with_an_unknown_placeholder(
        desk: Desk) -> None:
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", "n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        dialog.query_one("#kind").value = "notify"  # type: ignore[attr-defined]
        await settle(pilot)
        dialog.query_one("#message").value = "#{{ ticket.idd }} waits"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert dialog.error_text == ("The notification's message, line 1: {{ ticket.idd }} is "
                                     "not a placeholder; did you mean {{ ticket.id }}?")
        assert app.screen is dialog
        assert desk.pipeline("0", A).stages[0].actions == []


def test_snapshot_template_editor_refusing_a_placeholder(tmp_path: Path,
                                                         snap_compare: Any) -> None:
    desk = open_desk(tmp_path / "desk", clock=fixed_clock(NOW))

    async def misspell(pilot: Any) -> None:
        await pilot.press("a", "t", "n")
        await pilot.pause()
        await pilot.press(*"Survey", "tab", *"How did we do?", "tab",
                          *"Hello {{ contact.nme }}", "ctrl+s")
        await pilot.pause()

    assert snap_compare(PipedeskApp(desk), run_before=misspell, terminal_size=SIZE)
