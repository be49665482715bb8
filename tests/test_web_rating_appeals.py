"""申诉复核 through the pages and the API: the department appeals from its inbox or the rectification's
page, a supervisor decides on 电子监察 › 差评申诉, the applicant reads the outcome on the case page."""
import re

import pytest

from engine import rating_appeals, ratings
from engine.services.tokens import issue_token
from tests.a11y import audit
from tests.test_rectifications import closed_case
from tests.test_web_rectifications import app, applicant, applicant_client  # noqa: F401 (fixtures)
from tests.web import element, signed_in


@pytest.fixture
def fix(applicant, org):
    return ratings.rate(closed_case(applicant, org).id, applicant.id, 5, "审查人员态度恶劣", concerns="handling")


def test_the_department_appeals_from_its_inbox_and_a_supervisor_grants_it(app, org, applicant, fix):
    reviewer = signed_in(app, "reviewer")
    row = element(reviewer.get("/inbox/").text, "rectification-table")
    assert f'id="appeal-form-{fix.id}"' in row and "申诉（" in row
    refused = reviewer.post(f"/portal/rectifications/{fix.id}/appeal", data={"ground": "malicious", "reason": "  "})
    assert refused.status_code == 422 and "请写明申诉理由" in refused.text
    assert 'value="malicious" required checked' in refused.text  # as it was sent
    sent = reviewer.post(f"/portal/rectifications/{fix.id}/appeal",
                         data={"ground": "malicious", "reason": "申请人当场辱骂工作人员，录像为证"})
    assert sent.status_code == 302
    page = reviewer.get(f"/portal/rectifications/{fix.id}").text
    assert "待复核" in element(page, f"appeal-{rating_appeals.appeals(org['supervisor'])[0].id}")
    assert f'id="appeal-form-{fix.id}"' not in page and f'id="appeal-form-{fix.id}"' not in reviewer.get("/inbox/").text
    assert reviewer.get("/supervision/appeals").status_code == 403  # a reviewer does not decide

    supervisor = signed_in(app, "supervisor")
    assert element(supervisor.get("/supervision/").text, "pending-appeals").endswith(">待复核 1 件</small>")
    [appeal] = rating_appeals.appeals(org["supervisor"])
    listed = supervisor.get("/supervision/appeals").text
    assert "申请人当场辱骂工作人员" in listed and f'id="decide-{appeal.id}"' in listed
    unsaid = supervisor.post(f"/supervision/appeals/{appeal.id}/decide", data={"outcome": "granted", "note": ""})
    assert unsaid.status_code == 422 and 'value="granted" required checked' in unsaid.text
    decided = supervisor.post(f"/supervision/appeals/{appeal.id}/decide",
                              data={"outcome": "granted", "note": "经调取录像，评价与事实不符"}, follow_redirects=True)
    assert "申诉成立：该差评不计入部门差评，整改终止" in decided.text and f'id="decide-{appeal.id}"' not in decided.text
    assert element(supervisor.get("/supervision/").text, "pending-appeals").endswith(">待复核 0 件</small>")
    assert "申诉成立，整改终止" in element(supervisor.get(f"/portal/rectifications/{fix.id}").text, "rectification-state")

    case_page = applicant_client(app, applicant).get(f"/portal/cases/{fix.case.number}").text
    outcome = element(case_page, "appeal-outcome")
    assert 'data-outcome="granted"' in outcome and "经调取录像，评价与事实不符" in outcome
    assert 'id="rectification"' not in case_page  # no promise of an answer that will not come


def test_an_upheld_appeal_is_told_on_the_case_page_and_the_rectification_goes_on(app, org, applicant, fix):
    appeal = rating_appeals.appeal(fix.id, org["reviewer"], "mistaken", "已按时办结")
    me = applicant_client(app, applicant)
    assert 'id="appeal-outcome"' not in me.get(f"/portal/cases/{fix.case.number}").text  # not until decided
    rating_appeals.decide(appeal.id, org["supervisor"], "upheld", "确实超出承诺时限")
    page = me.get(f"/portal/cases/{fix.case.number}").text
    assert "申诉不成立" in element(page, "appeal-outcome") and "承办部门将于" in element(page, "rectification")


def test_another_department_cannot_appeal_from_the_pages(app, org, fix):
    taxman = signed_in(app, "taxman")
    assert taxman.post(f"/portal/rectifications/{fix.id}/appeal",
                       data={"ground": "mistaken", "reason": "越权申诉"}).status_code == 403
    assert rating_appeals.appeals(org["supervisor"]) == []


def test_the_api_lists_files_and_decides_appeals(app, org, fix):
    reviewer = {"Authorization": f"Bearer {issue_token('reviewer')}"}
    supervisor = {"Authorization": f"Bearer {issue_token('supervisor')}"}
    client = app.test_client()
    assert client.post(f"/api/ratings/{fix.id}/appeal", json={"ground": "mistaken", "reason": "越权申诉"},
                       headers={"Authorization": f"Bearer {issue_token('taxman')}"}).status_code == 403
    assert client.post(f"/api/ratings/{fix.id}/appeal", json={"ground": "mistaken", "why": "x"},
                       headers=reviewer).status_code == 422
    filed = client.post(f"/api/ratings/{fix.id}/appeal", json={"ground": "outside_duty", "reason": "属于税务环节"},
                        headers=reviewer)
    assert filed.status_code == 201
    appeal = filed.get_json()
    assert (appeal["rectification_id"], appeal["state"], appeal["filed_by"]) == (fix.id, "pending", "reviewer")
    assert client.post(f"/api/ratings/{fix.id}/appeal", json={"ground": "mistaken", "reason": "再来"},
                       headers=reviewer).status_code == 409
    assert [a["id"] for a in client.get("/api/ratings/appeals?state=pending", headers=supervisor).get_json()] == [
        appeal["id"]]
    assert client.get("/api/ratings/appeals?state=maybe", headers=supervisor).status_code == 422
    assert client.post(f"/api/ratings/appeals/{appeal['id']}/decide", json={"outcome": "granted", "note": "自批"},
                       headers=reviewer).status_code == 403
    decided = client.post(f"/api/ratings/appeals/{appeal['id']}/decide",
                          json={"outcome": "granted", "note": "属税务局环节"}, headers=supervisor).get_json()
    assert (decided["state"], decided["rectification_state"], decided["decided_by"]) == (
        "granted", "excused", "supervisor")
    assert client.post("/api/ratings/appeals/999/decide", json={"outcome": "granted", "note": "无"},
                       headers=supervisor).status_code == 404


def test_the_appeal_pages_pass_the_markup_review(app, org, applicant, fix):
    found = {("reviewer", "inbox"): audit(signed_in(app, "reviewer").get("/inbox/").text),
             ("reviewer", "rectification"): audit(signed_in(app, "reviewer").get(f"/portal/rectifications/{fix.id}").text)}
    appeal = rating_appeals.appeal(fix.id, org["reviewer"], "mistaken", "已按时办结")
    found["supervisor", "appeals"] = audit(signed_in(app, "supervisor").get("/supervision/appeals").text)
    rating_appeals.decide(appeal.id, org["supervisor"], "granted", "属实")
    found["applicant", "case"] = audit(applicant_client(app, applicant).get(f"/portal/cases/{fix.case.number}").text)
    assert not {where: said for where, said in found.items() if said}
    assert re.search(r'<a href="/supervision/appeals" id="appeals-link">', signed_in(app, "supervisor").get(
        "/supervision/").text)
