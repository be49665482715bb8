"""告知承诺核查, 撤销 and the credit record through the pages and the API: the department finds a pledge
false on its check's page (with the file it found it by), its head revokes the grant and the sealed
written decision prints; the applicant reads it on the portal; the window and the portal offer
neither pledge nor 容缺 to the applicant on the record, which a supervisor repairs."""
import base64
import io
import re

import pytest

from engine import intake, pledge_checks, portal, timers
from engine.services import tasks, users
from engine.services.tokens import issue_token
from tests.a11y import audit
from tests.test_intake import item, up  # noqa: F401 (a fixture)
from tests.test_rectifications import after, register
from tests.test_web_rectifications import applicant_client
from tests.web import element, signed_in


@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


@pytest.fixture
def head(org):
    return users.add_user("housinglead", "住建负责人", "housing", ["lead", "reviewer"], "pass-housinglead")


@pytest.fixture
def applicant(item):
    return register("李四")


@pytest.fixture
def check(applicant, org):
    """T-001 applied for online, accepted with the marriage certificate pledged, granted by housing."""
    case = portal.apply(applicant.id, "T-001", up("id_card", "form", "land"))
    intake.accept(case.id, org["clerk"], pledged=["marriage"])
    [task] = tasks.list_tasks(org["reviewer"])
    tasks.claim(task["id"], org["reviewer"])
    tasks.complete(task["id"], org["reviewer"], {"decision": "approve"})
    [row] = pledge_checks.checks(org["supervisor"])
    return row


def test_the_department_finds_a_pledge_false_and_its_head_revokes_the_grant(app, org, head, applicant, check):
    reviewer = signed_in(app, "reviewer")
    listed = reviewer.get("/inbox/pledge-checks").text
    assert f'data-check="{check.id}"' in element(listed, "pledge-checks") and not audit(listed)
    assert "待核查 1 件，其中逾期 0 件" in element(reviewer.get("/inbox/").text, "due-checks")
    page = reviewer.get(f"/inbox/pledge-checks/{check.id}").text
    assert 'id="check-form"' in page and 'id="revoke-form"' not in page and not audit(page)

    refused = reviewer.post(f"/inbox/pledge-checks/{check.id}", data={"outcome": "false", "finding": " "})
    assert refused.status_code == 422 and "请写明核查情况" in refused.text
    assert 'value="false" required checked' in refused.text  # as it was sent
    found = reviewer.post(f"/inbox/pledge-checks/{check.id}", content_type="multipart/form-data", data={
        "outcome": "false", "finding": "婚姻登记系统显示申请人已婚，承诺未婚不实",
        "evidence": (io.BytesIO(b"%PDF marriage record"), "婚姻登记查询结果.pdf")}, follow_redirects=True)
    assert "核查结果已记录：不实，已列入申请人失信记录" in found.text
    assert "婚姻登记系统显示申请人已婚" in element(found.text, "finding")
    evidence = re.search(r'id="evidence" href="([^"]+)"', found.text).group(1)
    assert reviewer.get(evidence).data == b"%PDF marriage record"
    assert 'id="check-form"' not in found.text and 'id="revoke-by-head"' in found.text  # a reviewer does not revoke
    assert reviewer.post(f"/inbox/pledge-checks/{check.id}/revoke", data={"reason": "虚假承诺"}).status_code == 403
    checked_again = reviewer.post(f"/inbox/pledge-checks/{check.id}", data={"outcome": "true", "finding": "再查"})
    assert checked_again.status_code == 409

    lead = signed_in(app, "housinglead")
    page = lead.get(f"/inbox/pledge-checks/{check.id}").text
    assert 'id="revoke-form"' in page
    unsaid = lead.post(f"/inbox/pledge-checks/{check.id}/revoke", data={"reason": ""})
    assert unsaid.status_code == 422 and "请写明撤销理由" in unsaid.text
    revoked = lead.post(f"/inbox/pledge-checks/{check.id}/revoke", data={"reason": "申请人以虚假承诺取得许可，依法撤销"},
                        follow_redirects=True)
    assert "已撤销审批决定，并出具撤销决定书" in revoked.text and 'id="revoke-form"' not in revoked.text
    assert "已撤销（虚假承诺）" in element(revoked.text, "case-state")
    notice = re.search(r'href="(/intake/notices/\d+)"', element(revoked.text, "revoked")).group(1)
    printed = lead.get(notice).text
    assert "撤销行政许可决定书" in printed and "第六十九条第二款" in printed and 'id="seal-code"' in printed
    assert "申请人以虚假承诺取得许可，依法撤销" in element(printed, "reason")
    assert "婚姻登记系统显示申请人已婚" in element(printed, "findings")
    again = lead.post(f"/inbox/pledge-checks/{check.id}/revoke", data={"reason": "再撤销一次"})
    assert again.status_code == 409 and "已撤销" in again.text

    mine = applicant_client(app, applicant).get(f"/portal/cases/{check.case.number}").text
    assert "已撤销（虚假承诺）" in element(mine, "case-status")
    assert "申请人以虚假承诺取得许可，依法撤销" in element(mine, "revocation-reason")
    assert "撤销审批决定" in element(mine, "timeline") and "撤销决定书" in mine


