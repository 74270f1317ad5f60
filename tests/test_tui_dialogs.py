"""Dialogs: the new-ticket form (T1, S7), the move dialog (T2, S7), confirm
and message dialogs (T5, P5), and the keys help (C2).

Each dialog runs inside a tiny host app at 80x24 (C3), pushed as the board
pushes it, and is driven by keys only. Snapshot tests keep pictures in
snapshots/test_tui_dialogs/.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, TextArea
from tui_fixtures import SCREENS_CSS

import core
from core import LOCAL_ADMIN, Desk, DeskError
from core.clock import fixed_clock
from tui.app import PipedeskApp
from tui.screens.dialogs import ConfirmDialog, DeskDialog, MessageDialog
from tui.screens.keys_help import KeysHelpScreen, keys_of
from tui.screens.move_dialog import MoveTicketDialog
from tui.screens.templates import TemplateDialog
from tui.screens.ticket_form import CreateTicketDialog

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
A = LOCAL_ADMIN
SUPPORT, NEW, WAITING_ON_CONTACT, WAITING_ON_US, CLOSED = "0", "1", "2", "3", "4"
NEEDS_RESOLUTION = "Stage 'Closed' requires Resolution; give a value to go on."


class Host(App[None]):
    """Stands in for the board: pushes one dialog and keeps what it
    dismissed with."""

    CSS_PATH = SCREENS_CSS

    def __init__(self, dialog: Screen[Any]) -> None:
        super().__init__()
        self.dialog = dialog
        self.results: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static("Support pipeline · the board would be here")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)


def screen_text(app: App[Any]) -> str:
    """The terminal's text, what a user reads (the compositor is what
    screenshots are drawn from; Textual has no public call for it)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def flat(text: str) -> str:
    """Screen text with its line breaks and box edges folded into spaces,
    so a message that wraps can be looked for whole."""
    for edge in "┃│▌▐█":
        text = text.replace(edge, " ")
    return " ".join(text.split())


def require_resolution(desk: Desk) -> None:
    """Closed asks for a required Resolution (S7)."""
    desk.create_property("resolution", "text", A)
    desk.set_stage_property(CLOSED, "resolution", A, required=True)


def open_desk(path: Path) -> Desk:
    return core.open_desk(path, clock=fixed_clock(NOW))


# -- the new-ticket form ---------------------------------------------------------------


@pytest.mark.anyio
async def test_create_makes_the_ticket_with_its_subject_and_priority(desk: Desk) -> None:
    app = Host(CreateTicketDialog(desk, A, SUPPORT, NEW))
    async with app.run_test(size=(80, 24)) as pilot:
        assert "New ticket in Support pipeline / New" in screen_text(app)
        await pilot.press(*"Printer on fire")
        await pilot.press("tab", "tab")  # past Contact, to Priority
        await pilot.press("enter", "down", "down", "down", "enter")  # (none), Low, Medium, High
        await pilot.press("ctrl+s")
        assert len(app.results) == 1
        ticket = desk.ticket(app.results[0], A)
        assert (ticket.subject, ticket.priority) == ("Printer on fire", "HIGH")
        assert (ticket.pipeline, ticket.stage) == (SUPPORT, NEW)
        assert app.screen is not app.dialog


