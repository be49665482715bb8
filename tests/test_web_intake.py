"""The window clerk's pages through Flask: take in, accept (容缺, 告知承诺), correct, refuse, deliver, print."""
import io
import re

import lxml.html
import pytest

from engine import catalogue, clock, intake, portal
from engine.errors import Invalid
from engine.services import calendars, deploy, progress, tasks
from tests.bpmn_builder import process
from tests.web import csrf_token, element, history_row, signed_in as client

REVIEW = process("window_review", [("start", "s", "申请"), ("user", "review", "住建审查"), ("end", "e", "办结")],
                 [("s", "review"), ("review", "e")], lanes={"housing": ["review"]})
ITEM = {"code": "W-1", "name": "建筑工程施工许可", "kind": "licence", "department": "housing",
        "case_type": "promised", "statutory_days": 20, "promised_days": 10, "process": "window_review",
        "form": {"type": "object", "properties": {"project": {"type": "string", "title": "项目名称"},
                                                  "area": {"type": "number", "title": "建筑面积"}}},
        "materials": [{"code": "id_card", "name": "身份证明", "mandatory": True, "valid_years": 10},
                      {"code": "form", "name": "申请表", "mandatory": True},
                      {"code": "land", "name": "土地证明", "mandatory": True, "deferrable": True},
                      {"code": "marriage", "name": "婚姻状况证明", "mandatory": True, "pledgeable": True}]}
APPLICANT = {"name": "李四", "id_type": "id_card", "id_number": "110101198001011128", "phone": "13900000000",
             "kind": "person"}


@pytest.fixture
def app(org):
    from web import create_app
    deploy.deploy([("review.bpmn", REVIEW.encode())], org["designer"])
    catalogue.save(ITEM, None)
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def files(*codes):
    return {f"file_{code}": (io.BytesIO(f"%PDF {code}".encode()), f"{code}.pdf") for code in codes}


def submit(c, *codes, **extra):
    data = {**APPLICANT, "project": "一号厂房", "area": "1500", **files(*codes), **extra}
    return c.post("/intake/new/W-1", data=data, content_type="multipart/form-data")


def case_id_of(res) -> int:
    return int(re.search(r"/intake/cases/(\d+)$", res.location).group(1))


def notice_ids(html: str) -> dict[str, int]:
    return {kind: int(n) for n, kind in re.findall(r'/intake/notices/(\d+)"[^>]*data-kind="(\w+)"', html)}


def test_index_lists_items_and_recent_cases(app, org):
    clerk = client(app, "clerk")
    res = submit(clerk, "id_card", "form", "land", "marriage")
    html = clerk.get("/intake/").get_data(as_text=True)
    assert 'href="/intake/new/W-1"' in html and "建筑工程施工许可" in html
    number = intake.describe(case_id_of(res))["number"]
    assert number in element(html, "recent-cases")
    # A case that came in online is marked: the applicant is not at the window.
    online = intake.submit("W-1", APPLICANT, [], None, channel="online", form={"project": "二号厂房", "area": 20})
    listing = element(clerk.get("/intake/").text, "recent-cases")
    assert re.search(online.number + r'</a> <span class="badge online">网上申请</span>', listing)
    assert not re.search(number + r'</a> <span class="badge online">', listing)


OTHER = {"name": "王五", "id_number": "110101199003071233", "phone": "13700000002"}


def two_cases(clerk) -> tuple[dict, dict]:
    """APPLICANT's case, waiting, and OTHER's, accepted."""
    first = intake.describe(case_id_of(submit(clerk, "id_card", "form", "land", "marriage")))
    second = intake.describe(case_id_of(submit(clerk, "id_card", "form", "land", "marriage", **OTHER)))
    clerk.post(f"/intake/cases/{second['id']}/accept")
    return first, second


def listed(html: str) -> set[str]:
    """The case numbers the window's list shows."""
    return set(re.findall(r"\b(\d{14})\b", element(html, "recent-cases")))


