"""What the desk takes as an email address: a contact's, and the sender of
its mail (`[mail] from`). One rule for both, so an address the desk keeps is
one it can send to or from."""

from __future__ import annotations

from core.errors import DeskError


def normalise_email(email: str) -> str:
    """`email` trimmed and normalised (the domain in lower case), or a
    DeskError saying why it is no address."""
    # Imported here: only a command that takes an address needs it, and the
    # app's first board does not.
    from email_validator import EmailNotValidError, validate_email

    text = email.strip()
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as err:
        raise DeskError(f"{text!r} is not an email address: {err}") from None
