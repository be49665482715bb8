"""多评合一: rules choose the assessments, the zone's regional assessments exempt or simplify,
departments review in parallel rounds, one merged correction, the lead department decides."""
import re

import pytest
from sqlalchemy import select

from engine import clock, corrections, intake, operations, portal
from engine.clock import offers, pauses
from engine.clock.extension import extend
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.rules import decide
from engine.services import calendars, progress, tasks, users
from engine.store import session_scope
from engine.store.models import Event
from tests.procedures import event_types, install, open_tasks, step_clocks, take_in, work
from tests.web import element

ITEM = "1101-DPHY-001"
OPINION = {"opinion": "approve", "comment": "同意"}


@pytest.fixture
def people(org):
    return install(org)


def project(**attrs):
    base = {"energy_tce": 0, "electricity_kwh": 0, "env_category": "registration", "land_ha": 0.2,
            "earthwork_m3": 0, "geo_hazard_area": False, "water_source": "municipal", "hazardous": False,
            "major_project": False, "relics_area": False, "industry": "electronics", "zone": None}
    return {"project": {**base, **attrs}}


@pytest.mark.parametrize("attrs, expected", [
    ({"energy_tce": 1000}, {"energy"}),
    ({"electricity_kwh": 5_000_000}, {"energy"}),
    ({"env_category": "report"}, {"environmental_impact"}),
    ({"env_category": "table"}, {"environmental_impact"}),
    ({"land_ha": 5}, {"soil_water"}),
    ({"earthwork_m3": 1000}, {"soil_water"}),
    ({"geo_hazard_area": True}, {"geological_hazard"}),
    ({"water_source": "direct"}, {"water_resources"}),
    ({"hazardous": True}, {"safety"}),
    ({"major_project": True}, {"climate", "seismic_safety"}),
    ({"relics_area": True}, {"cultural_relics"}),
    ({"land_ha": 12}, {"soil_water", "cultural_relics"}),
    ({}, set()),
])
def test_each_assessment_rule(people, attrs, expected):
    case = take_in(ITEM, project(**attrs), people["clerk"])
    tasks = open_tasks(case.instance_id)
    if expected:
        assert {t.name for t in tasks.values()} == {"department_review"}
        from engine.services.cases import get_instance
        data = get_instance(case.instance_id, people["admin"])["data"]
        assert {r["code"] for r in data["reviews"]} == expected
    else:  # nothing to assess: straight to the lead department
        assert set(tasks) == {"lead_decision@devreform"}



def test_the_lead_departments_decision_is_its_heads(people):
    """Of the lead department, only its head (the lead role) takes the final decision; its
    reviewers see the step on their department's case but may not claim it."""
    case = take_in(ITEM, project(), people["clerk"])
    decision = open_tasks(case.instance_id)["lead_decision@devreform"]
    plain = users.add_user("devreviewer", "发改局审查员", "devreform", ["reviewer"], "pass-devreviewer")
    assert decision.id not in {t["id"] for t in tasks.list_tasks(plain)}
    assert decision.id in {t["id"] for t in tasks.list_tasks(people["lead"])}
    with pytest.raises(Forbidden, match="head"):
        tasks.claim(decision.id, plain)
    from web import create_app
    from tests.web import signed_in
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    reviewer = signed_in(app, "devreviewer")
    page = reviewer.get(f"/inbox/tasks/{decision.id}")
    assert page.status_code == 200 and f"/inbox/tasks/{decision.id}/claim" not in page.text
    shown = reviewer.get(f"/inbox/instances/{case.instance_id}/diagram.xml")  # what it shows
    assert shown.status_code == 200 and 'name="牵头部门"' in shown.text and "(lead)" not in shown.text  # lanes by name
    assert offers.offered(decision.id, plain) == [] and "/pause" not in page.text  # nor stop its time
    [limit] = [c for c in step_clocks(case.instance_id) if c.task_id == decision.id]
    with pytest.raises(Forbidden, match="head"):
        pauses.pause(limit.id, "expert_review", "专家评审", 5, plain)
    assert reviewer.post(f"/inbox/tasks/{decision.id}/claim").status_code == 403
    assert f"/inbox/tasks/{decision.id}/claim" in signed_in(app, "lead").get(f"/inbox/tasks/{decision.id}").text
    tasks.claim(decision.id, people["lead"])
    with pytest.raises(Forbidden, match="head"):  # nor complete it, held or not
        tasks.complete(decision.id, plain, {"decision": "approve", "decision_comment": "同意"})
    with pytest.raises(Invalid, match="department head"):  # handed on, it would be stuck with them
        operations.transfer(decision.id, people["lead"], to_user="devreviewer", reason="请办理")
    with pytest.raises(Invalid, match="No one in 'tax'"):  # a department without a head the same
        operations.transfer(decision.id, people["lead"], to_group="tax", reason="请税务办理")
    tasks.complete(decision.id, people["lead"], {"decision": "approve", "decision_comment": "同意"},
                   [intake.Upload("result", "意见.pdf", b"%PDF decided")])
    assert intake.describe(case.id)["decision"] == "approve"

