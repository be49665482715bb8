"""A form sent twice makes one thing, not two: an application one case (Back, then submit
again: the browser fills the form in again, files too; or a reload of the answer), an issued
token's page reloaded no second token. The browser's session remembers, for an hour, a digest of
each form it sent (its address, fields and files) and what it made."""
import hashlib
import time

from flask import g, request, session

KEY, KEPT, KEEP_SECONDS = "sent_forms", 20, 3600


def _digest() -> str:
    digest = hashlib.sha256(request.path.encode())
    for name in sorted(request.form):
        if name != "csrf_token":  # a new page has a new token for the same application
            for value in request.form.getlist(name):
                digest.update(f"{name}={value}\n".encode())
    for name in sorted(request.files):
        for upload in request.files.getlist(name):
            digest.update(f"{name}:{hashlib.sha256(upload.read()).hexdigest()}\n".encode())
            upload.seek(0)  # the view reads it next
    return digest.hexdigest()


def _recent() -> list:
    return [sent for sent in session.get(KEY, []) if time.time() - sent[2] < KEEP_SECONDS]


def made_by() -> dict | None:
    """What this same application made when it was sent before, if it was."""
    g.sent_form = _digest()  # remember() files it under the same digest, files hashed once
    return next((made for sent, made, _at in _recent() if sent == g.sent_form), None)


def remember(**made) -> None:
    """After made_by(), in the same request: what this application made."""
    # A list, newest last: the session's serializer keeps a list's order (a dict's it sorts).
    session[KEY] = [*_recent()[-(KEPT - 1):], [g.sent_form, made, time.time()]]
