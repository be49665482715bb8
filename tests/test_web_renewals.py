"""延续 on the pages and over the API: the holder online, the window for them, the department's and
the supervisor's views, the printed notice of a renewal deemed granted."""
import io
import re
from datetime import timedelta

import pytest

from engine import catalogue, clock, intake, portal, renewals, timers
from tests.test_renewals import ITEM, PLEDGED, decide, expiring, revoke, up
from tests.test_renewals import head as head, item as item  # noqa: F401  (the fixtures)
from tests.web import element, history_row, signed_in

COMPANY = {"name": "某某建设有限公司", "kind": "company", "id_type": "uscc", "id_number": "91110000MA01ABCD2Q",
           "phone": "13900000000"}


@pytest.fixture
def app(item):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


@pytest.fixture
def holder(org, item):
    """A company with an online account whose licence was granted, expiring in sixty days."""
    account = portal.register(password="secret-pw1", **{k: v for k, v in COMPANY.items()})
    case = portal.apply(account.id, ITEM["code"], up("form", "plan"))
    intake.accept(case.id, org["clerk"])
    decide(case.id, org["reviewer"])
    expiring(case.id, 60)
    return intake.get_case(case.id)


def online(app):
    client = app.test_client()
    assert client.post("/portal/login", data={"identifier": COMPANY["phone"], "password": "secret-pw1"}).status_code == 302
    return client


def files(prefix, *codes, version=1):
    return {f"{prefix}{code}": (io.BytesIO(f"%PDF {code} v{version}".encode()), f"{code}.pdf") for code in codes}


def test_the_holder_sees_the_expiry_and_renews_online(app, holder):
    company = online(app)
    page = company.get(f"/portal/cases/{holder.number}").text
    assert holder.licence_expires_on.isoformat() in element(page, "licence-expiry")
    assert f'href="/portal/cases/{holder.number}/renew"' in element(page, "renew")
    assert f"许可有效期至 {holder.licence_expires_on}" in company.get("/portal/cases").text
    form = company.get(f"/portal/cases/{holder.number}/renew").text
    assert "申请延续：测试许可证核发" in form and holder.number in element(form, "renews")

    sent = company.post(f"/portal/cases/{holder.number}/renew", data=files("m-", "form", "plan"),
                        content_type="multipart/form-data")
    assert sent.status_code == 302
    number = sent.location.rsplit("/", 1)[1]
    renewal = intake.get_case(number)
    assert (renewal.renews_case_id, renewal.channel, renewal.business_kind) == (holder.id, "online", "renewal")
    page = company.get(f"/portal/cases/{number}").text
    assert "延续" in element(page, "business-kind") and f'href="/portal/cases/{holder.number}"' in page
    again = company.get(f"/portal/cases/{holder.number}").text  # one at a time: said instead of offered
    assert f"已有延续申请正在办理：办件 {number}" in element(again, "renewal-refusal") and 'id="renew"' not in again
    assert number in element(again, "renewals")


def test_online_a_renewal_too_late_is_refused_with_the_reason_and_nothing_filed(app, holder):
    day = expiring(holder.id, 20)
    company = online(app)
    assert "不足" in element(company.get(f"/portal/cases/{holder.number}").text, "renewal-refusal")
    refused = company.post(f"/portal/cases/{holder.number}/renew", data=files("m-", "form", "plan"),
                           content_type="multipart/form-data")
    assert refused.status_code == 409
    assert f"许可有效期至 {day}" in refused.text and "第五十条" in refused.text
    assert portal.case_pages(holder.applicant_id) == 1 and len(portal.my_cases(holder.applicant_id)) == 1
    assert company.get("/portal/cases/99999999999999/renew").status_code == 404  # none of theirs


