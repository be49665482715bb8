"""The window's searches for a person (an ID number, a phone, a name) keep their text out of every
address: an address lands in the server's and proxies' access logs, the browser's history and the
Referer sent to the next page. The form sends the text by POST (with its CSRF token); the session
keeps it under a random key, and the list's address names that key, so a reload, the browser's
Back and the status filter still show the same search.

The session is a cookie the browser may keep on disk, signed but readable: the text is put in it
encrypted with a key drawn from the application's secret (Fernet), so the cookie holds no ID number
or phone anyone can read; the text is dropped at sign-in and sign-out (forget)."""
import base64
import hashlib
import secrets
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _

KEY = "searches"
KEPT = 10  # this session's latest searches; an older one's address shows the whole list again
MAX_TEXT = 200  # what a search needs of a number or a name; the cookie carries it on every request


def sent(endpoint: str, **args):
    """The answer to a search form (its text in `q`): the list's address, naming the text by its key."""
    return redirect(url_for(endpoint, found=remember(request.form.get("q", "")), **args), 303)


def shown() -> str:
    """The text of the search the list's address names ("" for none). One this session no longer
    keeps (it ended, or more searches came since) is said to be gone: the whole list is shown."""
    text = recalled(request.args.get("found"))
    if text is None:
        flash(_("这次查找的条件已不再保留，请重新输入查找"), "error")
    return text or ""


def remember(text: str) -> str | None:
    """The key the list's address gives to this search text; None for no text."""
    text = (text or "").strip()[:MAX_TEXT]
    if not text:
        return None
    kept = session.get(KEY) or []
    # The same text again keeps its key (the address of the earlier list, Back, still shows it) and
    # counts as the latest.
    key = next((key for key, sealed in kept if _opened(sealed) == text), None) or secrets.token_urlsafe(6)
    session[KEY] = [*(pair for pair in kept if pair[0] != key), [key, _cipher().encrypt(text.encode()).decode()]][-KEPT:]
    return key


def recalled(key: str | None) -> str | None:
    """The text a key names: "" for no key, None for a key this session no longer keeps."""
    if not key:
        return ""
    return next((_opened(sealed) for kept, sealed in session.get(KEY) or [] if kept == key), None)


def forget() -> None:
    session.pop(KEY, None)


def _cipher() -> Fernet:
    secret = current_app.config["SECRET_KEY"]
    return _drawn(secret.encode() if isinstance(secret, str) else secret)


@lru_cache(maxsize=4)
def _drawn(secret: bytes) -> Fernet:
    """The key drawn from the secret: once, not once for every search kept that is opened."""
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"shenpi window searches\0" + secret).digest()))


def _opened(sealed: str) -> str | None:
    """The text, or None for one sealed under another secret (a key changed since): gone, as an old one."""
    try:
        return _cipher().decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None