def test_a_grant_waits_for_the_materials_accepted_as_deferred(people):
    """容缺: what was deferred comes by its date or the case stops; a grant before it came would
    leave nothing to stop, so the lead may refuse but not grant until the window has it."""
    due = calendars.current().add_workdays(clock.today(), 3).date
    case = take_in(ITEM, project(), people["clerk"], skip=("land_title", "planning_conditions"),
                   deferred={"land_title": due, "planning_conditions": due})
    decision = open_tasks(case.instance_id)["lead_decision@devreform"]
    tasks.claim(decision.id, people["lead"])
    grant = {"decision": "approve_with_conditions", "decision_comment": "同意，须落实各部门条件"}
    corrections.supply(case.id, [intake.Upload("land_title", "land.pdf", b"%PDF land")], people["clerk"])
    with pytest.raises(Conflict) as refused:
        tasks.complete(decision.id, people["lead"], grant, [intake.Upload("result", "意见.pdf", b"%PDF")])
    assert f"规划条件 ({due})" in refused.value.message and "土地权属证明" not in refused.value.message
    from web import create_app
    from tests.web import signed_in
    page = signed_in(create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}), "lead").get(f"/inbox/tasks/{decision.id}").text
    assert f"规划条件：{due} 前补交" in element(page, "deferred-owed") and "土地权属证明" not in element(page, "deferred-owed")
    assert intake.describe(case.id)["status"] == "conditional" and open_tasks(case.instance_id)
    corrections.supply(case.id, [intake.Upload("planning_conditions", "plan.pdf", b"%PDF plan")], people["clerk"])
    tasks.complete(decision.id, people["lead"], grant, [intake.Upload("result", "意见.pdf", b"%PDF")])
    assert intake.describe(case.id)["decision"] == "approve_with_conditions"


def test_a_refusal_need_not_wait_for_the_materials_accepted_as_deferred(people):
    due = calendars.current().add_workdays(clock.today(), 3).date
    case = take_in(ITEM, project(), people["clerk"], skip=("land_title",), deferred={"land_title": due})
    work(open_tasks(case.instance_id)["lead_decision@devreform"], people["lead"],
         {"decision": "reject", "decision_comment": "不符合产业政策"})
    assert intake.describe(case.id)["decision"] == "reject"


def test_regional_assessment_exempts_simplifies_or_not(people):
    # In the high-tech zone: energy and geological hazard results valid -> exempt; soil and water
    # result covers up to 20 ha -> a 25 ha project is simplified; the environmental result of 2019
    # has expired (5 years) -> required.
    attrs = {"zone": "HTZ", "energy_tce": 2000, "geo_hazard_area": True, "land_ha": 25, "env_category": "table"}
    case = take_in(ITEM, project(**attrs), people["clerk"])
    from engine.services.cases import get_instance
    data = get_instance(case.instance_id, people["admin"])["data"]
    assert {e["code"]: e["doc_no"] for e in data["exempted"]} == {
        "energy": "高新发改〔2024〕12号", "geological_hazard": "高新自然资〔2025〕3号"}
    reviews = {r["code"]: r for r in data["reviews"]}
    assert set(reviews) == {"soil_water", "environmental_impact", "cultural_relics"}
    assert reviews["soil_water"]["form"].startswith("简化评估") and reviews["soil_water"]["days"] == 5
    assert reviews["environmental_impact"]["form"] == "报告表"
    # A steel plant is outside the zone's energy result: simplified, not exempt.
    assert decide("regional_coverage", inZone=True, resultExists=True, valid=True, applicable=False) == "SIMPLIFIED"
    # Outside any zone everything is assessed.
    outside = take_in(ITEM, project(**{**attrs, "zone": None}), people["clerk"],
                      applicant={"name": "乙公司", "id_number": "91110000MA01EEEE2R", "kind": "company"})
    data = get_instance(outside.instance_id, people["admin"])["data"]
    assert data["exempted"] == [] and {r["code"] for r in data["reviews"]} == {
        "energy", "geological_hazard", "soil_water", "environmental_impact", "cultural_relics"}


