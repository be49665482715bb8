"""告知承诺 after the grant, through the service layer: each pledge is due for its check by working
days, found by the department that decided the case alone, watched by the tick when late; a false
one puts the applicant on the credit record (no pledge, no 容缺 until repaired) and lets the
department's head revoke the grant, once, with a sealed written decision."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import (archive, catalogue, clock, credit, decisions, exchange, intake, notice_seals, pledge_checks,
                    revocation, seals, timers)
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.services import calendars, progress, tasks, users
from engine.store import session_scope
from engine.store.models import Case, Clock, Material, Timer
from tests.test_intake import ITEM, ZHANG, item, up  # noqa: F401 (a fixture)
from tests.test_rectifications import after, events, heads, told  # noqa: F401 (a fixture)
from tests.web import element


def granted(org, decision="approve"):
    """T-001 accepted with the marriage certificate pledged (告知承诺), then decided by housing."""
    case = intake.submit("T-001", ZHANG, up("id_card", "form", "land"), org["clerk"])
    intake.accept(case.id, org["clerk"], pledged=["marriage"])
    [task] = tasks.list_tasks(org["reviewer"])
    tasks.claim(task["id"], org["reviewer"])
    tasks.complete(task["id"], org["reviewer"], {"decision": decision, "decision_comment": "理由"})
    return intake.get_case(case.id)


@pytest.fixture
def check(item, org):
    case = granted(org)
    [row] = pledge_checks.checks(org["reviewer"])
    assert row.case_id == case.id
    return row


def about_checks(user) -> list[str]:
    """What the person was told of pledges (the case's undelivered result has its own warnings)."""
    return [said for said in told(user) if "告知承诺" in said]


def status(case_id) -> str:
    return intake.get_case(case_id).status


def test_a_grant_makes_each_pledge_due_for_its_check_by_the_working_days_set(item, org, monkeypatch):
    case = granted(org)
    [row] = pledge_checks.checks(org["reviewer"], "due")
    due = calendars.current().add_workdays(clock.today(), 30).date  # thirty working days, unless set
    assert (row.case_id, row.material.name, row.department, row.due_on, row.state) == (
        case.id, "婚姻状况证明", "housing", due, "due")
    with session_scope() as session:
        [timer] = session.scalars(select(Timer).where(Timer.kind == "pledge_check")).all()
        assert (timer.case_id, timer.due_at, timer.state) == (case.id, pledge_checks.timer_due(due), "pending")
    assert events("pledge_checks_due") == [{"case": case.number, "department": "housing", "due_on": due.isoformat(),
                                            "materials": ["婚姻状况证明"]}]
    monkeypatch.setenv("PLEDGE_CHECK_DAYS", "10")  # the office sets its own
    granted(org)
    assert pledge_checks.checks(org["reviewer"])[0].due_on == calendars.current().add_workdays(clock.today(), 10).date
    granted(org, "reject")  # a refusal grants nothing to check
    assert len(pledge_checks.checks(org["supervisor"])) == 2 and pledge_checks.counts(org["reviewer"]) == {
        "due": 2, "overdue": 0}


def test_only_the_department_that_decided_records_a_finding_once(check, org):
    for wrong, finding in (("maybe", "已核查"), ("true", "  "), ("false", "查" * 2001)):
        with pytest.raises(Invalid):
            pledge_checks.record(check.id, org["reviewer"], wrong, finding)
    for outsider in (org["taxman"], org["clerk"], org["admin"], org["supervisor"]):
        with pytest.raises(Forbidden):
            pledge_checks.record(check.id, outsider, "true", "经查询婚姻登记系统，属实")
    with pytest.raises(Forbidden):  # another department neither sees it
        pledge_checks.get(check.id, org["taxman"])
    assert pledge_checks.checks(org["taxman"]) == []
    with pytest.raises(NotFound):
        pledge_checks.record(check.id + 100, org["reviewer"], "true", "没有这项")
    assert pledge_checks.get(check.id, org["supervisor"]).state == "due"  # nothing was changed
    done = pledge_checks.record(check.id, org["reviewer2"], "true", "经查询婚姻登记系统，属实")
    assert (done.state, done.finding, done.checker.login, done.evidence) == ("true", "经查询婚姻登记系统，属实",
                                                                             "reviewer2", None)
    assert not pledge_checks.late(done)
    with pytest.raises(Conflict, match="checked already"):
        pledge_checks.record(check.id, org["reviewer"], "false", "再查一次")
    [seen] = events("pledge_checked")
    assert (seen["outcome"], seen["on_time"], seen["material"]) == ("true", True, "婚姻状况证明")
    with session_scope() as session:  # its date is watched no more
        assert session.scalar(select(Timer.state).where(Timer.kind == "pledge_check")) == "cancelled"
    assert credit.records(org["supervisor"]) == []


def test_a_finding_keeps_the_file_it_was_found_by_among_the_cases_materials(check, org):
    with pytest.raises(Invalid):  # a file that is no document is refused, and nothing is recorded
        pledge_checks.record(check.id, org["reviewer"], "false", "登记系统无此记录", intake.Upload("x", "a.exe", b"MZ"))
    assert pledge_checks.get(check.id, org["reviewer"]).state == "due"
    done = pledge_checks.record(check.id, org["reviewer"], "false", "登记系统显示申请人已婚",
                                intake.Upload("evidence", "婚姻登记查询结果.pdf", b"%PDF record"))
    assert (done.evidence.name, done.evidence.state, done.evidence.issued_by, done.evidence.filename) == (
        "核查材料：婚姻状况证明", "evidence", "housing", "婚姻登记查询结果.pdf")


def test_a_check_not_done_by_its_date_is_overdue_for_the_supervisors(check, org):
    timers.tick(now=after(check) - timedelta(seconds=2))  # its last day is the department's
    assert pledge_checks.checks(org["supervisor"], "overdue") == []
    timers.tick(now=after(check))
    [late] = pledge_checks.checks(org["supervisor"], "overdue")
    assert late.id == check.id and pledge_checks.late(late) and late.overdue_at is not None
    assert pledge_checks.counts(org["reviewer"]) == {"due": 1, "overdue": 1}
    assert pledge_checks.checks(org["taxman"], "overdue") == []  # another department's
    said = (f"Case {check.case.number}: the check of the applicant's commitment (告知承诺核查) was due by "
            f"{check.due_on.isoformat()} and is not done (overdue)")
    assert about_checks(org["supervisor"]) == [said] and about_checks(org["reviewer"]) == [said]  # no head here
    assert events("pledge_check_overdue")[0]["due_on"] == check.due_on.isoformat()
    timers.tick(now=after(check, 3))  # told once
    assert about_checks(org["supervisor"]) == [said]
    pledge_checks.record(check.id, org["reviewer"], "true", "逾期后核查，属实")
    assert pledge_checks.checks(org["supervisor"], "overdue") == []
    with pytest.raises(Invalid):
        pledge_checks.checks(org["supervisor"], "late")


def test_a_false_pledge_bars_pledges_and_deferrals_until_the_record_is_repaired(check, org, heads):
    pledge_checks.record(check.id, org["reviewer"], "false", "婚姻登记系统显示申请人已婚，承诺未婚不实")
    [record] = credit.records(org["supervisor"], ZHANG["id_number"])
    assert (record.applicant.name, record.case_id, record.recorded_on, record.active) == (
        "张三", check.case_id, clock.today(), True)
    assert told(heads) == [f"Case {check.case.number}: a commitment (告知承诺) was found false (不实); the grant may "
                           "be revoked"]
    again = intake.submit("T-001", ZHANG, up("form"), org["clerk"])
    due = calendars.current().add_workdays(clock.today(), 3).date
    for asked in ({"pledged": ["marriage"], "deferred": {"land": due}}, {"pledged": ["marriage"]},
                  {"deferred": {"land": due}}):
        with pytest.raises(Invalid) as refused:
            intake.accept(again.id, org["clerk"], **asked)
        assert refused.value.details[0] == (
            f"张三 is on the credit record for a false commitment (失信：虚假承诺) since {clock.today().isoformat()}, "
            f"case {check.case.number}: no commitment in lieu (告知承诺) or conditional acceptance (容缺) is taken "
            "until the record is repaired (信用修复)")
    with session_scope() as session:  # nothing changed
        assert session.get(Case, again.id).status == "submitted"
        assert sorted(session.scalars(select(Material.state).where(Material.case_id == again.id))) == [
            "provided", "reused"]
    assert credit.records(org["supervisor"], "某人") == [] and len(credit.records(org["admin"], "张三")) == 1

    for nobody in (org["reviewer"], heads, org["clerk"]):
        with pytest.raises(Forbidden):
            credit.repair(record.id, nobody, "已纠正")
    with pytest.raises(Invalid):
        credit.repair(record.id, org["supervisor"], " ")
    repaired = credit.repair(record.id, org["supervisor"], "申请人已主动纠正并作出信用承诺")
    assert (repaired.active, repaired.repairer.login, repaired.repair_reason) == (
        False, "supervisor", "申请人已主动纠正并作出信用承诺")
    with pytest.raises(Conflict, match="repaired already"):
        credit.repair(record.id, org["admin"], "再修复一次")
    assert events("credit_repaired")[0]["reason"] == "申请人已主动纠正并作出信用承诺"
    assert [(r.id, r.active) for r in credit.records(org["supervisor"])] == [(record.id, False)]  # kept, inactive
    assert intake.accept(again.id, org["clerk"], pledged=["marriage"], deferred={"land": due}).status == "conditional"


def test_the_head_revokes_a_grant_obtained_by_a_false_pledge_once(check, org, heads):
    case_id = check.case_id
    with pytest.raises(Conflict, match="found false"):  # nothing to revoke it on yet
        revocation.revoke(case_id, heads, "虚假承诺")
    pledge_checks.record(check.id, org["reviewer"], "false", "婚姻登记系统显示申请人已婚")
    taxhead = users.add_user("taxlead", "税务负责人", "tax", ["lead", "reviewer"], "pass-taxlead")
    for nobody in (org["reviewer"], taxhead, org["supervisor"]):
        with pytest.raises(Forbidden):
            revocation.revoke(case_id, nobody, "虚假承诺")
    with pytest.raises(Invalid):
        revocation.revoke(case_id, heads, "  ")
    assert status(case_id) == "decided"  # nothing changed
    notice = revocation.revoke(case_id, heads, "申请人以虚假承诺取得许可，依法撤销")
    assert status(case_id) == "revoked"
    assert (notice.kind, notice.data["reason"], notice.data["decision"]) == (
        "revocation", "申请人以虚假承诺取得许可，依法撤销", "approve")
    assert notice.data["findings"] == [{"material": "婚姻状况证明", "finding": "婚姻登记系统显示申请人已婚"}]
    assert notice_seals.verify(notice.seal_code)["valid"]  # sealed, as every notice
    [revoked] = events("grant_revoked")
    assert (revoked["reason"], revoked["decision"], revoked["checks"]) == (
        "申请人以虚假承诺取得许可，依法撤销", "approve", [check.id])
    with session_scope() as session:  # the delivery awaited is due no more
        instance_id = session.get(Case, case_id).instance_id
        assert {c.state for c in session.scalars(select(Clock).where(Clock.instance_id == instance_id))} == {"stopped"}
    with pytest.raises(Conflict, match="revoked already"):
        revocation.revoke(case_id, heads, "再撤销一次")
    assert status(case_id) == "revoked"


def test_the_provincial_platform_is_sent_the_revocation_as_the_cases_conclusion(org, heads, monkeypatch):
    monkeypatch.setattr(exchange, "SETTLE", timedelta(0))  # read at once (the wait has its own test)
    catalogue.save(IMMEDIATE, None)
    case = intake.submit("T-IMP", ZHANG, up("form"), org["clerk"])
    intake.accept(case.id, org["clerk"], pledged=["marriage"],
                  outcome=intake.Outcome(results=(intake.Upload("result", "许可证.pdf", b"%PDF permit"),)))
    [check] = pledge_checks.checks(heads)
    pulled = exchange.feed(0, exchange.MAX_LIMIT)
    key = f"{case.number}/conclusion/1"
    [granted] = [r for r in pulled["records"] if r["key"] == key]
    assert granted["result"] == "approve" and granted["certificate_number"]
    pledge_checks.record(check.id, heads, "false", "婚姻登记系统显示申请人已婚")
    revocation.revoke(case.id, heads, "申请人以虚假承诺取得许可，依法撤销")
    [revoked] = exchange.feed(pulled["next"], exchange.MAX_LIMIT)["records"]  # the same key: it replaces the grant's
    assert revoked["key"] == key
    assert (revoked["result"], revoked["result_name"], revoked["result_description"]) == (
        "revoked", "撤销", "申请人以虚假承诺取得许可，依法撤销")
    # concluded when it was decided; the certificate it names is the one revoked
    assert (revoked["concluded_at"], revoked["certificate_number"]) == (
        granted["concluded_at"], granted["certificate_number"])


def granted_on_two_pledges(org):
    """T-001 granted with the land certificate and the marriage certificate pledged: the case and
    the two checks."""
    catalogue.save({**ITEM, "materials": [dict(m, pledgeable=True) if m["code"] == "land" else m
                                          for m in ITEM["materials"]]}, None)
    case = intake.submit("T-001", ZHANG, up("id_card", "form"), org["clerk"])
    intake.accept(case.id, org["clerk"], pledged=["land", "marriage"])
    [task] = tasks.list_tasks(org["reviewer"])
    tasks.claim(task["id"], org["reviewer"])
    tasks.complete(task["id"], org["reviewer"], {"decision": "approve"})
    land, marriage = pledge_checks.checks(org["reviewer"])
    return case, land, marriage


def test_a_revoked_grants_other_pledges_are_watched_no_more(item, org, heads):
    case, land, marriage = granted_on_two_pledges(org)
    pledge_checks.record(marriage.id, org["reviewer"], "false", "不实")
    with session_scope() as session:
        assert session.scalar(select(Timer.state).where(Timer.kind == "pledge_check")) == "pending"  # land's
    revocation.revoke(case.id, heads, "虚假承诺")
    timers.tick(now=after(land))
    assert pledge_checks.get(land.id, org["reviewer"]).overdue_at is None and about_checks(org["supervisor"]) == []
    assert pledge_checks.record(land.id, org["reviewer"], "true", "土地证明属实").state == "true"  # still checkable


def test_a_second_false_pledge_of_a_case_adds_no_second_record_nor_after_revocation_a_notice(item, org, heads):
    case, land, marriage = granted_on_two_pledges(org)
    pledge_checks.record(marriage.id, org["reviewer"], "false", "婚姻登记系统显示申请人已婚")
    revocation.revoke(case.id, heads, "虚假承诺")
    pledge_checks.record(land.id, org["reviewer"], "false", "土地证明系伪造")
    [record] = credit.records(org["supervisor"], ZHANG["id_number"])  # one case, one record to repair
    assert (record.case_id, record.check_id) == (case.id, marriage.id)
    assert len(told(heads)) == 1  # told once, before they revoked the grant
    assert [(e["check_id"], e["outcome"]) for e in events("pledge_checked")] == [(marriage.id, "false"),
                                                                                (land.id, "false")]
    credit.repair(record.id, org["supervisor"], "申请人已主动纠正")
    assert [r.active for r in credit.records(org["supervisor"])] == [False]


def test_a_calendar_change_leaves_a_revoked_grants_unchecked_pledges_alone(item, org, heads):
    """Watched no more once revoked: a closure day moves none of their dates and adds nothing to the
    case (whose archive package would then be older than it)."""
    case, land, marriage = granted_on_two_pledges(org)
    pledge_checks.record(marriage.id, org["reviewer"], "false", "不实")
    revocation.revoke(case.id, heads, "虚假承诺")
    recounted = len(events("date_recounted"))
    calendars.add_closure(calendars.current().add_workdays(clock.today(), 2).date, "台风，依法暂停计时", org["admin"],
                          stops_clocks=True)
    assert pledge_checks.get(land.id, org["reviewer"]).due_on == land.due_on
    assert [e for e in events("date_recounted")[recounted:] if e.get("what") == "pledge_check"] == []


def test_a_revoked_grant_is_archived_once_as_revoked_with_what_the_check_found(check, org, heads):
    """Delivered, then revoked: it ended at its revocation, its package holds the evidence among the
    department's papers and the written decision among the notices."""
    from tests.test_archive import built, documents, metadata, opened
    from web import create_app
    decisions.deliver(check.case_id, "window", org["clerk"])
    pledge_checks.record(check.id, org["reviewer"], "false", "登记系统显示已婚",
                         intake.Upload("evidence", "查询结果.pdf", b"%PDF record"))
    revocation.revoke(check.case_id, heads, "以虚假承诺取得许可")
    [row] = archive.ended_cases(org["admin"], state="all")["cases"]
    assert (row["id"], row["result"]) == (check.case_id, "revoked")
    tree = metadata(opened(built(create_app({"TESTING": True}), check.case_id, org["admin"])), check.case.number)
    assert (tree.findtext("案卷/办理结果"), tree.findtext("案卷/办理结果说明")) == ("撤销", "以虚假承诺取得许可")
    rows = {r["题名"]: r["文件类别"] for r in documents(tree)}
    assert rows["核查材料：婚姻状况证明"] == "审批文书" and rows["撤销决定书"] == "通知文书"


IMMEDIATE = {"code": "T-IMP", "name": "测试即办许可", "kind": "licence", "department": "housing",
             "case_type": "immediate", "statutory_days": 20, "promised_days": 0,
             "materials": [{"code": "form", "name": "申请表", "mandatory": True},
                           {"code": "marriage", "name": "婚姻状况证明", "mandatory": True, "pledgeable": True}],
             "issues": {"code": "permit", "name": "测试许可证", "valid_years": 5}}
LATER = {"code": "T-USE", "name": "凭许可证办理的事项", "kind": "licence", "department": "tax",
         "case_type": "immediate", "statutory_days": 20, "promised_days": 0,
         "materials": [{"code": "permit", "name": "测试许可证", "mandatory": True, "issued_by": "housing"}]}


def test_a_grant_decided_at_the_window_is_checked_and_once_revoked_its_document_is_reused_no_more(org, heads):
    catalogue.save(IMMEDIATE, None)
    catalogue.save(LATER, None)
    case = intake.submit("T-IMP", ZHANG, up("form"), org["clerk"])
    intake.accept(case.id, org["clerk"], pledged=["marriage"],
                  outcome=intake.Outcome(results=(intake.Upload("result", "许可证.pdf", b"%PDF permit"),)))
    [check] = pledge_checks.checks(heads)  # an immediate case has no procedure: its department checks it still

    def permit_state() -> str:
        later = intake.submit("T-USE", ZHANG, [], org["clerk"])
        return {m["code"]: m["state"] for m in intake.describe(later.id)["materials"]}["permit"]
    assert permit_state() == "reused"  # 一次采集、多次复用
    [permit] = intake.describe(case.id)["results"]
    assert seals.verify(code=permit["seal_code"])["revoked"] is False
    pledge_checks.record(check.id, heads, "false", "不实")
    notice = revocation.revoke(case.id, heads, "虚假承诺取得的许可")
    assert permit_state() == "missing"
    # No procedure reached the department: it sees the case, and prints its decision, by its checks.
    assert progress.visible_case(case.id, heads)["status"] == "revoked"
    assert progress.notice(notice.id, heads)["kind"] == "revocation"
    with pytest.raises(Forbidden):
        progress.visible_case(case.id, org["taxman"])
    found = seals.verify(code=permit["seal_code"])  # its seal holds; the grant it was issued on does not
    assert found["valid"] and found["revoked"]
    from web import create_app
    page = create_app({"TESTING": True}).test_client().get(f"/portal/verify?code={permit['seal_code']}").text
    assert "该文书所依据的决定已因虚假承诺被撤销" in element(page, "revoked")


def test_a_calendar_change_moves_a_checks_date_and_its_timer(check, org):
    old = check.due_on
    closed = calendars.current().add_workdays(clock.today(), 2).date
    calendars.add_closure(closed, "台风，依法暂停计时", org["admin"], stops_clocks=True)
    moved = pledge_checks.get(check.id, org["reviewer"])
    assert moved.due_on == calendars.current().add_workdays(moved.counted_from, 30).date > old
    with session_scope() as session:
        assert session.scalars(select(Timer.due_at).where(Timer.kind == "pledge_check",
                                                          Timer.state == "pending")).all() == [
            pledge_checks.timer_due(moved.due_on)]
    assert events("date_recounted")[-1]["what"] == "pledge_check"