def test_the_window_finds_a_case_by_number_applicant_or_status(app, org):
    clerk = client(app, "clerk")
    first, second = two_cases(clerk)

    def found(**query):  # sent as the page's form sends it
        return listed(clerk.post("/intake/", data=query, follow_redirects=True).text)
    assert found() == {first["number"], second["number"]}
    assert found(q="王") == {second["number"]} and found(q="13900000000") == {first["number"]}
    assert found(q="110101199003071233") == {second["number"]} and found(q=first["number"]) == {first["number"]}
    assert found(status="submitted") == {first["number"]} and found(q="王", status="submitted") == set()
    assert found(q="%") == set()  # a wildcard is a character like any other
    assert found(q=second["number"][-6:]) == {second["number"]} and found(q="0002") == {second["number"]}  # 尾号
    assert found(q="000") == set()  # fewer than four digits: too many to mean one


def test_take_in_then_accept_and_print_the_acceptance_notice(app, org):
    clerk = client(app, "clerk")
    page = clerk.get("/intake/new/W-1").get_data(as_text=True)
    assert 'name="file_land"' in page and "可容缺" in page and "可告知承诺" in page and 'name="project"' in page
    # The window knows the documents the portal registers with (a 港澳通行证 too).
    offered = set(re.findall(r'<option value="(\w+)"', re.search(r'name="id_type".*?</select>', page, re.S).group(0)))
    assert set(portal.ID_TYPES) <= offered
    res = submit(clerk, "id_card", "form", "land", "marriage")
    assert res.status_code == 303
    case_id = case_id_of(res)
    info = intake.describe(case_id)
    assert info["status"] == "submitted" and info["form"] == {"project": "一号厂房", "area": 1500}
    assert clerk.post(f"/intake/cases/{case_id}/accept").status_code == 303
    html = clerk.get(f"/intake/cases/{case_id}").get_data(as_text=True)
    assert 'data-status="accepted"' in html
    notice = clerk.get(f"/intake/notices/{notice_ids(html)['acceptance']}")
    text = notice.get_data(as_text=True)
    due = calendars.current().add_workdays(clock.today(), 10).date.isoformat()
    assert notice.status_code == 200 and info["number"] in text and "受理通知书" in text and due in text
    assert "@media print" not in text and "notice.css" in text  # the print rules live in the stylesheet


def test_a_notice_read_in_english_is_dated_in_english(app, org):
    """The notice's labels were English but its date stayed 2026年11月29日."""
    clerk = client(app, "clerk")
    case_id = case_id_of(submit(clerk, "id_card", "form", "land", "marriage"))
    assert clerk.post(f"/intake/cases/{case_id}/accept").status_code == 303
    notice = f"/intake/notices/{notice_ids(clerk.get(f'/intake/cases/{case_id}').text)['acceptance']}"
    today = clock.today()
    english = lxml.html.document_fromstring(clerk.get(notice + "?lang=en").text)
    assert english.find_class("date")[0].text_content() == today.isoformat()
    chinese = lxml.html.document_fromstring(clerk.get(notice + "?lang=zh").text)
    assert chinese.find_class("date")[0].text_content() == f"{today.year}年{today.month:02d}月{today.day:02d}日"


def test_an_applicant_who_changed_its_name_is_renamed_at_the_window_with_what_shows_it(app, org):
    from sqlalchemy import select
    from engine.store import session_scope
    from engine.store.models import Applicant, Event
    clerk = client(app, "clerk")
    first = case_id_of(submit(clerk, "id_card", "form", "land", "marriage"))
    assert clerk.post(f"/intake/cases/{first}/accept").status_code == 303
    acceptance = notice_ids(clerk.get(f"/intake/cases/{first}").get_data(as_text=True))["acceptance"]
    # Another name under a recorded ID number is refused, and says how a real change is recorded.
    refused = submit(clerk, "form", "land", "marriage", name="李四新")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "登记的申请人是 李四，不是 李四新" in text and "请填写更名依据" in text
    renamed = submit(clerk, "form", "land", "marriage", name="李四新", renamed_because="户口簿姓名变更页")
    assert renamed.status_code == 303
    second = case_id_of(renamed)
    assert intake.describe(second)["applicant"] == "李四新" == intake.describe(first)["applicant"]
    with session_scope() as session:
        assert len(session.scalars(select(Applicant)).all()) == 1  # the same applicant, renamed
        [event] = session.scalars(select(Event).where(Event.type == "applicant_renamed")).all()
    assert event.case_id == second and event.actor.login == "clerk"
    assert (event.data["old"], event.data["name"], event.data["reason"]) == ("李四", "李四新", "户口簿姓名变更页")
    # The notice already issued keeps the name it was issued to.
    printed = clerk.get(f"/intake/notices/{acceptance}").get_data(as_text=True)
    assert "李四" in printed and "李四新" not in printed