def burst(app: App[Any], keys: list[str]) -> None:
    """Keys arriving all at once, as a paste without bracketed paste or a
    burst over a slow SSH link brings them: none waits for the one before
    to be handled (`pilot.press` waits after each key)."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        char = {"tab": "\t", "space": " "}.get(key, key if len(key) == 1 else None)
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)


@pytest.mark.anyio
async def test_keys_typed_ahead_land_in_the_field_they_were_typed_for(desk: Desk) -> None:
    """A Tab in a burst moves on before the keys after it are handed out."""
    app = Host(TemplateDialog(desk, A, None))
    async with app.run_test(size=(80, 24)) as pilot:
        burst(app, [*"Welcome", "tab", *"Hello", "space", *"there", "tab",
                    *"Dear", "space", *"you"])
        await pilot.pause()
        values = [app.screen.query_one(f"#template-{f}", Input).value for f in ("name", "subject")]
        assert values == ["Welcome", "Hello there"]
        assert app.screen.query_one("#template-body", TextArea).text == "Dear you"


@pytest.mark.anyio
async def test_enter_in_a_field_creates(desk: Desk) -> None:
    app = Host(CreateTicketDialog(desk, A, SUPPORT, WAITING_ON_US))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"VPN down", "enter")
        [ticket] = desk.tickets(A)
        assert app.results == [ticket.id]
        assert (ticket.subject, ticket.stage) == ("VPN down", WAITING_ON_US)


@pytest.mark.anyio
async def test_create_without_subject_is_refused_inside_the_dialog(desk: Desk) -> None:
    dialog = CreateTicketDialog(desk, A, SUPPORT, NEW)
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        assert app.screen is dialog
        assert dialog.error_text == "A ticket needs a subject."
        assert "✗ A ticket needs a subject." in screen_text(app)
        assert desk.tickets(A) == [] and app.results == []


@pytest.mark.anyio
async def test_create_in_a_stage_with_a_required_property(desk: Desk) -> None:
    require_resolution(desk)
    dialog = CreateTicketDialog(desk, A, SUPPORT, CLOSED)
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        text = screen_text(app)
        assert "Stage 'Closed' asks for:" in text
        assert "Resolution *" in text and "Subject *" in text
        await pilot.press(*"Old printer", "enter")
        assert app.screen is dialog
        assert dialog.error_text == NEEDS_RESOLUTION
        assert NEEDS_RESOLUTION in flat(screen_text(app))
        assert desk.tickets(A) == []
        # The refusal put the keys in the field it is about.
        assert dialog.focused is dialog.query_one("#property-resolution")
        await pilot.press(*"Replaced", "enter")
        [ticket] = desk.tickets(A)
        assert app.results == [ticket.id]
        assert ticket.props["resolution"] == "Replaced"
        assert ticket.close_date == desk.now()


@pytest.mark.anyio
async def test_a_stage_asking_for_priority_marks_it_required_once(desk: Desk) -> None:
    desk.set_stage_property(NEW, "priority", A, required=True)
    dialog = CreateTicketDialog(desk, A, SUPPORT, NEW)
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        text = screen_text(app)
        assert "Priority *" in text and text.count("Priority") == 1
        await pilot.press(*"No priority", "enter")
        assert dialog.error_text == ("Stage 'New' requires Priority; "
                                     "give a value to go on.")
        assert desk.tickets(A) == []


@pytest.mark.anyio
async def test_escape_in_an_open_list_closes_only_the_list(desk: Desk) -> None:
    dialog = CreateTicketDialog(desk, A, SUPPORT, NEW)
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "tab", "enter")  # Priority's list opens
        await pilot.press("escape")
        assert app.screen is dialog and app.results == []
        await pilot.press("escape")
        assert app.results == [None]


@pytest.mark.anyio
async def test_escape_cancels_the_form_and_creates_nothing(desk: Desk) -> None:
    app = Host(CreateTicketDialog(desk, A, SUPPORT, NEW))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"Half typed", "escape")
        assert app.results == [None]
        assert desk.tickets(A) == []


# -- the move dialog ---------------------------------------------------------------------


def ticket_in_new(desk: Desk) -> str:
    return desk.create_ticket(A, SUPPORT, NEW, "Printer on fire").id


@pytest.mark.anyio
async def test_move_to_another_stage(desk: Desk) -> None:
    ticket_id = ticket_in_new(desk)
    app = Host(MoveTicketDialog(desk, A, ticket_id))
    async with app.run_test(size=(80, 24)) as pilot:
        text = screen_text(app)
        assert "Move #1 Printer on fire" in text
        assert "← now here" in text
        # The list starts on the stage after the ticket's.
        await pilot.press("down", "enter")
        assert app.results == [True]
        assert desk.ticket(ticket_id, A).stage == WAITING_ON_US


@pytest.mark.anyio
async def test_move_into_another_pipeline(desk: Desk) -> None:
    billing = desk.create_pipeline("Billing", A)
    ticket_id = ticket_in_new(desk)
    app = Host(MoveTicketDialog(desk, A, ticket_id))
    async with app.run_test(size=(80, 24)) as pilot:
        assert "Another pipeline…" in screen_text(app)
        await pilot.press("p")
        assert "To which pipeline?" in screen_text(app)
        await pilot.press("down", "enter")  # Billing
        assert "To which stage of Billing?" in screen_text(app)
        await pilot.press("down", "enter")  # its second stage
        assert app.results == [True]
        ticket = desk.ticket(ticket_id, A)
        assert (ticket.pipeline, ticket.stage) == (billing.id, billing.stages[1].id)


@pytest.mark.anyio
async def test_another_pipeline_is_an_option_of_the_stage_list(desk: Desk) -> None:
    billing = desk.create_pipeline("Billing", A)
    ticket_id = ticket_in_new(desk)
    app = Host(MoveTicketDialog(desk, A, ticket_id))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("end", "enter")  # "Another pipeline…"
        await pilot.press("j", "enter", "enter")  # Billing, its first stage
        assert desk.ticket(ticket_id, A).stage == billing.stages[0].id


@pytest.mark.anyio
async def test_move_asks_for_the_stage_properties_and_refuses_without_them(desk: Desk) -> None:
    require_resolution(desk)
    ticket_id = ticket_in_new(desk)
    dialog = MoveTicketDialog(desk, A, ticket_id)
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "asks Resolution*" in screen_text(app)
        await pilot.press("end", "enter")  # Closed, the last stage (one pipeline: no "Another…")
        assert dialog.step == "properties"
        assert "the stage asks for:" in screen_text(app)
        await pilot.press("enter")  # Resolution left empty
        assert app.screen is dialog
        assert dialog.error_text == NEEDS_RESOLUTION
        assert NEEDS_RESOLUTION in flat(screen_text(app))
        assert desk.ticket(ticket_id, A).stage == NEW
        await pilot.press(*"Replaced toner", "ctrl+s")
        assert app.results == [True]
        ticket = desk.ticket(ticket_id, A)
        assert ticket.stage == CLOSED
        assert ticket.props["resolution"] == "Replaced toner"


@pytest.mark.anyio
async def test_a_preselected_stage_asks_only_its_properties(desk: Desk) -> None:
    """The board's `>` into a stage with properties."""
    require_resolution(desk)
    ticket_id = ticket_in_new(desk)
    desk.edit_ticket(ticket_id, {"resolution": "Cleaned rollers"}, A)
    dialog = MoveTicketDialog(desk, A, ticket_id, stage_id=CLOSED)
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        assert dialog.step == "properties"
        assert dialog.focused is dialog.query_one("#property-resolution")
        # Prefilled with the ticket's value: Enter is all it takes.
        await pilot.press("enter")
        assert app.results == [True]
        assert desk.ticket(ticket_id, A).stage == CLOSED


