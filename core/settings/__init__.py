"""The settings commands as pure functions on a draft of the settings.

Each function takes a copy of the desk's settings (`DeskConfig`) and the
command's arguments, changes the copy, and returns what the command
returns; a rule it breaks raises `DeskError`, and the caller throws the
copy away. Nothing here reads a file, holds a lock or asks who acts:
`Desk._change_settings` checks access, runs one of these on a draft, checks
the standing rules (`core/rules.py`) and saves the draft whole. So a rule is
written once, is testable with a `DeskConfig` built in memory, and a later
server or a preview runs the very same function.

One module per topic: `pipelines` (P2-P5, P7, T3 / A2 and A5 switches),
`properties` (property definitions, S7's stage properties), `automation`
(A4's actions), `templates` (A4a), `mail` (where mail goes, A4a, and where
webhooks may call, A4c) and `people` (U1). Stage edits (S1-S8)
have the same shape in `core/stage_edits.py`.
"""
