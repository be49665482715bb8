"""An application sent twice makes one case, not two: Back, then submit again (the browser fills
the form in again, files too), or a reload of the answer. The browser's session remembers, for an
hour, a digest of each application it sent (its address, fields and files) and what it made."""
import hashlib
import time

from flask import request, session

KEY, KEPT, KEEP_SECONDS = "sent_forms", 20, 3600


def _digest() -> str:
    digest = hashlib.sha256(request.path.encode())
    for name in sorted(request.form):
        if name != "csrf_token":  # a new page has a new token for the same application
            for value in request.form.getlist(name):
                digest.update(f"{name}={value}\n".encode())
    for name in sorted(request.files):
        for upload in request.files.getlist(name):
            upload.seek(0)  # the view may have read it already, or reads it next
            digest.update(f"{name}:{hashlib.sha256(upload.read()).hexdigest()}\n".encode())
            upload.seek(0)
    return digest.hexdigest()


def _recent() -> list:
    return [sent for sent in session.get(KEY, []) if time.time() - sent[2] < KEEP_SECONDS]


def made_by() -> dict | None:
    """What this same application made when it was sent before, if it was."""
    digest = _digest()
    return next((made for sent, made, _at in _recent() if sent == digest), None)


def remember(**made) -> None:
    # A list, newest last: the session's serializer keeps a list's order (a dict's it sorts).
    session[KEY] = [*_recent()[-(KEPT - 1):], [_digest(), made, time.time()]]