def test_the_window_renews_for_the_holder(app, org, holder):
    clerk = signed_in(app, "clerk")
    page = clerk.get(f"/intake/cases/{holder.id}").text
    assert holder.licence_expires_on.isoformat() in element(page, "licence-expiry")
    assert f'href="/intake/cases/{holder.id}/renew"' in element(page, "renew")
    form = clerk.get(f"/intake/cases/{holder.id}/renew").text
    assert COMPANY["name"] in element(form, "renews") and 'name="id_number"' not in form
    sent = clerk.post(f"/intake/cases/{holder.id}/renew", data={**files("file_", "form", "plan")},
                      content_type="multipart/form-data")
    assert sent.status_code == 303
    renewal_id = int(re.search(r"/intake/cases/(\d+)$", sent.location).group(1))
    renewal = intake.get_case(renewal_id)
    assert (renewal.renews_case_id, renewal.channel, renewal.applicant_id) == (holder.id, "window", holder.applicant_id)
    page = clerk.get(f"/intake/cases/{renewal_id}").text
    assert f'href="/intake/cases/{holder.id}"' in element(page, "business-kind")
    # Another application (not the same form sent again, which says it was taken in): one at a time.
    refused = clerk.post(f"/intake/cases/{holder.id}/renew", data={**files("file_", "form", "plan", version=2)},
                         content_type="multipart/form-data")
    assert refused.status_code == 409 and "已有延续申请正在办理" in refused.text and 'id="renews"' in refused.text
    assert signed_in(app, "reviewer").get(f"/intake/cases/{holder.id}/renew").status_code == 403


def test_the_department_sees_what_the_renewal_renews_and_when_it_is_deemed_granted(app, org, holder):
    renewal = renewals.apply(holder.id, up("form", "plan"), org["clerk"])
    intake.accept(renewal.id, org["clerk"])
    task_id = intake.describe(renewal.id)["open_steps"][0]["id"]
    page = signed_in(app, "reviewer").get(f"/inbox/tasks/{task_id}").text
    assert holder.number in element(page, "business-kind")
    assert holder.licence_expires_on.isoformat() in element(page, "deemed-note")


def test_a_renewal_deemed_granted_is_told_in_a_sealed_notice_and_its_history_says_by_whom(app, org, holder):
    day = expiring(holder.id, 30)
    renewal = renewals.apply(holder.id, up("form", "plan"), org["clerk"])
    intake.accept(renewal.id, org["clerk"])
    timers.tick(now=clock.end_of(day) + timedelta(seconds=1))
    [notice] = [n for n in intake.describe(renewal.id)["notices"] if n["kind"] == "renewal_deemed"]
    printed = signed_in(app, "clerk").get(f"/intake/notices/{notice['id']}").text
    assert "视为准予延续告知书" in printed and "第五十条" in printed
    assert clock.add_years(day, 3).isoformat() in element(printed, "expires-on") and notice["seal_code"] in printed
    window = signed_in(app, "clerk").get(f"/intake/cases/{renewal.id}").text
    decided = element(window, "history")
    assert "视为准予延续" in decided and "系统" in decided
    mine = online(app).get(f"/portal/cases/{renewal.number}").text
    assert "视为准予延续" in element(mine, "timeline") and "视为准予延续告知书" in mine
    assert "Renewal deemed granted" in online(app).get(f"/portal/cases/{renewal.number}?lang=en").text


def test_supervisors_board_lists_the_renewals_near_expiry(app, org, holder, monkeypatch):
    day = expiring(holder.id, 40)
    renewal = renewals.apply(holder.id, up("form", "plan"), org["clerk"])
    monkeypatch.setattr(clock, "today", lambda: day - timedelta(days=3))
    board = signed_in(app, "supervisor").get("/supervision/").text
    row = element(board, "renewal-list")
    assert renewal.number in row and day.isoformat() in row and "待受理" in row
    assert renewal.number not in element(signed_in(app, "lead").get("/supervision/").text, "renewal-list")


