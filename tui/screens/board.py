"""The board: one pipeline, its stages as columns, its tickets as cards.

Keys move a cursor over the cards and act on the ticket under it; every
change goes through `Desk`, and the board redraws from the desk's notices,
whether the change was made here or in another terminal. Only the columns a
notice touched are repainted, and the cursor stays on its ticket.

Tickets picked with space (`v` the cursor's column, `V` all shown) are the
selection (T6): m, A, E and d act on them all, in one command of the desk
(tui/bulk_actions.py), and Y copies them; Escape clears it. A picked card
is marked; picking one repaints that card, a column its column.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from core import Actor, Desk, DeskError
from core.access import administrators, may_view_ticket
from core.events import Notice, ticket_ids
from core.model import Pipeline
from core.present import count, counted, say, say_value
from core.records import Ticket
from core.remote.status import Syncing
from tui.board_index import BoardIndex
from tui.bulk_actions import BulkKeys
from tui.clocks import CLOCK_INTERVAL
from tui.desk_notices import follow_desk
from tui.memory import remember_pipeline
from tui.notices import OneNotice
from tui.selection import Selection
from tui.widgets.stage_column import StageColumn
from tui.widgets.unread_badge import UnreadBadge

# How often the board asks a desk on a server how it stands; the word a
# card carries while a change to it waits for the server.
SYNC_INTERVAL = 0.5
PENDING = "pending"
EMPTY_DESK_HINT = "No tickets yet — press n to create one, or run `pipedesk demo` for samples"
EMPTY_PIPELINE_HINT = "No tickets in this pipeline yet — press n to create one"
# P6: a user may be allowed to view no pipeline at all (or no longer). The
# board then shows this stand-in, with no stages, until one is theirs.
NO_PIPELINE = Pipeline.model_construct(id="", label="No pipeline you may view", stages=[])
# What needs a pipeline of the board's own.
PIPELINE_ACTIONS = frozenset({"new", "stages", "cards", "automate"})

# Narrower than this and "Waiting on contact" no longer fits a column. When
# the stages do not fit side by side at this width, the columns keep it and
# the board scrolls sideways with the cursor.
MIN_COLUMN_WIDTH = 20


def acting_user(desk: Desk, actor: Actor) -> Content:
    """Who is acting, as the board's title line says it (issue 14): the
    user's name, marked when they are an administrator."""
    user = desk.me(actor)
    if user.role == "administrator":
        return Content.assemble((user.name, "bold"), " (admin)")
    return Content.styled(user.name, "bold")


