"""电子证照: a decided case's result documents are sealed, and anyone verifies one by its code or
by the file, without signing in; a document or seal changed afterwards fails."""
import base64
import io
import json

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from sqlalchemy import select, update

from engine import files, intake, seals
from engine.errors import Invalid
from engine.store import session_scope
from engine.store.models import Material
from tests.procedures import decided_permit, install


@pytest.fixture
def permit(org):
    """A planning permit natres granted, its decision's document sealed."""
    return intake.describe(decided_permit(install(org)).id)


def test_the_decisions_document_is_sealed_and_verifies(permit):
    codes = [r["seal_code"] for r in permit["results"]]
    assert codes[0] is None and codes[-1]  # the review's working paper is no e-certificate; the decision's is
    assert permit["results"][-1]["name"] == "建设工程规划许可证"  # the item's result, not the step's name
    found = seals.verify(code=codes[-1].lower().replace("-", " "))  # as a person might type it
    assert found["valid"] and not found["by_file"] and found["case"] == permit["number"]
    assert (found["issuer"], found["holder"]) == ("natres", "某某科技有限公司")
    wide = "".join(chr(ord(ch) + 0xFEE0) if ch.isalnum() else "－" for ch in codes[-1])  # a Chinese input method's
    assert seals.verify(code=wide)["code"] == codes[-1]
    assert seals.verify(code=codes[-1].replace("O", "0").replace("I", "1"))["code"] == codes[-1]
    assert found["document"] == "lead_decision.pdf" and found["item"] == "建设工程规划许可证核发"
    with session_scope() as session:
        sha = session.scalar(select(Material.sha256).where(Material.seal_code == codes[-1]))
    assert seals.verify(content=files.read(sha))["by_file"]  # the file itself
    assert seals.verify(content=files.read(sha) + b" ") is None  # changed by one byte: none of ours
    # Anyone may check the signature offline with the office's public key.
    public = load_pem_public_key(seals.public_key_pem())
    facts = found["signed"].encode()  # what the page shows to check offline
    signed = json.loads(facts)  # the document's digest and case, as the seal was made
    assert (signed["sha256"], signed["case"], signed["holder"]) == (sha, permit["number"], "某某科技有限公司")
    public.verify(base64.b64decode(found["signature"]), facts)  # raises if it does not hold
    with pytest.raises(Invalid):
        seals.verify(code="1234")


def test_a_seal_whose_record_was_changed_fails(permit):
    code = permit["results"][-1]["seal_code"]
    with session_scope() as session:
        material = session.scalar(select(Material).where(Material.seal_code == code))
        forged = {**material.seal, "facts": {**material.seal["facts"], "item": "其他事项"}}
        session.execute(update(Material).where(Material.id == material.id).values(seal=forged))
    assert seals.verify(code=code)["valid"] is False


def test_the_verification_page_needs_no_sign_in(app, permit):
    code = permit["results"][-1]["seal_code"]
    visitor = app.test_client()
    page = visitor.get(f"/portal/verify?code={code}").text
    assert 'data-valid="true"' in page and permit["number"] in page and 'id="signature"' in page
    assert "核验码有效" in page and "内容未被改动" not in page  # a code cannot say what the paper in hand says
    assert 'data-valid="none"' in visitor.get("/portal/verify?code=AAAA-AAAA-AAAA-AAAA").text
    short = visitor.get("/portal/verify?code=12")
    assert short.status_code == 422 and "16 位" in short.text and "未找到" not in short.text
    with session_scope() as session:
        sha = session.scalar(select(Material.sha256).where(Material.seal_code == code))
    sent = visitor.post("/portal/verify", data={"document": (io.BytesIO(files.read(sha)), "许可证.pdf")},
                        content_type="multipart/form-data")
    assert 'data-valid="true"' in sent.text and code in sent.text and "内容未被改动" in sent.text
    altered = visitor.post("/portal/verify", data={"document": (io.BytesIO(files.read(sha) + b" "), "许可证.pdf")},
                           content_type="multipart/form-data")
    assert 'data-valid="none"' in altered.text
    assert b"BEGIN PUBLIC KEY" in visitor.get("/portal/verify/key.pem").data


@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def test_a_seal_is_dated_by_chinas_calendar(permit):
    """Decided at 00:30 in Beijing, 16:30 the day before in UTC: the seal says the Chinese day."""
    from datetime import datetime, timezone
    from engine.store.models import Case
    code = permit["results"][-1]["seal_code"]
    with session_scope() as session:
        material = session.scalar(select(Material).where(Material.seal_code == code))
        case = session.get(Case, material.case_id)
        case.decided_at = datetime(2026, 11, 28, 16, 30, tzinfo=timezone.utc)
        seals.seal(session, case, material)
        code = material.seal_code
    found = seals.verify(code=code)
    assert found["valid"] and json.loads(found["signed"])["issued_on"] == "2026-11-29"