def test_parallel_round_merged_correction_only_askers_review_again_then_lead_decides(people):
    attrs = {"energy_tce": 2000, "env_category": "report", "water_source": "direct"}
    case = take_in(ITEM, project(**attrs), people["clerk"])
    tasks = open_tasks(case.instance_id)
    assert set(tasks) == {"department_review@devreform", "department_review@eco", "department_review@water"}
    # Each department's step has its own deadline from its rule row (energy 10, EIA report 12, water 10).
    assert sorted((c.department, c.promised_days) for c in step_clocks(case.instance_id)) == [
        ("devreform", 10), ("eco", 12), ("water", 10)]
    assert tasks["department_review@eco"].title == "环境影响评价（报告书）"
    with session_scope() as session:  # the history names each department's own task, as the applicant reads it
        created = {e.data["group"] for e in session.scalars(select(Event).where(
            Event.instance_id == case.instance_id, Event.type == "task_created", Event.data["task"].as_string()
            == "department_review"))}
    assert created == {"devreform", "eco", "water"}

    # A joint expert review runs as a special procedure: the case clock stops and the deadline moves.
    case_clock = next(c for c in intake.describe(case.id)["clocks"] if c["task_id"] is None)
    procedure = pauses.pause(case_clock["id"], "expert_review", "联合专家评审会", 3, people["lead"])
    later = calendars.current().add_workdays(clock.today(), 3).date
    pauses.resume(case_clock["id"], "专家评审通过", people["lead"], on=later)
    moved = next(c for c in intake.describe(case.id)["clocks"] if c["task_id"] is None)
    assert moved["paused_days"] == 3 and procedure
    assert moved["promised_due"] == calendars.current().add_workdays(
        calendars.current().add_workdays(clock.today(), 15).date, 3).date.isoformat()

    work(tasks["department_review@devreform"], people["lead"], OPINION)
    work(tasks["department_review@eco"], people["r_eco"],
         {"opinion": "correction_needed", "comment": "需补正", "correction_items": "补充大气环境影响预测"},
         document=False)
    # 退回到窗口 is the same thing said as an operation on the task.
    operations.send_back(tasks["department_review@water"].id, people["r_water"], to="window",
                         reason="补充取水水源论证")
    after = open_tasks(case.instance_id)
    assert set(after) == {"window_correction@window"}
    described = intake.describe(case.id)
    assert described["status"] == "review_correction"
    notice = [n for n in described["notices"] if n["kind"] == "review_correction"]
    assert len(notice) == 1  # one merged notice for both departments
    assert {r["department"] for r in notice[0]["data"]["requests"]} == {"eco", "water"}
    with session_scope() as session:  # issued by the round's end, not by the reviewer whose step closed it
        issued = session.scalar(select(Event).where(Event.case_id == case.id, Event.type == "notice_issued",
                                                    Event.data["kind"].as_string() == "review_correction"))
        assert issued.actor_id is None
    assert next(c for c in described["clocks"] if c["task_id"] is None)["state"] == "paused"
    # The window's step waits for the applicant until the notice's date, not the (stopped) case's.
    [waiting] = [t for t in progress.inbox(people["clerk"])["unclaimed"] if t["id"] == after["window_correction@window"].id]
    assert waiting["deadline"] == notice[0]["data"]["due_on"]

    corrections.supply(case.id, [intake.Upload("report:environmental_impact", "report-v2.pdf", b"%PDF v2")], None,
                  applicant_id=None)
    work(after["window_correction@window"], people["clerk"], {"materials_received": True}, document=False)
    second = open_tasks(case.instance_id)
    assert set(second) == {"department_review@eco", "department_review@water"}  # only those who asked
    assert next(c for c in intake.describe(case.id)["clocks"] if c["task_id"] is None)["state"] == "running"
    work(second["department_review@eco"], people["r_eco"], {"opinion": "approve_with_conditions",
                                                           "comment": "有条件同意", "conditions": "落实降噪"})
    work(second["department_review@water"], people["r_water"], OPINION)

    lead = open_tasks(case.instance_id)["lead_decision@devreform"]
    from engine.services.cases import get_instance
    opinions = {o["code"]: o for o in get_instance(case.instance_id, people["lead"])["data"]["opinions"]}
    assert {k: o["opinion"] for k, o in opinions.items()} == {
        "energy": "approve", "environmental_impact": "approve_with_conditions", "water_resources": "approve"}
    assert opinions["water_resources"]["round"] == 2
    assert opinions["environmental_impact"]["conditions"] == "落实降噪"
    # The lead decides on the departments' opinions, shown on its task page by department name.
    from web import create_app
    from tests.web import signed_in
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    page = signed_in(app, "lead").get(f"/inbox/tasks/{lead.id}").text
    table = page.split('id="opinions"')[1].split("</section>")[0]
    assert "有条件同意" in table and "落实降噪" in table and 'data-department="eco"' in table
    results = intake.describe(case.id)["results"]
    with pytest.raises(NotFound):  # a department's paper is the applicant's only with the decision
        portal.result_file(case.applicant_id, case.number, results[0]["id"])
    # The lead's step has its own limit and closes only with the joint opinion (联合评审意见) uploaded.
    assert [c.promised_days for c in step_clocks(case.instance_id) if c.task_id == lead.id] == [3]
    with pytest.raises(Invalid, match="result document"):
        work(lead, people["lead"], {"decision": "approve", "decision_comment": "同意"}, document=False)
    work(lead, people["lead"], {"decision": "approve_with_conditions", "decision_comment": "联合评审通过，落实降噪"})
    final = intake.describe(case.id)
    assert final["status"] == "decided" and final["decision"] == "approve_with_conditions"
    assert final["statement"] == "联合评审通过，落实降噪" and len(final["results"]) == len(results) + 1 >= 3
    assert portal.result_file(case.applicant_id, case.number, results[0]["id"])[0].endswith(".pdf")
    shown = signed_in(app, "clerk").get(f"/intake/cases/{case.id}").text
    assert "联合评审通过，落实降噪" in shown and f"/inbox/materials/{results[0]['id']}" in shown
    # The company, signing up online with the phone the window recorded, reads and downloads them.
    portal.register(name="某某科技有限公司", kind="company", id_type="uscc", id_number="91110000MA01ABCD2Q",
                    phone="13900000000", password="secret-pw1", case_number=case.number)
    company = app.test_client()
    assert company.post("/portal/login", data={"identifier": "13900000000", "password": "secret-pw1"}).status_code == 302
    page = company.get(f"/portal/cases/{case.number}").text
    link = f"/portal/cases/{case.number}/results/{results[0]['id']}"
    assert "联合评审通过，落实降噪" in page and link in page
    assert company.get(link).data.startswith(b"%PDF result of")
    types = event_types(case.instance_id)
    assert types.count("task_returned") == 1 and "special_procedure_started" in types