def test_the_acceptance_notice_marks_each_date_provisional_on_its_own(app, org):
    from datetime import date
    clerk = client(app, "clerk")
    case_id = case_id_of(submit(clerk, "id_card", "form", "land", "marriage"))
    # Promised 10 working days end in 2026, which has its notice; statutory 20 end in 2027.
    intake.accept(case_id, org["clerk"], accepted_on=date(2026, 12, 10))
    html = clerk.get(f"/intake/cases/{case_id}").get_data(as_text=True)
    text = clerk.get(f"/intake/notices/{notice_ids(html)['acceptance']}").get_data(as_text=True)
    promised = re.search(r'id="promised-due">(.*?)</td>', text).group(1)
    statutory = re.search(r'id="statutory-due">(.*?)</td>', text).group(1)
    assert promised.startswith("2026-12") and "暂定" not in promised
    assert statutory.startswith("2027-01") and "暂定" in statutory
    # The department's step page says so of the case's statutory date too.
    [task] = [t for t in tasks.list_tasks(org["reviewer"]) if t["instance_id"] == intake.describe(case_id)["instance_id"]]
    limits = element(client(app, "reviewer").get(f"/inbox/tasks/{task['id']}").text, "limits")
    assert re.search(r"法定期限</dt><dd>2027-01-\d\d（暂定）", limits)


def test_ticked_material_without_its_file_is_refused(app, org):
    res = submit(client(app, "clerk"), "id_card", received_form="on")
    assert res.status_code == 422 and "申请表：已勾选收取，但未上传扫描件" in res.get_data(as_text=True)
    assert progress.recent_cases(org["clerk"]) == []  # nothing was taken in


def test_reused_material_is_shown_as_reused(app, org):
    clerk = client(app, "clerk")
    submit(clerk, "id_card", "form", "land", "marriage")
    second = case_id_of(submit(clerk, "form", "land", "marriage"))
    html = clerk.get(f"/intake/cases/{second}").get_data(as_text=True)
    row = re.search(r'<tr data-material="id_card".*?</tr>', html, re.S).group(0)
    assert 'data-state="reused"' in row and "已复用" in row


def test_conditional_acceptance_and_pledge(app, org):
    clerk = client(app, "clerk")
    case_id = case_id_of(submit(clerk, "id_card", "form"))
    due = calendars.current().add_workdays(clock.today(), 3).date.isoformat()
    res = clerk.post(f"/intake/cases/{case_id}/accept",
                     data={"deferred": "land", "deferred_due": due, "pledged": "marriage"})
    assert res.status_code == 303
    info = intake.describe(case_id)
    rows = {m["code"]: m for m in info["materials"]}
    assert info["status"] == "conditional" and rows["land"]["due_on"] == due and rows["marriage"]["state"] == "pledged"
    html = clerk.get(f"/intake/cases/{case_id}").get_data(as_text=True)
    text = clerk.get(f"/intake/notices/{notice_ids(html)['acceptance']}").get_data(as_text=True)
    assert "容缺受理" in text and "土地证明" in text and due in text and "婚姻状况证明" in text
    assert "决定予以容缺受理" in text and "申请材料齐全、符合法定形式，决定予以受理" not in text
    # the deferred material arrives: the case is fully accepted
    supplied = clerk.post(f"/intake/cases/{case_id}/supply", data=files("land"), content_type="multipart/form-data")
    assert supplied.status_code == 303 and intake.describe(case_id)["status"] == "accepted"


def test_an_application_form_that_fails_its_schema_marks_its_fields(app, org):
    clerk = client(app, "clerk")
    res = submit(clerk, "id_card", "form", area="一千五")
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and "申请表填写不完整" in html
    assert re.search(r'data-field="area">.*?field-error">请填写数字<', html, re.S)
    assert 'value="一千五"' in html and progress.recent_cases(org["clerk"]) == []  # kept to be mended, nothing stored


