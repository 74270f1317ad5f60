"""Widgets of the terminal client; they import Textual, so only screens import them."""
