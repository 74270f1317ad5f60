"""The terminal client's side of a team's server (issue 16; docs/sync.md):
speaking to `pipedesk serve` (`core.remote.api`), and signing in to it
(`core.remote.login`)."""
