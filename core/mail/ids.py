"""Our own Message-IDs, which say which ticket they belong to, signed.

Every message the desk sends carries a Message-ID of the form
`pd.TICKET.RANDOM.SIGNATURE@DOMAIN`: a reply to it (In-Reply-To, References)
threads to TICKET even when the desk kept no record of that message (mail
sent by automation from another process, a journal restored from backup).
The signature is an HMAC of TICKET and RANDOM under the desk's own key
(`Store.mail_key`), so nobody outside can write an id that threads a
message into a ticket of their choosing, and our own mail coming back in
is known for what it is.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

_OWN = re.compile(r"pd\.(\d{1,15})\.([0-9a-z]{8,32})\.([0-9a-f]{20})@")


def own_message_id(ticket: str, key: bytes, domain: str) -> str:
    """A new Message-ID for mail on `ticket` (without angle brackets)."""
    nonce = secrets.token_hex(8)
    return f"pd.{ticket}.{nonce}.{_signature(ticket, nonce, key)}@{domain or 'localhost'}"


def ticket_of_own_id(message_id: str, key: bytes) -> str | None:
    """The ticket an id of ours names, if it is ours and its signature holds."""
    found = _OWN.match(message_id.strip().lower())
    if found is None:
        return None
    ticket, nonce, signature = found.groups()
    if not hmac.compare_digest(signature, _signature(ticket, nonce, key)):
        return None
    return ticket


def _signature(ticket: str, nonce: str, key: bytes) -> str:
    return hmac.new(key, f"{ticket}.{nonce}".encode(), hashlib.sha256).hexdigest()[:20]


def new_key() -> bytes:
    return secrets.token_bytes(32)
