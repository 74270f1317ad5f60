"""Widgets of the terminal client; they import Textual, so only screens import them."""

from tui import screen_text

# Before any widget draws: text from the desk never drives the terminal.
screen_text.install()
