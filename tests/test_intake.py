"""One-window intake through the service layer: every outcome with its notice, clock and events."""
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import catalogue, clock, corrections, decisions, intake, supervision, timers
from engine.errors import Conflict, Invalid, NotFound
from engine.services import calendars, cases, deploy, tasks
from engine.store import session_scope
from engine.store.models import Case, Clock, Event, Timer
from tests.bpmn_builder import process
from tests.conftest import BACKEND
from tests.web import history_row

REVIEW = process("item_review", [("start", "s", "s"), ("user", "review", "住建审查"),
                                 ("end", "e", "e")], [("s", "review"), ("review", "e")],
                 lanes={"housing": ["review"]})
ITEM = {"code": "T-001", "name": "测试许可", "kind": "licence", "department": "housing",
        "case_type": "promised", "statutory_days": 20, "promised_days": 10, "process": "item_review",
        "materials": [
            {"code": "id_card", "name": "身份证明", "mandatory": True, "valid_years": 10},
            {"code": "form", "name": "申请表", "mandatory": True},
            {"code": "land", "name": "土地证明", "mandatory": True, "deferrable": True},
            {"code": "marriage", "name": "婚姻状况证明", "mandatory": True, "pledgeable": True}]}
ZHANG = {"name": "张三", "id_number": "110101199001011237", "phone": "13800000000"}


@pytest.fixture
def item(org):
    deploy.deploy([("r.bpmn", REVIEW.encode())], org["designer"])
    catalogue.save(ITEM, None)
    return ITEM


def up(*kinds):
    return [intake.Upload(k, f"{k}.pdf", f"%PDF {k}".encode()) for k in kinds]


def events(type_):
    with session_scope() as session:
        return session.scalars(select(Event).where(Event.type == type_).order_by(Event.id)).all()


def test_accept_starts_procedure_clock_and_notice(item, org):
    case = intake.submit("T-001", ZHANG, up("id_card", "form", "land", "marriage"), org["clerk"])
    assert case.status == "submitted" and len(case.number) == 14
    accepted = intake.accept(case.id, org["clerk"])
    info = intake.describe(accepted.id)
    assert info["status"] == "accepted" and info["instance_id"]
    [notice] = info["notices"]
    assert notice["kind"] == "acceptance" and notice["data"]["case_number"] == case.number
    [c] = info["clocks"]
    due = calendars.current().add_workdays(clock.today(), 10).date
    assert c["promised_due"] == due.isoformat() and notice["data"]["promised_due"] == due.isoformat()
    instance = cases.get_instance(info["instance_id"], org["admin"])
    assert instance["business_key"] == case.number and instance["data"]["applicant_name"] == "张三"


def test_missing_material_correction_then_accept(item, org):
    case = intake.submit("T-001", ZHANG, up("id_card", "form"), org["clerk"])
    with pytest.raises(Invalid) as err:
        intake.accept(case.id, org["clerk"])
    assert any("土地证明" in d for d in err.value.details) and any("婚姻状况证明" in d for d in err.value.details)
    notice = corrections.request_correction(case.id, [{"code": "land", "reason": "缺少"},
                                                 {"code": "marriage", "reason": "缺少"}], org["clerk"])
    assert notice.kind == "correction"
    info = intake.describe(case.id)
    assert info["status"] == "correction" and info["clocks"] == [] and info["instance_id"] is None
    with pytest.raises(Conflict):  # one notice, once: the case is waiting for the applicant
        corrections.request_correction(case.id, [{"code": "land", "reason": "again"}], org["clerk"])
    corrections.supply(case.id, up("land"), None)  # a part of the answer: still waiting for the rest
    with session_scope() as session:
        assert session.get(Case, case.id).status == "correction"
        assert not session.scalars(select(Timer).where(Timer.case_id == case.id, Timer.kind == "deemed",
                                                       Timer.state == "pending")).all()
    assert events("materials_supplied")[-1].data["still_missing"] == ["婚姻状况证明"]
    corrections.supply(case.id, up("marriage"), None)
    assert intake.describe(case.id)["status"] == "submitted"
    assert events("materials_supplied")[-1].data["still_missing"] == []
    # Told once: after the answer the window may say a named material is still wrong, not ask anew.
    with pytest.raises(Conflict, match="form was not in it"):
        corrections.request_correction(case.id, [{"code": "land", "reason": "仍缺页"}, {"code": "form", "reason": "新"}],
                                  org["clerk"])
    again = corrections.request_correction(case.id, [{"code": "land", "reason": "仍缺第 3 页"}], org["clerk"])
    assert again.kind == "correction" and intake.describe(case.id)["status"] == "correction"
    corrections.supply(case.id, up("land"), None)
    assert intake.accept(case.id, org["clerk"]).status == "accepted"


