"""审查阶段补正 online: in a 多评合一 case the departments' corrections come to the applicant as one
merged notice; the portal shows who asked for what, takes the revised materials, and leaves the
window's confirmation (the procedure's window_correction task) to the window clerk."""
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import agency_reports, corrections, files, intake, portal, timers
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.store import session_scope
from engine.services import tasks, users
from engine.store.models import Event, Material, Notification
from tests.procedures import install, open_tasks, uploads, work
from tests.web import element, signed_in

ITEM = "1101-DPHY-001"
COMPANY = dict(name="某某科技有限公司", kind="company", id_type="uscc", id_number="91110000MA01ABCD2Q",
               phone="13900000000", password="company-pw")
OTHER = dict(name="乙公司", kind="company", id_type="uscc", id_number="91110000MA01EEEE2R",
             phone="13900000002", password="other-pw1")
PROJECT = {"project": {"energy_tce": 2000, "electricity_kwh": 0, "env_category": "report", "land_ha": 0.2,
                       "earthwork_m3": 0, "geo_hazard_area": False, "water_source": "direct", "hazardous": False,
                       "major_project": False, "relics_area": False, "industry": "electronics", "zone": None}}
AIR = "补充大气环境影响预测"
WATER = "补充取水水源论证"


@pytest.fixture
def people(org):
    people = install(org)
    with session_scope() as session:
        users.ensure_department(session, "eco", "生态环境局")
        users.ensure_department(session, "water", "水务局")
    return people


@pytest.fixture
def company(people):
    return portal.register(**COMPANY)


@pytest.fixture
def other(people):
    return portal.register(**OTHER)


@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def in_review_correction(people, applicant, deferred=None):
    """Applied online, accepted at the window (with `deferred` materials to follow, 容缺); energy
    approves, environment and water ask for corrections.

    The merged notice lists what each department wrote under 需补正内容 (correction_items), not its
    general comment.
    """
    applied = portal.apply(applicant.id, ITEM, uploads(ITEM, skip=tuple(deferred or ()), form=PROJECT), PROJECT)
    case = intake.accept(applied.id, people["clerk"], deferred=deferred)
    assert case.status == ("conditional" if deferred else "accepted")
    reviews = open_tasks(case.instance_id)
    work(reviews["department_review@devreform"], people["lead"], {"opinion": "approve", "comment": "同意"})
    for dept, items in (("eco", AIR), ("water", WATER)):
        work(reviews[f"department_review@{dept}"], people[f"r_{dept}"],
             {"opinion": "correction_needed", "comment": "材料不全，需补正", "correction_items": items},
             document=False)
    assert set(open_tasks(case.instance_id)) == {"window_correction@window"}
    assert intake.describe(case.id)["status"] == "review_correction"
    return intake.get_case(case.id)


def sign_in(app, who):
    client = app.test_client()
    assert client.post("/portal/login", data={"identifier": who["phone"], "password": who["password"]}).status_code == 302
    return client


def report(described, kind):
    """The report of one kind under the case's 评估报告 (engine/agency_reports.py)."""
    entry = next(m for m in described["materials"] if m["code"] == "assessment_report")
    return next(r for r in entry["reports"] if r["kind"] == kind)


def post_files(client, number, files_):
    return client.post(f"/portal/cases/{number}/supply", content_type="multipart/form-data",
                       data={f"m-{kind}": (io.BytesIO(content), name) for kind, (name, content) in files_.items()})


def stored(case_id):
    """What the case holds: its material rows and its materials_supplied events."""
    with session_scope() as session:
        materials = session.scalar(select(func.count()).select_from(Material).where(Material.case_id == case_id))
        supplied = session.scalar(select(func.count()).select_from(Event).where(
            Event.case_id == case_id, Event.type == "materials_supplied"))
        return materials, supplied


def blob_exists(content: bytes) -> bool:
    import hashlib
    return files._path(hashlib.sha256(content).hexdigest()).exists()


# --- service level ------------------------------------------------------------------------------

def deferred_land_title(people, company):
    """In review correction, with the land title accepted as deferred until three working days on."""
    from engine import clock
    from engine.services import calendars
    due = calendars.current().add_workdays(clock.today(), 3).date
    return in_review_correction(people, company, deferred={"land_title": due}), due


