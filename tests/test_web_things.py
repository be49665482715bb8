"""一件事一次办 on the pages and over the API: the window's one form and one set of materials, the
application's page, its notice of the whole; the portal's application and status; REST."""
import base64
import copy
import io
import re

import pytest

from engine import catalogue, material_templates, portal, thing_applications
from engine.services.tokens import issue_token
from engine.services.users import get_user
from tests.test_things import BUYER, FORM, ITEMS, MANDATORY, THING, apply, cases_of, on_the_credit_record
from tests.web import element, signed_in

APPLICANT = dict(name=BUYER["name"], id_type="id_card", id_number=BUYER["id_number"], phone=BUYER["phone"],
                 password="secret-pw")


@pytest.fixture
def people(org):
    from tests.procedures import install
    return install(org)


@pytest.fixture
def app(people):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


class Row:
    """An application by its id, as cases_of takes one."""
    def __init__(self, application_id: int):
        self.id = application_id


def flat(data: dict, prefix: str = "") -> dict:
    """The one form as its page posts it: nested fields by their dotted names."""
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = "on" if value is True else str(value)
    return out


def posted_files(prefix: str, codes=MANDATORY) -> dict:
    return {f"{prefix}{code}": (io.BytesIO(f"%PDF {code}".encode()), f"{code}.pdf") for code in codes}


def test_the_window_takes_in_a_thing_with_one_form_and_accepts_it_together(app):
    clerk = signed_in(app, "clerk")
    index = clerk.get("/intake/").text
    assert f'data-thing="{THING}"' in index
    page = clerk.get(f"/intake/things/{THING}").text
    # the 坐落 every item asks is one field; each material once, a shared one saying so
    assert page.count('name="property.location"') == 1 and page.count('name="file_applicant_id"') == 1
    assert 'data-material="applicant_id" data-shared="yes"' in page
    data = {**flat(FORM), **{k: BUYER[k] for k in ("name", "id_number", "phone")}, "kind": "person",
            "id_type": "id_card", **{f"received_{code}": "on" for code in MANDATORY},
            **posted_files("file_")}
    sent = clerk.post(f"/intake/things/{THING}", data=data, content_type="multipart/form-data")
    assert sent.status_code == 303
    page = clerk.get(sent.location).text
    assert 'data-status="submitted"' in element(page, "application-status")
    items = element(page, "application-items")
    assert all(f'data-item="{code}" data-status="submitted"' in items for code in ITEMS)
    accepted = clerk.post(sent.location + "/accept", data={})
    assert accepted.status_code == 303
    page = clerk.get(sent.location).text
    assert 'data-status="in_progress"' in element(page, "application-status")
    href = re.search(r'href="([^"]+)"[^>]*data-kind="thing_acceptance"', page).group(1)
    notice = clerk.get(href).text
    assert "受理通知书" in notice and "一件事申请编号" in notice and 'id="seal-code"' in notice
    [application] = thing_applications.recent(get_user("clerk"))
    cases = cases_of(Row(application["id"]))
    assert notice.count("<tr data-case=") == len(ITEMS) and all(f'data-case="{c.number}"' in notice for c in cases)
    # The case page points to its application, and does not offer to accept one item alone.
    case = clerk.get(f"/intake/cases/{cases[1].id}").text
    assert 'id="case-application"' in case and 'id="accept-form"' not in case


