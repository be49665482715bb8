"""A form sent twice (Back, then submit again) makes one case, not two: each application form
carries a one-time value, and the browser's session remembers what each value made."""
import secrets

from flask import session

KEY, KEPT = "sent_forms", 20


def new_value() -> str:
    return secrets.token_urlsafe(16)


def made_by(form) -> dict | None:
    """What this form made when it was sent before, if it was."""
    return session.get(KEY, {}).get(form.get("submission", ""))


def remember(form, **made) -> None:
    value = form.get("submission")
    if value:
        kept = list(session.get(KEY, {}).items())[-(KEPT - 1):]
        session[KEY] = dict(kept + [(value, made)])