def test_reuse_of_a_material_already_given(item, org):
    intake.submit("T-001", ZHANG, up("id_card", "form", "land", "marriage"), org["clerk"])
    second = intake.submit("T-001", ZHANG, up("form", "land", "marriage"), org["clerk"])
    rows = {r["code"]: r for r in intake.describe(second.id)["materials"]}
    assert rows["id_card"]["state"] == "reused" and rows["id_card"]["reused_from"]
    assert intake.accept(second.id, org["clerk"]).status == "accepted"
    assert events("case_submitted")[-1].data["reused"] == ["id_card"]


def test_a_material_supplied_after_a_correction_is_reused_while_valid(item, org):
    case = intake.submit("T-001", ZHANG, up("form", "land", "marriage"), org["clerk"])
    corrections.request_correction(case.id, [{"code": "id_card", "reason": "缺少"}], org["clerk"])
    corrections.supply(case.id, up("id_card"), None)
    second = intake.submit("T-001", ZHANG, up("form", "land", "marriage"), org["clerk"])
    rows = {r["code"]: r for r in intake.describe(second.id)["materials"]}
    assert rows["id_card"]["state"] == "reused"


def test_copies_given_before_the_checklist_had_a_validity_are_not_reused(item, org):
    """Their validity is unknown: they were stored as belonging to their application alone."""
    catalogue.save({**ITEM, "materials": [dict(m, valid_years=None) if m["code"] == "id_card" else m
                                          for m in ITEM["materials"]]}, None)
    intake.submit("T-001", ZHANG, up("id_card", "form", "land", "marriage"), org["clerk"])
    catalogue.save(ITEM, None)  # id_card valid for ten years from now on
    second = intake.submit("T-001", ZHANG, up("form", "land", "marriage"), org["clerk"])
    assert {r["code"]: r["state"] for r in intake.describe(second.id)["materials"]}["id_card"] == "missing"


def test_a_material_of_one_application_is_not_reused_for_the_next(item, org):
    """The form, the land and marriage papers have no validity on the checklist: a new
    application asks for them again, only the ID (valid ten years) is reused."""
    intake.submit("T-001", ZHANG, up("id_card", "form", "land", "marriage"), org["clerk"])
    second = intake.submit("T-001", ZHANG, [], org["clerk"])
    states = {r["code"]: r["state"] for r in intake.describe(second.id)["materials"]}
    assert states == {"id_card": "reused", "form": "missing", "land": "missing", "marriage": "missing"}


def test_conditional_acceptance_supplied_in_time(item, org):
    case = intake.submit("T-001", ZHANG, up("id_card", "form", "marriage"), org["clerk"])
    due = calendars.current().add_workdays(clock.today(), 3).date
    with pytest.raises(Invalid):
        intake.accept(case.id, org["clerk"], deferred={"form": due})  # not deferrable
    with pytest.raises(Invalid) as past:  # it would end the case at the next tick
        intake.accept(case.id, org["clerk"], deferred={"land": clock.today() - timedelta(days=1)})
    assert "already passed" in str(past.value.details) and intake.describe(case.id)["status"] == "submitted"
    assert intake.accept(case.id, org["clerk"], deferred={"land": due}).status == "conditional"
    assert corrections.supply(case.id, up("land"), None).status == "accepted"
    timers.tick(now=clock.datetime.combine(due + timedelta(days=2), clock.time(), clock.SHANGHAI))
    assert intake.describe(case.id)["status"] == "accepted"


