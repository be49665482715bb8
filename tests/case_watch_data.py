"""The running cases the 在办案件 tests look at, accepted through the window as any case is:

- late: housing's, accepted 60 days ago, red (its order issued as its clock started);
- delivering: tax's, decided today, its delivery clock (the window's) running for a working day;
- fresh: housing's, accepted today, its review step's own limit of two working days nearest;
- tax: tax's, accepted today, three working days promised;
- paused: housing's, accepted today, its review step in an expert review (专家评审) of five working
  days, which stops the case's clock too;
and one withdrawn (its clocks stopped), which is no running case.
"""
from datetime import timedelta

from engine import catalogue, clock, intake, termination
from engine.clock import limits, pauses
from engine.services import deploy, tasks
from engine.services.users import add_user, ensure_department
from engine.store import session_scope
from tests.bpmn_builder import one_review
from tests.procedures import open_tasks, promised_item

APPLICANT = {"name": "张三", "id_number": "110101199001011237", "phone": "13800000000"}
# The housing review has a step limit of its own (the shipped procedures' promisedDaysExpression).
HOUSING = one_review("housing_step", "住建审查", "housing").replace(
    '<bpmn:userTask id="review" name="住建审查">',
    '<bpmn:userTask id="review" name="住建审查"><bpmn:extensionElements><spiffworkflow:properties>'
    '<spiffworkflow:property name="promisedDaysExpression" value="2"/></spiffworkflow:properties>'
    '</bpmn:extensionElements>')
TAX = one_review("tax_review", "税务审查", "tax")


def running_cases(org) -> dict:
    """Cases by name (late, delivering, fresh, tax, paused, withdrawn); the housing head `hlead`
    is added to org."""
    deploy.deploy([("h.bpmn", HOUSING.encode()), ("t.bpmn", TAX.encode())], org["designer"])
    catalogue.save(promised_item("H-1", "housing_step", "housing"), None)
    catalogue.save({**promised_item("T-1", "tax_review", "tax"), "promised_days": 3, "statutory_days": 6}, None)
    with session_scope() as session:
        for code, name in (("housing", "住建局"), ("tax", "税务局"), ("window", "综合窗口")):
            ensure_department(session, code, name)
    org["hlead"] = add_user("hlead", "住建局长", "housing", ["lead"], "pass-hlead")

    def accepted(item, **accept):
        case = intake.submit(item, APPLICANT, [intake.Upload("id_card", "id.pdf", b"%PDF id")], org["clerk"])
        return intake.accept(case.id, org["clerk"], **accept)
    found = {"late": accepted("H-1", accepted_on=clock.today() - timedelta(days=60))}
    found["delivering"] = accepted("T-1")
    [review] = open_tasks(found["delivering"].instance_id).values()
    tasks.claim(review.id, org["taxman"])
    tasks.complete(review.id, org["taxman"], {})
    found["fresh"], found["tax"], found["paused"] = accepted("H-1"), accepted("T-1"), accepted("H-1")
    [review] = open_tasks(found["paused"].instance_id).values()
    step = next(c for c in limits.clocks_of(found["paused"].instance_id) if c.task_id == review.id)
    pauses.pause(step.id, "expert_review", "结构安全专家评审", 5, org["reviewer"])
    found["withdrawn"] = accepted("T-1")
    termination.withdraw(found["withdrawn"].id, "申请人不再申请", org["clerk"])
    return found
