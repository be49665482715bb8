"""电子印章: the decision's document of a decided case (the licence, the written decision) is
sealed, so anyone holding it can check it is the office's (电子证照, verifiable). The departments'
working papers are not; nor is a higher authority's decision an escalated case records (上报件:
that authority seals its own). Written notices are sealed with the same key and signing
(engine/notice_seals.py).

A seal is an Ed25519 signature over the document's facts (case, holder, item, issuing department,
file name, SHA-256, date), kept with the material, with a short verification code printed beside
the document. A code says what the office issued under it (the paper in hand must match those
facts); the file itself says also that not a byte has changed. Either way the signature is
checked with the office's public key, which anyone may download, with the signature and the
signed facts, to check a seal offline.

The key is a PEM file (SHENPI_SEAL_KEY_FILE, by default seal_key.pem in the instance folder),
made on first use; servers that share a database must share it.
"""
import base64
import hashlib
import json
import os
import unicodedata
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.config import seal_key_file
from engine.errors import Invalid
from engine.services.users import department_names
from engine.store.db import read_session
from engine.store.models import Case, Material

CODE_LENGTH = 16  # characters of base32, in groups of four: XXXX-XXXX-XXXX-XXXX


def _private_key() -> Ed25519PrivateKey:
    return _key_at(seal_key_file())


@lru_cache(maxsize=4)  # read once per process, not from disk at every seal and every check
def _key_at(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        try:  # made once: a second server starting at the same moment reads the first one's
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                out.write(pem)
        except FileExistsError:
            pass
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def public_key_pem() -> bytes:
    return _private_key().public_key().public_bytes(serialization.Encoding.PEM,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint() -> str:
    """Which seal: the SHA-256 of the office's public key (its DER SubjectPublicKeyInfo, as the
    downloaded PEM file holds it), in hex."""
    der = _private_key().public_key().public_bytes(serialization.Encoding.DER,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def canonical(facts: dict) -> bytes:
    """The one byte form of signed facts: what is signed, and what the page shows to check offline."""
    return json.dumps(facts, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(facts: dict) -> tuple[str, dict]:
    """The office's seal over these facts: its verification code, and what is kept (the facts and
    the signature)."""
    signature = signature_of(canonical(facts))
    code = base64.b32encode(hashlib.sha256(base64.b64decode(signature)).digest()).decode()[:CODE_LENGTH]
    return _grouped(code), {"facts": facts, "signature": signature}


def holds(seal: dict) -> bool:
    """Whether a kept seal's signature holds over its facts, with the office's key."""
    return signed(canonical(seal["facts"]), seal["signature"])


def signature_of(data: bytes) -> str:
    """The office's signature over these bytes (an archive package's manifest too), in base64."""
    return base64.b64encode(_private_key().sign(data)).decode()


def signed(data: bytes, signature: str) -> bool:
    """Whether the signature (base64) is the office's over exactly these bytes."""
    try:
        _private_key().public_key().verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True


def seal(session: Session, case: Case, material: Material) -> None:
    """Seal the decision's document (at the decision)."""
    issuer = material.issued_by
    facts = {"case": case.number, "holder": case.applicant.name, "item": case.item.name, "issuer": issuer,
             "issuer_name": department_names(session).get(issuer) or issuer, "document": material.filename,
             "sha256": material.sha256,
             "issued_on": case.decided_at.astimezone(clock.SHANGHAI).date().isoformat()}  # China's date
    material.seal_code, material.seal = sign(facts)


def _grouped(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, CODE_LENGTH, 4))


# What people type for a code: full-width letters (a Chinese input method), and digits that look
# like the letters base32 has instead of them.
_LOOKALIKE = str.maketrans({"0": "O", "1": "I", "8": "B"})


def code_of(typed: str) -> str:
    """A verification code as typed, in the form codes are kept (XXXX-XXXX-XXXX-XXXX), or a refusal."""
    wanted = "".join(ch for ch in unicodedata.normalize("NFKC", typed).upper().translate(_LOOKALIKE) if ch.isalnum())
    if len(wanted) != CODE_LENGTH:
        raise Invalid("A verification code has %(n)s letters and digits", n=CODE_LENGTH)
    return _grouped(wanted)


def verify(code: str | None = None, content: bytes | None = None) -> dict | None:
    """The sealed facts of the document with this code, or with exactly this content, whether the
    seal's signature holds, and whether the grant it was issued on has been revoked since (撤销,
    engine/revocation.py: the seal still holds, the document no longer counts); None if no sealed
    document matches."""
    if code is not None:
        match = Material.seal_code == code_of(code)
    elif content is not None:
        match = (Material.sha256 == hashlib.sha256(content).hexdigest()) & Material.seal_code.is_not(None)
    else:
        raise Invalid("Give a verification code or the document")
    with read_session() as session:
        material = session.scalar(select(Material).where(match).order_by(Material.id).limit(1))
        if material is None:
            return None
        kept, sha256, code = material.seal, material.sha256, material.seal_code
        revoked = session.scalar(select(Case.status).where(Case.id == material.case_id)) == "revoked"
    facts = kept["facts"]
    return {"code": code, "valid": holds(kept) and facts["sha256"] == sha256, "by_file": content is not None,
            "revoked": revoked,
            "signature": kept["signature"], "signed": canonical(facts).decode(), **facts}
