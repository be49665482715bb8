"""SpiffWorkflow's silent failure modes, each turned into a clear error."""
import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import TaskState

from engine.bpmn import persistence, runtime
from engine.bpmn.parser import make_parser
from engine.bpmn.scripting import make_script_engine
from engine.errors import EngineFailure
from engine.services import cases, deploy, tasks
from engine.store import session_scope
from engine.store.models import Definition, Instance
from tests.bpmn_builder import approval, process

COUNTER_LOOP = process("counter", [
    ("start", "start", "s"), ("script", "inc", "加一", {"script": "n = n + 1"}),
    ("xor", "again", "再来", {"default": "end"}), ("end", "end", "e")],
    [("start", "inc"), ("inc", "again"), ("again", "inc", "n < limit"), ("again", "end")])


def workflow_of(xml, key):
    parser = make_parser()
    parser.add_bpmn_xml(etree.fromstring(xml.encode()), filename=f"{key}.bpmn")
    return BpmnWorkflow(parser.get_spec(key), parser.get_subprocess_specs(key),
                        script_engine=make_script_engine())


def start_with(workflow, data):
    for task in workflow.task_tree.children:
        task.data.update(data)


def test_a_short_gateway_loop_finishes():
    workflow = workflow_of(COUNTER_LOOP, "counter")
    start_with(workflow, {"n": 0, "limit": 50})
    runtime.run_engine(workflow)
    assert workflow.completed and workflow.data["n"] == 50


def test_a_long_gateway_loop_is_reported_not_stalled():
    # Bare SpiffWorkflow stops after ~500 rounds with READY tasks it can no longer see.
    bare = workflow_of(COUNTER_LOOP, "counter")
    start_with(bare, {"n": 0, "limit": 600})
    bare.do_engine_steps()
    assert not bare.completed
    assert any(t.state == TaskState.READY for t in bare.tasks.values())
    workflow = workflow_of(COUNTER_LOOP, "counter")
    start_with(workflow, {"n": 0, "limit": 600})
    with pytest.raises(EngineFailure, match="1,000"):
        runtime.run_engine(workflow)


def test_an_endless_loop_is_stopped():
    workflow = workflow_of(COUNTER_LOOP.replace("n &lt; limit", "True"), "counter")
    start_with(workflow, {"n": 0, "limit": 0})
    with pytest.raises(EngineFailure):
        runtime.run_engine(workflow)


def test_only_a_ready_task_can_be_completed():
    workflow = workflow_of(approval(), "approval")
    runtime.run_engine(workflow)
    future = next(t for t in workflow.tasks.values() if t.task_spec.name == "review")
    assert future.state != TaskState.READY
    with pytest.raises(runtime.NotReady):
        runtime.run_user_task(workflow, str(future.id), {})
    assert future.state != TaskState.COMPLETED


def test_state_from_another_library_version_is_refused(org):
    import json
    from tests.bpmn_builder import INTAKE_FORM
    deploy.deploy([("approval.bpmn", approval().encode()),
                   ("intake.json", json.dumps(INTAKE_FORM).encode())], org["designer"])
    instance = cases.start_instance("approval", org["clerk"])
    with session_scope() as session:
        row = session.get(Instance, instance["id"])
        row.workflow_state = dict(row.workflow_state, format="shenpi-1/spiffworkflow-2.0.0")
    runtime.clear_caches()
    task_id = instance["tasks"][0]["id"]
    tasks.claim(task_id, org["clerk"])
    with pytest.raises(EngineFailure, match="spiffworkflow-2.0.0"):
        tasks.complete(task_id, org["clerk"], {"applicant": "x"})
    with session_scope() as session:
        definition = session.query(Definition).one()
        definition.spec = dict(definition.spec, format="shenpi-0")
    runtime.clear_caches()
    with pytest.raises(EngineFailure, match="Redeploy"):
        cases.start_instance("approval", org["clerk"])


def test_rows_of_the_previous_layout_still_load(org):
    """shenpi-1 rows (SpiffWorkflow's own task form: child lists, data as a difference from the
    parent, a loop's merged rounds) load into the same workflow, and the case goes on."""
    from uuid import UUID
    from sqlalchemy import select
    from SpiffWorkflow.version import __version__ as spiff_version
    from engine.store.models import InstanceStep
    from tests.rows_check import snapshot
    looped = process("rounds", [("start", "start", "受理"), ("user", "correct", "补正", {"loop": "rounds < 3"}),
                                ("end", "end", "办结")], [("start", "correct"), ("correct", "end")])
    deploy.deploy([("rounds.bpmn", looped.encode())], org["designer"])
    instance = cases.start_instance("rounds", org["clerk"], data={"rounds": 0})
    for n in (1, 2):
        task = next(t for t in instance["tasks"] if t["state"] == "ready")
        tasks.claim(task["id"], org["lead"])
        instance = tasks.complete(task["id"], org["lead"], {"rounds": n})
    with session_scope() as session:
        row = session.get(Instance, instance["id"])
        workflow = runtime.load(session, row).workflow
        expected = snapshot(workflow)
        for step in session.scalars(select(InstanceStep).where(InstanceStep.instance_id == row.id)):
            step.payload = persistence.registry.convert(workflow.get_task_from_id(UUID(step.spiff_id)))
        row.workflow_state = dict(row.workflow_state, format=f"shenpi-1/spiffworkflow-{spiff_version}")
    runtime.clear_caches()
    with session_scope() as session:
        assert snapshot(runtime.rebuild(session, session.get(Instance, instance["id"])).workflow) == expected
    task = next(t for t in instance["tasks"] if t["state"] == "ready")
    tasks.claim(task["id"], org["lead"])
    done = tasks.complete(task["id"], org["lead"], {"rounds": 3})
    assert done["state"] == "completed" and done["data"]["rounds"] == 3
