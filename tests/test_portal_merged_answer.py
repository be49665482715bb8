"""What the applicant of a 多评合一 case is told (统一反馈): which assessments the zone's regional
assessment spared the project and on which document, every department's conditions with a
conditional grant, and each special procedure of the departments, even one that ran while the
case clock had already stopped."""
import re

from engine import clock, decisions, intake, portal
from engine.clock import pauses
from engine.services import admin, calendars, special_kinds
from tests.procedures import open_tasks, step_clocks, uploads, work
from tests.test_portal_review_correction import (  # noqa: F401 (fixtures)
    COMPANY, ITEM, PROJECT, app, company, people, sign_in)
from tests.web import element, signed_in

# In the high-tech zone (processes/zones): energy and geological hazard exempt, soil and water
# simplified for a 25 ha project (its result covers 20 ha), the 2019 environmental result expired.
IN_ZONE = {"project": {**PROJECT["project"], "zone": "HTZ", "geo_hazard_area": True, "land_ha": 25,
                       "env_category": "table", "water_source": "municipal"}}
SPARED = {"energy": ("exempt", "高新发改〔2024〕12号"), "geological_hazard": ("exempt", "高新自然资〔2025〕3号"),
          "soil_water": ("simplified", "高新水〔2023〕8号")}


def accepted(people, company, form):
    applied = portal.apply(company.id, ITEM, uploads(ITEM, form=form), form)
    return intake.accept(applied.id, people["clerk"])


def notice_of(case, kind):
    [notice] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == kind]
    return notice


def items(html):
    """The <li> texts of a list, tags dropped."""
    return [re.sub(r"<[^>]+>|\s+", "", li) for li in re.findall(r"<li[^>]*>(.*?)</li>", html, re.S)]


def test_the_acceptance_notice_and_the_case_page_name_what_the_regional_assessment_spared(app, people, company):
    case = accepted(people, company, IN_ZONE)
    notice = notice_of(case, "acceptance")
    assert {r["code"]: (r["coverage"], r["doc_no"]) for r in notice["data"]["regional"]} == SPARED
    printed = element(sign_in(app, COMPANY).get(f"/portal/cases/{case.number}/notices/{notice['id']}").text,
                      "regional")
    assert items(printed) == ["节能审查：免于单独评估（依据高新发改〔2024〕12号）",
                              "地质灾害危险性评估：免于单独评估（依据高新自然资〔2025〕3号）",
                              "水土保持方案：简化评估（告知承诺+核查）（依据高新水〔2023〕8号）"]
    assert element(signed_in(app, "clerk").get(f"/intake/notices/{notice['id']}").text, "regional") == printed
    page = sign_in(app, COMPANY).get(f"/portal/cases/{case.number}").text
    assert element(page, "regional") == printed and "区域评估成果共享" in page
    # The notice says what it said then: the zone's result withdrawn later changes neither.
    from engine.store import session_scope
    from engine.store.models import RegionalAssessment
    with session_scope() as session:
        for row in session.query(RegionalAssessment).filter_by(zone="HTZ"):
            row.revoked = True
    assert notice_of(case, "acceptance")["data"]["regional"] == notice["data"]["regional"]
    assert element(sign_in(app, COMPANY).get(f"/portal/cases/{case.number}").text, "regional") == printed


def test_a_project_outside_any_zone_is_told_of_no_regional_assessment(app, people, company):
    case = accepted(people, company, PROJECT)
    notice = notice_of(case, "acceptance")
    assert notice["data"]["regional"] == []
    assert 'id="regional"' not in signed_in(app, "clerk").get(f"/intake/notices/{notice['id']}").text
    assert "区域评估成果共享" not in sign_in(app, COMPANY).get(f"/portal/cases/{case.number}").text


