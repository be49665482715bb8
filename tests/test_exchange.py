"""办件信息汇聚 (GB/T 39046): the records the provincial platform pulls, for cases of the shipped
procedures, the cursor that loses nothing and repeats nothing, who may pull, and the command line."""
import json
import logging
import os
import stat
from datetime import timedelta

import pytest
from sqlalchemy import select

import run
from engine import decisions, exchange, exchange_sets, intake, portal, rating_codes, ratings, termination
from engine.clock import extension, pauses
from engine.corrections import request_correction, supply
from engine.errors import Forbidden, Invalid
from engine.services import users
from engine.services.tokens import issue_token
from engine.store import session_scope
from engine.store.db import uses_postgres
from engine.report_kinds import report_name
from engine.store.models import Case, Clock, Department, Event, Notice, RatingCode, User
from tests.procedures import PERMIT, decided_permit, install, open_tasks, take_in, uploads
from tests.statements import Statements
from tests.test_agencies import applied

QUERY = "1104-NRES-004"  # 不动产登记资料查询: immediate, decided by the window at acceptance
PERSON = {"name": "张三", "kind": "person", "id_type": "id_card", "id_number": "110101199003074477",
          "phone": "13800000001"}
COMPANY = {"name": "某某科技有限公司", "kind": "company", "id_type": "uscc", "id_number": "91110000MA01ABCD2Q"}


@pytest.fixture(autouse=True)
def settled(monkeypatch):
    """What these tests made is read at once; the wait for late commits has a test of its own."""
    monkeypatch.setattr(exchange, "SETTLE", timedelta(0))


def test_on_postgresql_the_feed_waits_for_transactions_that_may_still_commit(people, monkeypatch):
    # An event id is handed out at insert on PostgreSQL: one of a transaction still running may
    # be lower than one already committed, and a cursor past it would skip it for good.
    case = take_in(QUERY, {}, people["clerk"], applicant=PERSON)
    monkeypatch.setattr(exchange, "SETTLE", timedelta(seconds=60))
    held = exchange.feed(0, exchange.MAX_LIMIT)
    if uses_postgres():
        assert held == {"records": [], "next": 0}
    else:  # one writer at a time: what is committed is all there will be below its ids
        assert {r["case_number"] for r in held["records"]} == {case.number}
    monkeypatch.setattr(exchange, "SETTLE", timedelta(0))
    assert {r["case_number"] for r in exchange.feed(0, exchange.MAX_LIMIT)["records"]} == {case.number}


@pytest.fixture
def people(org):
    people = install(org)
    people["platform"] = users.add_user("platform", "省政务服务平台", "supervision", ["platform"], "pass-platform")
    people["agent"] = users.add_user("agent", "何芳", "village", ["agent"], "pass-agent")
    return people


def latest(after=0) -> dict:
    """Every record after the cursor, a record sent again replacing the first, by key."""
    return {r["key"]: r for r in exchange.feed(after, exchange.MAX_LIMIT)["records"]}


def of(case, records: dict) -> dict:
    return {key.split("/", 1)[1]: r for key, r in records.items() if r["case_number"] == case.number}


def test_an_immediate_case_accepted_and_concluded_at_the_window(people):
    case = take_in(QUERY, {}, people["clerk"], applicant=PERSON)
    records = of(case, latest())
    assert set(records) == {"acceptance/1", "conclusion/1"}
    accepted = records["acceptance/1"]
    assert (accepted["case_type"], accepted["case_subtype"], accepted["item_type"]) == ("1", None, "20")  # 即办件, 公共服务
    assert (accepted["handling_form"], accepted["applicant_type"], accepted["applicant_id_type"]) == ("1", "1", "111")
    assert accepted["applicant_id_type_name"] == "居民身份证"  # GA/T 2000.156's code, its name beside it
    assert accepted["applicant_id_number"] == "110101199003074477" and accepted["accepted_by"] == "clerk"
    assert accepted["implementation_code"] == "11990100MB1C000401110404"
    assert accepted["department_credit_code"] == "11990100MB1C000401"
    assert accepted["accepted_at"].endswith("+08:00")
    # 法定/承诺办结时限单位: the query promises its answer within the hour, the law a working day
    assert (accepted["statutory_unit"], accepted["promised_unit"]) == ("工作日", "小时")
    concluded = records["conclusion/1"]
    assert (concluded["result"], concluded["result_name"], concluded["delivered_at"]) == ("approve", "准予", None)


