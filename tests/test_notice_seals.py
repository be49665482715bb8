"""Written notices carry the issuing department's electronic seal and their date (Art. 32): each
kind is sealed as it is issued and verifies by its code on the public page, which shows no ID
number; a stored fact changed afterwards fails; a notice issued before notices were sealed says
so and shows no code; a calendar change that moves a notice's date leaves its seal whole."""
import base64
import hashlib
import json
from datetime import date, timedelta

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from sqlalchemy import select, update

from engine import (catalogue, clock, corrections, decisions, intake, notice_seals, pledge_checks, renewals, revocation,
                    seals, termination, thing_applications, things, timers)
from engine.clock import extension, limits, pauses
from engine.services import deploy, tasks, users
from engine.store import session_scope
from engine.store.models import Case, Notice
from tests.bpmn_builder import process
from tests.test_intake import ITEM, REVIEW, ZHANG, up
from tests.test_recount import PARALLEL, closure, today  # noqa: F401 (fixture)
from tests.web import element, signed_in

# The window's merged correction round of a review (correctionNotice): one notice of what the
# departments asked for.
ROUND = process("review_round", [
    ("start", "s", "申请"), ("user", "review", "住建审查"),
    ("user", "fix", "窗口汇总补正", {"props": {"correctionNotice": "true"}}), ("end", "e", "办结")],
    [("s", "review"), ("review", "fix"), ("fix", "e")], lanes={"housing": ["review"], "window": ["fix"]})
ALL = ("id_card", "form", "land", "marriage")


@pytest.fixture
def items(org):
    deploy.deploy([("r.bpmn", REVIEW.encode()), ("p.bpmn", PARALLEL.encode()), ("c.bpmn", ROUND.encode())],
                  org["designer"])
    catalogue.save(ITEM, None)
    catalogue.save({**ITEM, "code": "T-REG", "name": "测试登记", "kind": "confirmation"}, None)
    catalogue.save({**ITEM, "code": "T-PAY", "process": "pay_alongside", "promised_days": 30,
                    "statutory_days": 60}, None)
    catalogue.save({**ITEM, "code": "T-FIX", "process": "review_round"}, None)
    catalogue.save({**ITEM, "code": "T-REN", "issues": {"code": "t_permit", "name": "测试许可证", "valid_years": 3},
                    "business_kinds": ["new", "renewal"]}, None)


@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def accepted(code: str, org):
    return intake.accept(intake.submit(code, ZHANG, up(*ALL), org["clerk"]).id, org["clerk"])


def decide(case, org, **data):
    [task] = [t for t in tasks.list_tasks(org["reviewer"]) if t["instance_id"] == case.instance_id]
    tasks.claim(task["id"], org["reviewer"])
    tasks.complete(task["id"], org["reviewer"], data)


def case_clock(case):
    return next(c for c in limits.clocks_of(case.instance_id) if c.task_id is None)