def test_accept_with_missing_material_is_refused_with_reasons(app, org):
    clerk = client(app, "clerk")
    case_id = case_id_of(submit(clerk, "id_card"))
    res = clerk.post(f"/intake/cases/{case_id}/accept", data={"pledged": "land"})
    assert res.status_code == 422 and "土地证明：该材料不适用告知承诺" in res.get_data(as_text=True)
    assert intake.describe(case_id)["status"] == "submitted"
    # The materials are named as on the checklist, and what the clerk chose is there to mend.
    due = calendars.current().add_workdays(clock.today(), 3).date.isoformat()
    res = clerk.post(f"/intake/cases/{case_id}/accept",
                     data={"deferred": "land", "deferred_due": due, "pledged": "marriage"})
    form = re.search(r'<form[^>]*id="accept-form".*?</form>', res.text, re.S).group(0)
    assert res.status_code == 422 and "缺少申请表" in res.text and "form：" not in res.text
    assert re.search(r'name="deferred" value="land" checked', form) and f'value="{due}"' in form
    assert re.search(r'name="pledged" value="marriage" checked', form)


def test_the_correction_form_ticks_the_missing_required_materials_only(app, org):
    catalogue.save({**ITEM, "materials": ITEM["materials"] + [
        {"code": "contract", "name": "设计合同", "mandatory": False}]}, None)
    clerk = client(app, "clerk")
    html = clerk.get(f"/intake/cases/{case_id_of(submit(clerk, 'id_card', 'form'))}").get_data(as_text=True)
    form = re.search(r'<form[^>]*id="correction-form".*?</form>', html, re.S).group(0)
    ticked = set(re.findall(r'name="missing" value="(\w+)" checked', form))
    assert ticked == {"land", "marriage"}  # the optional contract is offered, not asked for
    assert 'value="contract"' in form and "（非必需）" in form


def test_the_correction_form_keeps_a_refused_notice_and_ticks_what_was_told(app, org):
    catalogue.save({**ITEM, "materials": ITEM["materials"] + [
        {"code": "contract", "name": "设计合同", "mandatory": False}]}, None)
    clerk = client(app, "clerk")
    case_id = case_id_of(submit(clerk, "id_card", "form"))

    def form(html):
        found = re.search(r'<form[^>]*id="correction-form".*?</form>', html, re.S).group(0)
        return found, set(re.findall(r'name="missing" value="(\w+)" checked', found))
    refused = clerk.post(f"/intake/cases/{case_id}/correction",
                         data={"missing": ["land", "bogus"], "reason_land": "需加盖公章", "note": "请一次补齐"})
    assert refused.status_code == 422
    html, ticked = form(refused.text)
    assert ticked == {"land"} and 'value="需加盖公章"' in html and "请一次补齐</textarea>" in html
    assert clerk.post(f"/intake/cases/{case_id}/correction",
                      data={"missing": ["land", "contract"]}).status_code == 303
    assert clerk.post(f"/intake/cases/{case_id}/supply", data=files("land"),
                      content_type="multipart/form-data").status_code == 303
    page = clerk.get(f"/intake/cases/{case_id}").text  # part of the answer: it waits for the contract
    assert 'data-status="correction"' in page and 'id="correction-form"' not in page
    assert "设计合同" in element(page, "still-missing") and "土地证明" not in element(page, "still-missing")
    assert clerk.post(f"/intake/cases/{case_id}/supply", data=files("contract"),
                      content_type="multipart/form-data").status_code == 303
    # Second round: only what the notice told (the marriage certificate it did not ask for is not offered).
    html, ticked = form(clerk.get(f"/intake/cases/{case_id}").text)
    assert ticked == set() and 'value="land"' in html and 'value="contract"' in html and 'value="marriage"' not in html


