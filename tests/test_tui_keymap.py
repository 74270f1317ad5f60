"""C2 and issue 12 item 6: the user's own config file and its [keymap].

Each test writes a real config file and opens the real app on a desk in a
temporary dir; what is asserted is what the user sees: the ticket moved or
not, the toast naming the file and line, the keys `?` lists.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.dom import DOMNode

from core import LOCAL_ADMIN, Desk, open_desk
from core.clock import fixed_clock
from core.demo import add_demo_tickets
from core.user_config import CONFIG_ENV, load_user_config, user_config_path
from tui.app import PipedeskApp
from tui.binding_ids import binding_classes, every_binding_id, keymap_clashes
from tui.screens.board import BoardScreen
from tui.screens.keys_help import KeysHelpScreen

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
A = LOCAL_ADMIN


def demo_desk(path: Path) -> Desk:
    desk = open_desk(path / "desk", clock=fixed_clock(NOW))
    add_demo_tickets(desk, A, 30, seed=1)
    return desk


def config_file(path: Path, text: str) -> Path:
    written = path / "config.toml"
    written.write_text(text, encoding="utf-8")
    return written


def screen_text(app: PipedeskApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def toasts(app: PipedeskApp) -> str:
    """The toasts' text at the right of the screen, joined without blanks
    (a long path wraps across their lines)."""
    text = "".join(line.partition("▌")[2] for line in screen_text(app).splitlines())
    return "".join(text.split())


def squeezed(text: str) -> str:
    return "".join(text.split())


def cursor_ticket(app: PipedeskApp) -> str:
    screen = app.screen
    assert isinstance(screen, BoardScreen)
    selected = screen.columns[screen.column].selected
    assert selected is not None
    return selected.id


@pytest.mark.anyio
@pytest.mark.parametrize("spelling", [
    '[keymap]\n"board.move_right" = "ctrl+right"\n',
    "[keymap]\nboard.move_right = \"ctrl+right\"\n",  # unquoted: TOML makes a table of it
    '[keymap.board]\nmove_right = "ctrl+right"\n',
])
async def test_c2_a_remapped_board_key_moves_the_ticket_and_the_old_key_does_not(
        tmp_path: Path, spelling: str) -> None:
    desk = demo_desk(tmp_path)
    mine = load_user_config(config_file(tmp_path, spelling))
    assert mine.problems == ()
    app = PipedeskApp(desk, mine=mine)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        ticket_id = cursor_ticket(app)
        await pilot.press("greater_than_sign")  # the default key, now replaced
        await pilot.pause()
        assert desk.ticket(ticket_id, A).stage == "1"
        await pilot.press("ctrl+right")
        await pilot.pause()
        assert desk.ticket(ticket_id, A).stage == "2"
        assert "Your keys" not in screen_text(app)  # the id is known: no warning


@pytest.mark.anyio
async def test_c2_question_mark_lists_the_remapped_key(tmp_path: Path) -> None:
    desk = demo_desk(tmp_path)
    mine = load_user_config(config_file(tmp_path, '[keymap]\n"board.move_right" = "f6"\n'))
    app = PipedeskApp(desk, mine=mine)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, KeysHelpScreen)
        listed = screen_text(app)
        assert re.search(r"\bF6 +Move one stage right", listed)
        assert not re.search(r"> +Move one stage right", listed)
        assert re.search(r"< +Move one stage left", listed)  # not remapped: as it was
        # In the place the board declares it, after <, not moved to the end.
        assert listed.index("Move one stage left") < listed.index("Move one stage right") \
            < listed.index("Delete")


@pytest.mark.anyio
async def test_c2_i_in_the_keys_help_shows_the_ids_a_keymap_names(tmp_path: Path) -> None:
    desk = demo_desk(tmp_path)
    mine = load_user_config(config_file(tmp_path, '[keymap]\n"board.move_right" = "f6"\n'))
    app = PipedeskApp(desk, mine=mine)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert "i shows binding ids" in screen_text(app)
        await pilot.press("i")
        listed = screen_text(app)
        assert re.search(r"\bF6 +board\.move_right", listed)
        assert re.search(r"< +board\.move_left", listed)
        assert re.search(r"q / Ctrl\+Q +app\.quit", listed)
        assert re.search(r"Shift\+Tab +\(no id\)", listed)  # Textual's own: not remappable
        assert "Binding ids, for [keymap] in your config file" in listed
        await pilot.press("i")
        assert re.search(r"\bF6 +Move one stage right", screen_text(app))


@pytest.mark.anyio
async def test_c2_a_broken_config_file_is_named_with_its_line_and_the_app_opens(
        tmp_path: Path) -> None:
    desk = demo_desk(tmp_path)
    path = config_file(tmp_path, '[keymap]\n"board.move_right" = "f6"\nboard.left = \n')
    mine = load_user_config(path)
    [problem] = mine.problems
    assert problem.startswith(f"{path}, line 3: ")
    assert problem.endswith("using the default keys")
    app = PipedeskApp(desk, mine=mine)
    async with app.run_test(size=(100, 24), notifications=True) as pilot:
        await pilot.pause()
        assert squeezed(f"{path}, line 3") in toasts(app)
        ticket_id = cursor_ticket(app)
        await pilot.press("greater_than_sign")  # the defaults are in force
        await pilot.pause()
        assert desk.ticket(ticket_id, A).stage == "2"


@pytest.mark.parametrize(("text", "line", "said"), [
    ('[keymap]\n"board.left" = "h"\n"board.right" = 5\n', 3,
     "keymap.board.right: Input should be a valid string"),
    ('[keymap]\n"board.left" = "h"\n\n[keymaps]\n"board.right" = "l"\n', 4,
     "keymaps: unknown key (a typo?)"),
    ('\n[keymap]\n"board.left" = " , "\n', 3, "names no key"),
    ('keymap = "h"\n', 1, "keymap: Input should be a valid dictionary"),
])
def test_c2_a_config_of_wrong_shape_is_refused_with_file_and_line(
        tmp_path: Path, text: str, line: int, said: str) -> None:
    path = config_file(tmp_path, text)
    mine = load_user_config(path)
    [problem] = mine.problems
    assert problem.startswith(f"{path}, line {line}: "), problem
    assert said in problem
    assert mine.config.keymap == {}  # the defaults, not half the file


@pytest.mark.anyio
async def test_c2_an_unknown_binding_id_is_warned_of_with_file_and_line(
        tmp_path: Path) -> None:
    desk = demo_desk(tmp_path)
    path = config_file(tmp_path, '[keymap]\n"board.move_right" = "f6"\n'
                                 '"board.mvoe_left" = "f5"\n')
    mine = load_user_config(path)
    assert mine.problems == ()
    assert mine.unknown_binding_ids(every_binding_id()) == [
        f"{path}, line 3: keymap: no key has the id 'board.mvoe_left', so this line does "
        "nothing; press ? in the app to see the ids"]
    app = PipedeskApp(desk, mine=mine)
    async with app.run_test(size=(100, 24), notifications=True) as pilot:
        await pilot.pause()
        # The file's name and line (a long folder may be cut short in the toast).
        assert squeezed(f"{path.name}, line 3: keymap: no key has the id 'board.mvoe_left'") \
            in toasts(app)
        ticket_id = cursor_ticket(app)
        await pilot.press("f6")  # the known one still applies
        await pilot.pause()
        assert desk.ticket(ticket_id, A).stage == "2"


@pytest.mark.anyio
async def test_c2_a_key_the_keymap_takes_from_another_binding_is_said(tmp_path: Path) -> None:
    desk = demo_desk(tmp_path)
    mine = load_user_config(config_file(tmp_path, '[keymap]\n"board.move_right" = "n"\n'))
    app = PipedeskApp(desk, mine=mine)
    async with app.run_test(size=(100, 24), notifications=True) as pilot:
        ticket_id = cursor_ticket(app)
        await pilot.press("n")  # moves the ticket; no new-ticket form opens
        await pilot.pause()
        assert desk.ticket(ticket_id, A).stage == "2"
        assert isinstance(app.screen, BoardScreen)
        assert squeezed("n no longer does 'New' (board.new): your keymap gives that key to "
                        "another binding of the same screen.") in toasts(app)
        await pilot.press("n")
        await pilot.pause()
        assert toasts(app).count("nolongerdoes") == 1  # said once, not at every key


def test_c2_the_file_is_pipedesk_config_else_the_user_config_dir(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert user_config_path() == tmp_path / "xdg" / "pipedesk" / "config.toml"
    assert load_user_config().problems == ()  # no file: the default keys, nothing said
    mine = config_file(tmp_path, '[keymap]\n"board.new" = "f2"\n')
    monkeypatch.setenv(CONFIG_ENV, str(mine))
    assert load_user_config().config.keymap == {"board.new": "f2"}
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "missing.toml"))
    [problem] = load_user_config().problems
    assert problem.startswith(f"{tmp_path / 'missing.toml'}: no such file")


def test_c2_docs_keys_lists_every_binding_id_and_no_other() -> None:
    """docs/keys.md is where a user finds the ids of screens other than the
    board: it must name each binding a keymap can remap, and only those."""
    text = (Path(__file__).parent.parent / "docs" / "keys.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([a-z_.]+)` \|", text, re.MULTILINE))
    assert listed == every_binding_id()


def test_c2_swapping_two_keys_is_no_clash() -> None:
    [(key, lost)] = keymap_clashes({"board.move_right": "n"})
    assert (key, lost.id) == ("n", "board.new")
    assert keymap_clashes({"board.move_right": "n", "board.new": "greater_than_sign"}) == []


def pipedesk_classes_with_bindings() -> list[type[DOMNode]]:
    """Every screen, dialog and widget of pipedesk's (and the app) that
    declares BINDINGS of its own, found by walking the classes (as the
    keymap does) rather than listed by hand, so that a screen added later
    is checked too."""
    found = [cls for cls in binding_classes()
             if cls.__module__.startswith("tui.") and "BINDINGS" in vars(cls)]
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


@pytest.mark.parametrize("cls", pipedesk_classes_with_bindings(),
                         ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_c2_every_binding_of_every_screen_has_an_id(cls: type[DOMNode]) -> None:
    """A keymap remaps a key by its binding's id: a binding without one (or
    a bare (key, action) tuple) is a key the user cannot remap."""
    without = [binding for binding in vars(cls)["BINDINGS"]
               if not (isinstance(binding, Binding) and binding.id)]
    assert without == [], f"{cls.__qualname__}: bindings without an id: {without}"


def test_c2_the_binding_id_check_sees_every_screen() -> None:
    """The walk above finds the screens a user opens, so a screen cannot
    slip out of the check by being left out of a list."""
    names = {cls.__qualname__ for cls in pipedesk_classes_with_bindings()}
    assert {"PipedeskApp", "BoardScreen", "TicketDetailScreen", "PipelineSelectScreen",
            "StageEditorScreen", "AutomateScreen", "ContactsScreen", "PropertiesScreen",
            "KeysHelpScreen", "ConfirmDialog", "CreateTicketDialog"} <= names
