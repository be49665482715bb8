"""评估报告 made of the agency reports, on the pages and in the API: the window's acceptance page, the
correction notice, the agent's page, the reviewing department's, the portal's application form and
case page, and the case's API answer all show the same state, report by report."""
import base64
import io
import re

from engine import agencies, corrections, intake, portal
from tests.a11y import audit
from tests.procedures import open_tasks, uploads
from tests.test_agencies import CODE, REPORT, applied
from tests.test_merged_assessments import ITEM, project
from tests.test_web_agencies import app, people  # noqa: F401 (fixtures)
from tests.web import element, history_row, signed_in

ENTRY = "评估报告（本项目所需各项评估的报告）"


def entry_row(html):
    """The staff materials table's row of the 评估报告 entry."""
    return re.search(r'<tr data-material="assessment_report".*?</tr>', html, re.S).group(0)


def company(app):
    """The applicant's account, and a browser signed in to it."""
    account = portal.register(name="某某科技有限公司", kind="company", id_type="uscc", id_number=CODE,
                              phone="13900000000", password="company-pw")
    me = app.test_client()
    assert me.post("/portal/login", data={"identifier": "13900000000", "password": "company-pw"}).status_code == 302
    return account, me


def test_the_window_asks_for_the_missing_reports_by_name_once(app, people):
    case = applied(people)  # climate and seismic safety
    quake = agencies.register(people["admin"], name="甲评价公司", credit_code=CODE, services={"seismic_safety": 10})
    row = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    clerk = signed_in(app, "clerk")
    page = clerk.get(f"/intake/cases/{case.id}").text
    shown = entry_row(page)
    assert "尚缺：气候可行性论证报告、地震安全性评价报告" in shown
    assert f"甲评价公司 编制中，承诺 {row.due_on.isoformat()} 前交付" in shown
    assert audit(page) == []
    refused = clerk.post(f"/intake/cases/{case.id}/accept")
    assert refused.status_code == 422
    assert f"{ENTRY}尚缺：气候可行性论证报告、地震安全性评价报告" in refused.text
    # The one-time notice (一次性告知) names the reports, each ticked as missing; the entry itself is no box.
    form = element(page, "correction-form")
    assert 'value="report:climate" checked' in form and 'value="report:seismic_safety" checked' in form
    assert 'value="assessment_report"' not in form
    clerk.post(f"/intake/cases/{case.id}/correction",
               data={"missing": ["report:climate", "report:seismic_safety"], "reason_report:climate": "未提交"})
    notice = intake.describe(case.id)["notices"][-1]
    printed = element(clerk.get(f"/intake/notices/{notice['id']}").text, "missing")
    assert "气候可行性论证报告" in printed and "地震安全性评价报告" in printed and "report:" not in printed
    # The window takes in the climate study; the seismic report is to come from the agency.
    page = clerk.get(f"/intake/cases/{case.id}").text
    assert 'name="file_report:climate"' in element(page, "supply-form")
    clerk.post(f"/intake/cases/{case.id}/supply", content_type="multipart/form-data",
               data={"file_report:climate": (io.BytesIO(b"%PDF climate"), "气候可行性论证.pdf")})
    page = clerk.get(f"/intake/cases/{case.id}").text
    assert "补正通知书要求、尚未补交：地震安全性评价报告" in element(page, "still-missing")
    assert "气候可行性论证报告" in history_row(page, "materials_supplied")  # named, not coded
    agencies.deliver(case.id, row.id, REPORT, applicant_id=case.applicant_id)
    page = clerk.get(f"/intake/cases/{case.id}").text
    assert 'id="still-missing"' not in page and "尚缺" not in entry_row(page)
    assert "甲评价公司 经中介超市交付" in entry_row(page)
    assert "已受理" in clerk.post(f"/intake/cases/{case.id}/accept", follow_redirects=True).text


def test_the_reviewing_department_opens_every_report_from_the_checklist(app, people):
    case = applied(people)
    quake = agencies.register(people["admin"], name="甲评价公司", credit_code=CODE, services={"seismic_safety": 10})
    row = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    agencies.deliver(case.id, row.id, REPORT, applicant_id=case.applicant_id)
    corrections.supply(case.id, [intake.Upload("report:climate", "气候.pdf", b"%PDF climate")], people["clerk"])
    case = intake.accept(case.id, people["clerk"])
    [climate, seismic] = next(m for m in intake.describe(case.id)["materials"]
                              if m["code"] == "assessment_report")["reports"]
    review = open_tasks(case.instance_id)["department_review@meteo"]
    page = signed_in(app, "r_meteo").get(f"/inbox/tasks/{review.id}").text
    shown = entry_row(page)
    for report in (climate, seismic):  # handed in or delivered, both here
        assert f'href="/inbox/materials/{report["material_id"]}?view=1"' in shown
    assert "甲评价公司 经中介超市交付" in shown and "气候.pdf" in shown and "评价报告.pdf" in shown