def tick_after(day):
    from datetime import timedelta
    from engine import clock, timers
    timers.tick(now=clock.datetime.combine(day + timedelta(days=2), clock.time(), clock.SHANGHAI))


def test_a_deferred_material_is_still_awaited_after_a_review_correction_round(people, company):
    case, due = deferred_land_title(people, company)
    # During the round the applicant's list of what to hand in gives the deferred material's date.
    owed = {m["code"]: m["due_on"] for m in portal.progress(company.id, case.number)["to_supply"]}
    assert owed["land_title"] == due.isoformat() and owed["report:environmental_impact"] is None
    corrections.supply(case.id, [intake.Upload("report:environmental_impact", "r2.pdf", b"%PDF revised")], None,
                  applicant_id=company.id)
    work(open_tasks(case.instance_id)["window_correction@window"], people["clerk"], {"materials_received": True},
         document=False)
    # Back in review, the land title accepted as deferred (容缺) is still awaited ...
    assert intake.describe(case.id)["status"] == "conditional"
    # ... and its date, passed, stops the case as it would have without the round.
    tick_after(due)
    assert intake.describe(case.id)["status"] == "terminated"


def test_a_deferred_materials_date_stops_the_case_also_during_a_review_correction_round(people, company):
    case, due = deferred_land_title(people, company)
    tick_after(due)
    assert intake.describe(case.id)["status"] == "terminated"


def test_progress_lists_the_departments_requests_by_name(people, company):
    case = in_review_correction(people, company)
    info = portal.progress(company.id, case.number)
    review = info["review_correction"]
    assert {(r["department"], r["department_name"], r["items"]) for r in review["requests"]} == {
        ("eco", "生态环境局", AIR), ("water", "水务局", WATER)}
    assert all(r["review"] for r in review["requests"])  # the review's name, e.g. 环境影响评价（报告书）
    assert review["supplied_at"] is None and review["supplied"] == []
    # Any checklist material may come back revised; the current file is shown with it.
    # (评估报告 report by report: each of the project's three.)
    assert [m["code"] for m in info["to_supply"]] == [m["code"] for m in agency_reports.spread(info["materials"])]
    assert {m["filename"] for m in info["to_supply"] if m["code"] == "report:environmental_impact"} == {
        "report-environmental_impact.pdf"}
    # The notice's event names the window's task that issued it: the applicant reads that step as
    # the window gathering the requests, not as one more review.
    window = open_tasks(case.instance_id)["window_correction@window"]
    with session_scope() as session:
        issued = session.scalar(select(Event).where(Event.case_id == case.id, Event.type == "notice_issued",
                                                    Event.data["kind"].as_string() == "review_correction"))
    assert issued.task_id == window.id
    assert [s["type"] for s in info["steps"] if s["type"] == "correction_opened"] == ["correction_opened"]


def test_wrong_kind_stranger_or_confirmed_round_is_refused_before_anything_is_stored(people, company, other):
    case = in_review_correction(people, company)
    before = stored(case.id)
    bogus = b"%PDF not a material of this item"
    with pytest.raises(Invalid, match="not on this item's checklist"):
        corrections.supply(case.id, [intake.Upload("report:environmental_impact", "ok.pdf", b"%PDF fine"),
                                intake.Upload("bogus", "bogus.pdf", bogus)], None, applicant_id=company.id)
    stranger = b"%PDF from another applicant"
    with pytest.raises(NotFound):
        corrections.supply(case.id, [intake.Upload("report:environmental_impact", "x.pdf", stranger)], None, applicant_id=other.id)
    assert stored(case.id) == before
    assert not blob_exists(bogus) and not blob_exists(b"%PDF fine") and not blob_exists(stranger)

    window = open_tasks(case.instance_id)["window_correction@window"]
    with pytest.raises(Conflict, match="handed in nothing"):  # nothing handed in yet: nothing to confirm
        work(window, people["clerk"], {"materials_received": True}, document=False)
    corrections.supply(case.id, [intake.Upload("report:environmental_impact", "v2.pdf", b"%PDF v2")], None,
                       applicant_id=company.id)
    tasks.complete(window.id, people["clerk"], {"materials_received": True})
    before = stored(case.id)
    late = b"%PDF after the window confirmed"
    with pytest.raises(Conflict):  # review goes on: nothing more to supply
        corrections.supply(case.id, [intake.Upload("report:environmental_impact", "late.pdf", late)], None, applicant_id=company.id)
    assert stored(case.id) == before and not blob_exists(late)


