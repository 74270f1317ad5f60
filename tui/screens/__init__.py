"""Screens of the terminal client; they import Textual, so only tui.app imports them."""

from tui import screen_text

# Before any screen draws: text from the desk never drives the terminal.
screen_text.install()