def test_the_agent_sees_the_same_reports_and_hands_one_in(app, people):
    from tests.test_agencies import agent_filed
    agent, case = agent_filed(people)
    mine = signed_in(app, "agent")
    page = mine.get(f"/intake/cases/{case.id}").text
    assert "尚缺：气候可行性论证报告、地震安全性评价报告" in entry_row(page)
    mine.post(f"/intake/cases/{case.id}/supply", content_type="multipart/form-data",
              data={"file_report:seismic_safety": (io.BytesIO(b"%PDF seismic"), "地震.pdf")})
    assert "尚缺：气候可行性论证报告" in entry_row(mine.get(f"/intake/cases/{case.id}").text)


def test_the_applicant_reads_which_reports_are_missing_and_hands_them_in(app, people):
    _, me = company(app)
    form = project(major_project=True)
    page = me.get(f"/portal/items/{ITEM}/apply").text
    inputs = element(page, "report-inputs")
    assert 'data-reports-url="/portal/items/1101-DPHY-001/reports"' in page
    assert 'name="m-report:climate"' in inputs and 'name="m-assessment_report"' not in page
    assert audit(page) == []
    fields = {f"project.{k}": ("on" if v is True else "" if v in (False, None) else str(v))
              for k, v in form["project"].items()}
    fields = {k: v for k, v in fields.items() if v}
    said = me.post(f"/portal/items/{ITEM}/reports", data=fields).get_json()
    assert (said["state"], said["needed"], said["covered"]) == ("missing", ["climate", "seismic_safety"], "")
    covered = me.post(f"/portal/items/{ITEM}/reports", data={**fields, "project.zone": "HTZ",
                                                             "project.major_project": "", "project.energy_tce": "2000",
                                                             "project.land_ha": "5"}).get_json()
    assert covered["state"] == "covered" and covered["needed"] == []
    assert covered["covered"] == "节能评估（高新发改〔2024〕12号）、水土保持方案（高新水〔2023〕8号）"
    assert me.post(f"/portal/items/{ITEM}/reports", data={}).get_json()["state"] == "incomplete"
    assert app.test_client().post(f"/portal/items/{ITEM}/reports", data=fields).status_code != 200  # signed in
    files = {"m-project_code": (io.BytesIO(b"%PDF code"), "code.pdf"),
             "m-business_licence": (io.BytesIO(b"%PDF licence"), "licence.pdf"),
             "m-application_form": (io.BytesIO(b"%PDF form"), "form.pdf"),
             "m-land_title": (io.BytesIO(b"%PDF land"), "land.pdf"),
             "m-planning_conditions": (io.BytesIO(b"%PDF planning"), "planning.pdf"),
             "m-report:climate": (io.BytesIO(b"%PDF climate"), "气候.pdf")}
    done = me.post(f"/portal/items/{ITEM}/apply", content_type="multipart/form-data", data={**fields, **files},
                   follow_redirects=True)
    assert "以下必需材料尚未上传" in done.text and "地震安全性评价报告" in done.text
    number = re.search(r'id="case-number">(\d+)<', done.text).group(1)
    page = me.get(f"/portal/cases/{number}").text
    assert "尚缺：地震安全性评价报告" in page and 'name="m-report:seismic_safety"' in element(page, "supply")
    assert 'name="m-report:climate"' not in element(page, "supply")  # handed in already
    me.post(f"/portal/cases/{number}/supply", content_type="multipart/form-data",
            data={"m-report:seismic_safety": (io.BytesIO(b"%PDF seismic"), "地震.pdf")})
    page = me.get(f"/portal/cases/{number}").text
    assert "尚缺" not in page and 'id="supply"' not in page
    english = me.get(f"/portal/cases/{number}?lang=en").text
    assert "climate feasibility study report" in english


def test_a_zone_that_covers_every_report_is_said_so_and_asks_for_none(app, people):
    account, me = company(app)
    form = project(zone="HTZ", energy_tce=2000, land_ha=5)
    case = portal.apply(account.id, ITEM, uploads(ITEM, form=form), form)
    page = me.get(f"/portal/cases/{case.number}").text
    assert "由区域评估覆盖" in page and "区域评估已覆盖，无需提交：节能评估（高新发改〔2024〕12号）" in page
    assert "尚缺" not in page
    clerk = signed_in(app, "clerk")
    assert "由区域评估覆盖" in entry_row(clerk.get(f"/intake/cases/{case.id}").text)
    assert "已受理" in clerk.post(f"/intake/cases/{case.id}/accept", follow_redirects=True).text


def test_the_api_gives_each_report_and_takes_one_by_its_kind(app, people):
    from engine.services.tokens import issue_token
    clerk = {"Authorization": f"Bearer {issue_token('clerk')}"}
    client = app.test_client()
    form = project(major_project=True)
    pdf = base64.b64encode(b"%PDF climate").decode()
    body = {"item": ITEM, "form": form, "applicant": {"name": "某某科技有限公司", "kind": "company", "id_type": "uscc",
                                                     "id_number": CODE, "phone": "13900000000"},
            "materials": [{"kind": "report:climate", "filename": "气候.pdf", "content_base64": pdf}]}
    made = client.post("/api/cases", json=body, headers=clerk)
    assert made.status_code == 201
    [entry] = [m for m in made.get_json()["materials"] if m["code"] == "assessment_report"]
    assert entry["state"] == "missing"
    assert [(r["code"], r["state"], r["name"]) for r in entry["reports"]] == [
        ("report:climate", "provided", "climate feasibility study report"),
        ("report:seismic_safety", "missing", "seismic safety assessment report")]
    wrong = client.post("/api/cases", headers=clerk, json={
        **body, "materials": [{"kind": "assessment_report", "filename": "all.pdf", "content_base64": pdf}]})
    assert wrong.status_code == 422 and "report:climate, report:seismic_safety" in wrong.get_json()["error"]["message"]


