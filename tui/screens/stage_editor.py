"""The stage editor (key `e` on a board or on pipeline selection): one
pipeline's stages with their state, ticket count and conditional properties.

Edits collect here and are saved together (S8): every edit is tried at once
on a preview of the desk (`Desk.preview_stage_edits`), so a refusal — S2's
last Open or Closed stage, a label taken — is shown when it is made and the
edit is not kept; Save hands the whole list to `Desk.edit_stages`, which
applies it all or nothing. Escape with unsaved edits asks before dropping
them; `u` takes back the last one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.events import Key
from textual.widgets import DataTable, Footer, Input, OptionList, RadioButton, RadioSet, Static
from textual.widgets.option_list import Option

from core import Actor, Desk, DeskError
from core.events import Notice
from core.model import Stage, StageProperty, StageState
from core.present import count, counted, property_label
from core.stage_edits import (
    AddStage,
    DeleteStage,
    MoveStage,
    RenameStage,
    SetStageProperties,
    SetStageState,
    StageEdit,
    StageEditResult,
)
from tui.screens.dialogs import ConfirmDialog, DeskDialog, LabelPrompt, MessageDialog
from tui.screens.table_screen import TableScreen
from tui.widgets.pick_list import PickList
from tui.widgets.radio import MarkedRadioButton
from tui.widgets.unread_badge import UnreadBadge

# Marks a required conditional property in the Properties column (S7);
# the hint line says what it means, so it reads without colour.
REQUIRED_MARK = "✱"
# The narrowest the label column gets before the properties column shrinks.
MIN_LABEL_WIDTH = 14
CELL_PADDING = 2
SCROLLBAR = 2


class StageEditorScreen(TableScreen[bool]):
    """`StageEditorScreen(desk, actor, pipeline_id)`; dismisses True when
    the edits were saved, False when the user left without saving."""

    AUTO_FOCUS = "#stages-table"
    # Every binding has an id, so that a keymap can rebind it. Save has two
    # keys: some terminals take Ctrl+S for flow control.
    BINDINGS = [
        Binding("a", "add", "Add", id="stages.add"),
        Binding("r", "rename", "Rename", id="stages.rename"),
        Binding("s", "switch", "Open/Closed", id="stages.switch"),
        Binding("K,shift+up", "reorder(-1)", "Up", show=False, id="stages.move_up"),
        Binding("J,shift+down", "reorder(1)", "Down", show=False, id="stages.move_down"),
        Binding("d", "delete", "Delete", id="stages.delete"),
        Binding("p", "properties", "Properties", id="stages.properties"),
        Binding("w,ctrl+s", "save", "Save", id="stages.save"),
        Binding("escape", "back", "Back", id="stages.back"),
        # Last: at 80 columns the footer has no room for these, and the
        # hint line names them.
        Binding("i", "ids", "Ids", id="stages.ids"),
        Binding("u", "undo", "Undo", id="stages.undo"),
        Binding("j", "cursor(1)", "Next", show=False, id="stages.next"),
        Binding("k", "cursor(-1)", "Previous", show=False, id="stages.previous"),
        # priority: the table keeps Home / End for sideways scrolling.
        Binding("home,g", "cursor(-1000)", "First", show=False, priority=True,
                id="stages.first"),
        Binding("end,G", "cursor(1000)", "Last", show=False, priority=True, id="stages.last"),
    ]

    def __init__(self, desk: Desk, actor: Actor, pipeline_id: str) -> None:
        super().__init__(desk, actor)
        self.pipeline_id = desk.pipeline(pipeline_id, actor).id
        self.edits: list[StageEdit] = []
        self.show_ids = False
        self._keys = itertools.count(1)
        # Counting is a pass over every ticket: done when the desk changes,
        # not on every key.
        self._saved_counts = desk.stage_counts(self.pipeline_id, actor)
        # Set when another terminal's change makes the unsaved edits no
        # longer fit the desk: Save would be refused, and the user is told.
        self.conflict: str | None = None
        # Who may not change stages (A4e's rule for settings) sees them, and
        # why every edit will be refused.
        self.refusal: str | None = None
        try:
            self.preview = desk.preview_stage_edits(self.pipeline_id, [], actor)
        except DeskError as err:
            self.refusal = err.message
            self.preview = StageEditResult(desk.pipeline(pipeline_id, actor))

    # -- layout -------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield UnreadBadge(self.desk, self.actor)
        yield Static(id="stages-title")
        yield Static(Content(f"↑ ↓ choose · K J move the stage · i ids · u undo · "
                             f"{REQUIRED_MARK} required property"), id="stages-hint")
        yield DataTable[Text](cursor_type="row", zebra_stripes=False, id="stages-table",
                                    classes="desk-table")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.follow_desk(self._on_notice)
        self.show_stages()

    def on_resize(self) -> None:
        self.show_stages(select=self.highlighted)

    @property
    def stages(self) -> list[Stage]:
        return self.preview.pipeline.stages

    def _ref(self, stage: Stage) -> str:
        """How an edit names a stage: an added stage has no id until saved."""
        for key, sid in self.preview.added.items():
            if sid == stage.id:
                return key
        return stage.id

    def _stage(self, ref: str) -> Stage:
        return self.preview.stage(ref)

    def ticket_counts(self) -> dict[str, int]:
        """Tickets per stage as the unsaved edits would leave them."""
        counts = dict(self._saved_counts)
        for changes in self.preview.moved.values():
            if "stage" in changes:
                before, after = changes["stage"]
                counts[before] = counts.get(before, 0) - 1
                counts[after] = counts.get(after, 0) + 1
        return counts

    def show_stages(self, select: str | None = None) -> None:
        table = self.table
        row_before = table.cursor_row
        counts = self.ticket_counts()
        rows = [self._row(n, stage, counts.get(stage.id, 0))
                for n, stage in enumerate(self.stages, start=1)]
        headers = ["#", "Label", "State", "Tickets", "Properties"]
        if self.show_ids:
            headers.append("Id")
        widths = self._widths(headers, rows)
        table.clear(columns=True)
        for header, width in zip(headers, widths, strict=True):
            right = header in ("#", "Tickets")
            table.add_column(Text(header, justify="right" if right else "left"), width=width)
        for stage, row in zip(self.stages, rows, strict=True):
            cells = []
            for n, cell in enumerate(row):
                text = Text(cell, justify="right" if headers[n] in ("#", "Tickets") else "left")
                text.truncate(widths[n], overflow="ellipsis")
                cells.append(text)
            table.add_row(*cells, key=self._ref(stage))
        self._update_title()
        refs = [self._ref(s) for s in self.stages]
        if refs:
            target = refs.index(select) if select in refs else min(row_before, len(refs) - 1)
            table.move_cursor(row=max(0, target), animate=False)

    def _row(self, n: int, stage: Stage, tickets: int) -> list[str]:
        props = ", ".join(
            (REQUIRED_MARK if sp.required else "") + property_label(self.desk.config, sp.name)
            for sp in stage.properties)
        row = [str(n), stage.label, stage.state.value.capitalize(), count(tickets), props or "—"]
        if self.show_ids:
            row.append(stage.id if stage.id not in self.preview.added.values() else "new")
        return row

    def _widths(self, headers: list[str], rows: list[list[str]]) -> list[int]:
        """Every column as wide as it needs; when the screen is too narrow
        the properties column gives way first, then the label."""
        needed = [max([len(h), *(len(r[n]) for r in rows)]) for n, h in enumerate(headers)]
        room = self.app.size.width - CELL_PADDING * len(headers) - SCROLLBAR
        label, props = 1, 4
        fixed = sum(w for n, w in enumerate(needed) if n not in (label, props))
        spare = max(0, room - fixed)
        label_width = min(needed[label], max(MIN_LABEL_WIDTH, spare - needed[props]))
        props_width = max(len(headers[props]), min(needed[props], spare - label_width))
        return [label_width if n == label else props_width if n == props else w
                for n, w in enumerate(needed)]

    def _update_title(self) -> None:
        title = Content.assemble(("Stages of ", ""), (self.preview.pipeline.label, "bold"))
        if self.edits:
            n = len(self.edits)
            title = Content.assemble(title, f" · {n} unsaved edit{'' if n == 1 else 's'}")
        if self.conflict:
            title = Content.assemble(title, " · ✗ changed elsewhere")
        if self.refusal:
            title = Content.assemble(title, " · read-only")
        self.query_one("#stages-title", Static).update(title)

    # -- following the desk ----------------------------------------------------

    def _on_notice(self, notice: Notice) -> None:
        # Another terminal moved tickets or changed settings: show the
        # unsaved edits on top of the desk as it is now.
        try:
            self._saved_counts = self.desk.stage_counts(self.pipeline_id, self.actor)
            self.preview = self.desk.preview_stage_edits(self.pipeline_id, self.edits, self.actor)
            self.conflict = None
        except DeskError as err:
            self.conflict = err.message
        if self.is_mounted:
            self.show_stages(select=self.highlighted)

    # -- editing ------------------------------------------------------------

    def try_edit(self, edit: StageEdit) -> None:
        """Keep `edit` if the desk's rules allow it on top of the others;
        raises the DeskError otherwise, and nothing is kept."""
        self.preview = self.desk.preview_stage_edits(self.pipeline_id, [*self.edits, edit],
                                                     self.actor)
        self.edits.append(edit)
        self.conflict = None

    def _edit_or_refuse(self, edit: StageEdit, select: str | None) -> None:
        try:
            self.try_edit(edit)
        except DeskError as err:
            self.app.push_screen(MessageDialog("Not changed", err.message))
            return
        self.show_stages(select=select)

    def action_add(self) -> None:
        key = f"new-{next(self._keys)}"

        def add(label: str, state: StageState) -> str:
            self.try_edit(AddStage(key, label, state))
            return key

        def added(ref: str | None) -> None:
            if ref is not None:
                self.show_stages(select=ref)

        self.app.push_screen(AddStageDialog(add), added)

    def action_rename(self) -> None:
        ref = self.highlighted
        if ref is None:
            return
        stage = self._stage(ref)

        def rename(label: str) -> str:
            self.try_edit(RenameStage(ref, label))
            return ref

        def renamed(done: str | None) -> None:
            if done is not None:
                self.show_stages(select=ref)

        self.app.push_screen(LabelPrompt(f"Rename stage '{stage.label}'", rename,
                                         value=stage.label), renamed)

    def action_switch(self) -> None:
        ref = self.highlighted
        if ref is None:
            return
        other = StageState.CLOSED if self._stage(ref).is_open else StageState.OPEN
        self._edit_or_refuse(SetStageState(ref, other), select=ref)

    def action_reorder(self, step: int) -> None:
        ref = self.highlighted
        if ref is None:
            return
        target = self.table.cursor_row + step
        if 0 <= target < self.table.row_count:
            self._edit_or_refuse(MoveStage(ref, target + 1), select=ref)

    def action_delete(self) -> None:
        """S6: a stage holding tickets asks where they go first."""
        ref = self.highlighted
        if ref is None:
            return
        stage = self._stage(ref)
        held = self.ticket_counts().get(stage.id, 0)
        if not held:
            self._edit_or_refuse(DeleteStage(ref), select=None)
            return
        others = [s for s in self.stages if s.id != stage.id]

        def move_to(target: str | None) -> None:
            if target is not None:
                self._edit_or_refuse(DeleteStage(ref, target), select=None)

        self.app.push_screen(
            MoveTicketsDialog(stage, held, [(self._ref(s), s) for s in others]), move_to)

    def action_properties(self) -> None:
        ref = self.highlighted
        if ref is None:
            return
        stage = self._stage(ref)
        from tui.screens.stage_properties import StagePropertiesDialog

        def chosen(props: list[StageProperty] | None) -> None:
            if props is not None:
                self._edit_or_refuse(SetStageProperties(ref, tuple(props)), select=ref)

        self.app.push_screen(
            StagePropertiesDialog(self.desk, self.actor, stage.label, stage.properties), chosen)

    def action_ids(self) -> None:
        """S5: the internal ids, the integrations' names for the stages."""
        self.show_ids = not self.show_ids
        self.show_stages(select=self.highlighted)

    def action_undo(self) -> None:
        if not self.edits:
            self.notify("Nothing to undo.", timeout=3)
            return
        select = self.highlighted
        edits = self.edits[:-1]
        try:
            self.preview = self.desk.preview_stage_edits(self.pipeline_id, edits, self.actor)
            self.conflict = None
        except DeskError as err:
            self.conflict = err.message
        self.edits = edits
        self.show_stages(select=select)

    def action_save(self) -> None:
        if not self.edits:
            self.dismiss(False)
            return
        try:
            self.desk.edit_stages(self.pipeline_id, self.edits, self.actor)
        except DeskError as err:
            # S8: all or nothing; the edits stay here to be put right.
            self.app.push_screen(MessageDialog("Nothing was saved", err.message))
            return
        self.dismiss(True)

    def action_back(self) -> None:
        if not self.edits:
            self.dismiss(False)
            return
        n = len(self.edits)

        def discard(yes: bool | None) -> None:
            if yes:
                self.dismiss(False)

        self.app.push_screen(ConfirmDialog(
            "Discard unsaved edits?",
            f"{n} unsaved edit{'' if n == 1 else 's'} to the stages of "
            f"'{self.preview.pipeline.label}' will be lost.", confirm_label="Discard"), discard)


