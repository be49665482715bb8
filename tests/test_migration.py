"""Moving running instances between versions: the check says who can move and why not; a moved
instance continues on the new version, keeps its timers' due times and records the move."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from engine import timers
from engine.bpmn import runtime
from engine.errors import Forbidden
from engine.services import cases, deploy, migration, tasks
from engine.store import session_scope
from engine.store.models import Event, Instance, InstanceStep, Timer
from tests import procedures
from tests.bpmn_builder import process


def three_steps(extra_after_b=False, drop_a=False, b_name="审查"):
    """start -> a -> b -> end; version 2 adds c after b, or removes a, or renames b."""
    nodes = [("start", "start", "申请"), ("user", "b", b_name), ("end", "end", "办结")]
    if not drop_a:
        nodes.append(("user", "a", "受理"))
    flows = [("start", "b")] if drop_a else [("start", "a"), ("a", "b")]
    if extra_after_b:
        nodes.append(("user", "c", "复核"))
        flows += [("b", "c"), ("c", "end")]
    else:
        flows.append(("b", "end"))
    return process("steps", nodes, flows, lanes={"housing": [n[1] for n in nodes if n[0] == "user"]})


def put(org, xml):
    deploy.deploy([("steps.bpmn", xml.encode())], org["designer"])


def do(org, instance_id, name):
    task = next(t for t in cases.get_instance(instance_id, org["admin"])["tasks"]
                if t["name"] == name and t["state"] == "ready")
    tasks.claim(task["id"], org["reviewer"])
    return tasks.complete(task["id"], org["reviewer"], {})


@pytest.fixture
def waiting_at_a_and_b(org):
    """Two cases of version 1, one waiting at a and one at b; then version 2 adds c after b and
    renames b."""
    put(org, three_steps())
    at_a = cases.start_instance("steps", org["clerk"])["id"]
    at_b = cases.start_instance("steps", org["clerk"], business_key="B")["id"]
    do(org, at_b, "a")
    put(org, three_steps(extra_after_b=True, b_name="初审"))
    return at_a, at_b


def test_check_says_which_instances_can_move_and_why_the_others_cannot(org, waiting_at_a_and_b):
    at_a, at_b = waiting_at_a_and_b

    report = migration.check("steps", 1, 2, org["admin"])
    assert [row["id"] for row in report["movable"]] == [at_a]
    assert [row["id"] for row in report["blocked"]] == [at_b]
    assert report["blocked"][0]["reasons"] == ["审查 (b) is ready at an element that version 2 changed"]


def test_a_moved_instance_runs_the_new_version_and_the_move_is_recorded(org, waiting_at_a_and_b):
    at_a, at_b = waiting_at_a_and_b

    result = migration.migrate("steps", 1, 2, [at_a, at_b], org["admin"])
    assert result["moved"] == [at_a]
    assert result["refused"] == [{"id": at_b, "business_key": "B", "reasons": ["审查 (b) is ready at an element that version 2 changed"]}]

    moved = cases.get_instance(at_a, org["admin"])
    assert moved["version"] == 2
    migrated = [e for e in moved["events"] if e["type"] == "instance_migrated"]
    assert [(e["actor"], e["data"]["from_version"], e["data"]["to_version"]) for e in migrated] == [("admin", 1, 2)]
    # The step rows are those of the new version: a fresh load (no cache) continues through c.
    runtime.clear_caches()
    do(org, at_a, "a")
    do(org, at_a, "b")
    assert do(org, at_a, "c")["state"] == "completed"
    # The refused one stayed on version 1 and still finishes there, without c.
    assert cases.get_instance(at_b, org["admin"])["version"] == 1
    assert do(org, at_b, "b")["state"] == "completed"
    version_ids = [d.id for d in deploy.versions("steps")]
    with session_scope() as session:
        assert dict(session.execute(select(Instance.id, Instance.definition_id)
                                    .where(Instance.id.in_([at_a, at_b]))).all()) == \
            {at_a: version_ids[1], at_b: version_ids[0]}


def test_a_case_at_a_step_that_now_leads_to_an_added_step_moves_and_goes_there(org):
    put(org, three_steps())
    at_b = cases.start_instance("steps", org["clerk"], business_key="B")["id"]
    do(org, at_b, "a")
    put(org, three_steps(extra_after_b=True))  # b itself unchanged: only its flow goes to c now
    assert migration.migrate("steps", 1, 2, [at_b], org["admin"])["moved"] == [at_b]
    runtime.clear_caches()
    do(org, at_b, "b")
    assert do(org, at_b, "c")["state"] == "completed"


def test_an_instance_that_passed_a_removed_step_cannot_move(org):
    put(org, three_steps())
    passed_a = cases.start_instance("steps", org["clerk"])["id"]
    do(org, passed_a, "a")
    put(org, three_steps(drop_a=True))
    report = migration.check("steps", 1, 2, org["admin"])
    assert report["movable"] == []
    reasons = report["blocked"][0]["reasons"]
    assert "受理 (a) was passed and version 2 removed it" in reasons
    assert migration.migrate("steps", 1, 2, [passed_a], org["admin"])["moved"] == []
    with session_scope() as session:  # nothing of the refused move was written
        assert session.scalar(select(Instance.version).where(Instance.id == passed_a)) == 1
        assert not session.scalars(select(Event).where(Event.type == "instance_migrated")).all()


def test_a_waiting_timer_keeps_its_due_time_through_the_move(org):
    timed = process("timed", [("start", "start", "s"), ("timer", "wait", "等待", {"duration": "days(3)"}),
                              ("user", "review", "审查"), ("end", "end", "e")],
                    [("start", "wait"), ("wait", "review"), ("review", "end")])
    deploy.deploy([("timed.bpmn", timed.encode())], org["designer"])
    instance_id = cases.start_instance("timed", org["clerk"])["id"]
    with session_scope() as session:
        due = session.scalar(select(Timer.due_at).where(Timer.instance_id == instance_id))
    deploy.deploy([("timed.bpmn", timed.replace('name="审查"', 'name="住建审查"').encode())], org["designer"])
    assert migration.migrate("timed", 1, 2, [instance_id], org["admin"])["moved"] == [instance_id]
    with session_scope() as session:
        rows = session.scalars(select(Timer).where(Timer.instance_id == instance_id)).all()
        assert [(t.state, t.due_at) for t in rows] == [("pending", due)]
        steps = session.scalars(select(InstanceStep).where(InstanceStep.instance_id == instance_id)).all()
        assert {s.payload["task_spec"] for s in steps} >= {"wait", "review"}
    assert timers.tick(now=datetime.now(timezone.utc) + timedelta(days=3, minutes=1)) == 1
    review = cases.get_instance(instance_id, org["admin"])["tasks"][0]
    assert review["title"] == "住建审查"  # the new version's name: the task came from version 2


def test_only_administrators_check_or_migrate(org):
    put(org, three_steps())
    put(org, three_steps(extra_after_b=True))
    with pytest.raises(Forbidden):
        migration.check("steps", 1, 2, org["designer"])
    with pytest.raises(Forbidden):
        migration.migrate("steps", 1, 2, [], org["reviewer"])


# The shipped 多评合一 procedure: its review rounds call review_round, whose department reviews are
# a parallel multi-instance step (each department's task holds its own loop item, `review`).
ASSESSMENTS = "1101-DPHY-001"
NEEDS_THREE = {"project": {  # energy, environmental impact and water resources
    "energy_tce": 2000, "electricity_kwh": 0, "env_category": "report", "land_ha": 0.2, "earthwork_m3": 0,
    "geo_hazard_area": False, "water_source": "direct", "hazardous": False, "major_project": False,
    "relics_area": False, "industry": "electronics", "zone": None}}
CHECK = """    <bpmn:userTask id="summary_check" name="汇总核对">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="review_opinion.json"/>
          <spiffworkflow:property name="groupExpression" value="lead_department"/>
          <spiffworkflow:property name="promisedDaysExpression" value="2"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_rounds_lead</bpmn:incoming>
      <bpmn:outgoing>Flow_check_lead</bpmn:outgoing>
    </bpmn:userTask>
