"""电子印章 on written notices. Art. 32 of the Administrative Licensing Law: the written proof of
acceptance or refusal bears the office's seal (专用印章) and its date; the product seals every
notice it issues, as it is issued, with the key and signing of the result documents (engine/seals.py).

The seal signs what the notice prints: its kind, number, case, applicant, item, issuing department
(code and name) and date, the template it was issued in (kind and version) and the key
(its fingerprint), and a digest of the rest of its facts as printed (reasons, dates, amounts, the ID
numbers). Anyone holding the code sees the signed facts on the public verification page, so the
digest is salted (the salt is kept with the seal and never shown): no one can try ID numbers
against it. A calendar change moves a correction or payment notice's date (engine/recount.py),
which keeps the printed one: that is the one signed, so the seal still holds.

A notice issued before migration 0028 has no seal and is given none: signing it later would date
it by that day's key, not by the day it was issued.
"""
import base64
import hashlib
import os

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import catalogue, clock, seals
from engine.services.users import department_names
from engine.store.db import read_session
from engine.store.models import Case, Notice

# The version of each kind's printed form (web/templates/notices/<kind>.html): raise a kind's when
# its wording changes, so that a sealed notice says which wording it was issued in.
TEMPLATES = {"acceptance": "1", "refusal": "1", "correction": "1", "review_correction": "1", "extension": "1",
             "special": "1", "termination": "1", "rejection": "1", "non_approval": "1", "payment": "1",
             "receipt": "1", "revocation": "1", "thing_acceptance": "1", "thing_refusal": "1",
             "renewal_deemed": "1"}


def seal(session: Session, notice: Notice) -> None:
    """Seal a notice as it is issued (its row flushed: its date is set)."""
    salt = os.urandom(16)
    department = notice.data["department"]
    facts = {**_printed(notice), "issuer_name": department_names(session).get(department) or department,
             "template": f"{notice.kind}@{TEMPLATES[notice.kind]}", "key": seals.fingerprint(),
             "data_sha256": _digest(salt, notice.data)}
    notice.seal_code, kept = seals.sign(facts)
    notice.seal = {**kept, "salt": base64.b64encode(salt).decode()}


def _printed(notice: Notice) -> dict:
    """What the notice prints, read from its row: the signed facts a verification compares."""
    data = notice.data
    return {"kind": notice.kind, "number": notice.number, "case": data["case_number"], "holder": data["applicant"],
            "item": data["item"], "issuer": data["department"],
            "issued_on": notice.issued_at.astimezone(clock.SHANGHAI).date().isoformat()}  # the date printed


def _digest(salt: bytes, data: dict) -> str:
    """The notice's facts as printed: a date a calendar change moved is printed as first given."""
    if "printed_due_on" in data:
        data = {**{k: v for k, v in data.items() if k != "printed_due_on"}, "due_on": data["printed_due_on"]}
    return hashlib.sha256(salt + seals.canonical(data)).hexdigest()


def verify(code: str) -> dict | None:
    """The signed facts of the notice with this code, and whether its seal holds over the notice
    as it is kept now; None if no notice has this code. What it gives a notice's holder prints
    on the notice too (no ID number)."""
    with read_session() as session:
        notice = session.scalar(select(Notice).where(Notice.seal_code == seals.code_of(code)))
        if notice is None:
            return None
        kept, facts = notice.seal, notice.seal["facts"]
        matches = {key: facts.get(key) for key in _printed(notice)} == _printed(notice) \
            and facts["data_sha256"] == _digest(base64.b64decode(kept["salt"]), notice.data)
        words = catalogue.decision_words(session.get(Case, notice.case_id).item.data)
        from engine.notices import voided  # which seals every notice through this module
        return {"code": notice.seal_code, "valid": seals.holds(kept) and matches, "notice": True,
                "void": voided(session, notice),
                "decision_words": words, "signature": kept["signature"],
                "signed": seals.canonical(facts).decode(), **facts}