def test_conditional_acceptance_missed_stops_the_case(item, org):
    case = intake.submit("T-001", ZHANG, up("id_card", "form", "marriage"), org["clerk"])
    due = calendars.current().add_workdays(clock.today(), 3).date
    intake.accept(case.id, org["clerk"], deferred={"land": due})
    instance_id = intake.describe(case.id)["instance_id"]
    later = clock.datetime.combine(due + timedelta(days=1), clock.time(1), clock.SHANGHAI)
    timers.tick(now=later)
    info = intake.describe(case.id)
    assert info["status"] == "terminated"
    assert cases.get_instance(instance_id, org["admin"])["state"] == "terminated"
    assert all(c["state"] == "stopped" for c in info["clocks"])
    notice = info["notices"][-1]  # the applicant is told in writing, with their remedies
    assert notice["kind"] == "termination" and notice["data"]["withdrawn"] is False
    assert notice["data"]["reason"] == f"容缺受理的材料逾期未补交：土地证明（期限 {due}）"
    [cancelled] = events("task_cancelled")  # the review that was under way, with its event
    assert cancelled.instance_id == instance_id
    # Nobody finished it: the reports count it as ended, never as finished (on time).
    with session_scope() as session:
        stopped_on = max(c.stopped_on for c in session.scalars(select(Clock).where(Clock.instance_id == instance_id)))
    [housing] = [r for r in supervision.monthly(stopped_on.year, stopped_on.month) if r["department"] == "housing"]
    assert (housing["volume"], housing["finished"], housing["on_time"], housing["terminated"]) == (1, 0, 0, 1)
    assert all(r["finished"] == 0 for r in supervision.overview(org["supervisor"])["rows"])


def test_commitment_in_lieu(item, org):
    case = intake.submit("T-001", ZHANG, up("id_card", "form", "land"), org["clerk"])
    with pytest.raises(Invalid):
        intake.accept(case.id, org["clerk"], pledged=["land"])
    intake.accept(case.id, org["clerk"], pledged=["marriage"])
    rows = {r["code"]: r for r in intake.describe(case.id)["materials"]}
    assert rows["marriage"]["state"] == "pledged"


def test_deemed_acceptance_when_no_notice_within_5_working_days(item, org):
    case = intake.submit("T-001", ZHANG, up("id_card", "form"), org["clerk"])
    sixth = calendars.current().add_workdays(clock.today(), 6).date
    timers.tick(now=clock.datetime.combine(sixth, clock.time(9), clock.SHANGHAI))
    info = intake.describe(case.id)
    assert info["status"] == "accepted" and info["deemed_accepted"]
    assert info["accepted_on"] == clock.today().isoformat()  # from the day the materials arrived
    assert "未获一次性补正告知" in _printed(_notice(info, "acceptance"))