def every_kind(org) -> list[dict]:
    """One case or more through every way the product issues a notice: the window's correction,
    acceptance and refusal, an extension, a special procedure, a decision and its delivery, a
    refusal of a licence and of a registration, a withdrawal, a payment, a review's correction, a
    grant revoked for a false pledge, a renewal deemed granted, and a thing's application accepted and
    another refused."""
    head = users.add_user("hlead", "hlead", "housing", ["lead", "reviewer"], "pass-hlead")
    corrected = intake.submit("T-001", ZHANG, up("id_card", "form"), org["clerk"])
    corrections.request_correction(corrected.id, [{"code": "land", "reason": "缺少"},
                                                  {"code": "marriage", "reason": "缺少"}], org["clerk"])
    corrections.supply(corrected.id, up("land", "marriage"), None)
    granted = intake.accept(corrected.id, org["clerk"])
    extension.extend(case_clock(granted).id, 10, "情况复杂", head)
    pauses.pause(case_clock(granted).id, "expert_review", "专家评审", 5, org["reviewer"])
    decide(granted, org, decision="approve")
    decisions.deliver(granted.id, "window", org["clerk"])
    intake.refuse(intake.submit("T-001", ZHANG, up(*ALL), org["clerk"]).id, "不属于本机关职权范围", org["clerk"])
    decide(accepted("T-001", org), org, decision="reject", decision_comment="不符合条件")
    decide(accepted("T-REG", org), org, decision="reject", decision_comment="不符合登记条件")
    termination.withdraw(accepted("T-001", org).id, "不再办理", org["clerk"])
    accepted("T-PAY", org)
    decide(accepted("T-FIX", org), org, corrections=[{"department": "housing", "name": "住建审查",
                                                      "correction_items": "补充总平面图"}])
    pledged = intake.accept(intake.submit("T-001", ZHANG, up("id_card", "form", "land"), org["clerk"]).id,
                            org["clerk"], pledged=["marriage"])
    decide(pledged, org, decision="approve")
    [check] = pledge_checks.checks(head, "due")
    pledge_checks.record(check.id, org["reviewer"], "false", "婚姻登记系统显示已婚")
    revocation.revoke(pledged.id, head, "以虚假承诺取得许可")
    licence = accepted("T-REN", org)
    decide(licence, org, decision="approve")
    expires = clock.today() + timedelta(days=30)
    with session_scope() as session:
        session.get(Case, licence.id).licence_expires_on = expires
    intake.accept(renewals.apply(licence.id, up(*ALL), org["clerk"]).id, org["clerk"])
    timers.tick(now=clock.end_of(expires) + timedelta(seconds=1))  # undecided: deemed granted
    # 一件事: the notices of a whole application, accepted together and refused together.
    things.save({"code": "T-THING", "name": "测试一件事", "department": "housing", "items": ["T-001", "T-REG"],
                 "shared_materials": list(ALL)}, None)
    thing_applications.accept(thing_applications.submit("T-THING", ZHANG, up(*ALL), org["clerk"]).id, org["clerk"])
    thing_applications.refuse(thing_applications.submit("T-THING", ZHANG, up(*ALL), org["clerk"]).id, "不属于本机关职权范围",
                              org["clerk"])
    with session_scope() as session:
        return [{"id": n.id, "kind": n.kind, "number": n.number, "code": n.seal_code, "data": n.data,
                 "issued_at": n.issued_at} for n in session.scalars(select(Notice).order_by(Notice.id))]


def test_every_kind_of_notice_is_sealed_as_issued_and_verifies(items, org):
    notices = every_kind(org)
    assert {n["kind"] for n in notices} == set(notice_seals.TEMPLATES)  # every kind the product issues
    public = load_pem_public_key(seals.public_key_pem())
    for n in notices:
        found = notice_seals.verify(n["code"].lower().replace("-", " "))  # as a person might type it
        assert found["valid"] and found["notice"], n["kind"]
        assert (found["kind"], found["number"], found["case"], found["holder"]) == (
            n["kind"], n["number"], n["data"]["case_number"], "张三")
        # The issuing department is the one the notice names: the item's (住建局), for a payment the
        # step's that assessed it; intake notices too, the window using its seal (README).
        assert found["issuer"] == n["data"]["department"] == "housing"
        assert found["issued_on"] == n["issued_at"].astimezone(clock.SHANGHAI).date().isoformat()
        assert found["template"] == f"{n['kind']}@1" and found["key"] == seals.fingerprint()
        # Offline: the signed text holds under the office's public key, and carries no ID number.
        public.verify(base64.b64decode(found["signature"]), found["signed"].encode())
        signed = json.loads(found["signed"])
        assert ZHANG["id_number"] not in found["signed"] and signed["number"] == n["number"]
        # The digest of the notice's facts is salted: knowing them all, ID number included, gives another.
        assert signed["data_sha256"] != hashlib.sha256(seals.canonical(n["data"])).hexdigest()
    assert len({n["code"] for n in notices}) == len(notices)


def test_a_notice_whose_stored_facts_changed_fails_verification(items, org):
    notice = corrections.request_correction(intake.submit("T-001", ZHANG, up("id_card", "form"), org["clerk"]).id,
                                            [{"code": "land", "reason": "缺少"}], org["clerk"])
    code = notice.seal_code
    assert notice_seals.verify(code)["valid"]
    with session_scope() as session:
        row = session.get(Notice, notice.id)
        session.execute(update(Notice).where(Notice.id == notice.id).values(
            data={**row.data, "missing": [{"code": "land", "reason": "缺少"}, {"code": "form", "reason": "缺少"}]}))
    assert notice_seals.verify(code)["valid"] is False  # a material added to what it asked
    with session_scope() as session:
        session.execute(update(Notice).where(Notice.id == notice.id).values(data=notice.data))
    assert notice_seals.verify(code)["valid"]
    with session_scope() as session:  # the ID number alone: not shown, still sealed
        session.execute(update(Notice).where(Notice.id == notice.id).values(
            data={**notice.data, "id_number": "110101199001011253"}))
    assert notice_seals.verify(code)["valid"] is False
    with session_scope() as session:  # its date, as printed, moved a day
        session.execute(update(Notice).where(Notice.id == notice.id).values(
            data=notice.data, issued_at=notice.issued_at.replace(year=notice.issued_at.year - 1)))
    assert notice_seals.verify(code)["valid"] is False