def test_correction_notice_lists_what_is_missing_then_supply(app, org):
    clerk = client(app, "clerk")
    case_id = case_id_of(submit(clerk, "id_card", "form"))
    res = clerk.post(f"/intake/cases/{case_id}/correction",
                     data={"missing": ["land", "marriage"], "reason_land": "需加盖公章", "note": "请补齐"})
    assert res.status_code == 303
    html = clerk.get(f"/intake/cases/{case_id}").get_data(as_text=True)
    assert 'data-status="correction"' in html
    text = clerk.get(f"/intake/notices/{notice_ids(html)['correction']}").get_data(as_text=True)
    missing = element(text, "missing")
    assert "土地证明" in missing and "需加盖公章" in missing and "婚姻状况证明" in missing
    # The window's note is said once for all, below the list; a material without a reason gets a plain one.
    assert "请补齐" not in missing and "缺少或不符合要求" in missing
    assert re.search(r'<p id="note">说明：请补齐</p>', text)
    assert "行政许可法》第三十二条" in element(text, "correction-basis")  # a licence's notice cites the law
    again = clerk.post(f"/intake/cases/{case_id}/correction", data={"missing": ["land"]})
    assert again.status_code == 409
    clerk.post(f"/intake/cases/{case_id}/supply", data=files("land", "marriage"), content_type="multipart/form-data")
    assert intake.describe(case_id)["status"] == "submitted"
    # A second notice may only name what the first told: the form offers nothing else.
    html = clerk.get(f"/intake/cases/{case_id}").get_data(as_text=True)
    form = re.search(r'<form[^>]*id="correction-form".*?</form>', html, re.S).group(0)
    assert set(re.findall(r'name="missing" value="(\w+)"', form)) == {"land", "marriage"}


def test_an_immediate_case_is_decided_at_the_window_with_its_result(app, org):
    immediate = {k: v for k, v in ITEM.items() if k != "form"}
    catalogue.save({**immediate, "code": "W-IMM", "case_type": "immediate", "promised_days": 0, "statutory_days": 1,
                    "process": None, "materials": ITEM["materials"][:1]}, None)
    clerk = client(app, "clerk")
    res = clerk.post("/intake/new/W-IMM", data={**APPLICANT, **files("id_card")}, content_type="multipart/form-data")
    case_id = case_id_of(res)
    assert 'id="outcome"' in clerk.get(f"/intake/cases/{case_id}").text
    assert 'id="outcome"' not in clerk.get(f"/intake/cases/{case_id_of(submit(clerk, 'id_card'))}").text
    refused = clerk.post(f"/intake/cases/{case_id}/accept", data={"decision": "reject", "statement": ""},
                         content_type="multipart/form-data")
    assert refused.status_code == 422 and '<option value="reject" selected>' in refused.text
    res = clerk.post(f"/intake/cases/{case_id}/accept", content_type="multipart/form-data",
                     data={"decision": "approve", "statement": "查询到登记记录",
                           "result": (io.BytesIO(b"%PDF result"), "查询结果.pdf")})
    assert res.status_code == 303
    page = clerk.get(f"/intake/cases/{case_id}").text
    assert 'id="statement">查询到登记记录' in page and "查询结果.pdf" in page and 'id="deliver-form"' in page
    assert "已受理并当场办结，请送达结果" in page
    accepted = clerk.get(f"/intake/notices/{notice_ids(page)['acceptance']}").text  # said so on the notice
    assert "决定予以受理，并当场办理" in accepted and "特别程序" not in accepted


@pytest.mark.parametrize("kind, refused, notice, decision", [
    ("public_service", "不予办理", "non_approval", "不予办理决定书"),
    ("licence", "不予许可", "rejection", "不予行政许可决定书")])
def test_a_refusal_is_named_by_the_items_kind_and_its_decision_is_handed_over(app, org, kind, refused, notice,
                                                                             decision):
    immediate = {k: v for k, v in ITEM.items() if k != "form"}
    catalogue.save({**immediate, "code": "W-IMM", "kind": kind, "case_type": "immediate", "promised_days": 0,
                    "statutory_days": 1, "process": None, "materials": ITEM["materials"][:1]}, None)
    clerk = client(app, "clerk")
    case_id = case_id_of(clerk.post("/intake/new/W-IMM", data={**APPLICANT, **files("id_card")},
                                    content_type="multipart/form-data"))
    offered = clerk.get(f"/intake/cases/{case_id}").text
    assert f'<option value="reject">{refused}</option>' in offered
    granted = "准予" if kind == "licence" else "准予办理"  # a bare 准予 is a licence's word
    assert re.search(rf'<option value="approve"[^>]*>{granted}</option>', offered)
    clerk.post(f"/intake/cases/{case_id}/accept", data={"decision": "reject", "statement": "查无登记记录"},
               content_type="multipart/form-data")
    page = clerk.get(f"/intake/cases/{case_id}").text
    assert f"<dd>{refused}</dd>" in page
    assert re.search(r'id="deliver-form"\s+data-confirm="确认已送达？', page)  # it cannot be undone
    # No online account: nowhere to read a result online, so no 电子送达 is offered, and it says why.
    assert 'value="electronic"' not in page and 'id="no-electronic"' in page
    assert clerk.post(f"/intake/cases/{case_id}/deliver", data={"method": "electronic"}).status_code == 409
    assert re.search(r'id="applicant-ids">\d{17}[\dX]', page)  # the clerk sees whose case it is
    assert refused in history_row(page, "case_decided")  # the history too
    refusal = intake.describe(case_id)["notices"][-1]
    assert refusal["kind"] == notice
    assert clerk.post(f"/intake/cases/{case_id}/deliver", data={"method": "window"}).status_code == 303
    receipt = clerk.get(f"/intake/notices/{notice_ids(clerk.get(f'/intake/cases/{case_id}').text)['receipt']}").text
    assert f'id="decision">{refused}<' in receipt
    documents = element(receipt, "documents")
    assert decision in documents and refusal["number"] in documents