def test_after_the_correction_the_window_again_has_five_working_days(item, org):
    from sqlalchemy import update
    case = intake.submit("T-001", ZHANG, up("id_card", "form"), org["clerk"])
    with session_scope() as session:  # taken in a fortnight ago; the correction notice went out then
        session.execute(update(Case).where(Case.id == case.id).values(
            submitted_at=clock.start_of(clock.today() - timedelta(days=14))))
    corrections.request_correction(case.id, [{"code": "land", "reason": "缺少"}, {"code": "marriage", "reason": "缺少"}],
                              org["clerk"])
    corrections.supply(case.id, up("land", "marriage"), None)
    fifth = calendars.current().add_workdays(clock.today(), 5).date
    timers.tick(now=clock.datetime.combine(fifth, clock.time(9), clock.SHANGHAI))
    assert intake.describe(case.id)["status"] == "submitted"  # the fifth working day is the window's
    sixth = calendars.current().add_workdays(clock.today(), 6).date
    timers.tick(now=clock.datetime.combine(sixth, clock.time(9), clock.SHANGHAI))
    info = intake.describe(case.id)
    # Accepted from the day the complete materials arrived, not the day of the first submission.
    assert info["status"] == "accepted" and info["deemed_accepted"]
    assert info["accepted_on"] == clock.today().isoformat()
    # The notice says why: the answer to the correction was not dealt with, not that none was sent.
    printed = _printed(_notice(info, "acceptance"))
    assert "您补正的申请材料收到后" in printed and "未获一次性补正告知" not in printed


def _notice(info, kind):
    return next(n for n in info["notices"] if n["kind"] == kind)


def _printed(notice) -> str:
    """The notice as the window prints it."""
    from tests.web import signed_in
    from web import create_app
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    return signed_in(app, "clerk").get(f"/intake/notices/{notice['id']}").text


@pytest.mark.skipif(BACKEND != "postgres", reason="SQLite's write transaction holds the tick off the window's case")
def test_a_timer_on_a_case_the_window_holds_waits_for_the_next_tick_without_holding_the_timer(item, org):
    """The window locks a case, then cancels its timers (a correction notice): the tick locks the
    case before the timer, so it passes the timer over instead of deadlocking with the clerk."""
    from engine.store import get_engine
    case = intake.submit("T-001", ZHANG, up("id_card", "form"), org["clerk"])
    later = clock.datetime.combine(calendars.current().add_workdays(clock.today(), 6).date, clock.time(9),
                                   clock.SHANGHAI)
    with get_engine().connect() as window:
        window.execute(select(Case.id).where(Case.id == case.id).with_for_update(key_share=True))
        assert timers.tick(now=later) == 0
        with get_engine().connect() as other:  # the timer row is free for the window to cancel
            other.execute(select(Timer.id).where(Timer.case_id == case.id).with_for_update(nowait=True)).all()
            other.rollback()
        window.rollback()
    assert timers.tick(now=later) == 1 and intake.describe(case.id)["deemed_accepted"]


def test_refusal_needs_a_reason(item, org):
    case = intake.submit("T-001", ZHANG, up("id_card"), org["clerk"])
    with pytest.raises(Invalid):
        intake.refuse(case.id, "  ", org["clerk"])
    notice = intake.refuse(case.id, "不属于本机关职权范围", org["clerk"])
    assert notice.kind == "refusal" and intake.describe(case.id)["status"] == "refused"
    with pytest.raises(Conflict):
        intake.accept(case.id, org["clerk"])