def test_a_promised_case_at_the_window_reports_its_steps_and_its_delivery(people):
    case = decided_permit(people)
    records = of(case, latest())
    assert set(records) == {"acceptance/1", "process/1", "process/2", "conclusion/1"}
    accepted = records["acceptance/1"]
    assert (accepted["case_type"], accepted["item_type"], accepted["handling_form"]) == ("2", "01", "1")
    assert (accepted["applicant_type"], accepted["applicant_id_type"], accepted["applicant_id_type_name"]) == \
        ("2", "001", "统一社会信用代码")
    assert accepted["acceptance_notice_number"].endswith("-ACC1") and accepted["promised_due"] > accepted["accepted_on"]
    review, decision = records["process/1"], records["process/2"]
    assert (review["action"], review["opinion"], review["department_code"]) == ("通过", "符合规划条件", "natres")
    assert decision["opinion"] == "准予核发" and decision["step_state"] == "2"
    concluded = records["conclusion/1"]
    assert concluded["certificate_name"] == "建设工程规划许可证" and concluded["certificate_number"]  # its seal's code
    cursor = exchange.feed(0, exchange.MAX_LIMIT)["next"]
    decisions.deliver(case.id, "express", people["clerk"], tracking="SF1234567890")
    again = latest(cursor)
    assert list(again) == [f"{case.number}/conclusion/1"]  # the same key: it replaces the first
    delivered = again[f"{case.number}/conclusion/1"]
    assert delivered["by_express"] is True and delivered["tracking_number"] == "SF1234567890"
    assert delivered["delivery_method"] == "快递寄送" and delivered["delivered_at"].endswith("+08:00")


def test_online_and_agent_filings_have_their_handling_forms(people):
    applicant = portal.register(name="李四", id_type="id_card", id_number="110101199202023453",
                                phone="13900000001", password="secret-pw")
    online = portal.apply(applicant.id, QUERY, uploads(QUERY))
    intake.accept(online.id, people["clerk"])
    filed = intake.submit(QUERY, PERSON, [*uploads(QUERY), intake.Upload("power_of_attorney", "wt.pdf", b"%PDF wt")],
                          people["agent"])
    intake.accept(filed.id, people["clerk"])
    records = latest()
    assert of(online, records)["acceptance/1"]["handling_form"] == "2"
    by_agent = of(filed, records)["acceptance/1"]
    assert (by_agent["handling_form"], by_agent["agent_name"]) == ("9", "何芳")


def test_a_correction_notice_is_a_step_before_the_acceptance(people):
    case = intake.submit(PERMIT, COMPANY, uploads(PERMIT)[1:], people["clerk"])  # the first material missing
    first = uploads(PERMIT)[0]
    request_correction(case.id, [{"code": first.kind, "reason": "未提供"}], people["clerk"])
    supply(case.id, [first], people["clerk"])
    intake.accept(case.id, people["clerk"])
    records = exchange.feed(0, exchange.MAX_LIMIT)["records"]
    mine = [r for r in records if r["case_number"] == case.number]
    assert [r["key"].split("/", 1)[1] for r in mine] == ["process/1", "acceptance/1"]
    step = mine[0]
    assert step["step_name"] == "一次性告知补正" and step["action"] == "其他" and "未提供" in step["opinion"]


def review_clocks(case) -> tuple[int, int]:
    """(the clock of the permit's review at natres, the case's)."""
    review = open_tasks(case.instance_id)["department_review@natres"]
    with session_scope() as session:
        return (session.scalar(select(Clock.id).where(Clock.task_id == review.id)),
                session.scalar(select(Clock.id).where(Clock.instance_id == case.instance_id, Clock.task_id.is_(None))))