def test_refusal_needs_a_reason_and_prints_it(app, org):
    clerk = client(app, "clerk")
    case_id = case_id_of(submit(clerk, "id_card"))
    assert clerk.post(f"/intake/cases/{case_id}/refuse", data={"reason": " "}).status_code == 422
    assert clerk.post(f"/intake/cases/{case_id}/refuse", data={"reason": "不属于本机关职权"}).status_code == 303
    html = clerk.get(f"/intake/cases/{case_id}").get_data(as_text=True)
    text = clerk.get(f"/intake/notices/{notice_ids(html)['refusal']}").get_data(as_text=True)
    assert "不予受理通知书" in text and "不属于本机关职权" in text and "行政复议" in text
    assert 'id="remedies-where"' not in text  # the office named nowhere: the time limits alone


def test_a_refusal_names_where_to_appeal_as_the_office_set_it_then(app, org, monkeypatch):
    monkeypatch.setenv("APPEAL_BODY", "某某县人民政府")
    monkeypatch.setenv("APPEAL_COURT", "某某县人民法院")
    clerk = client(app, "clerk")
    case_id = case_id_of(submit(clerk, "id_card"))
    assert clerk.post(f"/intake/cases/{case_id}/refuse", data={"reason": "不属于本机关职权"}).status_code == 303
    monkeypatch.setenv("APPEAL_BODY", "另一机关")  # printed later, the notice says what it said then
    notice = clerk.get(f"/intake/notices/{notice_ids(clerk.get(f'/intake/cases/{case_id}').text)['refusal']}").text
    assert "行政复议机关：某某县人民政府。行政诉讼管辖法院：某某县人民法院。" in element(notice, "remedies-where")


def test_the_window_sees_that_a_cases_procedure_is_suspended(app, org):
    from engine.services import admin
    clerk = client(app, "clerk")
    case_id = case_id_of(submit(clerk, "id_card", "form", "land", "marriage"))
    clerk.post(f"/intake/cases/{case_id}/accept")
    assert 'id="suspended"' not in clerk.get(f"/intake/cases/{case_id}").text
    admin.suspend_instance(intake.describe(case_id)["instance_id"], "核查举报", org["admin"])
    status = element(clerk.get(f"/intake/cases/{case_id}").text, "case-status")
    assert "已受理" in status and "审批流程已暂停" in status


def test_delivery_after_the_decision(app, org):
    clerk = client(app, "clerk")
    case_id = case_id_of(submit(clerk, "id_card", "form", "land", "marriage"))
    clerk.post(f"/intake/cases/{case_id}/accept")
    [task] = tasks.list_tasks(org["reviewer"])
    # The reviewer's inbox says whose case it is and for what, beside its number.
    inbox = client(app, "reviewer").get("/inbox/").text
    assert re.search(r'class="muted case-of">建筑工程施工许可 · 李四<', inbox)
    tasks.claim(task["id"], org["reviewer"])
    tasks.complete(task["id"], org["reviewer"], {"decision": "approve"})
    page = clerk.get(f"/intake/cases/{case_id}").text
    assert 'id="deliver-form"' in page
    # The case's limits, then delivery's, each said once under its own name.
    facts = re.search(r'<dl class="facts">.*?</dl>', page, re.S).group(0)
    assert [facts.count(f"<dt>{name}</dt>") for name in ("承诺期限", "法定期限", "送达期限", "法定送达期限")] == [1, 1, 1, 1]
    res = clerk.post(f"/intake/cases/{case_id}/deliver", data={"method": "express"})
    assert res.status_code == 422 and '<option value="express" selected>' in res.text  # the choice kept
    res = clerk.post(f"/intake/cases/{case_id}/deliver", data={"method": "express", "tracking": "SF100200300"})
    assert res.status_code == 303
    info = intake.describe(case_id)
    assert info["status"] == "delivered" and info["delivery"]["tracking"] == "SF100200300"


