"""Screens of the terminal client; they import Textual, so only tui.app imports them."""