def test_a_special_procedure_and_an_extension(people):
    case = take_in(PERMIT, {}, people["clerk"])
    step, whole = review_clocks(case)
    pauses.pause(step, "expert_review", "规划方案专家论证", 5, people["r_natres"])
    started = of(case, latest())
    assert set(started) == {"acceptance/1", "special_procedure/1"}  # the case clock's stop for it is not repeated
    assert started["special_procedure/1"]["ended_at"] is None
    cursor = exchange.feed(0, exchange.MAX_LIMIT)["next"]
    pauses.resume(step, "论证通过", people["r_natres"])
    extension.extend(whole, 10, "需补充现场核查", people["r_natres"])
    later = of(case, latest(cursor))
    assert set(later) == {"special_procedure/1", "special_procedure/2"}
    special = later["special_procedure/1"]
    assert (special["kind_code"], special["kind_name"], special["reason"]) == ("2", "专家评审", "规划方案专家论证")
    assert (special["limit_days"], special["result"], special["department_code"]) == (5, "论证通过", "natres")
    assert special["ended_at"].endswith("+08:00") and special["paused_days"] == 0
    extended = later["special_procedure/2"]
    assert (extended["kind_code"], extended["kind_name"], extended["limit_days"]) == ("1", "延长审批", 10)
    assert extended["approved_by"] == "natres reviewer" and "法定办结时限延长至" in extended["result"]


def test_a_page_reads_the_special_procedures_names_and_the_clocks_departments_once(people):
    case = take_in(PERMIT, {}, people["clerk"])
    step, whole = review_clocks(case)
    for kind, reason in (("expert_review", "规划方案专家论证"), ("testing", "结构检测")):
        pauses.pause(step, kind, reason, 5, people["r_natres"])
        pauses.resume(step, "完成", people["r_natres"])
    extension.extend(whole, 10, "需补充现场核查", people["r_natres"])
    with Statements() as statements:
        records = exchange.feed(0, exchange.MAX_LIMIT)["records"]
    specials = [r for r in records if r["dataset"] == "special_procedure"]
    assert [(r["seq"], r["kind_name"], r["department_code"]) for r in specials] == [
        (1, "专家评审", "natres"), (1, "专家评审", "natres"), (2, "检验检测", "natres"), (2, "检验检测", "natres"),
        (3, "延长审批", "natres")]
    assert len(statements.reading("special_procedure_kinds")) == 1
    assert len([s for s in statements.reading("clocks") if "clocks.department" in s]) == 1


def test_refusals_withdrawals_and_ratings_conclude_as_they_did(people):
    refused = intake.submit(PERMIT, COMPANY, uploads(PERMIT), people["clerk"])
    intake.refuse(refused.id, "不属于本机关职权范围", people["clerk"])
    rejected = decided_permit(people, "reject")
    withdrawn = take_in(PERMIT, {}, people["clerk"])
    termination.withdraw(withdrawn.id, "项目取消", people["clerk"])
    applicant = portal.register(name="李四", id_type="id_card", id_number="110101199202023453",
                                phone="13900000001", password="secret-pw")
    rated = portal.apply(applicant.id, QUERY, uploads(QUERY))
    intake.accept(rated.id, people["clerk"])
    decisions.deliver(rated.id, "window", people["clerk"])
    ratings.rate(rated.id, applicant.id, 4, "等候时间太长", concerns="service")
    records = latest()
    assert set(of(refused, records)) == {"conclusion/1"}  # never accepted
    assert (of(refused, records)["conclusion/1"]["result"], of(refused, records)["conclusion/1"]["result_description"]) \
        == ("not_accepted", "不属于本机关职权范围")
    no = of(rejected, records)
    assert no["conclusion/1"]["result"] == "reject" and no["conclusion/1"]["certificate_number"] is None
    assert no["process/1"]["action"] == "不通过" and no["process/2"]["action"] == "不通过"
    gone = of(withdrawn, records)["conclusion/1"]
    assert (gone["result"], gone["result_name"], gone["result_description"]) == ("withdrawn", "撤回申请", "项目取消")
    rating = of(rated, records)["rating/1"]
    assert (rating["satisfaction"], rating["satisfaction_name"], rating["text"]) == ("4", "不满意", "等候时间太长")
    assert rating["rater"] == "李四" and rating["times"] == 1 and (rating["channel"], rating["channel_code"]) == ("PC端", "1")