# --- pages --------------------------------------------------------------------------------------

def test_applicant_supplies_online_and_the_window_still_confirms(app, people, company):
    case = in_review_correction(people, company)
    client = sign_in(app, COMPANY)
    page = client.get(f"/portal/cases/{case.number}")
    assert page.status_code == 200
    html = page.text
    assert "审查中，待补正材料" in html and 'id="review-requests"' in html
    for text in ("生态环境局", AIR, "水务局", WATER, "提交补正材料", 'name="csrf_token"',
                 'name="m-report:environmental_impact"', "当前文件：report-environmental_impact.pdf"):
        assert text in html, text
    assert 'id="review-supplied"' not in html
    notice_id = portal.progress(company.id, case.number)["review_correction"]["notice_id"]
    printed = client.get(f"/portal/cases/{case.number}/notices/{notice_id}")
    assert printed.status_code == 200 and "生态环境局" in printed.text and AIR in printed.text

    materials, supplied = stored(case.id)
    res = post_files(client, case.number, {"report:environmental_impact": ("report-v2.pdf", b"%PDF revised report")})
    assert res.status_code == 302
    assert stored(case.id) == (materials + 1, supplied + 1)
    described = intake.describe(case.id)
    row = report(described, "environmental_impact")
    assert (row["state"], row["filename"]) == ("provided", "report-v2.pdf")
    # Status and procedure wait for the window: its correction task is still open, for a clerk to claim.
    assert described["status"] == "review_correction"
    window = open_tasks(case.instance_id)
    assert set(window) == {"window_correction@window"} and window["window_correction@window"].assignee_id is None

    page = client.get(f"/portal/cases/{case.number}")
    assert "补正材料已提交，待窗口确认后转审查部门" in page.text  # the flash after the redirect
    assert 'id="review-supplied"' in page.text and "当前文件：report-v2.pdf" in page.text
    assert "补交材料" in page.text  # the step in the history
    assert portal.progress(company.id, case.number)["review_correction"]["supplied"] == ["report:environmental_impact"]

    work(window["window_correction@window"], people["clerk"], {"materials_received": True}, document=False)
    assert set(open_tasks(case.instance_id)) == {"department_review@eco", "department_review@water"}
    page = client.get(f"/portal/cases/{case.number}")
    assert "已受理，审批中" in page.text and 'id="supply"' not in page.text


def test_pages_refuse_a_wrong_kind_and_another_applicant(app, people, company, other):
    case = in_review_correction(people, company)
    before = stored(case.id)
    owner = sign_in(app, COMPANY)
    res = post_files(owner, case.number, {"bogus": ("bogus.pdf", b"%PDF bogus kind")})
    assert res.status_code == 422 and "请选择要补交的材料文件" in res.text
    res = post_files(owner, case.number, {"report:environmental_impact": ("empty.pdf", b"")})
    assert res.status_code == 422
    stranger = sign_in(app, OTHER)
    assert stranger.get(f"/portal/cases/{case.number}").status_code == 404
    res = post_files(stranger, case.number, {"report:environmental_impact": ("x.pdf", b"%PDF stranger's upload")})
    assert res.status_code == 404 and AIR not in res.text
    assert stored(case.id) == before
    assert not blob_exists(b"%PDF bogus kind") and not blob_exists(b"%PDF stranger's upload")


def test_the_supply_form_needs_its_csrf_token(people, company):
    from web import create_app
    case = in_review_correction(people, company)
    client = create_app({"TESTING": True}).test_client()
    with client.session_transaction() as session:
        session["applicant_id"] = f"{company.id}:{company.session_serial}"  # what signing in stores
    res = post_files(client, case.number, {"report:environmental_impact": ("v2.pdf", b"%PDF without token")})
    assert res.status_code == 400
    assert stored(case.id)[1] == 0 and not blob_exists(b"%PDF without token")