@pytest.mark.anyio
async def test_other_stage_goes_back_to_the_list(desk: Desk) -> None:
    require_resolution(desk)
    ticket_id = ticket_in_new(desk)
    dialog = MoveTicketDialog(desk, A, ticket_id, stage_id=CLOSED)
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "tab", "enter")  # past Move, to "Other stage"
        assert dialog.step == "stage"
        await pilot.press("k", "enter")  # from Closed up to Waiting on us
        assert desk.ticket(ticket_id, A).stage == WAITING_ON_US


@pytest.mark.anyio
async def test_escape_cancels_the_move(desk: Desk) -> None:
    ticket_id = ticket_in_new(desk)
    app = Host(MoveTicketDialog(desk, A, ticket_id))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p", "escape")
        assert app.results == [False]
        assert desk.ticket(ticket_id, A).stage == NEW


@pytest.mark.anyio
async def test_the_stage_the_ticket_is_in_cannot_be_picked(desk: Desk) -> None:
    ticket_id = ticket_in_new(desk)
    dialog = MoveTicketDialog(desk, A, ticket_id)
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("home", "enter")  # skips New (disabled) to the next
        assert desk.ticket(ticket_id, A).stage == WAITING_ON_CONTACT


# -- every dialog: a field gone back to keeps its text -------------------------------------


def _tier(desk: Desk) -> Any:
    from tui.screens.properties import EditPropertyDialog

    return EditPropertyDialog(desk, A, desk.create_property(
        "tier", "choice", A, label="Tier", options=["Gold", "Silver"]))


def _action(desk: Desk) -> Any:
    from core.automation.actions import Delay
    from tui.screens.action_dialog import ActionDialog

    return ActionDialog("Edit the action", desk.config, lambda action: None,
                        Delay(duration="2h"))


def _property(desk: Desk) -> Any:
    from tui.screens.properties import CreatePropertyDialog

    return CreatePropertyDialog(desk, A)


def _stage(desk: Desk) -> Any:
    from tui.screens.stage_editor import AddStageDialog

    return AddStageDialog(lambda label, state: "new")


def _rename(desk: Desk) -> Any:
    from tui.screens.dialogs import LabelPrompt

    return LabelPrompt("Rename pipeline 'Support pipeline'", lambda label: "0",
                       value="Support pipeline")


