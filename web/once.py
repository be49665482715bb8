"""A form sent twice (Back, then submit again) makes one case, not two: each application form
carries a one-time value, and the browser's session remembers what each value made."""
import secrets

from flask import session

KEY, KEPT = "sent_forms", 20


def new_value() -> str:
    return secrets.token_urlsafe(16)


def made_by(form) -> dict | None:
    """What this form made when it was sent before, if it was."""
    value = form.get("submission")
    return next((made for sent, made in session.get(KEY, []) if value and sent == value), None)


def remember(form, **made) -> None:
    # A list, newest last: the session's serializer keeps a list's order (a dict's it sorts).
    value = form.get("submission")
    if value:
        session[KEY] = [*session.get(KEY, [])[-(KEPT - 1):], [value, made]]
