"""The move dialog (T2): pick a stage of the ticket's pipeline, or another
pipeline and one of its stages; then, if that stage asks for properties
(S7), fill them in before the move.

Three steps on one dialog, one shown at a time:

- *stage*: the stages of a pipeline, with Open / Closed, the one the ticket
  is in marked, and what each stage asks for; "Another pipeline…" (or `p`)
  leads to the next step.
- *pipeline*: the pipelines; picking one lists its stages.
- *properties*: the chosen stage's properties, prefilled with the ticket's
  values; Enter or Ctrl+S moves.

A stage that asks for nothing moves at once when picked. The board opens
the dialog with a stage already chosen for `<` / `>` into a stage with
properties; the dialog then starts at the properties step. The desk decides
every move: a refusal shows inside the dialog, and nothing moves.

Given the tickets a screen selected (T6), it moves them all in one
`Desk.bulk_move`: S7's properties are asked once for the lot, each field
starting with the tickets' common value (one they differ in starts empty,
and left empty each keeps its own); one ticket the desk refuses refuses the
lot, and the refusal, naming it, shows here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.widgets import Button, Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from core import Actor, Desk, DeskError
from core.model import Pipeline, Stage
from core.present import counted
from core.records import Ticket
from core.remote.status import Queued
from core.text import show_line
from tui.screens.dialogs import DeskDialog
from tui.widgets.pick_list import PickList
from tui.widgets.property_form import (
    FormField,
    PropertyForm,
    changed_values,
    common_values,
    typed_value,
)

Step = Literal["stage", "pipeline", "properties"]

# The last option of a stage list, when there is another pipeline to go to.
OTHER_PIPELINE = "other-pipeline"
# Stage labels are padded to line up Open / Closed, up to this width.
LABEL_WIDTH = 24


class _PickList(PickList):
    # Enter is the list's own key; shown in the footer, it says what it does
    # here.
    BINDINGS = [Binding("enter", "select", "Choose", id="move.choose")]


class MoveTicketDialog(DeskDialog[bool]):
    """`MoveTicketDialog(desk, actor, ticket_id, stage_id=None)`: moves one
    ticket; given the Ticket records a screen selected instead of an id,
    all of them (T6). With `stage_id` that stage is preselected (and its
    properties asked for at once, if it has any). Dismisses with True once
    moved, False when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="move.cancel"),
        Binding("p", "pick_pipeline", "Other pipeline", id="move.pipeline"),
        # Enter in a one-line field moves too; Ctrl+S works from every field,
        # long text included, and the Move button is a third way.
        Binding("ctrl+s", "move", "Move", id="move.move"),
    ]

    def __init__(self, desk: Desk, actor: Actor, ticket_id: str | Sequence[Ticket],
                 stage_id: str | None = None) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor
        # Raises DeskError for a ticket the actor cannot see, before anything
        # is drawn. A screen's selection comes as the tickets it shows: the
        # desk checks every one of them again as it moves them.
        self.tickets = ([desk.ticket(ticket_id, actor)] if isinstance(ticket_id, str)
                        else list(ticket_id))
        self.ticket = self.tickets[0]
        self.many = len(self.tickets) > 1
        # The stage they are all in; None when they are in several.
        stages = {t.stage for t in self.tickets}
        self.now_stage = self.ticket.stage if len(stages) == 1 else None
        self.initial: dict[str, str] = {}
        self.pipeline: Pipeline = desk.pipeline(self.ticket.pipeline, actor)
        self.target: Stage | None = None
        self.step: Step = "stage"
        if stage_id is not None:
            # Stage ids are unique in the desk, so the id names its pipeline.
            self.pipeline, self.target = desk.stage(stage_id, actor)
            if self.target.properties:
                self.step = "properties"

    # -- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            subject = show_line(self.ticket.subject)  # one line, however it is stored
            yield self.title_line(Content(f"Move {counted(len(self.tickets), 'ticket')}"
                                          if self.many else f"Move #{self.ticket.id} {subject}"))
            yield Static(self._now_in(), id="move-from")
            yield Static(id="move-heading")
            yield _PickList(id="move-stages")
            yield _PickList(id="move-pipelines")
            yield Vertical(id="move-properties")
            yield self.error_line()
            yield self.hint_line("")
            with Horizontal(classes="dialog-buttons", id="move-buttons"):
                yield Button("Move", id="move-move", variant="primary", compact=True)
                yield Button("Other stage", id="move-back", compact=True)
                yield Button("Cancel", id="move-cancel", compact=True)
        yield Footer(compact=True)

    async def on_mount(self) -> None:
        if self.step == "properties" and self.target is not None:
            await self._ask_properties(self.target)
        else:
            self._show_stages(self.pipeline, highlight=self.target)

    def _now_in(self) -> Content:
        if self.now_stage is None:
            stages = len({t.stage for t in self.tickets})
            return Content(f"Now in {stages} stages")
        try:
            pipeline, stage = self.desk.stage(self.now_stage, self.actor)
        except DeskError:
            return Content(f"Now in stage {self.now_stage}")
        return Content.assemble("Now in ", pipeline.label, " / ", (stage.label, "bold"),
                                f" ({_state(stage)})")

    def _show(self, step: Step, heading: Content, hint: str) -> None:
        self.step = step
        self.query_one("#move-stages").display = step == "stage"
        self.query_one("#move-pipelines").display = step == "pipeline"
        self.query_one("#move-properties").display = step == "properties"
        self.query_one("#move-buttons").display = step == "properties"
        self.query_one("#move-heading", Static).update(heading)
        self.query_one("#dialog-hint", Static).update(Content(hint))
        self.clear_error()
        self.refresh_bindings()

    # -- step: stage ----------------------------------------------------------------

    def _show_stages(self, pipeline: Pipeline, highlight: Stage | None = None) -> None:
        self.pipeline = pipeline
        stages = self.query_one("#move-stages", _PickList)
        stages.clear_options()
        stages.add_options(self._stage_options(pipeline))
        if highlight is None:
            highlight = self._next_stage(pipeline)
        if highlight is not None:
            stages.highlighted = stages.get_option_index(highlight.id)
        more = " · p another pipeline" if self._other_pipelines() else ""
        self._show("stage",
                   Content.assemble("To which stage of ", (pipeline.label, "bold"), "?"),
                   f"↑↓ choose · Enter moves{more} · Esc cancels")
        stages.focus()

    def _stage_options(self, pipeline: Pipeline) -> list[Option | None]:
        width = min(LABEL_WIDTH, max(len(s.label) for s in pipeline.stages))
        options: list[Option | None] = []
        for stage in pipeline.stages:
            here = stage.id == self.now_stage
            label = stage.label if len(stage.label) <= width else stage.label[:width - 1] + "…"
            asks = self._asks(stage)
            note = "← now here" if here else (f"asks {asks}" if asks else "")
            prompt = Content.assemble(label.ljust(width), "  ", _state(stage).ljust(6), "  ",
                                      (note, "italic"))
            # Moving to where it is changes nothing, so it cannot be picked.
            options.append(Option(prompt, id=stage.id, disabled=here))
        if self._other_pipelines():
            options.append(None)
            options.append(Option(Content("Another pipeline…"), id=OTHER_PIPELINE))
        return options

    def _asks(self, stage: Stage) -> str:
        """What a stage asks for, as the form marks it: "Resolution*"."""
        names = []
        for sp in stage.properties:
            try:
                label = self.desk.property(sp.name).label
            except DeskError:
                label = sp.name
            names.append(label + ("*" if sp.required else ""))
        return ", ".join(names)

    def _next_stage(self, pipeline: Pipeline) -> Stage | None:
        """The stage to start on: the one after the ticket's (the usual
        move), else the first one it is not in."""
        ids = [s.id for s in pipeline.stages]
        if self.now_stage in ids:
            at = ids.index(self.now_stage)
            if at + 1 < len(ids):
                return pipeline.stages[at + 1]
        return next((s for s in pipeline.stages if s.id != self.now_stage), None)

    def _other_pipelines(self) -> bool:
        return len(self.desk.pipelines(self.actor)) > 1

    @on(OptionList.OptionSelected, "#move-stages")
    async def _stage_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id == OTHER_PIPELINE:
            self.action_pick_pipeline()
            return
        stage = self.pipeline.stage(event.option_id or "")
        if stage is None:
            return
        if stage.properties:
            await self._ask_properties(stage)
        else:
            self.move_to(stage, {})

    # -- step: pipeline ---------------------------------------------------------------

    def action_pick_pipeline(self) -> None:
        pipelines = self.query_one("#move-pipelines", _PickList)
        pipelines.clear_options()
        for pipeline in self.desk.pipelines(self.actor):
            here = all(t.pipeline == pipeline.id for t in self.tickets)
            note = "← now here" if here else ""
            pipelines.add_option(Option(Content.assemble(pipeline.label, "  ",
                                                         (note, "italic")), id=pipeline.id))
        pipelines.highlighted = pipelines.get_option_index(self.pipeline.id)
        self._show("pipeline", Content("To which pipeline?"),
                   "↑↓ choose · Enter lists its stages · Esc cancels")
        pipelines.focus()

    @on(OptionList.OptionSelected, "#move-pipelines")
    def _pipeline_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._show_stages(self.desk.pipeline(event.option_id or "", self.actor))

    # -- step: properties -------------------------------------------------------------

    async def _ask_properties(self, stage: Stage) -> None:
        self.target = stage
        fields: list[FormField] = []
        for sp in stage.properties:
            try:
                fields.append((self.desk.property(sp.name), sp.required))
            except DeskError:
                continue  # archived since; the desk says so if it matters
        mixed: set[str] = set()
        if self.many:
            self.initial, mixed = common_values(self.tickets, [p.name for p, _ in fields])
        else:
            self.initial = {prop.name: typed_value(self.ticket, prop.name)
                            for prop, _ in fields}
        box = self.query_one("#move-properties", Vertical)
        await box.remove_children()
        form = PropertyForm(fields, self.desk.config, self.initial, mixed=mixed,
                            id="move-form")
        await box.mount(form)
        self._show("properties",
                   Content.assemble("To ", (f"{self.pipeline.label} / {stage.label}", "bold"),
                                    f" ({_state(stage)}); the stage asks for:"),
                   "* required · Enter or Ctrl+S moves · Tab next field · Esc cancels")
        form.focus_first()

    @property
    def form(self) -> PropertyForm | None:
        try:
            return self.query_one("#move-form", PropertyForm)
        except NoMatches:
            return None

    def action_move(self) -> None:
        form = self.form
        if self.step == "properties" and self.target is not None and form is not None:
            self.move_to(self.target, form.values())

    @on(Input.Submitted)
    def _enter_in_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_move()

    @on(Button.Pressed, "#move-move")
    def _move_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_move()

    @on(Button.Pressed, "#move-back")
    def _back_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._show_stages(self.pipeline, highlight=self.target)

    @on(Button.Pressed, "#move-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    # -- moving -------------------------------------------------------------------------

    def move_to(self, stage: Stage, values: dict[str, str | None]) -> None:
        try:
            if self.many:
                # One command for the lot, all or none (T6); what the user
                # left as it started is each ticket's own.
                self.desk.bulk_move([t.id for t in self.tickets], stage.id, self.actor,
                                    pipeline=self.pipeline.id,
                                    values=changed_values(values, self.initial))
            else:
                self.desk.move_ticket(self.ticket.id, stage.id, self.actor,
                                      pipeline=self.pipeline.id, values=values)
        except Queued as err:  # the server away: it waits, and shows (docs/sync.md)
            self.app.notify(err.message, title="Waits for the server", severity="warning",
                            markup=False)
            self.dismiss(True)
            return
        except DeskError as err:
            self.show_error(err.message)
            form = self.form
            if self.step == "properties" and form is not None:
                form.focus_first(empty_required=True)
            return
        if self.many:
            self.app.notify(f"Moved {counted(len(self.tickets), 'ticket')} to "
                            f"{show_line(self.pipeline.label)} / {show_line(stage.label)}.",
                            markup=False)
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "move":
            return self.step == "properties"
        if action == "pick_pipeline":
            return self.step == "stage" and self._other_pipelines()
        return True


def _state(stage: Stage) -> str:
    return "Open" if stage.is_open else "Closed"
