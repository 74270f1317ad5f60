"""The Automate tab (key `a` on a board): one pipeline's automation.

The close-date switch (A2 / T3), the chat switch (A5), each stage with its
action sequence (A4), the SLA targets per priority, the stages where their
clocks stop and the SLA breach actions (issue 17: `e` sets a target, `n`
adds an action the breach runs), and below them the pipeline's connected channels (A1:
`o` switches whether new mail creates tickets) and its two email triggers
(A3a / A3b: `o` switches one, `s` picks the stage it moves to).
Administrators add, edit, move and delete actions; everyone may read them
and leave comments (A4d); for anyone else the desk refuses a change (A4e)
and the tab says so up front. Templates and the log are a key away.

Rows are keyed: `stage:<id>`, `action:<stage id>:<path>` and, for a
branch's arm, `arm:<stage id>:<path of the arm>`, so that a key adds right
there; `section:<name>` heads the mail sections, `channel:<address>` and
`trigger:<name>` ("email-sent", "customer-replied") are their rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.css.query import NoMatches
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
from core.model import Channel, Pipeline, PipelineSla, Stage
from core.present import say_action, source_of, when
from core.settings.automation import SLA_BREACH
from core.settings.channels import TRIGGERS, channel_home
from core.settings.sla import SLA_PRIORITIES
from core.text import show_line
from tui.screens.action_dialog import ActionDialog
from tui.screens.dialogs import DeskDialog, LabelPrompt, MessageDialog
from tui.screens.table_screen import TableScreen, cursor_bindings
from tui.widgets.unread_badge import UnreadBadge


@dataclass
class Breach:
    """A pipeline's SLA breach actions (issue 17), drawn and changed as a
    stage's sequence is: the desk names it `SLA_BREACH`."""

    actions: list[Action]
    id: str = SLA_BREACH
    label: str = PipelineSla.label


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
        # Shown (and working) on a channel's or a trigger's row only.
        Binding("o", "switch_row", "On/off", id="automate.switch"),
        Binding("s", "trigger_stage", "Stage", id="automate.trigger_stage"),
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
        self._sla_rows(p)
        self._mail_rows(p)
        keys = [str(k.value) for k in table.rows]
        target = keys.index(select) if select in keys else min(row_before, len(keys) - 1)
        table.move_cursor(row=max(0, target), animate=False)
        self._show_comments()

    def _rows(self, stage: Stage | Breach, actions: list[Action], base: Path, depth: int) -> None:
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

    def _sequence(self, ref: str) -> Stage | Breach | None:
        """A stage of the pipeline, or its SLA breach actions."""
        if ref == SLA_BREACH:
            return Breach(self.pipeline.sla.actions)
        return self.pipeline.stage(ref)

    def _sla_rows(self, p: Pipeline) -> None:
        """Issue 17: the SLA targets per priority (e sets one), the stages
        where the clocks stop (e), and what a breach runs (n adds)."""
        table = self.table
        table.add_row(Text("SLA targets (e sets)", style="bold"), Text(""),
                      key="section:sla")
        for level in SLA_PRIORITIES:
            target = p.sla.targets.get(level)  # type: ignore[call-overload]
            said = (f"respond {target.respond or '—'} · resolve {target.resolve or '—'}"
                    if target is not None else "no target")
            table.add_row(Text(f"  {level.capitalize()}: {said}"), Text(""),
                          key=f"sla:{level}")
        stops = ", ".join(self._stage_label(p, s) for s in p.sla.waiting or ()) or "no stage"
        table.add_row(Text(show_line(f"  Clocks stop in: {stops}")), Text(""),
                      key="sla:waiting")
        breach = Breach(p.sla.actions)
        table.add_row(Text(f"{breach.label} (a clock runs out)", style="bold"), Text(""),
                      key=f"stage:{SLA_BREACH}")
        self._rows(breach, breach.actions, (), 1)

    def _edit_sla(self, level: str) -> None:
        p = self.pipeline
        if level == "waiting":
            held = ", ".join(self._stage_label(p, s) for s in p.sla.waiting or ())

            def stops(text: str) -> str:
                words = [w.strip() for w in text.split(",") if w.strip()]
                self.desk.set_sla_waiting(self.pipeline_id, words, self.actor)
                return "sla:waiting"

            self.app.push_screen(LabelPrompt(
                "Stages where the SLA clocks stop (comma between; empty for none)", stops,
                held, placeholder="Waiting on contact"),
                lambda done: self.show(select="sla:waiting") if done else None)
            return
        target = p.sla.targets.get(level)  # type: ignore[call-overload]
        held = (f"{target.respond or '-'} {target.resolve or '-'}" if target is not None
                else "")

        def set_target(text: str) -> str:
            words = text.split()
            if len(words) != 2:
                raise DeskError("Give two durations, to respond and to resolve in, such as "
                                "30m 4h; - for none.")
            self.desk.set_sla_target(self.pipeline_id, level, self.actor, respond=words[0],
                                     resolve=words[1])
            return f"sla:{level}"

        self.app.push_screen(LabelPrompt(
            f"{level.capitalize()}: respond in, resolve in (such as 30m 4h; - for none)",
            set_target, held, placeholder="30m 4h"),
            lambda done: self.show(select=f"sla:{level}") if done else None)

    def _mail_rows(self, p: Pipeline) -> None:
        """A1 / A3: the channels into this pipeline and its email triggers."""
        table = self.table
        table.add_row(Text("Connected channels", style="bold"), Text(""),
                      key="section:channels")
        channels = self._channels()
        if not channels:
            table.add_row(Text("  (none — pipedesk channel add email ADDRESS --pipeline "
                               f"{p.id})", style="italic"), Text(""), key="section:no-channels")
        for channel in channels:
            home = channel_home(self.desk.config, channel)
            where = home[1].label if home is not None else "(its pipeline is gone)"
            table.add_row(Text(show_line(
                f"  {channel.address} → {where}"
                f" · create tickets: {_on(channel.create_tickets)}")), Text(""),
                key=f"channel:{channel.address}")
        table.add_row(Text("Email triggers", style="bold"), Text(""), key="section:triggers")
        for name, (field, said) in TRIGGERS.items():
            trigger = getattr(p.automation, field)
            table.add_row(Text(show_line(
                f"  {said} → {self._stage_label(p, trigger.stage)}: {_on(trigger.on)}")),
                Text(""), key=f"trigger:{name}")

    def _channels(self) -> list[Channel]:
        return [c for c in self.desk.channels(self.actor) if c.pipeline == self.pipeline_id]

    @staticmethod
    def _stage_label(p: Pipeline, stage_id: str | None) -> str:
        stage = p.stage(stage_id) if stage_id is not None else None
        return stage.label if stage is not None else "(no stage: s picks one)"

    def on_data_table_row_highlighted(self) -> None:
        self._show_comments()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("switch_row", "trigger_stage"):
            try:
                kind = (self._where() or ("",))[0]
            except NoMatches:  # asked before the table is there
                return True
            return kind == "trigger" or (kind == "channel" and action == "switch_row")
        return True

    def _show_comments(self) -> None:
        box = self.query_one("#automate-comments", Static)
        mail = self._mail_row_said()
        if mail is not None:
            box.update(Content(mail))
            return
        found = self._action()
        if found is None or not found[2].comments:
            box.update(Content("No comments on this row · c adds one" if found
                               else "Choose an action to see its comments"))
            return
        lines = [f"\u201c{c.text}\u201d \u2014 {c.author}, {when(c.at)}"
                 for c in found[2].comments[-3:]]
        box.update(Content("\n".join(lines)))

    def _mail_row_said(self) -> str | None:
        """Below the table, for a channel or trigger row: what it does and
        its keys; None for any other row."""
        where = self._where()
        if where is None:
            return None
        kind, ref, _ = where
        if kind == "section":
            return ("A1: mail to these addresses comes into this pipeline" if
                    ref in ("channels", "no-channels") else
                    "A3: moves a ticket when mail on it is sent or received")
        if kind == "channel":
            channel = next((c for c in self._channels() if c.address == ref), None)
            if channel is None:
                return None
            return show_line(f"Source: {source_of(channel)}") + (
                "\no: new mail creates tickets on / off (replies on a ticket still land)")
        if kind == "trigger":
            return ("o: switch it on / off · s or Enter: the stage it moves the ticket to"
                    if ref in TRIGGERS else None)
        return None

    # -- what the cursor is on ------------------------------------------------

    def _where(self) -> tuple[str, str, str] | None:
        """(row kind, stage id, path text) of the highlighted row."""
        key = self.highlighted
        if key is None:
            return None
        kind, stage_id, path = (*key.split(":", 2), "")[:3]
        return kind, stage_id, path

    def _action(self) -> tuple[Stage | Breach, Path, Action] | None:
        where = self._where()
        if where is None or where[0] != "action":
            return None
        stage = self._sequence(where[1])
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
        stage = self._sequence(stage_id)
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
        stage = self._sequence(stage_id)
        label = stage.label if stage else stage_id

        def act(action: Action) -> None:
            self.desk.add_action(self.pipeline_id, stage_id, action, self.actor, at=at)

        self.app.push_screen(
            ActionDialog(f"New action in '{label}', position {path_text(at)}",
                         self.desk.config, act),
            lambda saved: self.show(select=f"action:{stage_id}:{path_text(at)}")
            if saved is not None else None)

    def action_edit(self) -> None:
        kind, ref, _ = self._where() or ("", "", "")
        if kind == "sla":
            if self._may_change_or_say():
                self._edit_sla(ref)
            return
        if kind == "trigger":
            self.action_trigger_stage()
            return
        if kind == "channel":
            self.action_switch_row()
            return
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

    def action_switch_row(self) -> None:
        """o: a channel's create-tickets switch (A1), or a trigger's (A3)."""
        where = self._where()
        if where is None:
            return
        kind, ref, _ = where
        if kind == "channel":
            channel = next((c for c in self._channels() if c.address == ref), None)
            if channel is not None:
                self._switch(lambda on: self.desk.set_channel_create_tickets(
                    channel.address, on, self.actor), not channel.create_tickets)
        elif kind == "trigger" and ref in TRIGGERS:
            trigger = getattr(self.pipeline.automation, TRIGGERS[ref][0])
            self._switch(lambda on: self.desk.set_email_trigger(
                self.pipeline_id, ref, self.actor, on=on), not trigger.on)

    def action_trigger_stage(self) -> None:
        """s: the stage a trigger moves its ticket to (A3a / A3b)."""
        from tui.screens.stage_picker import StagePicker

        where = self._where()
        if where is None or where[0] != "trigger" or where[1] not in TRIGGERS:
            return
        name = where[1]
        if not self._may_change_or_say():
            return
        field, said = TRIGGERS[name]
        pipeline = self.pipeline

        def picked(stage_id: str | None) -> None:
            if stage_id is None:
                return
            try:
                self.desk.set_email_trigger(self.pipeline_id, name, self.actor,
                                            stage=stage_id)
            except DeskError as err:
                self._refused(err)

        self.app.push_screen(StagePicker(f"{said}: move the ticket to", pipeline,
                                         getattr(pipeline.automation, field).stage), picked)

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
