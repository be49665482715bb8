"""What the applicant reads on the case page (办理过程, 申请材料), and the materials table the window
and the departments read: steps named for what they are, in the order they happened, and material
states that say what is still owed and what no longer is."""
import re

from engine import clock, corrections, intake, portal
from engine.services import calendars
from tests.procedures import open_tasks, uploads, work
from tests.test_portal_review_correction import (  # noqa: F401 (fixtures)
    COMPANY, ITEM, PROJECT, app, company, in_review_correction, people, sign_in, tick_after)
from tests.web import signed_in


def in_three_days():
    return calendars.current().add_workdays(clock.today(), 3).date


def confirmed_round(people, company, supplied):
    """In review correction with the land title deferred; the applicant supplies `supplied`, the
    window confirms the same day."""
    case = in_review_correction(people, company, deferred={"land_title": in_three_days()})
    corrections.supply(case.id, [intake.Upload(code, f"{code}-v2.pdf", b"%PDF " + code.encode()) for code in supplied],
                  None, applicant_id=company.id)
    work(open_tasks(case.instance_id)["window_correction@window"], people["clerk"], {"materials_received": True},
         document=False)
    return case


def steps(company, case):
    return portal.progress(company.id, case.number)["steps"]


def material(case, code):
    return next(m for m in intake.describe(case.id)["materials"] if m["code"] == code)


def row(html, code):
    """The staff materials table's row of one material."""
    return re.search(rf'<tr data-material="{code}".*?</tr>', html, re.S).group(0)


# --- the steps ----------------------------------------------------------------------------------

def test_the_acceptance_comes_before_the_reviews_it_started(people, company):
    case = in_review_correction(people, company)
    types = [s["type"] for s in steps(company, case)]
    assert types[:6] == ["case_submitted", "case_accepted", "notice_issued",  # the acceptance, then its notice
                         "task_created", "task_created", "task_created"]


def test_a_finished_review_names_its_department(people, company):
    case = in_review_correction(people, company)
    shown = steps(company, case)
    done = {s["where"] for s in shown if s["type"] == "task_completed"}
    assert all(s["step"] for s in shown if s["type"] == "task_completed")  # and what the step was
    assert done == {"生态环境局", "水务局", portal.department_name("devreform")}


def test_the_windows_correction_task_is_no_review(app, people, company):
    case = confirmed_round(people, company, ["report:environmental_impact"])
    shown = steps(company, case)
    assert [s["type"] for s in shown if s["type"].startswith("correction_")] == [
        "correction_opened", "correction_confirmed"]
    assert not [s for s in shown if s["type"].startswith("task_") and s["where"] == portal.department_name("window")]
    page = sign_in(app, COMPANY).get(f"/portal/cases/{case.number}").text
    assert "窗口汇总补正要求" in page and "窗口确认补正材料" in page
    # Energy, environment and water, then environment and water again after the round; not the window.
    assert page.count("进入审查环节") == 5


def test_a_resume_that_moved_nothing_claims_no_move(app, people, company):
    case = confirmed_round(people, company, ["report:environmental_impact"])
    [ended] = [s for s in steps(company, case) if s["type"] == "special_procedure_ended"]
    assert ended["data"]["paused_days"] == 0  # the window confirmed the same day
    page = sign_in(app, COMPANY).get(f"/portal/cases/{case.number}").text
    assert "恢复计时" in page and "期限顺延" not in page


# --- the materials ------------------------------------------------------------------------------

def test_a_supplied_deferred_material_has_no_due_date_any_more(app, people, company):
    case = confirmed_round(people, company, ["report:environmental_impact", "land_title"])
    land = material(case, "land_title")
    assert (land["state"], land["due_on"]) == ("provided", None)
    assert intake.describe(case.id)["status"] == "accepted"
    page = sign_in(app, COMPANY).get(f"/portal/cases/{case.number}").text
    assert "补交期限" not in page
    staff = signed_in(app, "clerk").get(f"/intake/cases/{case.id}").text
    assert "前补交" not in row(staff, "land_title")


def test_a_deferred_material_never_supplied_is_said_so_once_the_case_is_closed(app, people, company):
    due = in_three_days()
    applied = portal.apply(company.id, ITEM, uploads(ITEM, skip=("planning_conditions",), form=PROJECT), PROJECT)
    case = intake.accept(applied.id, people["clerk"], deferred={"planning_conditions": due})
    assert (material(case, "planning_conditions")["state"], material(case, "planning_conditions")["due_on"]) \
        == ("deferred", due.isoformat())  # still awaited: the date stands
    tick_after(due)
    assert intake.describe(case.id)["status"] == "terminated"
    planning = material(case, "planning_conditions")
    assert (planning["state"], planning["due_on"]) == ("unsupplied", None)
    page = sign_in(app, COMPANY).get(f"/portal/cases/{case.number}").text
    assert "规划条件 — 未补交" in page and "补交期限" not in page
    staff = signed_in(app, "clerk").get(f"/intake/cases/{case.id}").text
    assert "未补交" in row(staff, "planning_conditions") and "前补交" not in row(staff, "planning_conditions")


def test_an_optional_material_not_given_is_no_warning(app, people, company):
    case = in_review_correction(people, company)
    assert material(case, "agency_stamp")["mandatory"] is False
    page = sign_in(app, COMPANY).get(f"/portal/cases/{case.number}").text
    assert '<li class="material-optional">中介报告盖章原件 — 未提交（非必需）</li>' in page
    staff = signed_in(app, "clerk").get(f"/intake/cases/{case.id}").text
    assert "未提交（非必需）" in row(staff, "agency_stamp") and "缺少" not in row(staff, "agency_stamp")
    task = open_tasks(case.instance_id)["window_correction@window"]
    inbox = signed_in(app, "clerk").get(f"/inbox/tasks/{task.id}").text
    assert "未提交（非必需）" in row(inbox, "agency_stamp")


def test_a_case_whose_notice_was_recorded_before_its_acceptance_reads_the_same():
    """Until 2026-11-28 the acceptance notice was recorded just before case_accepted."""
    from types import SimpleNamespace as Recorded
    from engine.portal import _acceptance_first
    old = [Recorded(type="case_submitted", data={}), Recorded(type="task_created", data={}),
           Recorded(type="notice_issued", data={"kind": "acceptance"}), Recorded(type="case_accepted", data={}),
           Recorded(type="task_completed", data={})]
    assert [e.type for e in _acceptance_first(old)] == [
        "case_submitted", "case_accepted", "notice_issued", "task_created", "task_completed"]