def test_a_steps_special_procedure_stops_the_case_clock_and_the_applicant_is_told_in_writing(people):
    attrs = {"energy_tce": 2000, "env_category": "report", "water_source": "direct"}
    case = take_in(ITEM, project(**attrs), people["clerk"])
    eco = open_tasks(case.instance_id)["department_review@eco"]
    [eco_clock] = [c for c in step_clocks(case.instance_id) if c.task_id == eco.id]
    procedure = pauses.pause(eco_clock.id, "expert_review", "环评技术评估专家评审", 5, people["r_eco"])

    def case_clock():
        return next(c for c in intake.describe(case.id)["clocks"] if c["task_id"] is None)
    assert procedure and case_clock()["state"] == "paused"  # Art. 45: not counted against the case either
    with pytest.raises(Conflict, match="ends by itself"):  # with the step's procedure, not by hand
        pauses.resume(case_clock()["id"], "提前恢复", people["lead"])
    assert case_clock()["state"] == "paused"
    [special] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "special"]
    assert special["data"]["procedure"] == "专家评审" and special["data"]["expected_days"] == 5
    assert special["data"]["expected_end"] == calendars.current().add_workdays(clock.today(), 5).date.isoformat()
    # A second department's procedure keeps the case's clock stopped until both have ended.
    reviews = open_tasks(case.instance_id)
    [water_clock] = [c for c in step_clocks(case.instance_id) if c.task_id == reviews["department_review@water"].id]
    pauses.pause(water_clock.id, "testing", "取水口水质检测", 3, people["r_water"])
    later = calendars.current().add_workdays(clock.today(), 2).date
    pauses.resume(eco_clock.id, "评审通过", people["r_eco"], on=later)
    assert case_clock()["state"] == "paused"
    pauses.resume(water_clock.id, "检测完毕", people["r_water"], on=later)
    assert case_clock()["state"] == "running" and case_clock()["paused_days"] == 2
    # A procedure on the case itself (a hearing) is not ended by a step's.
    pauses.pause(case_clock()["id"], "hearing", "听证", 5, people["lead"])
    pauses.pause(eco_clock.id, "testing", "检测", 2, people["r_eco"])
    pauses.resume(eco_clock.id, "检测完毕", people["r_eco"])
    assert case_clock()["state"] == "paused"
    pauses.resume(case_clock()["id"], "听证结束", people["lead"])
    assert case_clock()["state"] == "running"
    # An extension (Art. 42) is told to the applicant too, with the new statutory date.
    # A 联办件: 15 days, approved by the government's head, not the department's alone.
    with pytest.raises(Invalid, match="head of the government"):
        extend(case_clock()["id"], 15, "需现场核查", people["lead"])
    extended = extend(case_clock()["id"], 15, "需现场核查", people["lead"], "副县长李明批准（县政府办〔2026〕12号）")
    [notice] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "extension"]
    assert notice["data"]["days"] == 15 and notice["data"]["statutory_due"] == extended.statutory_due.isoformat()
    assert notice["data"]["approval"] == "副县长李明批准（县政府办〔2026〕12号）"
    # The applicant follows the case's own clock: when it stopped, ran again and grew (not each step's).
    steps = [s["type"] for s in portal.progress(case.applicant_id, case.number)["steps"]]
    assert (steps.count("special_procedure_started"), steps.count("special_procedure_ended"),
            steps.count("clock_extended")) == (2, 2, 1)
    from web import create_app
    from tests.web import signed_in
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    portal.register(name="某某科技有限公司", kind="company", id_type="uscc", id_number="91110000MA01ABCD2Q",
                    phone="13900000000", password="secret-pw1", case_number=case.number)
    company = app.test_client()
    assert company.post("/portal/login", data={"identifier": "13900000000", "password": "secret-pw1"}).status_code == 302
    shown = company.get(f"/portal/cases/{case.number}").text
    assert "暂停计时" in shown and "环评技术评估专家评审" in shown and "延长 15 个工作日：需现场核查" in shown
    page = signed_in(app, "clerk").get(f"/intake/notices/{special['id']}").text
    assert "特殊环节通知书" in page and "环评技术评估专家评审" in page and "第四十五条" in page
    # The new date is marked provisional where it falls in a year with no official calendar yet.
    provisional = calendars.current().provisional(extended.statutory_due)
    assert notice["data"]["statutory_provisional"] == provisional
    extension = signed_in(app, "clerk").get(f"/intake/notices/{notice['id']}").text
    printed = element(extension, "statutory-due")
    assert extended.statutory_due.isoformat() in printed and ("暂定" in printed) == provisional
    assert "经本级人民政府负责人批准" in extension and "县政府办〔2026〕12号" in element(extension, "approval")


