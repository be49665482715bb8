"""上报件 (Art. 43): the department here reviews first and reports to the higher authority within
20 working days of acceptance (its step's statutory limit); the higher authority's decision,
recorded here by the department's head with its document, decides the case."""
from datetime import timedelta

import pytest

from engine import clock, intake, timers
from engine.clock import extension
from engine.errors import Conflict, Forbidden
from engine.services import calendars, tasks, users
from tests.procedures import install, open_tasks, step_clocks, take_in, work

ITEM = "1106-NRES-006"


@pytest.fixture
def people(org):
    return install(org)


def test_the_lower_level_has_twenty_working_days_then_the_higher_level_decides(people):
    case = take_in(ITEM, {}, people["clerk"])
    review = open_tasks(case.instance_id)["preliminary_review@natres"]
    [limit] = [c for c in step_clocks(case.instance_id) if c.task_id == review.id]
    cal = calendars.current()
    assert (limit.promised_days, limit.statutory_days) == (10, 20)
    with pytest.raises(Conflict, match="not a step's"):  # Art. 42 extends the case's limit, not Art. 43's
        extension.extend(limit.id, 10, "情况复杂", people["r_natres"])
    assert limit.statutory_due == cal.add_workdays(clock.today(), 20).date
    late = clock.datetime.combine(limit.statutory_due + timedelta(days=1), clock.time(9), clock.SHANGHAI)
    timers.tick(now=late)  # past Art. 43's twenty days: the lower level's step is on a red card
    assert next(c for c in step_clocks(case.instance_id) if c.id == limit.id).level == "red"
    work(review, people["r_natres"], {"preliminary_opinion": "approve", "preliminary_comment": "符合条件，报省厅审批"})
    decision = open_tasks(case.instance_id)["higher_decision@natres"]
    assert decision.id in {t["id"] for t in tasks.list_tasks(people["r_natres"])}  # its head records it
    reviewer = users.add_user("natres_reviewer", "自然资源局审查员", "natres", ["reviewer"], "pass-natres_reviewer")
    with pytest.raises(Forbidden):
        tasks.claim(decision.id, reviewer)
    work(decision, people["r_natres"], {"higher_authority": "省林业和草原局", "decision": "approve",
                                        "decision_comment": "同意使用林地 2.1 公顷"})
    info = intake.describe(case.id)
    assert info["status"] == "decided" and info["decision"] == "approve"
    assert info["statement"] == "省林业和草原局决定：同意使用林地 2.1 公顷"  # the applicant reads who decided
    # The higher authority's decision is its own to seal; this office recorded it, and seals nothing.
    assert [r["seal_code"] for r in info["results"]] == [None, None]


def test_a_step_limit_set_by_law_below_its_promise_is_the_procedures_fault(org):
    from engine.errors import EngineFailure
    from engine.services import cases, deploy
    from tests.bpmn_builder import process
    wrong = process("wrong_law", [("start", "s", "s"), ("user", "t", "审查", {"form": "x.json"}), ("end", "e", "e")],
                    [("s", "t"), ("t", "e")], lanes={"housing": ["t"]}).replace(
        '<spiffworkflow:property name="formJsonSchemaFilename" value="x.json"/>',
        '<spiffworkflow:property name="promisedDaysExpression" value="10"/>'
        '<spiffworkflow:property name="statutoryDaysExpression" value="5"/>')
    deploy.deploy([("w.bpmn", wrong.encode())], org["designer"])
    with pytest.raises(EngineFailure, match="less than the promised"):
        cases.start_instance("wrong_law", org["clerk"])
