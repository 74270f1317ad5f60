"""Automation (A2–A6): what the desk does by itself when a ticket enters a
stage. `actions` is the settings' shape, `engine` runs it, `templates`
renders email, `delays` keeps steps that wait."""