def test_decision_then_delivery(item, org):
    case = intake.submit("T-001", ZHANG, up("id_card", "form", "land", "marriage"), org["clerk"])
    intake.accept(case.id, org["clerk"])
    task = tasks.list_tasks(org["reviewer"])[0]
    tasks.claim(task["id"], org["reviewer"])
    tasks.complete(task["id"], org["reviewer"], {"decision": "approve"})
    info = intake.describe(case.id)
    assert info["status"] == "decided" and info["decision"] == "approve"
    assert info["delivery"]["due_on"] == calendars.current().add_workdays(clock.today(), 1).date.isoformat()
    # The decision stops the case's clock; delivery has one of its own, watched like any limit.
    [delivery] = [c for c in info["clocks"] if c["state"] != "stopped"]
    assert delivery["promised_due"] == info["delivery"]["due_on"] and delivery["statutory_days"] == 10
    assert delivery["department"] == "window"  # the window that accepted it delivers, not the reviewers
    with pytest.raises(Invalid):
        decisions.deliver(case.id, "express", org["clerk"])
    delivered = decisions.deliver(case.id, "express", org["clerk"], tracking="SF1234567890")
    assert delivered.status == "delivered" and delivered.delivery["on_time"]
    info = intake.describe(case.id)
    assert all(c["state"] == "stopped" for c in info["clocks"])
    [receipt] = [n for n in info["notices"] if n["kind"] == "receipt"]  # 批复材料签收单
    assert receipt["data"]["tracking"] == "SF1234567890" and receipt["data"]["decision"] == "approve"
    from web import create_app
    from tests.web import signed_in
    page = signed_in(create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}), "clerk").get(
        f"/intake/notices/{receipt['id']}").text
    assert "批复材料签收单" in page and "邮寄送达" in page and "SF1234567890" in page and "签收人" in page
    history = signed_in(create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}), "clerk").get(
        f"/intake/cases/{case.id}").text
    decided = history_row(history, "case_decided")
    delivered = history_row(history, "case_delivered")
    assert "准予" in decided and "邮寄送达" in delivered and "SF1234567890" in delivered


def test_immediate_case_is_decided_on_the_spot(org):
    catalogue.save({**ITEM, "code": "T-IMM", "case_type": "immediate", "promised_days": 0,
                    "statutory_days": 1, "process": None, "materials": ITEM["materials"][:1]}, None)
    case = intake.submit("T-IMM", ZHANG, up("id_card"), org["clerk"])
    assert intake.accept(case.id, org["clerk"]).status == "decided"
    assert intake.describe(case.id)["decision"] == "approve"


def test_the_window_decides_an_immediate_case_with_its_result_or_its_reasons(item, org):
    catalogue.save({**ITEM, "code": "T-IMM", "kind": "public_service", "case_type": "immediate", "promised_days": 0,
                    "statutory_days": 1, "process": None, "materials": ITEM["materials"][:1]}, None)
    found = intake.submit("T-IMM", ZHANG, up("id_card"), org["clerk"])
    query = intake.Upload("result", "查询结果.pdf", b"%PDF record")
    intake.accept(found.id, org["clerk"], outcome=intake.Outcome("approve", "查询到一条登记记录", (query,)))
    info = intake.describe(found.id)
    assert (info["decision"], info["statement"]) == ("approve", "查询到一条登记记录")
    assert [(r["filename"], r["issued_by"]) for r in info["results"]] == [("查询结果.pdf", "housing")]
    none = intake.submit("T-IMM", {**ZHANG}, up("id_card"), org["clerk"])
    with pytest.raises(Invalid, match="reasons"):  # a refusal says why (Art. 38), or nothing happens
        intake.accept(none.id, org["clerk"], outcome=intake.Outcome("reject", " "))
    assert intake.describe(none.id)["status"] == "submitted"
    intake.accept(none.id, org["clerk"], outcome=intake.Outcome("reject", "无该不动产登记记录"))
    info = intake.describe(none.id)
    # Not a licence: a written refusal with reasons and remedies, but no licence law's Art. 38.
    assert info["decision"] == "reject" and [n["kind"] for n in info["notices"]] == ["acceptance", "non_approval"]
    from web import create_app
    from tests.web import signed_in
    page = signed_in(create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}), "clerk").get(
        f"/intake/notices/{info['notices'][-1]['id']}").text
    assert "不予办理决定书" in page and "无该不动产登记记录" in page and "行政复议" in page and "第三十八条" not in page
    # Refused before its result is stored: an incomplete case is not accepted, let alone decided.
    bare = intake.submit("T-IMM", {"name": "王五", "id_number": "110101199003071233"}, [], org["clerk"])
    files_dir = Path(os.environ["SHENPI_FILES_DIR"])
    kept = sorted(files_dir.rglob("*"))
    with pytest.raises(Invalid):
        intake.accept(bare.id, org["clerk"], outcome=intake.Outcome(
            "approve", "", (intake.Upload("result", "r.pdf", b"%PDF never stored"),)))
    assert sorted(files_dir.rglob("*")) == kept
    # A case its procedure decides takes no outcome at the window.
    other = intake.submit("T-001", ZHANG, up("id_card", "form", "land", "marriage"), org["clerk"])
    with pytest.raises(Invalid, match="immediate"):
        intake.accept(other.id, org["clerk"], outcome=intake.Outcome("approve"))
    assert intake.describe(other.id)["status"] == "submitted"