# (dialog, keys, the field, what it holds after): each goes back to a filled
# field, and types one more letter.
BACK_TO_A_FIELD: dict[str, tuple[Callable[[Desk], Any], list[str], str, str]] = {
    "template editor": (lambda desk: TemplateDialog(desk, A, None),
                        [*"Welcome", "tab", "shift+tab", "!"], "#template-name", "Welcome!"),
    "action dialog": (_action, ["tab", "tab", "shift+tab", "m"], "#duration", "2hm"),
    "new property": (_property, [*"seats", "tab", *"Seats", "shift+tab", "x"],
                     "#property-name", "seatsx"),
    "property editor": (_tier, ["tab", "shift+tab", "!"], "#property-label", "Tier!"),
    "add a stage": (_stage, [*"Escalated", "tab", "shift+tab", "!"], "#stage-label",
                    "Escalated!"),
    "label prompt, on opening": (_rename, ["!"], "#label-input", "Support pipeline!"),
    "ticket form": (lambda desk: CreateTicketDialog(desk, A, SUPPORT, NEW),
                    [*"Printer", "tab", "shift+tab", "s"], "#property-subject", "Printers"),
}


@pytest.mark.anyio
@pytest.mark.parametrize("case", list(BACK_TO_A_FIELD))
async def test_a_field_gone_back_to_keeps_its_text(desk: Desk, case: str) -> None:
    """Shift+Tab into a filled field does not select all of it: the next key
    adds to the text instead of replacing it (DeskDialog, every dialog)."""
    make, keys, field, expected = BACK_TO_A_FIELD[case]
    app = Host(make(desk))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
        assert app.screen.query_one(field, Input).value == expected


# -- confirm and message dialogs ------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(("keys", "result"), [
    (["y"], True),
    (["n"], False),
    (["escape"], False),
    (["enter"], False),  # the focus starts on Cancel: a habitual Enter deletes nothing
    (["left", "enter"], True),
    (["shift+tab", "enter"], True),
])
async def test_confirm(keys: list[str], result: bool) -> None:
    app = Host(ConfirmDialog("Delete ticket?", "#1 Printer on fire\n\nThis cannot be undone."))
    async with app.run_test(size=(80, 24)) as pilot:
        text = screen_text(app)
        assert "Delete ticket?" in text and "This cannot be undone." in text
        await pilot.press(*keys)
        assert app.results == [result]