def test_the_window_sees_what_was_asked_and_takes_in_any_revised_material(app, people, company):
    case = in_review_correction(people, company)
    clerk = signed_in(app, "clerk")
    task = open_tasks(case.instance_id)["window_correction@window"]
    asked = clerk.get(f"/inbox/tasks/{task.id}").text.split('id="correction-requests"')[1].split("</table>")[0]
    assert AIR in asked and WATER in asked and "生态环境局" in asked  # the department by name
    page = clerk.get(f"/intake/cases/{case.id}").text
    form = page.split('id="supply-form"')[1].split("</form>")[0]
    assert 'name="file_report:environmental_impact"' in form  # provided already, and may come again revised
    res = clerk.post(f"/intake/cases/{case.id}/supply", content_type="multipart/form-data",
                     data={"file_report:environmental_impact": (io.BytesIO(b"%PDF v2 at the window"), "report-v2.pdf")})
    assert res.status_code in (302, 303)
    row = report(intake.describe(case.id), "environmental_impact")
    assert row["filename"] == "report-v2.pdf"
    history = clerk.get(f"/inbox/tasks/{task.id}").text.split('id="history"')[1]
    assert "补正期间停止计时" in history and "特殊环节开始" not in history  # not a hearing or a test


def test_a_correction_step_of_a_procedure_without_a_case_closes_like_any_step(org):
    """A designer trying out a procedure with a correction round has no applicant to wait for."""
    from engine.services import cases, deploy
    from tests.bpmn_builder import process
    xml = process("fixes", [("start", "s", "s"), ("user", "fix", "补正", {"form": "x.json"}), ("end", "e", "e")],
                  [("s", "fix"), ("fix", "e")]).replace('name="formJsonSchemaFilename" value="x.json"',
                                                        'name="correctionNotice" value="true"')
    deploy.deploy([("fixes.bpmn", xml.encode())], org["designer"])
    [task] = cases.start_instance("fixes", org["designer"])["tasks"]
    tasks.claim(task["id"], org["lead"])
    assert tasks.complete(task["id"], org["lead"], {})["state"] == "completed"


# --- 逾期未补正 ------------------------------------------------------------------------------------

def overdue_told(person) -> list[str]:
    with session_scope() as session:
        return [t for t in session.scalars(select(Notification.text).where(Notification.user_id == person.id)
                                           .order_by(Notification.id)) if "逾期" in t]


def test_the_notice_gives_a_date_after_which_the_window_ends_an_unanswered_case(app, people, company, monkeypatch):
    from engine import clock, termination
    from engine.services import calendars
    case = in_review_correction(people, company)
    [notice] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "review_correction"]
    due = calendars.current().add_workdays(clock.today(), 10).date
    assert notice["data"]["due_on"] == due.isoformat() and termination.correction(case.id) == (due, False)
    clerk = signed_in(app, "clerk")
    page = clerk.get(f"/intake/cases/{case.id}").text
    assert due.isoformat() in page and 'id="lapse-form"' not in page  # not before the date
    with pytest.raises(Conflict, match="has until"):
        termination.lapse(case.id, people["clerk"])
    assert 'id="due"' in clerk.get(f"/intake/notices/{notice['id']}").text  # the notice says so
    # The date passing unanswered, the window that took the case in is told, once.
    timers.tick(now=clock.end_of(due) - timedelta(minutes=1))
    assert overdue_told(people["clerk"]) == []
    timers.tick(now=clock.end_of(due) + timedelta(hours=9))
    timers.tick(now=clock.end_of(due) + timedelta(days=2))
    [told] = overdue_told(people["clerk"])
    assert case.number in told and due.isoformat() in told and "逾期未补正" in told
    assert overdue_told(people["lead"]) == []  # not the departments

    monkeypatch.setattr(clock, "today", lambda: due + timedelta(days=1))
    assert 'id="lapse-form"' in clerk.get(f"/intake/cases/{case.id}").text
    with pytest.raises(Forbidden):
        termination.lapse(case.id, people["lead"])
    assert clerk.post(f"/intake/cases/{case.id}/lapse").status_code == 303
    info = intake.describe(case.id)
    assert info["status"] == "terminated" and open_tasks(case.instance_id) == {}
    ended = info["notices"][-1]
    assert ended["kind"] == "termination" and due.isoformat() in ended["data"]["reason"]
    assert ended["data"]["withdrawn"] is False and ended["data"]["paper"] is False  # applied online