def test_another_department_neither_sees_nor_records_a_check(app, org, check):
    taxman = signed_in(app, "taxman")
    assert f'data-check="{check.id}"' not in taxman.get("/inbox/pledge-checks").text
    assert taxman.get(f"/inbox/pledge-checks/{check.id}").status_code == 403
    assert taxman.post(f"/inbox/pledge-checks/{check.id}", data={"outcome": "true", "finding": "属实"}).status_code == 403
    assert signed_in(app, "clerk").get("/inbox/pledge-checks").status_code == 403
    assert signed_in(app, "reviewer").get("/inbox/pledge-checks/999999").status_code == 404
    supervisor = signed_in(app, "supervisor")
    page = supervisor.get(f"/inbox/pledge-checks/{check.id}").text
    assert 'id="check-form"' not in page and 'id="check-by-department"' in page  # supervisors read, never find
    assert pledge_checks.get(check.id, org["supervisor"]).state == "due"


def test_an_overdue_check_is_on_the_supervisors_board(app, org, check):
    board = signed_in(app, "supervisor").get("/supervision/").text
    assert element(board, "overdue-checks").endswith(">0</div>")
    timers.tick(now=after(check))
    board = signed_in(app, "supervisor").get("/supervision/").text
    assert element(board, "overdue-checks").endswith(">1</div>")
    assert f'data-check="{check.id}"' in element(board, "overdue-check-list")
    listed = signed_in(app, "reviewer").get("/inbox/pledge-checks?state=overdue").text
    assert "逾期未核查" in element(listed, "pledge-checks")
    told = signed_in(app, "supervisor").get("/inbox/notifications").text
    assert "告知承诺核查期限为" in told and "/inbox/pledge-checks" in told