@pytest.mark.anyio
async def test_a_safe_confirm_starts_on_its_button() -> None:
    app = Host(ConfirmDialog("Reopen?", "#1 goes back to New.", "Reopen", destructive=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        assert app.results == [True]


@pytest.mark.anyio
@pytest.mark.parametrize("key", ["enter", "escape"])
async def test_message_dialog_shows_a_refusal(tmp_path: Path, key: str) -> None:
    desk = open_desk(tmp_path)
    desk.create_pipeline("Billing", A)
    desk.create_ticket(A, SUPPORT, NEW, "Printer on fire")
    with pytest.raises(DeskError) as refused:
        desk.delete_pipeline(SUPPORT, A)
    app = Host(MessageDialog("Pipeline not deleted", refused.value.message))
    async with app.run_test(size=(80, 24)) as pilot:
        assert ("Pipeline 'Support pipeline' holds 1 ticket; move it to another pipeline "
                "or delete it first.") in flat(screen_text(app))
        await pilot.press(key)
        assert app.results == [None]
        assert [p.label for p in desk.pipelines(A)] == ["Support pipeline", "Billing"]


# -- keys help ---------------------------------------------------------------------------------


class KeysOfThis(Screen[None]):
    BINDINGS = [
        Binding("left,h", "nothing", "Left", show=False, id="t.left"),
        Binding("n", "nothing", "New", id="t.new"),
        Binding("less_than_sign", "nothing", "◀", tooltip="Move one stage left", id="t.step"),
        Binding("ctrl+s", "nothing", "Save", id="t.save"),
        Binding("x", "off", "Never shown", id="t.off"),
        Binding("r", "nothing", "Reload here", id="t.reload"),
    ]

    def action_nothing(self) -> None:
        pass

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "off"


class KeysHost(App[None]):
    CSS_PATH = SCREENS_CSS

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("r", "refresh", "Refresh", id="app.refresh"),
    ]

    def on_mount(self) -> None:
        self.push_screen(KeysOfThis())


@pytest.mark.anyio
async def test_keys_of_lists_the_screens_and_the_apps_keys() -> None:
    app = KeysHost()
    async with app.run_test(size=(80, 24)):
        keys = dict(keys_of(app.screen))
        assert keys["← / h"] == "Left"  # hidden from the footer, listed here
        assert keys["n"] == "New"
        assert keys["<"] == "Move one stage left"
        assert keys["Ctrl+S"] == "Save"
        assert keys["q / Ctrl+Q"] == "Quit"
        assert keys["Tab"] == "Focus Next"
        assert keys["r"] == "Reload here"  # the screen's r hides the app's
        assert "Never shown" not in keys.values()  # its action is off here
        assert "Refresh" not in keys.values()


@pytest.mark.anyio
async def test_keys_of_follows_a_keymap() -> None:
    app = KeysHost()
    async with app.run_test(size=(80, 24)):
        app.set_keymap({"t.new": "a"})
        keys = dict(keys_of(app.screen))
        assert keys["a"] == "New" and "n" not in keys


@pytest.mark.anyio
async def test_question_mark_on_the_board_lists_every_key(tmp_path: Path) -> None:
    app = PipedeskApp(open_desk(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, KeysHelpScreen)
        text = screen_text(app)
        for words in ("← / h", "Left", "New", "Move", "Delete", "Filter", "Quit", "Esc"):
            assert words in text, words
        await pilot.press("question_mark")
        assert not isinstance(app.screen, KeysHelpScreen)


@pytest.mark.anyio
@pytest.mark.parametrize("key", ["escape", "q", "question_mark"])
async def test_keys_help_closes(key: str) -> None:
    app = Host(KeysHelpScreen([("n", "New"), ("m", "Move")]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key)
        assert app.results == [None]


def test_the_ticket_form_is_a_desk_dialog() -> None:
    """It shares DeskDialog's keys and field behaviour (Shift+Tab, Escape)."""
    assert issubclass(CreateTicketDialog, DeskDialog)


# -- snapshots ------------------------------------------------------------------------------


def snapshot_desk(path: Path) -> tuple[Desk, str]:
    """Two pipelines, a ticket in New, and Closed asking for a Resolution."""
    desk = open_desk(path)
    desk.create_pipeline("Billing", A)
    require_resolution(desk)
    return desk, desk.create_ticket(A, SUPPORT, NEW, "Printer on fire").id


def test_snapshot_create_form_with_a_required_property_error(
        tmp_path: Path, snap_compare: Any) -> None:
    desk, _ = snapshot_desk(tmp_path)
    app = Host(CreateTicketDialog(desk, A, SUPPORT, CLOSED))
    assert snap_compare(app, terminal_size=(80, 24), press=[*"Old printer", "enter"])


def test_snapshot_move_dialog(tmp_path: Path, snap_compare: Any) -> None:
    desk, ticket_id = snapshot_desk(tmp_path)
    assert snap_compare(Host(MoveTicketDialog(desk, A, ticket_id)), terminal_size=(80, 24))


def test_snapshot_move_dialog_asking_for_properties(tmp_path: Path, snap_compare: Any) -> None:
    desk, ticket_id = snapshot_desk(tmp_path)
    app = Host(MoveTicketDialog(desk, A, ticket_id, stage_id=CLOSED))
    assert snap_compare(app, terminal_size=(80, 24), press=["enter"])


def test_snapshot_refused_delete_message(tmp_path: Path, snap_compare: Any) -> None:
    desk = open_desk(tmp_path)
    desk.create_pipeline("Billing", A)
    for n in range(12):
        desk.create_ticket(A, SUPPORT, NEW, f"Ticket {n}")
    with pytest.raises(DeskError) as refused:
        desk.delete_pipeline(SUPPORT, A)
    app = Host(MessageDialog("Pipeline not deleted", refused.value.message))
    assert snap_compare(app, terminal_size=(80, 24))


def test_snapshot_confirm_delete(snap_compare: Any) -> None:
    app = Host(ConfirmDialog("Delete ticket?", "#1 Printer on fire\n\nThis cannot be undone."))
    assert snap_compare(app, terminal_size=(80, 24))


# What keys_of(BoardScreen) gives today, fixed here so the picture tests the
# help screen's layout and not the board's keys.
BOARD_KEYS = [
    ("← / h", "Left"), ("→ / l", "Right"), ("↑ / k", "Up"), ("↓ / j", "Down"),
    ("PgUp", "Page up"), ("PgDn", "Page down"), ("Home / g", "First card"),
    ("End / G", "Last card"), ("Enter", "Open"), ("n", "New"), ("m", "Move"),
    ("<", "Move one stage left"), (">", "Move one stage right"),
    ("d", "Delete"), ("/", "Filter"), ("p", "Pipelines"), ("?", "Keys"),
    ("Esc", "Clear filter"), ("Tab", "Focus Next"), ("Shift+Tab", "Focus Previous"),
    ("q / Ctrl+Q", "Quit"), ("r", "Refresh"), ("Ctrl+P", "Palette"),
]


def test_snapshot_keys_help(snap_compare: Any) -> None:
    assert snap_compare(Host(KeysHelpScreen(BOARD_KEYS)), terminal_size=(80, 24))