"""


def assessments(version: int) -> bytes:
    """Version 2 adds 汇总核对 after the review rounds; version 3 renames the end event and gives
    that step three days instead of two."""
    xml = (procedures.ROOT / "processes" / "merged_assessments.bpmn").read_text("utf-8")
    if version >= 2:
        xml = xml.replace('<bpmn:flowNodeRef>lead_decision</bpmn:flowNodeRef>',
                          '<bpmn:flowNodeRef>summary_check</bpmn:flowNodeRef>'
                          '<bpmn:flowNodeRef>lead_decision</bpmn:flowNodeRef>')
        xml = xml.replace('<bpmn:incoming>Flow_rounds_lead</bpmn:incoming>\n      <bpmn:incoming>Flow_no_reviews',
                          '<bpmn:incoming>Flow_check_lead</bpmn:incoming>\n      <bpmn:incoming>Flow_no_reviews')
        xml = xml.replace('    <bpmn:userTask id="lead_decision"', CHECK + '    <bpmn:userTask id="lead_decision"')
        xml = xml.replace('sourceRef="review_rounds" targetRef="lead_decision"/>',
                          'sourceRef="review_rounds" targetRef="summary_check"/>\n'
                          '    <bpmn:sequenceFlow id="Flow_check_lead" sourceRef="summary_check" '
                          'targetRef="lead_decision"/>')
    if version >= 3:
        xml = xml.replace('name="已决定"', 'name="已作出决定"')
        xml = xml.replace('name="promisedDaysExpression" value="2"', 'name="promisedDaysExpression" value="3"')
    return xml.encode("utf-8")


def deploy_assessments(org, version, xml=None):
    review_round = (procedures.ROOT / "processes" / "review_round.bpmn").read_bytes()
    deploy.deploy([("merged_assessments.bpmn", xml or assessments(version)), ("review_round.bpmn", review_round)],
                  org["designer"])
    assert deploy.versions("merged_assessments")[-1].version == version


def finish_assessments(people, instance_id):
    """Each department reviews, then the lead department checks (when its version has the step) and decides."""
    reviews = procedures.open_tasks(instance_id)
    assert set(reviews) == {"department_review@devreform", "department_review@eco", "department_review@water"}
    for name, task in reviews.items():
        person = people["lead"] if name.endswith("devreform") else people["r_" + name.split("@")[1]]
        procedures.work(task, person, {"opinion": "approve", "comment": "同意"})
    steps = []
    while (open_now := procedures.open_tasks(instance_id)):
        [(name, task)] = open_now.items()
        steps.append(name)
        data = {"decision": "approve", "decision_comment": "准予"} if name.startswith("lead_decision") else \
            {"opinion": "approve", "comment": "核对无误"}
        procedures.work(task, people["lead"], data)
    return steps


def test_a_case_in_the_parallel_reviews_keeps_each_departments_review_through_the_move(org):
    people = procedures.install(org)
    deploy_assessments(org, 2)
    case = procedures.take_in(ASSESSMENTS, NEEDS_THREE, people["clerk"])
    deploy_assessments(org, 3)

    assert [row["id"] for row in migration.check("merged_assessments", 2, 3, org["admin"])["movable"]] == \
        [case.instance_id]
    assert migration.migrate("merged_assessments", 2, 3, [case.instance_id], org["admin"])["moved"] == \
        [case.instance_id]
    runtime.clear_caches()
    # Each department's review still knows which assessment it reviews, and the case goes on on version 3.
    assert finish_assessments(people, case.instance_id) == ["summary_check@devreform", "lead_decision@devreform"]
    assert cases.get_instance(case.instance_id, org["admin"])["state"] == "completed"


def test_a_case_in_the_review_rounds_moves_to_a_version_that_adds_a_step_after_them(org):
    people = procedures.install(org)
    case = procedures.take_in(ASSESSMENTS, NEEDS_THREE, people["clerk"])
    deploy_assessments(org, 2)

    report = migration.check("merged_assessments", 1, 2, org["admin"])
    assert report["blocked"] == [] and [row["id"] for row in report["movable"]] == [case.instance_id]
    assert migration.migrate("merged_assessments", 1, 2, [case.instance_id], org["admin"])["moved"] == \
        [case.instance_id]
    runtime.clear_caches()
    # The review rounds now lead to the new step.
    assert finish_assessments(people, case.instance_id) == ["summary_check@devreform", "lead_decision@devreform"]
    assert cases.get_instance(case.instance_id, org["admin"])["state"] == "completed"


def test_a_case_in_review_rounds_that_changed_is_refused_naming_the_step(org):
    people = procedures.install(org)
    case = procedures.take_in(ASSESSMENTS, NEEDS_THREE, people["clerk"])
    deploy_assessments(org, 2, assessments(1).replace(b'loopMaximum="3"', b'loopMaximum="4"'))
    [blocked] = migration.check("merged_assessments", 1, 2, org["admin"])["blocked"]
    assert blocked["id"] == case.instance_id
    assert blocked["reasons"] == ["并联审查（每轮一次调用） (review_rounds) is started at an element that version 2 changed"]