# -- the editor's dialogs ---------------------------------------------------------------


class AddStageDialog(DeskDialog[str | None]):
    """S1: a label and a state. `act(label, state)` keeps the edit and
    returns the new stage's key, or raises the desk's refusal, which is
    shown here while the dialog stays open."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="stages.add.cancel"),
        Binding("ctrl+o", "state('open')", "Open", show=False, id="stages.add.open"),
        Binding("ctrl+l", "state('closed')", "Closed", show=False, id="stages.add.closed"),
    ]

    def __init__(self, act: Callable[[str, StageState], str]) -> None:
        super().__init__()
        self.act = act

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.title_line("Add a stage")
            yield Input(placeholder="Label", id="stage-label")
            with RadioSet(id="stage-state"):
                yield MarkedRadioButton("Open", value=True, id="state-open")
                yield MarkedRadioButton("Closed", id="state-closed")
            yield self.error_line()
            yield self.hint_line("Enter adds · Tab then ← → picks Open or Closed · Esc cancels")
        yield Footer(compact=True)

    @property
    def state(self) -> StageState:
        closed = self.query_one("#state-closed", RadioButton).value
        return StageState.CLOSED if closed else StageState.OPEN

    def action_state(self, state: str) -> None:
        self.query_one(f"#state-{state}", RadioButton).value = True

    @on(Input.Submitted, "#stage-label")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        self._add()

    @on(RadioSet.Changed)
    def _picked(self) -> None:
        self.clear_error()

    def on_key(self, event: Key) -> None:
        # Enter on the Open/Closed choice adds too: the label is above.
        # What the arrows highlight is what Enter picks, then adds.
        if event.key == "enter" and isinstance(self.focused, RadioSet):
            event.stop()
            event.prevent_default()
            self.focused.action_toggle_button()
            self.call_after_refresh(self._add)

    def _add(self) -> None:
        try:
            key = self.act(self.query_one("#stage-label", Input).value, self.state)
        except DeskError as err:
            self.show_error(err.message)
            return
        self.dismiss(key)

    @on(Input.Changed, "#stage-label")
    def _typing(self) -> None:
        self.clear_error()

    def action_cancel(self) -> None:
        self.dismiss(None)


class MoveTicketsDialog(DeskDialog[str | None]):
    """S6: the stage to move a deleted stage's tickets to; dismisses with
    its ref, or None (Escape: the stage is not deleted)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="stages.move_to.cancel")]

    def __init__(self, stage: Stage, held: int, targets: list[tuple[str, Stage]]) -> None:
        super().__init__()
        self.stage = stage
        self.held = held
        self.targets = targets

    def compose(self) -> ComposeResult:
        them = "it" if self.held == 1 else "them"
        tickets = counted(self.held, "ticket")
        with Vertical(classes="dialog"):
            yield self.title_line(Content.assemble("Delete stage '", self.stage.label, "'"))
            moves = "it moves" if self.held == 1 else "they move"
            yield Static(Content(f"It holds {tickets}. Pick the stage to move {them} to; "
                                 f"{moves} when the edits are saved."))
            yield PickList(*(Option(Content(f"{s.label}  ({s.state.value})"), id=ref)
                             for ref, s in self.targets), id="move-targets")
            yield self.hint_line("↑ ↓ choose · Enter moves them and deletes the stage · "
                                 "Esc keeps it")
        yield Footer(compact=True)

    @on(OptionList.OptionSelected, "#move-targets")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