def test_the_api_renews_for_the_holder_and_describes_the_licence(app, org, holder):
    from engine.services.tokens import issue_token
    headers = {"Authorization": f"Bearer {issue_token('clerk')}"}
    api = app.test_client()
    shown = api.get(f"/api/cases/{holder.id}", headers=headers).get_json()["licence"]
    assert shown["expires_on"] == holder.licence_expires_on.isoformat() and shown["refusal"] is None
    body = {"materials": [{"kind": k, "filename": f"{k}.pdf", "content_base64": "JVBERg=="} for k in ("form", "plan")]}
    made = api.post(f"/api/cases/{holder.id}/renew", json=body, headers=headers)
    assert made.status_code == 201
    assert made.get_json()["licence"]["renews"]["number"] == holder.number
    again = api.post(f"/api/cases/{holder.id}/renew", json=body, headers=headers)
    assert again.status_code == 409 and "already under way" in again.get_json()["error"]["message"]
    assert api.post(f"/api/cases/{holder.id}/renew", json={"forms": {}}, headers=headers).status_code == 422
    reviewer = {"Authorization": f"Bearer {issue_token('reviewer')}"}
    assert api.post(f"/api/cases/{holder.id}/renew", json=body, headers=reviewer).status_code == 403
    overview = api.get("/api/supervision", headers={"Authorization": f"Bearer {issue_token('supervisor')}"})
    assert overview.status_code == 200 and overview.get_json()["renewals_at_risk"] == []


def test_the_guide_says_how_long_the_licence_lasts_and_that_it_is_renewed(app):
    guide = app.test_client().get(f"/portal/items/{ITEM['code']}").text
    assert "3 年" in element(guide, "licence-years") and "延续" in element(guide, "licence-years")


def test_a_revoked_grant_shows_no_licence_in_force_nor_a_renewal(app, org, holder, head):
    """Granted on a false pledge and revoked (撤销): no renewal offered to the holder or the window,
    its expiry said to be void, and the API refuses to renew it."""
    catalogue.save(PLEDGED, None)
    case = portal.apply(holder.applicant_id, ITEM["code"], up("form", "plan"))
    intake.accept(case.id, org["clerk"], pledged=["safety"])
    decide(case.id, org["reviewer"])
    day = expiring(case.id, 75)  # the holder's other licence expires in 60
    revoke(org, case.id, head)
    company = online(app)
    page = company.get(f"/portal/cases/{case.number}").text
    assert "许可已撤销" in element(page, "licence-expiry") and 'id="renewal"' not in page
    assert f"许可有效期至 {day}" not in company.get("/portal/cases").text  # the holder's other licence shows its own
    assert company.post(f"/portal/cases/{case.number}/renew", data=files("m-", "form", "plan", "safety"),
                        content_type="multipart/form-data").status_code == 409
    window = signed_in(app, "clerk").get(f"/intake/cases/{case.id}").text
    assert "许可已撤销" in element(window, "licence-expiry") and 'id="renewal"' not in window
    from engine.services.tokens import issue_token
    headers = {"Authorization": f"Bearer {issue_token('clerk')}"}
    api = app.test_client()
    shown = api.get(f"/api/cases/{case.id}", headers=headers).get_json()["licence"]
    assert (shown["revoked"], shown["renewable"], shown["refusal"]) == (True, False, None)
    refused = api.post(f"/api/cases/{case.id}/renew", headers=headers, json={"materials": [
        {"kind": k, "filename": f"{k}.pdf", "content_base64": "JVBERg=="} for k in ("form", "plan", "safety")]})
    assert refused.status_code == 409 and "revoked" in refused.get_json()["error"]["message"]


def test_a_renewals_history_says_its_licence_was_revoked_and_it_is_to_be_refused(app, org, head):
    catalogue.save(PLEDGED, None)
    licence = intake.submit(ITEM["code"], COMPANY, up("form", "plan"), org["clerk"])
    intake.accept(licence.id, org["clerk"], pledged=["safety"])
    decide(licence.id, org["reviewer"])
    expiring(licence.id, 40)
    renewal = renewals.apply(licence.id, up("form", "plan", "safety"), org["clerk"])
    intake.accept(renewal.id, org["clerk"])
    revoke(org, licence.id, head)
    window = signed_in(app, "clerk")
    row = history_row(window.get(f"/intake/cases/{renewal.id}").text, "renewed_licence_revoked")
    assert "原许可已撤销" in row and f"所延续的许可（办件 {licence.number}）已被撤销" in row
    english = history_row(window.get(f"/intake/cases/{renewal.id}?lang=en").text, "renewed_licence_revoked")
    assert f"The licence it renews (case {licence.number}) was revoked" in english
