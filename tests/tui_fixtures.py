"""What the screens' tests share: the stylesheet a host app loads.

A test runs one screen or dialog in a small host app instead of the whole
PipedeskApp; the screens' looks are in the app's stylesheet
(tui/pipedesk.tcss), so the host loads it too and draws them as the app does.
"""

from __future__ import annotations

from pathlib import Path, PurePath

import tui

SCREENS_CSS = str(Path(tui.__file__).with_name("pipedesk.tcss"))
# And the palette's, which hides the palette's footer entry as the app does:
# a host drawing a screen's footer shows the keys the app would.
APP_CSS: list[str | PurePath] = [SCREENS_CSS, Path(tui.__file__).with_name("palette.tcss")]
