"""The Automate tab (key `a` on a board): one pipeline's automation.

The close-date switch (A2 / T3), the chat switch (A5), and each stage with
its action sequence (A4). Administrators add, edit, move and delete actions;
everyone may read them and leave comments (A4d). For anyone else the desk
refuses a change (A4e) and the tab says so up front. Templates and the log
are a key away.

Rows are keyed: `stage:<id>`, `action:<stage id>:<path>` and, for a
branch's arm, `arm:<stage id>:<path of the arm>`, so that a key adds right
there.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Footer, Static

from core import Actor, Desk, DeskError, access
from core.automation.actions import (
    Action,
    Branch,
    Path,
    arm_at,
    parse_path,
    path_text,
    sequence_at,
)
from core.events import Notice
from core.model import Pipeline, Stage
from core.present import say_action, when
from tui.screens.action_dialog import ActionDialog
from tui.screens.dialogs import DeskDialog, LabelPrompt, MessageDialog
from tui.screens.table_screen import TableScreen, cursor_bindings
from tui.widgets.unread_badge import UnreadBadge


class AutomateScreen(TableScreen[None]):
    AUTO_FOCUS = "#automate-table"
    BINDINGS = [
        Binding("escape", "back", "Back", id="automate.back"),
        Binding("n", "add", "Add", id="automate.add"),
        Binding("e", "edit", "Edit", id="automate.edit"),
        Binding("d", "delete", "Delete", id="automate.delete"),
        Binding("c", "comment", "Comment", id="automate.comment"),
        Binding("t", "templates", "Templates", id="automate.templates"),
        Binding("l", "log", "Log", id="automate.log"),
        Binding("x", "switch_close_date", "Close date", show=False, id="automate.close_date"),
        Binding("z", "switch_chat", "Chat", show=False, id="automate.chat"),
        Binding("K", "move(-1)", "Move up", show=False, id="automate.move_up"),
        Binding("J", "move(1)", "Move down", show=False, id="automate.move_down"),
        *cursor_bindings("automate"),
        Binding("enter", "edit", "Edit", show=False, priority=True, id="automate.open"),
    ]

    def __init__(self, desk: Desk, actor: Actor, pipeline_id: str) -> None:
        super().__init__(desk, actor)
        self.pipeline_id = pipeline_id

    @property
    def pipeline(self) -> Pipeline:
        return self.desk.pipeline(self.pipeline_id, self.actor)

    @property
    def may_change(self) -> bool:
        return access.may_administer(self.desk.config, self.actor)

    def compose(self) -> ComposeResult:
        yield UnreadBadge(self.desk, self.actor)
        yield Static(classes="screen-title", id="automate-title")
        yield Static(classes="screen-line", id="automate-switches")
        yield Static(classes="screen-line", id="automate-hint")
        table = DataTable[Text](cursor_type="row", id="automate-table", classes="desk-table")
        table.add_columns("Stage / action", "Comments")
        yield table
        yield Static(id="automate-comments")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.follow_desk(self._on_notice)
        self.show()

    def _on_notice(self, notice: Notice) -> None:
        if notice.settings and self.is_mounted:
            self.show(select=self.highlighted)

    # -- drawing --------------------------------------------------------------

    def show(self, select: str | None = None) -> None:
        p = self.pipeline
        title = f"Automate — {p.label}"
        if not self.may_change:
            title += " (read-only)"
        self.query_one("#automate-title", Static).update(Content(title))
        self.query_one("#automate-switches", Static).update(Content(
            f"x Close date set on moves into Closed: {_on(p.automation.close_date)}  ·  "
            f"z Chat tickets run actions: {_on(p.automation.include_chat)}"))
        hint = ("n add after · e edit · d delete · K J move · c comment · t templates · l log"
                if self.may_change else
                "Only administrators may change automation (A4e); c comments, l log")
        self.query_one("#automate-hint", Static).update(Content(hint))
        table = self.table
        row_before = table.cursor_row
        table.clear()
        for stage in p.stages:
            table.add_row(Text(f"{stage.label} ({stage.state.value})", style="bold"),
                          Text(""), key=f"stage:{stage.id}")
            self._rows(stage, stage.actions, (), 1)
        keys = [str(k.value) for k in table.rows]
        target = keys.index(select) if select in keys else min(row_before, len(keys) - 1)
        table.move_cursor(row=max(0, target), animate=False)
        self._show_comments()

    def _rows(self, stage: Stage, actions: list[Action], base: Path, depth: int) -> None:
        table = self.table
        indent = "  " * depth
        if not actions and not base:
            table.add_row(Text(f"{indent}(no actions — n adds one)", style="italic"),
                          Text(""), key=f"arm:{stage.id}:")
        for n, action in enumerate(actions):
            path = (*base, n)
            comments = f"{len(action.comments)} \u270e" if action.comments else ""
            said = say_action(self.desk.config, action)
            table.add_row(Text(f"{indent}{n + 1}. {said}"), Text(comments),
                          key=f"action:{stage.id}:{path_text(path)}")
            if isinstance(action, Branch):
                for side, arm in (("then", action.then), ("else", action.otherwise)):
                    label = "then" if side == "then" else "else"
                    table.add_row(Text(f"{indent}  {label}:", style="italic"), Text(""),
                                  key=f"arm:{stage.id}:{path_text(path)}.{side}")
                    self._rows(stage, arm, (*path, side), depth + 2)

    def on_data_table_row_highlighted(self) -> None:
        self._show_comments()

    def _show_comments(self) -> None:
        found = self._action()
        box = self.query_one("#automate-comments", Static)
        if found is None or not found[2].comments:
            box.update(Content("No comments on this row · c adds one" if found
                               else "Choose an action to see its comments"))
            return
        lines = [f"\u201c{c.text}\u201d \u2014 {c.author}, {when(c.at)}"
                 for c in found[2].comments[-3:]]
        box.update(Content("\n".join(lines)))

    # -- what the cursor is on ------------------------------------------------

    def _where(self) -> tuple[str, str, str] | None:
        """(row kind, stage id, path text) of the highlighted row."""
        key = self.highlighted
        if key is None:
            return None
        kind, stage_id, path = (*key.split(":", 2), "")[:3]
        return kind, stage_id, path

    def _action(self) -> tuple[Stage, Path, Action] | None:
        where = self._where()
        if where is None or where[0] != "action":
            return None
        stage = self.pipeline.stage(where[1])
        if stage is None:
            return None
        path = parse_path(where[2])
        try:
            holder, index = sequence_at(stage.actions, path)
        except (IndexError, ValueError):
            return None
        return stage, path, holder[index]

    def _insert_at(self) -> tuple[str, Path] | None:
        """Where n adds: after the action under the cursor, first in an arm,
        or at the end of a stage."""
        where = self._where()
        if where is None:
            return None
        kind, stage_id, text = where
        stage = self.pipeline.stage(stage_id)
        if stage is None:
            return None
        if kind == "action":
            path = parse_path(text)
            return stage_id, (*path[:-1], int(path[-1]) + 1)
        if kind == "arm" and text:
            outer = parse_path(text + ".1")[:-1]
            return stage_id, (*outer, len(arm_at(stage.actions, outer)))
        return stage_id, (len(stage.actions),)

    # -- keys -----------------------------------------------------------------

    def _may_change_or_say(self) -> bool:
        """A4e before a dialog opens: the desk's own refusal, in its words."""
        try:
            access.require_admin(self.desk.config, self.actor, "change automation")
        except DeskError as err:
            self._refused(err)
            return False
        return True

    def _refused(self, err: DeskError) -> None:
        self.app.push_screen(MessageDialog("Not changed", err.message))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_add(self) -> None:
        spot = self._insert_at()
        if spot is None:
            return
        stage_id, at = spot
        if not self._may_change_or_say():
            return
        stage = self.pipeline.stage(stage_id)
        label = stage.label if stage else stage_id

        def act(action: Action) -> None:
            self.desk.add_action(self.pipeline_id, stage_id, action, self.actor, at=at)

        self.app.push_screen(
            ActionDialog(f"New action in '{label}', position {path_text(at)}",
                         self.desk.config, act),
            lambda saved: self.show(select=f"action:{stage_id}:{path_text(at)}")
            if saved is not None else None)

    def action_edit(self) -> None:
        found = self._action()
        if found is None:
            if (self._where() or ("",))[0] in ("stage", "arm"):
                self.action_add()
            return
        stage, path, action = found
        if not self._may_change_or_say():
            return

        def act(changed: Action) -> None:
            self.desk.edit_action(self.pipeline_id, stage.id, path, changed, self.actor)

        self.app.push_screen(
            ActionDialog(f"Action {path_text(path)} of '{stage.label}'", self.desk.config,
                         act, action))

    def action_delete(self) -> None:
        found = self._action()
        if found is None:
            return
        stage, path, action = found

        def chosen(and_after: bool | None) -> None:
            if and_after is None:
                return
            try:
                self.desk.remove_action(self.pipeline_id, stage.id, path, self.actor,
                                        and_after)
            except DeskError as err:
                self._refused(err)

        holder, index = sequence_at(stage.actions, path)
        after = len(holder) - index - 1
        said = say_action(self.desk.config, action)
        self.app.push_screen(DeleteActionDialog(said, after), chosen)

    def action_move(self, offset: int) -> None:
        found = self._action()
        if found is None:
            return
        stage, path, _ = found
        try:
            moved = self.desk.move_action(self.pipeline_id, stage.id, path, offset, self.actor)
        except DeskError as err:
            self._refused(err)
            return
        self.show(select=f"action:{stage.id}:{path_text(moved)}")

    def action_comment(self) -> None:
        found = self._action()
        if found is None:
            return
        stage, path, action = found

        def act(text: str) -> str:
            self.desk.comment_action(self.pipeline_id, stage.id, path, text, self.actor)
            return text

        said = say_action(self.desk.config, action)
        self.app.push_screen(LabelPrompt(f"Comment on: {said}", act,
                                         placeholder="Your comment, for every user to read"))

    def action_switch_close_date(self) -> None:
        self._switch(lambda on: self.desk.set_close_date_rule(self.pipeline_id, on,
                                                                self.actor),
                     not self.pipeline.automation.close_date)

    def action_switch_chat(self) -> None:
        self._switch(lambda on: self.desk.set_chat_rule(self.pipeline_id, on, self.actor),
                     not self.pipeline.automation.include_chat)

    def _switch(self, change: object, on: bool) -> None:
        try:
            change(on)  # type: ignore[operator]
        except DeskError as err:
            self._refused(err)

    def action_templates(self) -> None:
        from tui.screens.templates import TemplatesScreen

        self.app.push_screen(TemplatesScreen(self.desk, self.actor))

    def action_log(self) -> None:
        from tui.screens.automation_log import AutomationLogScreen

        self.app.push_screen(AutomationLogScreen(self.desk, self.actor, self.pipeline_id))


def _on(flag: bool) -> str:
    return "on" if flag else "off"


class DeleteActionDialog(DeskDialog[bool | None]):
    """A4d: delete only this action, or this one and all after it.
    Dismisses with False (only this), True (and after) or None."""

    BINDINGS = [
        Binding("o", "only", "Only this", id="delete_action.only"),
        Binding("a", "and_after", "And all after", id="delete_action.and_after"),
        Binding("escape", "cancel", "Cancel", id="delete_action.cancel"),
    ]

    def __init__(self, action: str, after: int) -> None:
        super().__init__()
        self.action_text = action
        self.after = after

    def compose(self) -> ComposeResult:
        from textual.containers import Vertical

        more = (("1 action follows it." if self.after == 1 else
                 f"{self.after} actions follow it.")
                if self.after else "It is the last of its sequence.")
        with Vertical(classes="dialog"):
            yield self.title_line("Delete action?")
            yield Static(Content(f"{self.action_text}\n{more}"), classes="dialog-message")
            yield self.hint_line("o only this action · a this and all after it · Esc cancel")
        yield Footer(compact=True)

    def action_only(self) -> None:
        self.dismiss(False)

    def action_and_after(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(None)