def test_a_notice_issued_before_notices_were_sealed_says_so_and_shows_no_code(items, org, app):
    """As migration 0028 leaves the notices issued before it: no code, no seal, never given one."""
    case = accepted("T-001", org)
    [notice] = intake.describe(case.id)["notices"]
    with session_scope() as session:
        session.execute(update(Notice).where(Notice.id == notice["id"]).values(seal_code=None, seal=None))
    page = signed_in(app, "clerk").get(f"/intake/notices/{notice['id']}").text
    assert 'id="unsealed"' in page and "未加盖电子印章" in page
    assert 'id="seal-mark"' not in page and 'id="seal-code"' not in page and "核验码" not in page
    assert "（印章）" not in page  # no placeholder standing for a seal it has not
    assert intake.describe(case.id)["notices"][0]["seal_code"] is None


def test_a_sealed_notice_prints_its_seal_code_and_where_to_verify(items, org, app):
    with session_scope() as session:
        users.ensure_department(session, "housing", "住建局")
    case = accepted("T-001", org)
    [notice] = intake.describe(case.id)["notices"]
    page = signed_in(app, "clerk").get(f"/intake/notices/{notice['id']}").text
    assert "住建局" in element(page, "seal-mark") and "行政审批专用章" in page and 'id="unsealed"' not in page
    assert notice["seal_code"] in element(page, "seal-code") and "http://localhost/portal/verify" in page
    with session_scope() as session:  # renamed since: the notice keeps the name it was sealed in
        users.ensure_department(session, "housing", "住房和城乡建设局")
    again = signed_in(app, "clerk").get(f"/intake/notices/{notice['id']}").text
    assert "住建局" in element(again, "seal-mark") and "住房和城乡建设局" not in again
    assert notice_seals.verify(notice["seal_code"])["valid"]


def test_the_verification_page_shows_a_notice_by_its_code_and_no_id_number(items, org, app):
    case = accepted("T-001", org)
    [notice] = intake.describe(case.id)["notices"]
    visitor = app.test_client()
    page = visitor.get("/portal/verify", query_string={"code": notice["seal_code"]}).text
    assert 'data-valid="true"' in page and "受理通知书" in element(page, "sealed-paper")
    assert notice["number"] in page and case.number in page and "张三" in page
    assert ZHANG["id_number"] not in page and "SHA-256" not in page
    with session_scope() as session:
        session.execute(update(Notice).where(Notice.id == notice["id"]).values(
            data={**notice["data"], "accepted_on": "2020-01-01"}))
    assert 'data-valid="false"' in visitor.get("/portal/verify", query_string={"code": notice["seal_code"]}).text


def test_a_notice_whose_date_a_calendar_change_moved_keeps_its_seal(items, org, today, app):
    """The payment notice of Monday 2 March gives ten working days, the 16th; a closure on Wednesday
    moves it to the 17th, and the notice keeps printing the 16th it was sealed with."""
    case = accepted("T-PAY", org)
    [payment] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "payment"]
    assert payment["data"]["due_on"] == "2026-03-16"
    closure(date(2026, 3, 4), org)
    [moved] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "payment"]
    assert (moved["data"]["printed_due_on"], moved["data"]["due_on"]) == ("2026-03-16", "2026-03-17")
    assert notice_seals.verify(payment["seal_code"])["valid"]
    page = signed_in(app, "clerk").get(f"/intake/notices/{payment['id']}").text
    assert "2026-03-16" in element(page, "due") and 'id="seal-mark"' in page


def test_a_payment_notice_of_a_step_in_no_lane_is_issued_and_sealed_in_the_items_department(org, app):
    """Its step names no department: the notice names the item's, as its 承办部门 and on its seal."""
    from tests.procedures import take_in
    from tests.test_real_estate import _paying_procedure
    _paying_procedure(org, "[{'name': '工本费', 'amount': 80}]")
    case = take_in("PAY-1", {}, org["clerk"])
    [told] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "payment"]
    assert told["data"]["department"] == "housing" and notice_seals.verify(told["seal_code"])["issuer"] == "housing"
    assert "housing" in element(signed_in(app, "clerk").get(f"/intake/notices/{told['id']}").text, "seal-mark")