def test_a_department_rejecting_leads_to_refusal(people):
    case = take_in(ITEM, project(hazardous=True), people["clerk"])
    review = open_tasks(case.instance_id)["department_review@emergency"]
    work(review, people["r_emergency"], {"opinion": "reject", "comment": "不符合安全条件"})
    lead = open_tasks(case.instance_id)["lead_decision@devreform"]
    from web import create_app
    from tests.web import signed_in
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    page = signed_in(app, "lead").get(
        f"/inbox/tasks/{lead.id}").text
    # The lead is told, above the opinions, which reviews said no.
    assert re.search(r'id="opinions-against">[^<]*安全预评价', page)
    work(lead, people["lead"], {"decision": "reject", "decision_comment": "安全条件审查不同意"})
    info = intake.describe(case.id)
    assert info["decision"] == "reject"
    # The refusal is a written decision (Art. 38): its reasons and the applicant's remedies, printed.
    [rejection] = [n for n in info["notices"] if n["kind"] == "rejection"]
    text = signed_in(app, "clerk").get(f"/intake/notices/{rejection['id']}").text
    assert "不予行政许可决定书" in text and "安全条件审查不同意" in text and "行政复议" in text and "行政诉讼" in text


def test_a_review_inside_a_parallel_round_cannot_be_withdrawn(people):
    from engine.errors import Conflict
    case = take_in(ITEM, project(energy_tce=2000, hazardous=True), people["clerk"])
    review = open_tasks(case.instance_id)["department_review@devreform"]
    work(review, people["lead"], OPINION)
    assert not operations.withdrawable(review.id, people["lead"])
    with pytest.raises(Conflict, match="parallel multi-department round"):
        operations.withdraw(review.id, people["lead"])
    assert set(open_tasks(case.instance_id)) == {"department_review@emergency"}