def test_a_refused_form_is_shown_again_with_its_errors_and_nothing_filed(app):
    clerk = signed_in(app, "clerk")
    form = copy.deepcopy(FORM)
    form["gas_account"] = ""
    data = {**flat(form), **{k: BUYER[k] for k in ("name", "id_number", "phone")}, "kind": "person",
            "id_type": "id_card", **posted_files("file_")}
    refused = clerk.post(f"/intake/things/{THING}", data=data, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "此项必填" in element(refused.text, "f-gas_account-error-1")
    assert 'value="S-1001"' in refused.text  # what was typed is kept
    assert thing_applications.recent(get_user("clerk")) == []


def test_the_notice_of_the_whole_gives_a_promise_in_hours_its_hour_and_says_how_each_unit_counts(app, people):
    network = catalogue.get("1204-NETW-004").data
    catalogue.save({**network, "promised_days": 4, "promised_unit": "hours"}, None)
    application = apply(people)
    thing_applications.accept(application.id, people["clerk"])
    clerk = signed_in(app, "clerk")
    page = clerk.get(f"/intake/applications/{application.id}").text
    notice = clerk.get(re.search(r'href="([^"]+)"[^>]*data-kind="thing_acceptance"', page).group(1)).text
    [number] = [c.number for c in cases_of(application) if c.item_code == "1204-NETW-004"]
    hours = re.search(rf'<tr data-case="{number}">.*?</tr>', notice, re.S).group(0)
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", hours)  # the promise's moment, not its day alone
    days = re.search(rf'<tr data-case="{cases_of(application)[0].number}">.*?</tr>', notice, re.S).group(0)
    assert not re.search(r"\d{2}:\d{2}", days)
    counted = element(notice, "counted")
    assert "工作日不含法定节假日" in counted and "小时自受理时起连续计算" in counted


def test_the_window_refuses_the_whole_and_a_department_cannot_open_it(app, people):
    application = apply(people)
    clerk = signed_in(app, "clerk")
    refused = clerk.post(f"/intake/applications/{application.id}/refuse", data={"reason": "材料不属实"})
    assert refused.status_code == 303
    page = clerk.get(refused.location).text
    assert 'data-status="refused"' in element(page, "application-status")
    assert 'data-kind="thing_refusal"' in page
    reviewer = signed_in(app, "r_watersupply")
    assert reviewer.get(f"/intake/applications/{application.id}").status_code == 403
    water = cases_of(application)[1]
    assert reviewer.get(f"/intake/cases/{water.id}").status_code == 403  # the window's pages are not theirs


def test_the_window_offers_no_pledge_to_an_applicant_on_the_credit_record(app, people):
    application = apply(people, skip=("marital_status",))
    clerk = signed_in(app, "clerk")
    assert 'name="pledged" value="marital_status"' in clerk.get(f"/intake/applications/{application.id}").text
    on_the_credit_record(people)
    page = clerk.get(f"/intake/applications/{application.id}").text
    assert "列入失信记录" in element(page, "credit-bar") and 'name="pledged"' not in page
    refused = clerk.post(f"/intake/applications/{application.id}/accept", data={"pledged": "marital_status"})
    assert refused.status_code == 422 and {c.status for c in cases_of(application)} == {"submitted"}


def test_the_applicants_form_offers_each_items_blank_forms_and_examples(app, people):
    """One row per material, and in it the forms its items keep: a shared material's say whose."""
    material_templates.put(people["admin"], "1103-NRES-003", "application_form", "blank", b"%PDF blank", "申请书.pdf")
    material_templates.put(people["admin"], "1201-WATR-001", "applicant_id", "example", b"%PDF example", "示例.pdf")
    portal.register(**APPLICANT)
    me = app.test_client()
    me.post("/portal/login", data={"identifier": APPLICANT["phone"], "password": "secret-pw"})
    form = me.get(f"/portal/things/{THING}/apply").text
    blank = element(form, "form-1103-NRES-003-application_form-blank")
    assert "空白表格" in blank and "（" not in blank  # the application form is the transfer's alone
    example = element(form, "form-1201-WATR-001-applicant_id-example")
    assert "示例样表" in example and "（供水过户）" in example
    assert form.count('class="material-form"') == 2  # none where no form was uploaded
    for link, content in ((blank, b"%PDF blank"), (example, b"%PDF example")):
        got = me.get(re.search(r'href="([^"]+)"', link).group(1))
        assert got.status_code == 200 and got.data == content


def test_the_applicant_applies_online_and_follows_the_whole(app, people):
    portal.register(**APPLICANT)
    me = app.test_client()
    assert me.post("/portal/login", data={"identifier": APPLICANT["phone"], "password": "secret-pw"}).status_code == 302
    assert f'data-thing="{THING}"' in me.get("/portal/").text
    form = me.get(f"/portal/things/{THING}/apply").text
    assert 'id="joint-applicant"' in form and form.count('name="m-sales_contract"') == 1
    sent = me.post(f"/portal/things/{THING}/apply", data={**flat(FORM), **posted_files("m-")},
                   content_type="multipart/form-data")
    assert sent.status_code == 302 and "/portal/applications/YJS" in sent.location
    [application] = thing_applications.of_applicant(portal.authenticate(APPLICANT["phone"], "secret-pw").id)
    assert sent.location.endswith(application["number"])
    assert {c.channel for c in cases_of(Row(application["id"]))} == {"online"}
    thing_applications.accept(application["id"], people["clerk"])
    page = me.get(sent.location).text
    assert 'data-status="in_progress"' in element(page, "application-status")
    items = element(page, "application-items")
    assert items.count("<tr data-item=") == len(ITEMS) and "燃气过户" in items
    assert application["number"] in element(me.get("/portal/cases").text, "my-applications")
    notice = re.search(r'href="([^"]+)"[^>]*data-kind="thing_acceptance"', page).group(1)
    assert me.get(notice).status_code == 200
    stranger = app.test_client()  # someone else's application is not found
    portal.register(name="王二", id_type="id_card", id_number="110101199003070011", phone="13900000002",
                    password="secret-pw")
    stranger.post("/portal/login", data={"identifier": "13900000002", "password": "secret-pw"})
    assert stranger.get(sent.location).status_code == 404
    assert stranger.get(notice).status_code == 404


def test_the_api_takes_in_accepts_and_reads_an_application(app, people):
    api = app.test_client()
    clerk = {"Authorization": f"Bearer {issue_token('clerk')}"}
    materials = [{"kind": code, "filename": f"{code}.pdf", "content_base64": base64.b64encode(b"%PDF x").decode()}
                 for code in MANDATORY]
    made = api.post(f"/api/things/{THING}/applications", headers=clerk,
                    json={"applicant": BUYER, "form": FORM, "materials": materials})
    assert made.status_code == 201, made.json
    body = made.json
    assert body["status"] == "submitted" and [i["item_code"] for i in body["items"]] == list(ITEMS)
    shared = next(m for m in body["materials"] if m["code"] == "applicant_id")
    assert shared["state"] == "provided" and shared["items"] == list(ITEMS)
    assert api.post(f"/api/applications/{body['id']}/accept", headers=clerk, json={"pledged": ["nothing"]}
                    ).status_code == 422
    accepted = api.post(f"/api/applications/{body['id']}/accept", headers=clerk, json={})
    assert accepted.status_code == 200 and accepted.json["status"] == "in_progress"
    assert [n["kind"] for n in accepted.json["notices"]] == ["thing_acceptance"]
    case = api.get(f"/api/cases/{body['items'][2]['case_id']}", headers=clerk).json
    assert case["application"]["number"] == body["number"]
    water = {"Authorization": f"Bearer {issue_token('r_watersupply')}"}
    assert api.get(f"/api/applications/{body['id']}", headers=water).status_code == 403
    assert api.post(f"/api/applications/{body['id']}/refuse", headers=clerk, json={"reason": "x"}).status_code == 409
    assert api.post(f"/api/things/{THING}/applications", headers=clerk,
                    json={"applicant": BUYER, "form": FORM, "stray": 1}).status_code == 422
    assert api.post("/api/things/NONE/applications", headers=clerk, json={"applicant": BUYER}).status_code == 404