def test_only_clerks_take_in_and_only_those_who_see_the_case_print(app, org):
    case_id = case_id_of(submit(client(app, "clerk"), "id_card", "form", "land", "marriage"))
    reviewer = client(app, "reviewer")
    assert reviewer.get("/intake/").status_code == 403
    assert reviewer.get("/intake/new/W-1").status_code == 403
    assert reviewer.get(f"/intake/cases/{case_id}").status_code == 403
    assert reviewer.post(f"/intake/cases/{case_id}/accept").status_code == 403
    assert intake.describe(case_id)["status"] == "submitted"
    client(app, "clerk").post(f"/intake/cases/{case_id}/accept")
    notice_id = intake.describe(case_id)["notices"][0]["id"]
    assert client(app, "taxman").get(f"/intake/notices/{notice_id}").status_code == 403
    assert reviewer.get(f"/intake/notices/{notice_id}").status_code == 200  # housing works on the case
    assert app.test_client().get(f"/intake/notices/{notice_id}").status_code == 302
    assert client(app, "clerk").get("/intake/notices/999").status_code == 404


def test_csrf_is_enforced_on_intake_forms(app, org):
    from web import create_app
    case_id = case_id_of(submit(client(app, "clerk"), "id_card", "form", "land", "marriage"))
    c = create_app({"TESTING": True}).test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', c.get("/login").get_data(as_text=True)).group(1)
    c.post("/login", data={"login": "clerk", "password": "pass-clerk", "csrf_token": token})
    assert c.post(f"/intake/cases/{case_id}/accept").status_code == 400
    # Signing in gave the session a token of its own (tests/test_security_review.py): the page's.
    assert c.post(f"/intake/cases/{case_id}/accept", data={"csrf_token": token}).status_code == 400
    assert intake.describe(case_id)["status"] == "submitted"
    token = csrf_token(c.get(f"/intake/cases/{case_id}").text)
    assert c.post(f"/intake/cases/{case_id}/accept", data={"csrf_token": token}).status_code == 303


def test_times_on_pages_and_notices_are_beijing_times():
    """Stored times are UTC; a notice issued at 07:30 in Beijing is dated that day, not the one before."""
    from datetime import datetime, timezone
    from web import local_time
    issued = datetime(2026, 11, 22, 23, 30, tzinfo=timezone.utc)
    assert local_time(issued, "%Y年%m月%d日") == "2026年11月23日"
    assert local_time(issued.isoformat()) == "2026-11-23 07:30"
    assert local_time(None) == ""


def test_amounts_may_be_written_with_thousands_separators(app, org):
    clerk = client(app, "clerk")
    case_id = case_id_of(submit(clerk, "id_card", "form", area="1,200,000"))
    assert intake.describe(case_id)["form"]["area"] == 1_200_000
    for wrong in ("inf", "1,5"):  # no amount; a decimal comma is not read as thousands (15)
        refused = submit(clerk, "id_card", "form", area=wrong)
        assert refused.status_code == 422 and "请填写数字" in refused.get_data(as_text=True), wrong


def test_the_same_intake_form_sent_twice_makes_one_case(app, org):
    """Back, then 收件登记 again: the browser fetches the form anew and fills in what was typed and
    chosen; the same application (fields and files) from this browser names the case it made."""
    clerk = client(app, "clerk")
    first = submit(clerk, "id_card", "form")
    again = submit(clerk, "id_card", "form")
    assert again.status_code == 303 and again.location == first.location
    assert len(progress.recent_cases(org["clerk"])) == 1
    assert "未重复登记" in clerk.get(again.location).text
    other = submit(clerk, "id_card", "form", project="二号厂房")  # another application
    assert other.location != first.location
    for n in range(18):  # the newest twenty applications are remembered, in the order they came
        submit(clerk, "id_card", "form", project=f"厂房{n}")
    assert submit(clerk, "id_card", "form").location == first.location
    assert len(progress.recent_cases(org["clerk"])) == 20
    submit(clerk, "id_card", "form", project="厂房18")  # a twenty-first: the oldest, the first, is forgotten
    assert submit(clerk, "id_card", "form").location != first.location