def test_the_industry_is_chosen_from_the_zones_codes_and_the_decision_is_told_what_was_exempted(people):
    """Typed in as free text (钢铁), it matched no code a zone excludes, and the energy review was
    silently left out: the form takes the codes only; a steel plant gets its energy review."""
    from web import create_app
    from tests.web import signed_in
    attrs = {"zone": "HTZ", "energy_tce": 2000, "land_ha": 5}
    with pytest.raises(Invalid):
        take_in(ITEM, project(**attrs, industry="钢铁"), people["clerk"])
    with pytest.raises(Invalid):  # a zone is chosen too: its name typed in matched no code
        take_in(ITEM, project(**{**attrs, "zone": "高新技术产业开发区"}), people["clerk"])
    steel = take_in(ITEM, project(**attrs, industry="steel"), people["clerk"])
    assert any(t.startswith("department_review@devreform") for t in open_tasks(steel.instance_id))
    chips = take_in(ITEM, project(**attrs), people["clerk"],
                    applicant={"name": "乙公司", "id_number": "91110000MA01EEEE2R", "kind": "company"})
    [lead] = open_tasks(chips.instance_id).values()  # the zone covered what the rules asked for
    tasks.claim(lead.id, people["lead"])
    page = signed_in(create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}), "lead").get(f"/inbox/tasks/{lead.id}").text
    exempted = element(page, "exempted")
    assert "高新发改〔2024〕12号" in exempted


def test_a_review_transferred_to_another_department_comes_back_to_it_after_the_correction(people):
    """eco passed the EIA to natres, and natres asked for corrections: the merged notice names
    natres, and the next round's review goes to natres, which asked, not back to eco."""
    case = take_in(ITEM, project(energy_tce=2000, env_category="report", water_source="direct"), people["clerk"])
    reviews = open_tasks(case.instance_id)
    tasks.claim(reviews["department_review@eco"].id, people["r_eco"])
    operations.transfer(reviews["department_review@eco"].id, people["r_eco"], to_group="natres", reason="属规划职责")
    work(reviews["department_review@devreform"], people["lead"], OPINION)
    work(reviews["department_review@water"], people["r_water"], OPINION)
    work(open_tasks(case.instance_id)["department_review@natres"], people["r_natres"],
         {"opinion": "correction_needed", "comment": "需补正", "correction_items": "补充地质灾害评估报告"},
         document=False)
    [notice] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "review_correction"]
    assert [r["department"] for r in notice["data"]["requests"]] == ["natres"]
    corrections.supply(case.id, [intake.Upload("report:environmental_impact", "v2.pdf", b"%PDF v2")], None)
    work(open_tasks(case.instance_id)["window_correction@window"], people["clerk"], {"materials_received": True},
         document=False)
    assert set(open_tasks(case.instance_id)) == {"department_review@natres"}


def test_a_department_asking_for_corrections_again_is_told_to_the_supervisors(people):
    from engine.services.notifications import notifications
    case = take_in(ITEM, project(env_category="report"), people["clerk"])
    tasks = open_tasks(case.instance_id)
    first = {"opinion": "correction_needed", "comment": "需补正", "correction_items": "补充大气环境影响预测"}
    for name, task in tasks.items():
        work(task, people["lead"] if "devreform" in name else people["r_eco"], first if "eco" in name else OPINION,
             document=False)
    assert "correction_asked_again" not in event_types(case.instance_id)  # the first notice tells everything
    corrections.supply(case.id, [intake.Upload("report:environmental_impact", "v2.pdf", b"%PDF v2")], None)
    work(open_tasks(case.instance_id)["window_correction@window"], people["clerk"], {"materials_received": True},
         document=False)
    work(open_tasks(case.instance_id)["department_review@eco"], people["r_eco"],
         {**first, "correction_items": "补充噪声监测报告"}, document=False)  # something the first notice left out
    with session_scope() as session:
        [again] = session.scalars(select(Event).where(Event.case_id == case.id,
                                                      Event.type == "correction_asked_again")).all()
        assert again.data["notice_count"] == 2 and again.data["requests"] == [
            {"department": "eco", "before": ["补充大气环境影响预测"], "now": "补充噪声监测报告"}]
    [told] = [n for n in notifications(people["supervisor"]) if "again" in str(n["text"])]
    assert case.number in str(told["text"]) and "notice no. 2" in str(told["text"])