class BoardScreen(BulkKeys, Screen[None]):
    # The keys act on the board; the filter field takes focus only on `/`.
    AUTO_FOCUS = ""
    # Every binding has an id, so that a keymap can rebind it later; arrows
    # and h/j/k/l both move, as in a terminal's other tools.
    BINDINGS = [
        Binding("left,h", "cursor(-1, 0)", "Left", show=False, id="board.left"),
        Binding("right,l", "cursor(1, 0)", "Right", show=False, id="board.right"),
        Binding("up,k", "cursor(0, -1)", "Up", show=False, id="board.up"),
        Binding("down,j", "cursor(0, 1)", "Down", show=False, id="board.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="board.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="board.page_down"),
        Binding("home,g", "ends(-1)", "First card", show=False, id="board.first"),
        Binding("end,G", "ends(1)", "Last card", show=False, id="board.last"),
        Binding("enter", "open", "Open", id="board.open"),
        Binding("n", "new", "New", id="board.new"),
        Binding("m", "move", "Move", id="board.move"),
        Binding("less_than_sign", "step(-1)", "◀", tooltip="Move one stage left",
                id="board.move_left"),
        Binding("greater_than_sign", "step(1)", "▶", tooltip="Move one stage right",
                id="board.move_right"),
        Binding("d", "delete", "Delete", id="board.delete"),
        Binding("slash", "filter", "Filter", id="board.filter"),
        Binding("s", "app.search", "Search", show=False, id="board.search"),
        Binding("T", "app.triage", "Triage queue", show=False, id="board.triage"),
        Binding("y", "copy_ticket", "Copy ticket", show=False, id="board.copy_ticket"),
        Binding("Y", "copy_view", "Copy the board", show=False, id="board.copy_view"),
        Binding("p", "pipelines", "Pipelines", id="board.pipelines"),
        Binding("question_mark", "keys", "Keys", id="board.keys"),
        # After ? on purpose: at 80 columns the footer ends about here, and
        # ? (which lists every key) must stay in view.
        Binding("e", "stages", "Stages", id="board.stages"),
        Binding("c", "cards", "Cards", show=False, id="board.cards"),
        Binding("P", "properties", "Properties", show=False, id="board.properties"),
        Binding("C", "app.contacts", "Contacts", show=False, id="board.contacts"),
        Binding("U", "app.people", "Users and teams", show=False, id="board.people"),
        Binding("M", "app.quarantine", "Mail quarantine", show=False,
                id="board.quarantine"),
        Binding("a", "automate", "Automate", show=False, id="board.automate"),
        Binding("X", "app.conflicts", "Conflicts", show=False, id="board.conflicts"),
        # The selection (T6): space picks the card under the cursor (and
        # goes on to the next), v the cursor's column, V all the board shows.
        Binding("space", "pick", "Select", show=False, id="board.select"),
        Binding("v", "pick_column", "Select the column", show=False,
                id="board.select_column"),
        Binding("V", "pick_all", "Select all shown", show=False, id="board.select_all"),
        Binding("A", "assign_to_me", "Assign to me", show=False, id="board.assign_to_me"),
        Binding("E", "edit", "Owner, team, priority", show=False, id="board.edit"),
        Binding("escape", "clear", "Clear selection/filter", show=False,
                id="board.clear_filter"),
    ]

    def __init__(self, desk: Desk, actor: Actor, pipeline_id: str | None = None) -> None:
        super().__init__(id="board")
        self.desk = desk
        self.actor = actor
        self.index = BoardIndex(desk, actor, self._pipeline(pipeline_id))
        self.column = 0  # the cursor's column
        # The tickets picked for a bulk action, by id (T6): tickets of this
        # board (the filter may hide some; the title counts those).
        self.selection = Selection()
        # The tickets a change waits for the server for (a desk on a server).
        self._pending: frozenset[str] = frozenset()
        # Where the cursor's ticket went, when another terminal took it away.
        self._where_notice = OneNotice(self)

    # -- layout -------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # The title line: the pipeline on the left; who is acting, and the
        # unread count when there is one, on the right.
        with Horizontal(id="board-top"):
            yield Static(self._title(), id="pipeline-title")
            yield Static(id="board-sync")
            yield Static(acting_user(self.desk, self.actor), id="board-user")
            yield UnreadBadge(self.desk, self.actor)
        yield Static(self._hint(), id="board-hint")
        with Horizontal(id="stage-columns"):
            yield from self._columns()
        yield Input(placeholder="Filter: subject, contact or #id — Enter keeps it, "
                    "Escape clears", id="board-filter")
        yield Footer(compact=True)

    def _columns(self) -> list[StageColumn]:
        return [StageColumn(stage, self.index.tickets(stage.id), self.index.total(stage.id),
                            self._details, self.selection)
                for stage in self.index.pipeline.stages]

    def on_mount(self) -> None:
        follow_desk(self, self.desk, self.on_desk_notice)
        if isinstance(self.desk, Syncing):
            # A desk on a server: whether it answers, what waits, the
            # conflicts (docs/sync.md); asked often, it costs a few reads.
            self._show_sync()
            self.set_interval(SYNC_INTERVAL, self._show_sync)
        self._after_layout()
        self._remember()
        self.call_after_refresh(self._prepare_search)
        self.set_interval(CLOCK_INTERVAL, self.times_moved)

    def times_moved(self) -> None:
        """The cards in view drawn again: their ages and SLA clocks move
        on with no change on the desk (tui/clocks.py)."""
        for column in self.columns:
            column.refresh()

    def _prepare_search(self) -> None:
        self.run_worker(self.index.prepare_search, thread=True, exclusive=True,
                        group="search")

    def on_resize(self) -> None:
        self._after_layout()

    def _after_layout(self) -> None:
        columns = self.columns
        crowded = len(columns) * MIN_COLUMN_WIDTH > self.app.size.width
        self.query_one("#stage-columns").set_class(crowded, "crowded")
        self.column = max(0, min(self.column, len(columns) - 1))
        for n, column in enumerate(columns):
            column.set_active(n == self.column)
        self._update_texts()

    @property
    def columns(self) -> list[StageColumn]:
        return list(self.query(StageColumn))

    @property
    def pipeline(self) -> Pipeline:
        return self.index.pipeline

    @property
    def selected(self) -> Ticket | None:
        columns = self.columns
        return columns[self.column].selected if columns else None

    def _pipeline(self, pipeline_id: str | None) -> Pipeline:
        pipelines = self.desk.pipelines(self.actor)
        found = next((p for p in pipelines if p.id == pipeline_id), None)
        return found or (pipelines[0] if pipelines else NO_PIPELINE)

    def _title(self) -> Content:
        if self.pipeline is NO_PIPELINE:
            return Content.styled(self.pipeline.label, "bold")
        total = sum(self.index.total(s.id) for s in self.pipeline.stages)
        title = Content.assemble((self.pipeline.label, "bold"), f" · {counted(total, 'ticket')}")
        if self.selection:
            # Before the filter's words, which a narrow title cuts first.
            said = self.selection.said()
            if self.index.filter:
                hidden = sum(1 for t in self.selection if not self.index.shows(t))
                said += f", {count(hidden)} hidden" if hidden else ""
            title = Content.assemble(title, " · ", (said, "bold reverse"))
        if self.index.filter:
            shown = sum(self.index.count(s.id) for s in self.pipeline.stages)
            title = Content.assemble(
                title, f" · filter “{self.index.filter}”: {count(shown)} shown")
        return title

    def _hint(self) -> str:
        if self.pipeline is NO_PIPELINE:
            return ("You may view no pipeline; ask an administrator "
                    f"({administrators(self.desk.config)}) for access")
        if any(self.index.total(s.id) for s in self.pipeline.stages):
            return ""
        return EMPTY_DESK_HINT if not self.desk.state.tickets else EMPTY_PIPELINE_HINT

    def _update_texts(self) -> None:
        self.query_one("#pipeline-title", Static).update(self._title())
        hint = self._hint()
        widget = self.query_one("#board-hint", Static)
        widget.update(hint)
        widget.display = bool(hint)
        # Whom to ask must be read whole, however long the names.
        widget.set_class(self.pipeline is NO_PIPELINE, "-whole")

    def _details(self, ticket: Ticket) -> str:
        """The card's second line: the ticket's SLA clock where one runs,
        the pipeline's card properties (P7), after "pending" while a change
        to the ticket waits for the server."""
        now = self.desk.now()
        config = self.desk.config
        values = (say(config, ticket, name, now) for name in self.pipeline.card_properties
                  if name != "subject")
        line = " · ".join(v for v in values if v)
        clock = self.desk.sla_clocks()(ticket)
        if clock is not None:  # issue 17: first, since it is what presses
            said = clock.card()
            line = f"{said} · {line}" if line else said
        if ticket.id in self._pending:
            return f"{PENDING} · {line}" if line else PENDING
        return line

    def _show_sync(self) -> None:
        """The title line's word on the server, and the cards' pending marks."""
        assert isinstance(self.desk, Syncing)
        status = self.desk.sync_status()
        said = status.said(self.desk.now())
        sync = self.query_one("#board-sync", Static)
        sync.update(Content.styled(said, "bold reverse") if said else "")
        sync.display = bool(said)
        if status.pending != self._pending:
            changed = status.pending ^ self._pending
            self._pending = status.pending
            for column in self.columns:
                for ticket_id in changed:
                    column.repaint_ticket(ticket_id)

    # -- following the desk -----------------------------------------------------

    def on_desk_notice(self, notice: Notice) -> None:
        columns = self.columns
        held = columns[self.column].selected if columns else None
        home = columns[self.column].stage.id if columns else ""
        change = self.index.apply(notice)
        if change.rebuilt:
            self.show_pipeline(self.index.pipeline.id, keep=held.id if held else None)
            return
        if self.selection:
            # A picked ticket deleted, or moved out of this board, is no
            # longer picked; only the tickets of the notice are asked about.
            changed = {t for entry in notice.entries for t in ticket_ids(entry.event)}
            self.selection.discard([t for t in changed if self.index.where(t) is None])
        by_id = {c.stage.id: c for c in columns}
        for stage_id in change.stages:
            column = by_id.get(stage_id)
            if column is not None:
                column.show(column.stage, self.index.tickets(stage_id),
                            self.index.total(stage_id))
        for ticket_id in change.tickets:
            for column in by_id.values():
                column.repaint_ticket(ticket_id)
        if held is not None and change.stages:
            # A change this board made itself (a key here, its automation)
            # needs no words; another process's does.
            self._follow(held, home, tell=not notice.local)
        self._update_texts()

    def _follow(self, ticket: Ticket, home: str, tell: bool) -> None:
        """Keep the cursor on its ticket after the columns changed: at its
        new row, or in its new column if that is in view; else on the card
        that came after it in its old column (`home`), saying where it went."""
        columns = self.columns
        where = self.index.position(ticket.id)
        if where is not None:
            stage_id, row = where
            n = next(n for n, c in enumerate(columns) if c.stage.id == stage_id)
            if stage_id == home or self._in_view(columns[n]):
                self._activate(n)
                columns[n].move_cursor(row)
                if stage_id != home and tell:
                    self._say_where(ticket)
                return
        neighbour = self.index.neighbour(home, ticket)
        if neighbour is not None:
            columns[self.column].move_cursor(neighbour)
        if tell:
            self._say_where(ticket)

    def _in_view(self, column: StageColumn) -> bool:
        """Whether a column is wholly on screen (a crowded board scrolls
        sideways, and leaves some out)."""
        region = column.region
        return bool(region) and self.query_one("#stage-columns").region.contains_region(region)

    def _say_where(self, ticket: Ticket) -> None:
        """Where the cursor's ticket went, for the user who was on it."""
        config = self.desk.config
        current = self.desk.state.tickets.get(ticket.id)
        if current is None:
            text = f"#{ticket.id} was deleted in another terminal"
        elif not may_view_ticket(config, self.actor, current):
            text = f"#{ticket.id} is no longer shown to you"
        elif current.pipeline != self.pipeline.id:
            text = (f"#{ticket.id} moved to {say_value(config, 'pipeline', current.pipeline)} / "
                    f"{say_value(config, 'stage', current.stage)}")
        else:
            text = f"#{ticket.id} moved to {say_value(config, 'stage', current.stage)}"
            if self.index.position(ticket.id) is None and self.index.filter:
                text += " (hidden by the filter)"
        self._where_notice.show(text)

    def show_pipeline(self, pipeline_id: str, keep: str | None = None) -> None:
        """Open another pipeline's board (or the same one, rebuilt)."""
        self.index = BoardIndex(self.desk, self.actor, self._pipeline(pipeline_id))
        self.selection.keep_only(lambda t: self.index.where(t) is not None)
        container = self.query_one("#stage-columns")
        container.remove_children()
        container.mount_all(self._columns())
        self._remember()
        self._update_texts()  # the title's count, the hint (no pipeline left to view, U3)
        self.call_after_refresh(self._after_layout)
        self.call_after_refresh(self._prepare_search)
        if keep is not None:
            self.call_after_refresh(self._put_cursor_on, keep)

    def _remember(self) -> None:
        if self.pipeline is not NO_PIPELINE:
            remember_pipeline(self.desk, self.pipeline.id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.pipeline is not NO_PIPELINE or action not in PIPELINE_ACTIONS

    def _put_cursor_on(self, ticket_id: str) -> None:
        """The cursor goes to a ticket wherever this board shows it (after
        the user's own move, a new ticket, a rebuilt board)."""
        where = self.index.position(ticket_id)
        columns = self.columns
        if where is None:
            return
        stage_id, row = where
        target = next((n for n, c in enumerate(columns) if c.stage.id == stage_id), None)
        if target is None:
            return
        self._activate(target)
        columns[target].move_cursor(row)

    # -- moving the cursor ----------------------------------------------------------

    def _activate(self, n: int) -> None:
        columns = self.columns
        if not columns:
            return
        n = max(0, min(n, len(columns) - 1))
        if n != self.column:
            columns[self.column].set_active(False)
            self.column = n
        columns[n].set_active(True)
        columns[n].scroll_visible()

    def action_cursor(self, dx: int, dy: int) -> None:
        if dx:
            columns = self.columns
            if not columns:
                return
            row = columns[self.column].cursor - columns[self.column].top
            self._activate(self.column + dx)
            # Land on the same screen row in the new column, as far as it goes.
            new = columns[self.column]
            new.move_cursor(new.top + row)
        if dy:
            column = self.columns[self.column]
            column.move_cursor(column.cursor + dy)

    def action_page(self, direction: int) -> None:
        column = self.columns[self.column]
        column.move_cursor(column.cursor + direction * column.cards_in_view)

    def action_ends(self, direction: int) -> None:
        column = self.columns[self.column]
        column.move_cursor(0 if direction < 0 else len(column.tickets) - 1)

    # -- acting on tickets ------------------------------------------------------------

    def action_open(self) -> None:
        ticket = self.selected
        if ticket is None:
            return
        from tui.screens.ticket_detail import TicketDetailScreen

        self.app.push_screen(TicketDetailScreen(self.desk, self.actor, ticket.id))

    def action_copy_ticket(self) -> None:
        """Hand-over: the ticket under the cursor, to the clipboard (OSC 52)."""
        from tui.handing_over import copy_ticket

        if self.selected is not None:
            copy_ticket(self.app, self.desk, self.selected)

    def action_copy_view(self) -> None:
        """Hand-over: the selection, else every ticket the board shows
        (filtered), to the clipboard."""
        from tui.handing_over import copy_summary

        shown = self.picked_tickets() if self.selection else self._shown()
        title = self.pipeline.label + (f" (filter “{self.index.filter}”)"
                                       if self.index.filter else "")
        copy_summary(self.app, self.desk, f"{title}, selected" if self.selection else title,
                     shown)

    def _shown(self) -> list[Ticket]:
        return [t for stage in self.pipeline.stages for t in self.index.tickets(stage.id)]

    # -- the selection (T6) ---------------------------------------------------------

    def picked_tickets(self) -> list[Ticket]:
        """The selection's tickets in board order, those the filter hides
        too."""
        picked = self.selection
        return [t for stage in self.pipeline.stages
                for t in self.index.columns[stage.id].tickets if t.id in picked]

    def targets(self) -> list[Ticket]:
        """What a key acts on: the selection, else the card under the cursor."""
        if self.selection:
            return self.picked_tickets()
        return [self.selected] if self.selected is not None else []

    def action_pick(self) -> None:
        """Space: the card under the cursor in or out; the cursor goes on
        to the next card, so that a run is picked with space, space …"""
        columns = self.columns
        ticket = self.selected
        if ticket is None:
            return
        self.selection.toggle(ticket.id)
        column = columns[self.column]
        column.repaint_ticket(ticket.id)
        column.move_cursor(column.cursor + 1)
        self._update_texts()

    def action_pick_column(self) -> None:
        """v: every card of the cursor's column (as filtered) in, or out
        when all of them were in."""
        columns = self.columns
        if not columns:
            return
        column = columns[self.column]
        self.selection.toggle_all([t.id for t in column.tickets])
        column.refresh()
        self._update_texts()

    def action_pick_all(self) -> None:
        """V: every card the board shows in, or out when all were in."""
        self.selection.toggle_all([t.id for t in self._shown()])
        self._repaint_marks()

    def _repaint_marks(self) -> None:
        for column in self.columns:
            column.refresh()  # the cards on screen, not the column's list
        self._update_texts()

    def bulk_done(self) -> None:
        """A bulk change made: the selection has done its work."""
        if self.selection.clear():
            self._repaint_marks()

    def action_clear(self) -> None:
        """Escape: the selection first, then the filter."""
        if self.selection.clear():
            self._repaint_marks()
            return
        self.action_clear_filter()

    def action_new(self) -> None:
        from tui.screens.ticket_form import CreateTicketDialog

        stage = self.pipeline.stages[self.column]

        def created(ticket_id: str | None) -> None:
            if ticket_id:
                self._put_cursor_on(ticket_id)

        self.app.push_screen(CreateTicketDialog(self.desk, self.actor, self.pipeline.id,
                                                stage.id), created)

    def action_move(self, stage_id: str | None = None) -> None:
        from tui import bulk_actions

        if self.selection:
            bulk_actions.move(self.app, self.desk, self.actor, self.picked_tickets(),
                              stage_id, self.bulk_done)
            return
        ticket = self.selected
        if ticket is None:
            return
        bulk_actions.move(self.app, self.desk, self.actor, [ticket], stage_id,
                          lambda: self._put_cursor_on(ticket.id))

    def action_step(self, direction: int) -> None:
        """`<` / `>`: one stage left or right. A stage that asks for
        properties (S7) gets them through the move dialog."""
        if self.selection:
            # The selection may span columns: one stage on is no one stage.
            self.notify("< and > move one ticket; m moves the selected ones, "
                        "Esc clears the selection.", title="Tickets selected",
                        severity="warning", markup=False)
            return
        ticket = self.selected
        stages = self.pipeline.stages
        target = self.column + direction
        if ticket is None or not 0 <= target < len(stages):
            return
        stage = stages[target]
        if stage.properties:
            self.action_move(stage.id)
            return
        try:
            self.desk.move_ticket(ticket.id, stage.id, self.actor)
        except DeskError as err:
            self.notify(err.message, title="Not moved", severity="error", markup=False)
            return
        self._put_cursor_on(ticket.id)

    # -- pipelines, keys ----------------------------------------------------------------

    def action_pipelines(self) -> None:
        from tui.screens.pipelines import PipelineSelectScreen

        def chosen(pipeline_id: str | None) -> None:
            if pipeline_id is not None:
                self.column = 0
                self.show_pipeline(pipeline_id)

        self.app.push_screen(PipelineSelectScreen(self.desk, self.actor, self.pipeline.id),
                             chosen)

    def action_stages(self) -> None:
        """The stage editor of this pipeline; the board follows its save
        through the desk's notice, like any other settings change."""
        from tui.screens.stage_editor import StageEditorScreen

        self.app.push_screen(StageEditorScreen(self.desk, self.actor, self.pipeline.id))

    def action_cards(self) -> None:
        """P7: the properties on this pipeline's cards."""
        from tui.screens.card_properties import CardPropertiesDialog

        self.app.push_screen(CardPropertiesDialog(self.desk, self.actor, self.pipeline.id))

    def action_properties(self) -> None:
        from tui.screens.properties import PropertiesScreen

        self.app.push_screen(PropertiesScreen(self.desk, self.actor))

    def action_automate(self) -> None:
        from tui.screens.automate import AutomateScreen

        self.app.push_screen(AutomateScreen(self.desk, self.actor, self.pipeline.id))

    def action_keys(self) -> None:
        from tui.screens.keys_help import KeysHelpScreen, ids_of, keys_of

        self.app.push_screen(KeysHelpScreen(keys_of(self), ids_of(self)))

    # -- the filter ------------------------------------------------------------------

    def action_filter(self) -> None:
        field = self.query_one("#board-filter", Input)
        field.display = True
        field.focus()

    def action_clear_filter(self) -> None:
        field = self.query_one("#board-filter", Input)
        if not field.display and not self.index.filter:
            return
        field.value = ""
        field.display = False
        self._apply_filter("")
        self.set_focus(None)

    @on(Input.Changed, "#board-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._apply_filter(event.value)

    @on(Input.Submitted, "#board-filter")
    def _filter_kept(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            event.input.display = False
        self.set_focus(None)

    def key_escape(self, event: Any) -> None:
        # Escape inside the filter field clears it (the field has focus,
        # so the screen binding would not see it).
        if self.query_one("#board-filter", Input).has_focus:
            event.stop()
            self.action_clear_filter()

    def _apply_filter(self, text: str) -> None:
        keep = self.selected
        self.index.set_filter(text)
        for column in self.columns:
            column.show(column.stage, self.index.tickets(column.stage.id),
                        self.index.total(column.stage.id))
        if keep is not None:
            self._put_cursor_on(keep.id)
        self._update_texts()