def test_the_record_bars_pledge_and_deferral_at_the_window_and_online_until_repaired(app, org, applicant, check):
    pledge_checks.record(check.id, org["reviewer"], "false", "不实")
    again = portal.apply(applicant.id, "T-001", up("form"))
    clerk = signed_in(app, "clerk")
    form = element(clerk.get(f"/intake/cases/{again.id}").text, "accept-form")
    assert "虚假承诺" in element(form, "credit-bar") and check.case.number in form
    assert 'name="pledged"' not in form and 'name="deferred"' not in form
    refused = clerk.post(f"/intake/cases/{again.id}/accept", data={"pledged": "marriage", "deferred": "land",
                                                                   "deferred_due": "2099-01-01"})
    assert refused.status_code == 422 and "因虚假承诺列入失信记录" in refused.text
    me = applicant_client(app, applicant)
    apply_page = me.get("/portal/items/T-001/apply").text
    assert "因虚假承诺列入失信记录" in element(apply_page, "credit-bar") and "可告知承诺" not in apply_page
    assert "可容缺后补" not in me.get("/portal/items/T-001").text

    supervisor = signed_in(app, "supervisor")
    found = supervisor.post("/supervision/credit-records", data={"q": applicant.id_number}, follow_redirects=True)
    assert applicant.id_number not in found.request.url  # the ID number is in no address
    [record_id] = re.findall(r'data-record="(\d+)" data-active="yes"', found.text)
    assert not audit(found.text)
    key = re.search(r"found=([\w-]+)", found.request.url).group(1)
    unsaid = supervisor.post(f"/supervision/credit-records/{record_id}/repair?found={key}", data={"reason": ""})
    assert unsaid.status_code == 422 and f'data-record="{record_id}"' in unsaid.text
    repaired = supervisor.post(f"/supervision/credit-records/{record_id}/repair?found={key}",
                               data={"reason": "已纠正失信行为"}, follow_redirects=True)
    assert "已信用修复" in repaired.text and f'data-record="{record_id}" data-active="no"' in repaired.text
    assert signed_in(app, "reviewer").get("/supervision/credit-records").status_code == 403
    assert 'name="pledged"' in element(clerk.get(f"/intake/cases/{again.id}").text, "accept-form")
    assert "可告知承诺" in me.get("/portal/items/T-001/apply").text


def test_the_api_lists_records_and_revokes_checks(app, org, head, check):
    def bearer(user):
        return {"Authorization": f"Bearer {issue_token(user.login)}"}
    client = app.test_client()
    [row] = client.get("/api/pledge-checks", headers=bearer(org["reviewer"])).json
    assert (row["id"], row["state"], row["material"], row["overdue"]) == (check.id, "due", "marriage", False)
    assert client.get("/api/pledge-checks", headers=bearer(org["taxman"])).json == []
    assert client.get("/api/pledge-checks?state=soon", headers=bearer(org["reviewer"])).status_code == 422
    body = {"outcome": "false", "finding": "登记系统显示已婚",
            "evidence": {"filename": "查询结果.pdf", "content_base64": base64.b64encode(b"%PDF r").decode()}}
    finding_url = f"/api/pledge-checks/{check.id}/record"
    assert client.post(finding_url, headers=bearer(org["taxman"]), json=body).status_code == 403
    assert client.post(finding_url, headers=bearer(org["reviewer"]), json={**body, "note": "x"}).status_code == 422
    found = client.post(finding_url, headers=bearer(org["reviewer"]), json=body).json
    assert (found["state"], found["checked_by"]) == ("false", "reviewer") and found["evidence_id"]
    assert client.post(f"/api/cases/{check.case_id}/revoke", headers=bearer(org["reviewer"]),
                       json={"reason": "虚假承诺"}).status_code == 403
    revoked = client.post(f"/api/cases/{check.case_id}/revoke", headers=bearer(head), json={"reason": "虚假承诺"})
    assert revoked.json["status"] == "revoked" and revoked.json["notices"][-1]["kind"] == "revocation"
    assert client.post(f"/api/cases/{check.case_id}/revoke", headers=bearer(head),
                       json={"reason": "再撤销"}).status_code == 409
    assert client.get("/api/credit-records", headers=bearer(org["reviewer"])).status_code == 403
    [record] = client.get("/api/credit-records", headers=bearer(org["supervisor"])).json
    assert (record["case_id"], record["active"]) == (check.case_id, True)
    repaired = client.post(f"/api/credit-records/{record['id']}/repair", headers=bearer(org["admin"]),
                           json={"reason": "已纠正"}).json
    assert (repaired["active"], repaired["repaired_by"], repaired["repair_reason"]) == (False, "admin", "已纠正")