def test_a_rating_by_its_code_is_sent_as_given_by_qr_code(people):
    """评价码 from the applicant's phone: 评价渠道 二维码, the national 好差评 system's code 3."""
    case = take_in(QUERY, {}, people["clerk"], applicant=PERSON)
    decisions.deliver(case.id, "window", people["clerk"])
    with session_scope() as session:
        code = session.scalar(select(RatingCode.code).where(RatingCode.case_id == case.id))
    rating_codes.rate(code, 2, "", None, "10.0.0.9")
    rating = of(case, latest())["rating/1"]
    assert (rating["channel"], rating["channel_code"], rating["satisfaction"]) == ("二维码", "3", "2")


def test_pages_add_up_to_the_whole_and_a_later_pull_has_only_what_is_new(people):
    decided_permit(people)
    take_in(QUERY, {}, people["clerk"], applicant=PERSON)
    whole = exchange.feed(0, exchange.MAX_LIMIT)
    assert len(whole["records"]) == 6
    pulled, cursor = [], 0
    while True:
        page = exchange.feed(cursor, 4)
        assert len(page["records"]) <= 4
        if not page["records"]:
            assert page["next"] == cursor  # nothing new: the cursor stays
            break
        pulled += page["records"]
        cursor = page["next"]
    assert pulled == whole["records"] and cursor == whole["next"]
    assert len({r["key"] for r in pulled}) == len(pulled)
    assert [r["cursor"] for r in pulled] == sorted(r["cursor"] for r in pulled)
    case = decided_permit(people)
    new = exchange.feed(cursor, exchange.MAX_LIMIT)["records"]
    assert {r["case_number"] for r in new} == {case.number} and len(new) == 4
    assert all(r["cursor"] > cursor for r in new)


def test_only_the_platform_pulls_and_bad_parameters_change_nothing(people):
    with pytest.raises(Forbidden):
        exchange.pull(people["reviewer"])
    with pytest.raises(Forbidden):
        exchange.pull(people["supervisor"])
    for after, limit in ((-1, 10), (0, 0), (0, 1001), ("x", 10), (0, True)):
        with pytest.raises(Invalid):
            exchange.pull(people["platform"], after, limit)


def test_the_api_answers_the_platform_alone(people):
    from web import create_app
    client = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()
    decided_permit(people)
    assert client.get("/api/exchange/records").status_code == 401
    reviewer = {"Authorization": f"Bearer {issue_token('r_natres')}"}
    assert client.get("/api/exchange/records", headers=reviewer).status_code == 403
    assert client.get("/api/exchange/records?limit=abc", headers=reviewer).status_code == 403  # who asks, first
    platform = {"Authorization": f"Bearer {issue_token('platform')}"}
    answer = client.get("/api/exchange/records?limit=2", headers=platform)
    assert answer.status_code == 200 and len(answer.json["records"]) == 2
    rest = client.get(f"/api/exchange/records?after={answer.json['next']}", headers=platform).json
    assert [r["dataset"] for r in answer.json["records"] + rest["records"]] == \
        ["acceptance", "process", "process", "conclusion"]
    for query in ("limit=0", "limit=1001", "after=-1", "after=1.5", "limit=", "after=99999999999"):
        refused = client.get(f"/api/exchange/records?{query}", headers=platform)
        assert refused.status_code == 422, query
        assert refused.json["error"]["code"] == "invalid"


def test_the_command_writes_json_lines_and_prints_the_next_cursor(people, tmp_path, capsys):
    decided_permit(people)
    out = tmp_path / "records.jsonl"
    assert run.main(["exchange", "--out", str(out), "--limit", "3"]) == 0
    first = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    cursor = int(capsys.readouterr().out.strip())
    assert [r["dataset"] for r in first] == ["acceptance", "process", "process"] and cursor == first[-1]["cursor"]
    assert run.main(["exchange", "--after", str(cursor)]) == 0
    said = capsys.readouterr()
    assert [json.loads(line)["dataset"] for line in said.out.splitlines()] == ["conclusion"]
    assert said.err.strip() == f"next: {exchange.feed(0, 1000)['next']}"