def decided(people, company, decision):
    """Energy approves; environment and water approve on conditions; the lead decides `decision`."""
    case = accepted(people, company, PROJECT)
    reviews = open_tasks(case.instance_id)
    work(reviews["department_review@devreform"], people["lead"], {"opinion": "approve", "comment": "同意"})
    work(reviews["department_review@eco"], people["r_eco"],
         {"opinion": "approve_with_conditions", "comment": "有条件同意", "conditions": "落实降噪措施"})
    work(reviews["department_review@water"], people["r_water"],
         {"opinion": "approve_with_conditions", "comment": "有条件同意", "conditions": "安装取水计量设施"})
    work(open_tasks(case.instance_id)["lead_decision@devreform"], people["lead"],
         {"decision": decision, "decision_comment": "联合评审通过"})
    return case


CONDITIONS = ["生态环境局·环境影响评价：落实降噪措施", "水务局·水资源论证：安装取水计量设施"]


def test_a_conditional_grant_lists_every_departments_conditions_as_they_were_decided(app, people, company):
    case = decided(people, company, "approve_with_conditions")
    page = sign_in(app, COMPANY).get(f"/portal/cases/{case.number}").text
    assert items(element(page, "conditions")) == CONDITIONS and "联合评审通过" in element(page, "statement")
    # Recorded with the decision: a department renamed later does not rename what was decided.
    admin.rename_department("eco", "市生态环境局", people["admin"])
    page = sign_in(app, COMPANY).get(f"/portal/cases/{case.number}").text
    assert items(element(page, "conditions")) == CONDITIONS
    decisions.deliver(case.id, "window", people["clerk"])
    receipt = notice_of(case, "receipt")
    assert [c["conditions"] for c in receipt["data"]["conditions"]] == ["落实降噪措施", "安装取水计量设施"]
    printed = signed_in(app, "clerk").get(f"/intake/notices/{receipt['id']}").text
    assert items(element(printed, "conditions")) == CONDITIONS and "各部门附加条件" in printed
    online = sign_in(app, COMPANY).get(f"/portal/cases/{case.number}/notices/{receipt['id']}").text
    assert items(element(online, "conditions")) == CONDITIONS


def test_a_plain_grant_carries_no_conditions(app, people, company):
    case = decided(people, company, "approve")
    assert "各部门附加条件" not in sign_in(app, COMPANY).get(f"/portal/cases/{case.number}").text
    decisions.deliver(case.id, "window", people["clerk"])
    assert notice_of(case, "receipt")["data"]["conditions"] == []


def specials(company, case):
    return [(s["type"], s["procedure"]) for s in portal.progress(company.id, case.number)["steps"]
            if "special" in s["type"]]


def test_a_procedure_started_while_the_case_clock_had_stopped_is_told_with_its_start_and_end(app, people, company):
    case = accepted(people, company, PROJECT)
    reviews = open_tasks(case.instance_id)
    limits = {c.task_id: c.id for c in step_clocks(case.instance_id)}
    eco, water = (limits[reviews[f"department_review@{d}"].id] for d in ("eco", "water"))
    pauses.pause(eco, "expert_review", "环评专家评审", 5, people["r_eco"])
    special_kinds.add("site_survey", "现场踏勘", people["admin"])  # the county's own rule (not Art. 45)
    pauses.pause(water, "site_survey", "现场踏勘取水口", 3, people["r_water"])  # the case clock already stopped
    later = calendars.current().add_workdays(clock.today(), 2).date
    pauses.resume(eco, "评审通过", people["r_eco"], on=later)
    pauses.resume(water, "踏勘完毕", people["r_water"], on=later)  # now the case clock runs again
    assert specials(company, case) == [("special_procedure_started", "专家评审"), ("special_started", "现场踏勘"),
                                       ("special_ended", "专家评审"), ("special_procedure_ended", "现场踏勘")]
    page = sign_in(app, COMPANY).get(f"/portal/cases/{case.number}").text
    lines = [" ".join(re.sub(r"<time>.*?</time>|<[^>]+>", " ", li).split())
             for li in re.findall(r'<li class="step step-special[^"]*">(.*?)</li>', page, re.S)]
    assert lines == ["暂停计时 专家评审：环评专家评审（预计 5 个工作日）",
                     "特殊环节开始 现场踏勘：现场踏勘取水口（预计 3 个工作日）",
                     "特殊环节结束 专家评审：评审通过（历时 2 个工作日）",
                     "恢复计时 现场踏勘：踏勘完毕 · 期限顺延 2 个工作日"]