def test_unknown_material_and_bad_applicant_are_refused(item, org):
    with pytest.raises(Invalid):
        intake.submit("T-001", ZHANG, up("passport"), org["clerk"])
    with pytest.raises(Invalid):
        intake.submit("T-001", {"name": "无证件"}, up("form"), org["clerk"])
    with session_scope() as session:
        assert session.scalars(select(Clock)).all() == []


def test_a_mistyped_id_number_is_refused_at_the_window_and_nothing_is_stored(item, org):
    from engine.store.models import Applicant, Case
    typo = ZHANG["id_number"][:-2] + "47"  # one digit wrong: the check digit no longer fits
    with pytest.raises(Invalid, match="last character does not match"):
        intake.submit("T-001", {**ZHANG, "id_number": typo}, up("id_card", "form"), org["clerk"])
    company = {"name": "某公司", "kind": "company", "id_number": "91350100M000100Y44"}  # uscc by its kind
    with pytest.raises(Invalid, match="unified social credit code's last character"):
        intake.submit("T-001", company, up("id_card", "form"), org["clerk"])
    with session_scope() as session:
        assert session.scalars(select(Applicant)).all() == [] and session.scalars(select(Case)).all() == []
    case = intake.submit("T-001", {**company, "id_number": "91350100m000100y43"}, up("id_card", "form"), org["clerk"])
    with session_scope() as session:
        stored = session.get(Case, case.id).applicant
        assert (stored.id_number, stored.id_type) == ("91350100M000100Y43", "uscc")
    passport = intake.submit("T-001", {"name": "John Smith", "id_type": "passport", "id_number": "E12345678"},
                             up("id_card", "form"), org["clerk"])  # no check character to test
    assert passport.id is not None
    with pytest.raises(Invalid, match="Unknown kind of identity document"):
        intake.submit("T-001", {"name": "某人", "id_type": "idcard", "id_number": "E1"}, up("form"), org["clerk"])
    # The window form's first choice is the identity card; for a company it means its credit code.
    again = intake.submit("T-001", {"name": "某公司", "kind": "company", "id_type": "id_card",
                                    "id_number": "91350100M000100Y43"}, up("id_card", "form"), org["clerk"])
    assert again.applicant_id == case.applicant_id
    # One ID number is one person or company: another name with it is a mistake, refused.
    with pytest.raises(Invalid, match="on record for 某公司, not 另一公司"):
        intake.submit("T-001", {"name": "另一公司", "kind": "company", "id_number": "91350100M000100Y43"},
                      up("id_card", "form"), org["clerk"])


def test_an_item_naming_a_department_nobody_is_in_is_refused(item, org):
    """Its lead decision and clocks would go to no one."""
    with pytest.raises(Invalid, match="department 'housng' does not exist"):
        catalogue.save({**ITEM, "code": "T-009", "department": "housng"}, None)
    with pytest.raises(NotFound):
        catalogue.get("T-009")


def test_a_case_no_window_clerk_took_in_is_delivered_by_its_department(item, org):
    """Accepted by an administrator (who is in no window): the item's department delivers."""
    case = intake.submit("T-001", ZHANG, up("id_card", "form", "land", "marriage"), None, channel="online")
    intake.accept(case.id, org["admin"])
    task = tasks.list_tasks(org["reviewer"])[0]
    tasks.claim(task["id"], org["reviewer"])
    tasks.complete(task["id"], org["reviewer"], {"decision": "approve"})
    [delivery] = [c for c in intake.describe(case.id)["clocks"] if c["state"] != "stopped"]
    assert delivery["department"] == "housing"