def test_the_promised_date_is_the_one_the_acceptance_notice_gave_however_the_clock_moves(people):
    case = take_in(PERMIT, {}, people["clerk"])
    with session_scope() as session:
        promised = session.scalar(select(Notice).where(Notice.case_id == case.id, Notice.kind == "acceptance")) \
            .data["promised_due"]
        whole = session.scalar(select(Clock).where(Clock.instance_id == case.instance_id, Clock.task_id.is_(None)))
        whole.promised_due += timedelta(days=30)  # as a calendar import or a pause moves it later
    assert of(case, latest())["acceptance/1"]["promised_due"] == promised


def test_a_correction_step_names_the_materials_and_the_window_of_its_day_and_starts_with_its_round(people):
    case = applied(people)  # its 评估报告 missing: the notice names the reports of the kinds it needs
    request_correction(case.id, [{"code": "assessment_report", "reason": "须提交评估报告"}], people["clerk"])
    reports = [intake.Upload(f"report:{k}", f"{k}.pdf", f"%PDF {k}".encode()) for k in ("climate", "seismic_safety")]
    supply(case.id, reports, people["clerk"])
    request_correction(case.id, [{"code": "report:climate", "reason": "缺少签章"}], people["clerk"])
    with session_scope() as session:  # the clerk moves to another department afterwards
        clerk = session.get(User, people["clerk"].id)
        window = clerk.department.code
        clerk.department = session.scalar(select(Department).where(Department.code == "natres"))
        answered = session.scalar(select(Event.at).where(Event.case_id == case.id, Event.type == "materials_supplied"))
        submitted = session.get(Case, case.id).submitted_at
    steps = of(case, latest())
    first, second = steps["process/1"], steps["process/2"]
    assert report_name("climate") in first["opinion"] and report_name("seismic_safety") in first["opinion"]
    assert "report:" not in first["opinion"] + second["opinion"]
    assert first["department_code"] == second["department_code"] == window != "natres"
    assert first["started_at"] == exchange_sets.when(submitted)
    assert second["started_at"] == exchange_sets.when(answered)  # when the first round's answer was complete


def test_one_odd_case_is_skipped_with_a_warning_and_holds_back_no_later_case(people, caplog):
    odd = take_in(QUERY, {}, people["clerk"], applicant=PERSON)
    case = take_in(PERMIT, {}, people["clerk"])
    review = open_tasks(case.instance_id)["department_review@natres"]
    with session_scope() as session:
        session.get(Case, odd.id).channel = "post"  # no handling form of the standard's
        step = session.scalar(select(Clock.id).where(Clock.task_id == review.id))
    pauses.pause(step, "expert_review", "规划方案专家论证", 5, people["r_natres"])
    pauses.resume(step, "论证通过", people["r_natres"])
    with session_scope() as session:  # its start lost: its end has nothing to be numbered by
        session.delete(session.scalar(select(Event).where(Event.instance_id == case.instance_id,
                                                          Event.type == "special_procedure_started")))
    later = take_in(QUERY, {}, people["clerk"], applicant=PERSON)
    with caplog.at_level(logging.WARNING, logger="engine.exchange_sets"):
        records = latest()
    assert set(of(odd, records)) == {"conclusion/1"}
    assert set(of(case, records)) == {"acceptance/1"}
    assert set(of(later, records)) == {"acceptance/1", "conclusion/1"}
    warned = [r.getMessage() for r in caplog.records if r.name == "engine.exchange_sets"]
    assert len(warned) == 1 and odd.number in warned[0]


def test_the_file_the_command_writes_is_for_its_owner_alone(people, tmp_path, capsys):
    decided_permit(people)
    out = tmp_path / "records.jsonl"
    (tmp_path / ".records.jsonl.part").write_text("left from a run that failed")  # files.private_file's
    os.chmod(tmp_path / ".records.jsonl.part", 0o644)
    assert run.main(["exchange", "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and out.read_text(encoding="utf-8").count("\n") == 4
