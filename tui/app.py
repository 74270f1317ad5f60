"""The terminal client: `run(desk)` opens the board of the last pipeline used.

Only this module, tui/commands.py, tui/notices.py, tui/desk_notices.py and
tui/screens, tui/widgets import Textual, and nothing imports them until the
board opens, so `pipedesk --help` and the other commands start fast.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer

from core import LOCAL_ADMIN, Actor, Desk, DeskError, place_of
from core.access import user_of
from core.events import AutomationRan, MessageSent, Notice
from core.remote.status import Syncing
from core.user_config import LoadedConfig, load_user_config
from tui.commands import DeskCommands
from tui.desk_notices import DeskNotices, follow_desk
from tui.memory import last_pipeline
from tui.notices import OneNotice
from tui.screens.board import BoardScreen

# Something to tell the user when the app opens, and how loud.
News = tuple[str, SeverityLevel]

if TYPE_CHECKING:
    from core.automation.courier import Handed
    from core.mail.watching import MailWatch

# How often the desk looks for what other processes wrote. A look costs a
# stat and a short read when nothing changed.
FOLLOW_INTERVAL = 0.5
# How long the feed's thread waits for a change before asking again.
FEED_WAIT = 25.0
FEED_START = 0.5  # seconds after the app starts
# How often delayed steps are looked at and mail and webhooks handed on
# (the delivery itself runs in a thread, so the keys never wait for SMTP).
WORK_INTERVAL = 1.0
# How often the app asks whether to fetch the channels' mail (A1): at once
# when an IMAP server announced new mail (IDLE, core/mail/watching.py),
# else every POLL_SECONDS there (Maildir folders, servers without IDLE).
FETCH_INTERVAL = 0.25
MAIL_POLL_SECONDS = 5.0


class PipedeskApp(App[None]):
    TITLE = "pipedesk"
    # The screens' looks, then the palette's (apart, so that a test's host
    # of one screen loads the first alone).
    CSS_PATH = ["pipedesk.tcss", "palette.tcss"]
    # The command palette offers pipedesk's own commands (tui/commands.py),
    # not Textual's (themes, screenshots). Its footer entry is hidden
    # (palette.tcss): at 80 columns it would take the room of the screen's
    # keys; `?` lists it.
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = {DeskCommands}
    # Every binding has an id, so that a keymap can rebind it later.
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("r", "refresh", "Refresh", id="app.refresh"),
        Binding("exclamation_mark", "notifications", "Notifications", show=False,
                id="app.notifications"),
        # Terminals and tmux may keep Ctrl+P for themselves: `:` reaches
        # every terminal. Not a priority key, so a dialog's fields and the
        # filters take `:` as typed text.
        Binding("colon,ctrl+p", "command_palette", "Commands", show=False,
                id="app.command_palette"),
    ]

    def __init__(self, desk: Desk, actor: Actor = LOCAL_ADMIN,
                 news: Sequence[News] = (), mine: LoadedConfig | None = None) -> None:
        """`news`: what to tell the user on opening (`opening_news`);
        `mine`: the user's own config (core/user_config.py), whose keymap
        replaces the keys of the bindings it names."""
        super().__init__()
        self.desk = desk
        self.actor = actor
        self.mine = mine or LoadedConfig()
        self.news = list(news) + [(problem, "warning") for problem in self.mine.problems]
        if self.mine.config.keymap:
            self.set_keymap(self.mine.config.keymap)
        self._follow_timer: Timer | None = None
        self._delivering = False
        self._fetching = False
        # The desk the fetch thread takes mail in with (made there, on first
        # use): a Desk is not for two threads, and a second one on the same
        # data dir is as another process, behind the same writer lock.
        self._fetch_desk: Desk | None = None
        # IMAP IDLE's news, and the poll's clock (started at the first fetch).
        self._mail_watch: MailWatch | None = None
        self._fetch_problem = OneNotice(self)  # "Mail not fetched"
        self._fetch_said: list[str] = []
        self._unreadable = OneNotice(self)  # "Cannot read the desk"
        # The desk's notices, told to the screens (on mount).
        self.desk_notices: DeskNotices | None = None
        # Why the acting user may no longer use the desk (deactivated or
        # removed while the app was open); "" while they may.
        self.signed_out = ""
        self._stopping = threading.Event()  # the app is ending: threads stop

    def get_default_screen(self) -> Screen[Any]:
        return BoardScreen(self.desk, self.actor, last_pipeline(self.desk))

    def on_mount(self) -> None:
        self._follow_timer = self.set_interval(FOLLOW_INTERVAL, self._follow_tick)
        self.set_interval(WORK_INTERVAL, self.do_work)
        self.set_interval(FETCH_INTERVAL, self.fetch_mail)
        # The one subscription to the desk: screens follow the app's signal.
        self.desk_notices = DeskNotices.of(self, self.desk)
        self.desk_notices.admit = self._admit
        follow_desk(self, self.desk, self._on_notice)
        # Once the board is up: a toast raised before its screen is
        # composed is kept but not shown.
        self.call_after_refresh(self._tell_news)
        if self.mine.config.start == "triage":
            # Over the board (Escape goes to it), and before the first frame:
            # the queue is what is drawn first, not the board a moment before.
            self.action_triage()
        if isinstance(self.desk, Syncing):
            # A desk on a server: its feed is waited on in a thread, so
            # another agent's change shows at once, not at the next tick;
            # started a moment after the first paint (it loads the HTTP
            # client, which would compete with the paint for the interpreter).
            self.set_timer(FEED_START, threading.Thread(
                target=self._watch_server, name="pipedesk-feed", daemon=True).start)

    def _watch_server(self) -> None:
        desk = self.desk
        assert isinstance(desk, Syncing)
        while not self._stopping.is_set():
            if not desk.wait_for_change(FEED_WAIT):
                continue
            try:
                # Run on the app's thread (the desk is the app's), and
                # waited for: the next wait starts from what it took in.
                self.call_from_thread(self.follow_desk)
            except RuntimeError:
                return  # the app has ended

    def on_unmount(self) -> None:
        self._stopping.set()
        if isinstance(self.desk, Syncing):
            self.desk.close()  # its replica kept on disk for the next start
        if self.desk_notices is not None:
            self.desk_notices.close()
        if self._mail_watch is not None:
            self._mail_watch.stop()

    def _tell_news(self) -> None:
        for line, severity in self.news:
            self.notify(line, title="pipedesk", severity=severity, timeout=15,
                        markup=False)
        if self.mine.config.keymap:
            # Knowing every id means importing every screen: after the
            # first paint, and only for a user who remaps keys.
            from tui.binding_ids import every_binding_id, keymap_clashes
            from tui.screens.keys_help import key_name

            for warning in self.mine.unknown_binding_ids(every_binding_id()):
                self.notify(warning, title="Your keys", severity="warning", timeout=15,
                            markup=False)
            # Textual takes the key from the other binding without a word.
            for key, lost in keymap_clashes(self._keymap):
                self.notify(f"{key_name(lost.with_key(key, key_display=None))} no longer does "
                            f"'{lost.description or lost.action}' ({lost.id}): your keymap "
                            "gives that key to another binding of the same screen. Give "
                            "one of them other keys in your config file.",
                            title="Your keys", severity="warning", timeout=15, markup=False)

    def _admit(self, notice: Notice) -> bool:
        """Whether the screens hear of a notice: not once the acting user
        was deactivated or removed (U1), when every query they made would
        be refused. Rights are the desk's to decide (core/access.py): this
        asks it, once per settings change, rather than every screen."""
        if self.signed_out:
            return False
        if not notice.settings:
            return True
        try:
            user_of(self.desk.config, self.actor)
        except DeskError as err:
            self.signed_out = err.message
            if self._follow_timer is not None:
                self._follow_timer.pause()
            self.call_later(self._show_signed_out)
            return False
        return True

    def _show_signed_out(self) -> None:
        from tui.screens.signed_out import SignedOutScreen

        self.push_screen(SignedOutScreen(self.signed_out))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Signed out: the palette, notifications and refresh would all ask
        # the desk as a user it no longer lets in.
        return not self.signed_out or action == "quit"

    def _on_notice(self, notice: Notice) -> None:
        # Mail or a webhook was just handed on here: deliver now rather than
        # at the next tick, so a closing email reaches SMTP in well under a
        # second.
        # A reply (C1) goes at once too.
        if notice.local and any(isinstance(e.event, MessageSent) or
                                isinstance(e.event, AutomationRan) and
                                any(step.result == "queued" for step in e.event.steps)
                                for e in notice.entries):
            self.call_later(self.do_work)

    def do_work(self) -> None:
        """Run delayed steps that came due (quick, here), and start a
        delivery round in a thread when mail or webhooks wait."""
        from core.automation.rounds import has_work

        try:
            self.desk.run_due_steps()
            self.desk.record_breaches()
            waiting = has_work(self.desk)
        except DeskError:
            return  # follow_desk says what is wrong with the files
        if waiting and not self._delivering:
            self._delivering = True
            self.run_worker(self._deliver, thread=True, group="deliver")

    def _deliver(self) -> None:
        desk = self.desk
        try:
            logged = desk.courier().deliver(desk.config.mail, desk.now(),
                                            webhooks=desk.config.webhooks)
        except Exception as err:  # noqa: BLE001 - a thread must report, not vanish
            self.call_from_thread(self.notify, f"Delivery stopped: {err}", severity="error",
                                  markup=False)
            logged = []
        self.call_from_thread(self._delivered, logged)

    def _delivered(self, logged: list[Handed]) -> None:
        self._delivering = False
        try:
            self.desk.record_deliveries(logged)
        except DeskError as err:
            self.notify(err.message, title="Cannot log the delivery", severity="error",
                        markup=False)
        failed = [step for run in logged if isinstance(run, AutomationRan)
                  for step in run.steps if step.result == "failed"]
        if failed:
            self.notify(failed[0].detail, title="Mail or webhook not delivered",
                        severity="warning", timeout=10, markup=False)

    def fetch_mail(self) -> None:
        """Start a fetch round in a thread when a channel has a Maildir or
        an IMAP account (IMAP may take seconds; the keys never wait)."""
        from core.local import data_dir_of

        if self._fetching or data_dir_of(self.desk) is None:
            # A desk kept in memory has no inbox another process could
            # share, and the fetch thread needs a desk of its own.
            return
        if not any(c.maildir is not None or c.imap is not None
                   for c in self.desk.config.channels):
            return
        if self._mail_watch is None:
            from core.mail.watching import MailWatch

            self._mail_watch = MailWatch(lambda: self.desk.config.channels,
                                         poll_seconds=MAIL_POLL_SECONDS)
        if not self._mail_watch.due():
            return
        self._fetching = True
        self.run_worker(self._fetch, thread=True, group="fetch")

    def _fetch(self) -> None:
        from core.local import data_dir_of, open_desk
        from core.mail.sources import fetch_once

        problems: list[str] = []
        try:
            if self._fetch_desk is None:
                data_dir = data_dir_of(self.desk)
                assert data_dir is not None
                self._fetch_desk = open_desk(data_dir, clock=self.desk.now, create=False)
            problems = fetch_once(self._fetch_desk).problems
        except DeskError as err:
            problems = [err.message]
        except Exception as err:  # noqa: BLE001 - a thread must report, not vanish
            problems = [f"Fetching stopped: {err}"]
        self.call_from_thread(self._fetched, problems)

    def _fetched(self, problems: list[str]) -> None:
        """What the thread took in is on disk: the board shows it at the
        next look (follow_desk). A problem is said once, not every round,
        and taken away once a round goes well."""
        self._fetching = False
        if problems == self._fetch_said:
            return
        self._fetch_said = problems
        if problems:
            self._fetch_problem.show("\n".join(problems), title="Mail not fetched",
                                     severity="warning", timeout=15)
        else:
            self._fetch_problem.clear()

    def action_quarantine(self) -> None:
        from tui.screens.quarantine import QuarantineScreen

        if not isinstance(self.screen, QuarantineScreen):
            self.push_screen(QuarantineScreen(self.desk, self.actor))

    def action_search(self) -> None:
        """One query across every pipeline the user sees (docs/search.md)."""
        from tui.screens.search import SearchScreen

        if not isinstance(self.screen, SearchScreen):
            self.open_search("")

    def action_triage(self) -> None:
        """Every open ticket the user sees, most urgent first (issue 17)."""
        from tui.screens.triage import TriageScreen

        if not isinstance(self.screen, TriageScreen):
            self.push_screen(TriageScreen(self.desk, self.actor))

    def open_search(self, query: str) -> None:
        """The search screen on `query` (a saved view, from the palette)."""
        from tui.screens.search import SearchScreen

        self.push_screen(SearchScreen(self.desk, self.actor, query))

    def saved_views(self) -> dict[str, str]:
        return dict(self.mine.config.views)

    def action_contacts(self) -> None:
        from tui.screens.contacts import ContactsScreen

        if not isinstance(self.screen, ContactsScreen):
            self.push_screen(ContactsScreen(self.desk, self.actor))

    def action_people(self) -> None:
        from tui.screens.people import PeopleScreen

        if not isinstance(self.screen, PeopleScreen):
            self.push_screen(PeopleScreen(self.desk, self.actor))

    def action_conflicts(self) -> None:
        """Changes the server refused when they were sent later (docs/sync.md)."""
        from core.remote.status import Syncing
        from tui.screens.conflicts import ConflictsScreen

        if not isinstance(self.desk, Syncing):
            self.notify("Conflicts come of changes made offline on a server's desk; this "
                        "desk is kept on this host.", markup=False)
            return
        if not isinstance(self.screen, ConflictsScreen):
            self.push_screen(ConflictsScreen(self.desk, self.actor))

    def action_tokens(self) -> None:
        """The API tokens (issue 15), from the palette; administrators only,
        as on the users screen (`a`)."""
        from tui.screens.tokens import TokensScreen

        if not isinstance(self.screen, TokensScreen):
            self.push_screen(TokensScreen(self.desk, self.actor))

    def open_ticket(self, ticket_id: str) -> None:
        """The ticket's detail, over whatever screen is open (the palette's
        "Open ticket #id"); a ticket gone or out of sight is said so."""
        from tui.screens.ticket_detail import TicketDetailScreen

        try:
            self.desk.ticket(ticket_id, self.actor)
        except DeskError as err:
            self.notify(err.message, severity="warning", markup=False)
            return
        self.push_screen(TicketDetailScreen(self.desk, self.actor, ticket_id))

    def open_board(self, pipeline_id: str) -> None:
        """The board of a pipeline (the palette's "Board: …"): back to the
        board screen, showing that pipeline."""
        board = self._back_to_board()
        if board is not None:
            board.show_pipeline(pipeline_id)

    def on_board(self, action: str) -> None:
        """Back to the board, then one of its actions (the palette's "Stage
        editor", "Automate tab" …), for the pipeline the board shows."""
        board = self._back_to_board()
        if board is not None:
            board.call_later(board.run_action, action)

    def _back_to_board(self) -> BoardScreen | None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, BoardScreen):
            self.pop_screen()
        return self.screen if isinstance(self.screen, BoardScreen) else None

    def action_notifications(self) -> None:
        from tui.screens.notifications import NotificationsScreen

        if not isinstance(self.screen, NotificationsScreen):
            self.push_screen(NotificationsScreen(self.desk, self.actor))

    def _follow_tick(self) -> None:
        # A server that does not answer is asked less often (Syncing.due).
        if not isinstance(self.desk, Syncing) or self.desk.due():
            self.follow_desk()

    def follow_desk(self) -> bool:
        """Take in what other processes wrote; the screens hear of it as a
        Notice from the desk and redraw what changed. False when the desk
        could not be read."""
        try:
            self.desk.refresh()
        except DeskError as err:
            # A file went bad under us: say so once, not every half second,
            # and show the board as it was until the user presses r. Each r
            # that finds it still bad says so in place of the last notice.
            if self._follow_timer is not None:
                self._follow_timer.pause()
            self._unreadable.show(f"{err.message}\nPress r to try again.",
                                  title="Cannot read the desk", severity="error", timeout=30)
            return False
        # Readable (again): what said it was not is no longer true.
        self._unreadable.clear()
        return True

    def action_refresh(self) -> None:
        if self.follow_desk() and self._follow_timer is not None:
            self._follow_timer.resume()


def opening_news(desk: Desk) -> list[News]:
    """What the app says when it opens: that it made a new desk, and where
    (C4: the first start needs no set-up, but should not look as if it
    found one, so a mistyped --data-dir shows at once), and what loading
    set right or found odd (desk.warnings), which the command line prints
    on stderr."""
    news: list[News] = []
    if desk.created:
        news.append((f"Created a new desk in {place_of(desk)}.", "information"))
    news += [(warning, "warning") for warning in desk.warnings]
    return news


def run(desk: Desk) -> None:
    """Open the app on `desk`, with the user's own keys. What is wrong with
    their config file is said on stderr too, where it stays after the app
    closes."""
    from core.signing_in import current_login

    mine = load_user_config()
    for problem in mine.problems:
        print(f"pipedesk: warning: {problem}", file=sys.stderr)
    # Before the app takes the screen: a login the desk does not know is
    # told so on the command line (exit 1), with whom to ask.
    actor = desk.sign_in(current_login(), mine.config.user, place=f"the desk in {place_of(desk)}")
    app = PipedeskApp(desk, actor, news=opening_news(desk), mine=mine)
    app.run()
    if app.signed_out:
        # Where it stays after the screen is given back.
        print(f"pipedesk: {app.signed_out}", file=sys.stderr)