def test_deferred_materials_wait_while_an_administrator_suspends_the_case(item, org):
    """Nobody may act on a suspended case: its 容缺 date does not end it then; after resuming, a
    date that has passed does."""
    from engine.services import admin
    case = intake.submit("T-001", ZHANG, up("id_card", "form", "marriage"), org["clerk"])
    due = calendars.current().add_workdays(clock.today(), 3).date
    case = intake.accept(case.id, org["clerk"], deferred={"land": due})
    admin.suspend_instance(case.instance_id, "材料真实性核查", org["admin"])
    later = clock.datetime.combine(due + timedelta(days=1), clock.time(1), clock.SHANGHAI)
    timers.tick(now=later)
    assert intake.describe(case.id)["status"] == "conditional"
    admin.resume_instance(case.instance_id, org["admin"])
    timers.tick(now=later)
    assert intake.describe(case.id)["status"] == "terminated"


def test_a_procedure_that_ends_without_a_decision_decides_nothing(org):
    """A slip in a procedure (no decision set, or a misspelt one) must not grant a licence: the last
    step is refused and kept, the incident recorded, the case still in review. A version deployed
    before this rule (migration 0013) grants as it did: its cases still finish."""
    from engine.errors import EngineFailure
    from engine.store.models import Definition
    from tests.procedures import promised_item
    held = {}
    for pid, script in (("silent", "note = 1"), ("misspelt", "decision = 'approved'")):
        deploy.deploy([(f"{pid}.bpmn", process(pid, [
            ("start", "s", "s"), ("user", "review", "审查"), ("script", "end_script", "结束", {"script": script}),
            ("end", "e", "e")], [("s", "review"), ("review", "end_script"), ("end_script", "e")],
            lanes={"housing": ["review"]}).encode())], org["designer"])
        catalogue.save(promised_item(f"X-{pid}", pid, "housing"), None)
        case = intake.submit(f"X-{pid}", ZHANG, up("id_card"), org["clerk"])
        case = intake.accept(case.id, org["clerk"])
        [task] = tasks.list_tasks(org["admin"], instance_id=case.instance_id)
        tasks.claim(task["id"], org["reviewer"])
        with pytest.raises(EngineFailure, match="without a decision"):
            tasks.complete(task["id"], org["reviewer"], {})
        assert intake.describe(case.id)["status"] == "accepted" and intake.describe(case.id)["decision"] is None
        after = cases.get_instance(case.instance_id, org["admin"])
        assert [t["state"] for t in after["tasks"]] == ["ready"] and "incident" in [e["type"] for e in after["events"]]
        held[pid] = case, task
    case, task = held["silent"]
    with session_scope() as session:
        session.get(Definition, deploy.versions("silent")[-1].id).needs_decision = False
    tasks.complete(task["id"], org["reviewer"], {})
    assert intake.describe(case.id)["decision"] == "approve"


def test_a_wrong_phone_or_a_name_too_long_is_refused_at_the_window_and_nothing_stored(item, org):
    """The phone is what later proves the applicant online: "12" is no phone, and a name longer
    than the column would fail on PostgreSQL instead of being refused."""
    from sqlalchemy import func, select
    from engine.store.models import Applicant
    for wrong, says in (({"phone": "12"}, "11 digits"), ({"name": "某" * 101}, "at most 100")):
        with pytest.raises(Invalid, match=says):
            intake.submit("T-001", {**ZHANG, **wrong}, [], org["clerk"])
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Applicant)) == 0
    assert intake.submit("T-001", {**ZHANG, "phone": "0512 6800 1234"}, [], org["clerk"]).id