def test_a_files_name_is_kept_fit_for_a_page_and_a_download(app, org):
    """A name with a line break (its download's header failed), a path, a right-to-left mark
    hiding an extension, or longer than the column (PostgreSQL refuses it) is kept cleaned; a
    program or a web page is no material, whatever its name pretends."""
    names = {"id_card": "a\r\nSet-Cookie: x=1\r\n.pdf", "form": "C:\\scans\\..\\申请\u202ecod.pdf",
             "land": "土" * 300 + ".pdf", "marriage": "\t婚姻.PDF"}
    case = intake.submit("W-1", APPLICANT, [intake.Upload(code, name, b"%PDF x") for code, name in names.items()],
                         org["clerk"], form={"project": "一号厂房"})
    kept = {m["code"]: m for m in intake.describe(case.id)["materials"]}
    assert {code: kept[code]["filename"] for code in ("id_card", "form", "marriage")} == {
        "id_card": "aSet-Cookie: x=1.pdf", "form": "申请cod.pdf", "marriage": "婚姻.PDF"}
    assert kept["land"]["filename"] == "土" * 196 + ".pdf"
    page = client(app, "clerk")
    for code in names:
        res = page.get(f"/inbox/materials/{kept[code]['material_id']}")
        assert res.status_code == 200 and "\n" not in res.headers["Content-Disposition"]
    for disguised in ("申请\u202efdp.exe", "id.html", "id.svg", "id"):
        with pytest.raises(Invalid, match="only documents are taken"):
            intake.submit("W-1", APPLICANT, [intake.Upload("id_card", disguised, b"MZ")], org["clerk"])
    refused = page.post("/intake/new/W-1", data={**APPLICANT, "file_id_card": (io.BytesIO(b"<svg/>"), "x.svg")},
                        content_type="multipart/form-data")
    assert refused.status_code == 422 and "x.svg：只接收文档类文件" in refused.text


def test_a_registrations_notice_does_not_cite_the_licensing_law(app, org):
    """不动产登记 is a 行政确认: its correction notice says what to correct without Art. 32."""
    catalogue.save({**ITEM, "code": "W-2", "kind": "confirmation"}, None)
    clerk = client(app, "clerk")
    case_id = case_id_of(clerk.post("/intake/new/W-2", data={**APPLICANT, "project": "一号厂房", **files("id_card")},
                                    content_type="multipart/form-data"))
    assert clerk.post(f"/intake/cases/{case_id}/correction", data={"missing": ["land"]}).status_code == 303
    html = clerk.get(f"/intake/cases/{case_id}").text
    basis = element(clerk.get(f"/intake/notices/{notice_ids(html)['correction']}").text, "correction-basis")
    assert "一次性告知您需要补正的全部内容" in basis and "行政许可法" not in basis


def test_a_request_too_large_says_the_limits_and_that_back_keeps_what_was_typed(app, org):
    from web import create_app
    small = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "MAX_CONTENT_LENGTH": 1024})
    res = client(small, "clerk").post("/intake/new/W-1", data={**APPLICANT, **files("id_card"), "pad": "x" * 2048},
                                      content_type="multipart/form-data")
    assert res.status_code == 413
    assert "每个文件不超过 20 MB，合计不超过 100 MB" in res.text and "已填写的内容仍在" in res.text


def test_an_empty_application_says_at_once_what_the_applicant_and_the_form_lack(app, org):
    form = {**ITEM["form"], "required": ["project"]}
    catalogue.save({**ITEM, "code": "W-3", "form": form}, None)
    res = client(app, "clerk").post("/intake/new/W-3", data={"id_type": "id_card", "kind": "person"},
                                    content_type="multipart/form-data")
    assert res.status_code == 422 and progress.recent_cases(org["clerk"]) == []
    flashed = re.search(r'<div class="flash error"[^>]*>(.*?)</div>', res.text, re.S).group(1)
    assert "申请表填写不完整" in flashed and "申请人姓名和证件号码" in flashed