def test_an_answered_correction_is_confirmed_not_ended(app, people, company, monkeypatch):
    from engine import clock, termination
    case = in_review_correction(people, company)
    corrections.supply(case.id, [intake.Upload("report:environmental_impact", "v2.pdf", b"%PDF v2")], None,
                       applicant_id=company.id)
    due, answered = termination.correction(case.id)
    assert answered
    timers.tick(now=clock.end_of(due) + timedelta(hours=9))
    assert overdue_told(people["clerk"]) == []  # nothing to end: the window confirms what came
    monkeypatch.setattr(clock, "today", lambda: due + timedelta(days=3))
    with pytest.raises(Conflict, match="confirm them"):
        termination.lapse(case.id, people["clerk"])
    assert intake.describe(case.id)["status"] == "review_correction"
    assert 'id="lapse-form"' not in signed_in(app, "clerk").get(f"/intake/cases/{case.id}").text


def test_the_windows_correction_step_leads_to_the_case_page_and_the_portal_shows_the_date(app, people, company):
    case = in_review_correction(people, company)
    window = open_tasks(case.instance_id)["window_correction@window"]
    tasks.claim(window.id, people["clerk"])
    page = signed_in(app, "clerk").get(f"/inbox/tasks/{window.id}").text
    assert f'href="/intake/cases/{case.id}"' in page and 'name="result_document"' not in page
    shown = sign_in(app, COMPANY).get(f"/portal/cases/{case.number}").text
    due = intake.describe(case.id)["notices"][-1]["data"]["due_on"]
    assert due in re.search(r'id="review-due">.*?<', shown, re.S).group(0)
    assert 'id="clock-paused"' in shown  # the time of a correction round is not counted
    assert 'class="brand" href="/portal/"' in shown  # the applicant's home is the portal


def test_a_review_asking_for_corrections_or_conditions_says_what_they_are(people, company):
    case = intake.accept(portal.apply(company.id, ITEM, uploads(ITEM, form=PROJECT), PROJECT).id, people["clerk"])
    review = open_tasks(case.instance_id)["department_review@eco"]
    tasks.claim(review.id, people["r_eco"])
    for data, field in (({"opinion": "correction_needed", "comment": "材料不全"}, "correction_items"),
                        ({"opinion": "correction_needed", "comment": "材料不全", "correction_items": ""},
                         "correction_items"),
                        ({"opinion": "approve_with_conditions", "comment": "同意"}, "conditions")):
        with pytest.raises(Invalid) as refused:  # by the form, before the result document is asked for
            tasks.complete(review.id, people["r_eco"], data)
        assert any(field in str(d.get("message")) or d.get("field") == field for d in refused.value.details)
    assert "department_review@eco" in open_tasks(case.instance_id)


def test_a_review_inside_a_round_asks_for_its_result_document(app, people, company):
    """The round's reviews are one multi-instance step: their properties are on its child spec."""
    case = intake.accept(portal.apply(company.id, ITEM, uploads(ITEM, form=PROJECT), PROJECT).id, people["clerk"])
    review = open_tasks(case.instance_id)["department_review@eco"]
    tasks.claim(review.id, people["r_eco"])
    page = signed_in(app, "r_eco").get(f"/inbox/tasks/{review.id}").text
    label = re.search(r'<label for="result_document">.*?</label>', page, re.S).group(0)
    assert 'class="req"' in label and "选填" not in label


def test_the_case_page_shows_what_the_application_said(app, people, company):
    case = portal.apply(company.id, ITEM, uploads(ITEM, form=PROJECT), PROJECT)
    page = sign_in(app, COMPANY).get(f"/portal/cases/{case.number}").text
    said = element(page, "application")
    assert "电子信息" in said and "2000" in said  # by the form's labels and option names
