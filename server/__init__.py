"""`pipedesk serve`: the same `core.Desk` over HTTP.

A compatible subset of the CRM's v3 pipelines and tickets API (under
`/crm/v3/`), pipedesk's own endpoints for the terminal client and the change
feed (under `/pipedesk/v1/`). Every route is thin: it parses, asks the desk
as the token's user (`server/auth.py`), and answers; every rule, access
included, is the desk's. docs/server.md is the user's page.
"""