def test_the_window_takes_in_a_report_by_its_kind_on_the_intake_form(app, people):
    clerk = signed_in(app, "clerk")
    page = clerk.get(f"/intake/new/{ITEM}").text
    inputs = element(page, "report-inputs")
    assert f'data-reports-url="/intake/new/{ITEM}/reports"' in inputs and 'name="file_report:seismic_safety"' in inputs
    assert 'name="file_assessment_report"' not in page and 'name="received_assessment_report"' not in page
    form = project(major_project=True)["project"]
    fields = {f"project.{k}": ("on" if v is True else str(v)) for k, v in form.items() if v not in (False, None)}
    assert clerk.post(f"/intake/new/{ITEM}/reports", data=fields).get_json()["needed"] == ["climate", "seismic_safety"]
    assert signed_in(app, "reviewer").post(f"/intake/new/{ITEM}/reports", data=fields).status_code == 403
    applicant = {"name": "某某科技有限公司", "kind": "company", "id_type": "uscc", "id_number": CODE,
                 "phone": "13900000000"}
    files = {f"file_{u.kind}": (io.BytesIO(u.content), u.filename) for u in uploads(ITEM, form={"project": form})}
    done = clerk.post(f"/intake/new/{ITEM}", content_type="multipart/form-data", follow_redirects=True,
                      data={**applicant, **fields, **files})
    assert "已收件" in done.text
    shown = entry_row(done.text)
    assert "尚缺" not in shown and "report-climate.pdf" in shown and "report-seismic_safety.pdf" in shown


def test_the_reports_read_in_english(app, people):
    from tests.test_english_pages import chinese_punctuation, in_english
    case = applied(people)
    quake = agencies.register(people["admin"], name="Quake Lab", credit_code=CODE, services={"seismic_safety": 10})
    row = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    clerk = signed_in(app, "clerk")
    shown = entry_row(in_english(clerk, f"/intake/cases/{case.id}"))
    assert "Still missing: climate feasibility study report, seismic safety assessment report" in shown
    assert f"(Quake Lab is preparing it, promised by {row.due_on.isoformat()})" in shown
    assert chinese_punctuation(shown, ENTRY) == []
    other = {"name": "乙公司", "id_number": "91110000MA01EEEE2R", "kind": "company"}
    covered = applied(people, project(zone="HTZ", energy_tce=2000, land_ha=5), applicant=other)
    shown = entry_row(in_english(clerk, f"/intake/cases/{covered.id}"))
    assert "Covered by the regional assessment" in shown
    assert "energy-saving assessment (高新发改〔2024〕12号), soil and water conservation plan (高新水〔2023〕8号)" in shown
    assert chinese_punctuation(shown, ENTRY) == []


def test_a_simplified_kind_is_said_so_and_asks_no_report(app, people):
    """简化评估（告知承诺+核查）: the zone's energy result excludes steel; the form's answer and the
    case page name it as simplified, with the zone's document, and ask no report of it."""
    account, me = company(app)
    form = project(zone="HTZ", energy_tce=2000, land_ha=5, industry="steel")
    fields = {f"project.{k}": str(v) for k, v in form["project"].items() if v not in (False, None)}
    said = me.post(f"/portal/items/{ITEM}/reports", data=fields).get_json()
    assert (said["state"], said["needed"]) == ("covered", [])
    assert said["covered"] == "水土保持方案（高新水〔2023〕8号）、节能评估（简化评估：高新发改〔2024〕12号）"
    case = portal.apply(account.id, ITEM, uploads(ITEM, form=form), form)
    page = me.get(f"/portal/cases/{case.number}").text
    assert "、节能评估（简化评估：高新发改〔2024〕12号）" in page and "尚缺" not in page
    assert "energy-saving assessment (simplified assessment: 高新发改〔2024〕12号)" in \
        me.get(f"/portal/cases/{case.number}?lang=en").text


def test_the_reports_endpoints_take_a_form_not_a_file(app, people):
    """Which reports a project needs is asked with the form's fields alone: a body over 64 KB is
    refused before anything reads it (the CSRF check would parse it first)."""
    _, me = company(app)
    big = {"project.industry": "x" * (65 * 1024)}
    assert me.post(f"/portal/items/{ITEM}/reports", data=big).status_code == 413
    assert signed_in(app, "clerk").post(f"/intake/new/{ITEM}/reports", data=big).status_code == 413
    assert me.post(f"/portal/items/{ITEM}/reports", data={"project.industry": "x" * 1024}).status_code == 200
