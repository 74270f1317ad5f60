"""How often a screen redraws what time alone changes: a card's age, an SLA
clock's time left (issue 17), a ticket going from soon due to breached in
the triage queue. The desk's notices redraw what a change touched; this is
for the minutes that pass with no change. Each screen redraws only what it
shows (the board: the cards in view)."""

CLOCK_INTERVAL = 30.0  # seconds
