"""Deploy, version, start, claim, complete, unclaim, finish: through the service layer."""
import json

import pytest

from engine.errors import Conflict, Forbidden, Invalid, Message, NotFound
from engine.services import cases, deploy, tasks
from tests.bpmn_builder import INTAKE_FORM, approval, parallel, process

FORM = ("intake.json", json.dumps(INTAKE_FORM).encode())


def deploy_approval(org, pid="approval", name="简单审批"):
    return deploy.deploy([(f"{pid}.bpmn", approval(pid, name).encode()), FORM], org["designer"])


def ready(instance, name):
    return next(t for t in instance["tasks"] if t["name"] == name and t["state"] == "ready")


def test_deploy_versions_and_identical_redeploy(org):
    first = deploy_approval(org)
    assert first.id and [(r.key, r.version, r.new) for r in first.definitions] == [("approval", 1, True)]
    again = deploy_approval(org)
    assert again.id == first.id and [(r.version, r.new) for r in again.definitions] == [(1, False)]
    changed = deploy_approval(org, name="简单审批（修订）")
    assert [(r.version, r.new) for r in changed.definitions] == [(2, True)]
    assert [d.version for d in deploy.versions("approval")] == [1, 2]
    assert [(d.key, d.version) for d in deploy.latest_definitions()] == [("approval", 2)]


def test_only_designers_deploy(org):
    with pytest.raises(Forbidden):
        deploy.deploy([("a.bpmn", approval().encode()), FORM], org["reviewer"])


def test_cases_are_started_by_the_window_and_a_service_items_only_by_acceptance(org):
    from engine import catalogue
    from engine.services import admin
    deploy_approval(org)
    for department_only in ("reviewer", "lead", "supervisor"):
        with pytest.raises(Forbidden):
            cases.start_instance("approval", org[department_only])
    assert cases.start_instance("approval", org["clerk"])["state"] == "running"
    catalogue.save({"code": "E-1", "name": "测试许可", "kind": "licence", "department": "housing",
                    "case_type": "promised", "statutory_days": 20, "promised_days": 10, "process": "approval",
                    "materials": [{"code": "form", "name": "申请表", "mandatory": True}]}, None)
    # Started directly, its tasks would run in the departments' inboxes with no case behind them.
    with pytest.raises(Conflict, match="E-1"):
        cases.start_instance("approval", org["clerk"], business_key="20261128000007")
    assert len(admin.instances(org["admin"], key="approval")) == 1


def test_a_process_an_items_procedure_calls_and_a_cases_number_are_not_started_alone(org):
    """review_round runs inside 多评合一's cases; started alone, with made-up reviews, it would put
    tasks and clocks in any department's inbox. A trial run may not borrow a case's number either."""
    from tests.procedures import install, take_in
    from tests.test_merged_assessments import ITEM, project
    install(org)
    with pytest.raises(Conflict, match="'review_round' is called by '(merged_assessments|joint_drawing_review|department_approval)'"):
        cases.start_instance("review_round", org["clerk"], data={"pending_reviews": [], "opinions": []})
    deploy_approval(org)
    case = take_in(ITEM, project(), org["clerk"])
    with pytest.raises(Conflict, match="a case's number"):
        cases.start_instance("approval", org["designer"], business_key=case.number)
    assert cases.start_instance("approval", org["designer"], business_key="试运行-1")["state"] == "running"


def test_another_departments_person_learns_nothing_of_a_cases_state(org):
    """Withdrawing or urging a task of a case they may not see is refused for that, not answered
    with the case's state (suspended, the task finished)."""
    from engine import operations
    from engine.services import admin
    deploy_approval(org)
    instance = cases.start_instance("approval", org["clerk"])
    intake = ready(instance, "intake")
    tasks.claim(intake["id"], org["clerk"])
    tasks.complete(intake["id"], org["clerk"], {"applicant": "张三"})
    admin.suspend_instance(instance["id"], "核查", org["admin"])
    with pytest.raises(Forbidden):
        operations.withdraw(intake["id"], org["taxman"])
    with pytest.raises(Conflict, match="suspended"):  # its own worker is told
        operations.withdraw(intake["id"], org["clerk"])
    with pytest.raises(Forbidden):
        operations.urge(intake["id"], org["lead"], "请尽快办理")  # devreform's lead: not their case


def test_a_flow_to_nowhere_and_a_step_with_two_ways_on_are_named_on_their_elements(org):
    lost = approval().replace('targetRef="review"', 'targetRef="nowhere"')
    with pytest.raises(Invalid) as err:
        deploy.deploy([("lost.bpmn", lost.encode()), FORM], org["designer"])
    assert [(d["element_id"], d["message"]) for d in err.value.details] == [
        ("Flow_intake_review", "sequence flow Flow_intake_review: its targetRef 'nowhere' is no element of this process")]
    forked = process("forked", [("start", "s", "s"), ("user", "a", "A"), ("user", "b", "B"), ("end", "e", "e")],
                     [("s", "a"), ("a", "b"), ("a", "e"), ("b", "e")])
    with pytest.raises(Invalid) as err:
        deploy.deploy([("forked.bpmn", forked.encode())], org["designer"])
    [problem] = err.value.details
    assert problem["element_id"] == "a" and "2 outgoing sequence flows" in problem["message"]
    assert deploy.latest_definitions() == []


def test_a_timer_or_gateway_flow_left_half_set_in_the_modeler_is_refused_on_its_element(org):
    """A timer dropped on the canvas has no type until one is chosen, and one whose type was chosen
    but no value typed would deploy and fail every case reaching it; a gateway's second flow drawn
    without a condition. Each is named on its element, not in the library's words."""
    nodes = [("start", "s", "s"), ("user", "a", "审查"), ("xor", "gw", "是否同意"),
             ("timer", "wait", "公示期", {"duration": "'PT1H'"}), ("end", "e1", "e1"), ("end", "e2", "e2")]
    flows = [("s", "a"), ("a", "gw"), ("gw", "wait"), ("gw", "e2"), ("wait", "e1")]
    untyped = process("half_set", nodes, flows).replace("<bpmn:timeDuration>'PT1H'</bpmn:timeDuration>", "")
    with pytest.raises(Invalid) as err:
        deploy.deploy([("half_set.bpmn", untyped.encode())], org["designer"])
    assert [(d["element_id"], d["message"]) for d in err.value.details] == [
        ("wait", "the timer has no type: choose a date, a duration or a cycle, and give its value"),
        ("Flow_gw_wait", "this flow out of the gateway 是否同意 has no condition and is not its default flow: "
                         "give it a condition, or make it the default"),
        ("Flow_gw_e2", "this flow out of the gateway 是否同意 has no condition and is not its default flow: "
                       "give it a condition, or make it the default")]
    nodes[2] = ("xor", "gw", "是否同意", {"default": "e2"})
    nodes[3] = ("timer", "wait", "公示期", {"duration": " "})
    empty = process("half_set", nodes, [*flows[:2], ("gw", "wait", "opinion == 'approve'"), *flows[3:]])
    with pytest.raises(Invalid) as err:
        deploy.deploy([("half_set.bpmn", empty.encode())], org["designer"])
    assert [(d["element_id"], d["message"]) for d in err.value.details] == [
        ("wait", "the timer's duration has no value: give one, such as 'P3D' (three days), or an expression")]
    nodes[3] = ("timer", "wait", "公示期", {"duration": "'PT1H'"})
    done = process("half_set", nodes, [*flows[:2], ("gw", "wait", "opinion == 'approve'"), *flows[3:]])
    assert [r.version for r in deploy.deploy([("half_set.bpmn", done.encode())], org["designer"]).definitions] == [1]


def test_given_reads_a_value_the_case_may_not_have(org):
    """An optional form field, or one a case begun under an older version never filled: a bare
    name it lacks fails the step, given(name, default) does not."""
    xml = process("optional", [("start", "s", "s"), ("script", "read", "读取", {"script": (
        "note = given('comment', '无') + '/' + given('kind', 'x')\nmissing = given('nothing')")}),
        ("user", "a", "A"), ("end", "e", "e")], [("s", "read"), ("read", "a"), ("a", "e")])
    deploy.deploy([("optional.bpmn", xml.encode())], org["designer"])
    data = cases.start_instance("optional", org["designer"], data={"kind": "企业"})["data"]
    assert data["note"] == "无/企业" and data["missing"] is None


def test_missing_form_is_refused_and_nothing_stored(org):
    with pytest.raises(Invalid) as err:
        deploy.deploy([("approval.bpmn", approval().encode())], org["designer"])
    assert any(d["element_id"] == "intake" and "intake.json" in d["message"] for d in err.value.details)
    assert deploy.latest_definitions() == []


def test_a_procedure_may_use_a_form_another_one_deployed(org):
    deploy_approval(org)
    changed = dict(INTAKE_FORM, title="收件（修订）")
    deploy.deploy([("other.bpmn", approval("other", "另一审批").encode()),
                   ("intake.json", json.dumps(changed).encode())], org["designer"])
    # Drawn in the designer, without its forms: it takes the newest deployed intake.json.
    [third] = deploy.deploy([("third.bpmn", approval("third", "第三审批").encode())], org["designer"]).definitions
    instance = cases.start_instance("third", org["clerk"])
    from engine.services.progress import task_detail
    assert third.version == 1
    assert task_detail(ready(instance, "intake")["id"], org["clerk"])["schema"]["title"] == "收件（修订）"


def run_to_end(org, instance, opinion):
    intake = ready(instance, "intake")
    tasks.claim(intake["id"], org["clerk"])
    instance = tasks.complete(intake["id"], org["clerk"], {"applicant": "张三", "area": 120})
    review = ready(instance, "review")
    assert review["group"] == "housing"
    tasks.claim(review["id"], org["reviewer"])
    return tasks.complete(review["id"], org["reviewer"], {"opinion": opinion})


def test_full_case_data_flows_through_gateway(org):
    deploy_approval(org)
    instance = cases.start_instance("approval", org["clerk"], business_key="CASE-1", data={"item": "X"})
    assert instance["state"] == "running" and ready(instance, "intake")["group"] == "window"
    instance = run_to_end(org, instance, "approve")
    sign = ready(instance, "sign")
    tasks.claim(sign["id"], org["lead"])
    done = tasks.complete(sign["id"], org["lead"], {})
    assert done["state"] == "completed"
    assert done["data"]["applicant"] == "张三" and done["data"]["opinion"] == "approve"
    full = cases.get_instance(done["id"], org["admin"])
    types = [e["type"] for e in full["events"]]
    assert types[0] == "instance_started" and types[-1] == "instance_completed"
    assert types.count("task_completed") == 3 and types.count("task_claimed") == 3
    completed = [e for e in full["events"] if e["type"] == "task_completed"]
    assert completed[0]["actor"] == "clerk" and completed[0]["data"]["changed"]["applicant"] == "张三"


def test_rejection_takes_the_default_flow(org):
    deploy_approval(org)
    instance = run_to_end(org, cases.start_instance("approval", org["clerk"]), "reject")
    assert instance["state"] == "completed"
    assert not any(t["name"] == "sign" for t in instance["tasks"])


def test_form_data_is_validated(org):
    deploy_approval(org)
    instance = cases.start_instance("approval", org["clerk"])
    intake = ready(instance, "intake")
    tasks.claim(intake["id"], org["clerk"])
    with pytest.raises(Invalid) as err:
        tasks.complete(intake["id"], org["clerk"], {"area": -3})
    assert {(d["field"], d["rule"]) for d in err.value.details} == {("area", "minimum"), ("applicant", "required")}
    assert ready(cases.get_instance(instance["id"], org["admin"]), "intake")


def test_each_missing_required_field_is_named_and_a_whole_object_rule_names_none():
    """jsonschema says a field is missing on the object that lacks it; a client marks the field."""
    from engine import forms
    party = {"type": "object", "required": ["name", "id_number"],
             "properties": {"name": {"type": "string"}, "id_number": {"type": "string"}}}
    schema = {"type": "object", "required": ["item", "note", "seller"], "minProperties": 4,
              "properties": {"item": {"type": "string"}, "note": {"type": "string"}, "seller": party}}
    with pytest.raises(Invalid) as err:
        forms.check(schema, {"note": "x", "seller": {"name": "王五"}}, Message("The form is not filled in"))
    assert sorted(((d["field"] or ""), d["rule"]) for d in err.value.details) == [
        ("", "minProperties"), ("item", "required"), ("seller/id_number", "required")]


def test_form_data_may_not_carry_fields_the_form_does_not_have(org):
    """Completion data is merged into the case: a field beyond the form could set what another
    department's step decides (tax_paid, say). Refused, one detail per field, nothing changed."""
    deploy_approval(org)
    instance = cases.start_instance("approval", org["clerk"])
    intake = ready(instance, "intake")
    tasks.claim(intake["id"], org["clerk"])
    with pytest.raises(Invalid) as err:
        tasks.complete(intake["id"], org["clerk"], {"applicant": "张三", "opinion": "approve", "tax_paid": True})
    assert [(d["field"], d["rule"]) for d in err.value.details] == [("opinion", "additionalProperties"),
                                                                   ("tax_paid", "additionalProperties")]
    assert "opinion" not in cases.get_instance(instance["id"], org["admin"])["data"]
    done = tasks.complete(intake["id"], org["clerk"], {"applicant": "张三", "area": 12})
    assert done["data"]["area"] == 12


def test_claim_rules(org):
    deploy_approval(org)
    instance = run_to_end(org, cases.start_instance("approval", org["clerk"]), "approve")
    sign = ready(instance, "sign")
    with pytest.raises(Forbidden):
        tasks.claim(sign["id"], org["taxman"])
    assert tasks.list_tasks(org["lead"], state="ready")[0]["assignee"] is None  # the refusal wrote nothing
    claimed = tasks.claim(sign["id"], org["lead"])
    assert claimed["assignee"] == "lead" and claimed["state"] == "ready"
    with pytest.raises(Conflict):
        tasks.claim(sign["id"], org["admin"])
    assert tasks.claim(sign["id"], org["lead"])["assignee"] == "lead"  # one's own task: no error
    claims = [e for e in cases.get_instance(instance["id"], org["admin"])["events"] if e["type"] == "task_claimed"]
    assert [(e["actor"], e["task_id"]) for e in claims][-1] == ("lead", sign["id"])
    assert [e["task_id"] for e in claims].count(sign["id"]) == 1 and claims[-1]["at"]
    with pytest.raises(Conflict):
        tasks.complete(sign["id"], org["admin"], {})
    tasks.unclaim(sign["id"], org["lead"])
    assert tasks.list_tasks(org["lead"], state="ready")[0]["assignee"] is None
    with pytest.raises(Conflict):  # unclaimed: must be claimed before completing
        tasks.complete(sign["id"], org["lead"], {})


def test_completed_task_cannot_be_completed_again(org):
    deploy_approval(org)
    instance = cases.start_instance("approval", org["clerk"])
    intake = ready(instance, "intake")
    tasks.claim(intake["id"], org["clerk"])
    tasks.complete(intake["id"], org["clerk"], {"applicant": "李四"})
    with pytest.raises(Conflict):
        tasks.complete(intake["id"], org["clerk"], {"applicant": "李四"})


def test_inbox_shows_only_my_groups(org):
    deploy_approval(org)
    instance = cases.start_instance("approval", org["clerk"])
    run_to_end(org, instance, "approve")
    cases.start_instance("approval", org["clerk"])
    housing = tasks.list_tasks(org["reviewer2"])
    assert housing == []  # the review was completed; the new case waits at the window
    window = tasks.list_tasks(org["clerk"])
    assert [t["name"] for t in window] == ["intake"]
    assert tasks.list_tasks(org["taxman"]) == []
    with pytest.raises(Forbidden):
        cases.get_instance(instance["id"], org["taxman"])
    assert cases.get_instance(instance["id"], org["reviewer2"])["id"] == instance["id"]


def test_instance_keeps_its_version(org):
    deploy_approval(org)
    old = cases.start_instance("approval", org["clerk"])
    deploy.deploy([("approval.bpmn", process("approval", [
        ("start", "start", "s"), ("user", "only", "唯一步骤"), ("end", "end", "e")],
        [("start", "only"), ("only", "end")]).encode())], org["designer"])
    new = cases.start_instance("approval", org["clerk"])
    assert (old["version"], new["version"]) == (1, 2)
    assert [t["name"] for t in new["tasks"]] == ["only"]
    finished = run_to_end(org, cases.get_instance(old["id"], org["admin"]), "reject")
    assert finished["state"] == "completed" and finished["version"] == 1
    v1 = cases.start_instance("approval", org["clerk"], version=1)
    assert ready(v1, "intake")
    with pytest.raises(NotFound):
        cases.start_instance("approval", org["clerk"], version=9)


def test_parallel_branches_all_open_then_join(org):
    deploy.deploy([("p.bpmn", parallel("p", branches=3).encode())], org["designer"])
    instance = cases.start_instance("p", org["clerk"])
    intake = ready(instance, "intake")
    tasks.claim(intake["id"], org["lead"])
    instance = tasks.complete(intake["id"], org["lead"], {})
    branches = [t for t in instance["tasks"] if t["state"] == "ready"]
    assert sorted(t["name"] for t in branches) == ["assess_0", "assess_1", "assess_2"]
    for t in branches:
        tasks.claim(t["id"], org["lead"])
        instance = tasks.complete(t["id"], org["lead"], {t["name"]: "ok"})
    decision = ready(instance, "decision")
    tasks.claim(decision["id"], org["lead"])
    done = tasks.complete(decision["id"], org["lead"], {})
    assert done["state"] == "completed"
    assert {done["data"][f"assess_{i}"] for i in range(3)} == {"ok"}


def test_state_survives_a_cold_load(org):
    """The same steps with the in-process cache emptied before each: only the rows are used."""
    from engine.bpmn import runtime
    deploy.deploy([("p.bpmn", parallel("p", branches=2).encode())], org["designer"])
    instance = cases.start_instance("p", org["clerk"], data={"n": 1})
    for _ in range(4):
        runtime.clear_caches()
        t = next(t for t in instance["tasks"] if t["state"] == "ready")
        tasks.claim(t["id"], org["lead"])
        runtime.clear_caches()
        instance = tasks.complete(t["id"], org["lead"], {t["name"]: True})
    assert instance["state"] == "completed" and instance["data"]["n"] == 1


def test_runaway_loop_is_an_error_not_a_hang(org):
    deploy.deploy([("loop.bpmn", process("loop", [
        ("start", "start", "s"), ("script", "inc", "加一", {"script": "n = n + 1"}),
        ("xor", "again", "再来", {"default": "end"}), ("end", "end", "e")],
        [("start", "inc"), ("inc", "again"), ("again", "inc", "n > 0"), ("again", "end")]).encode())],
        org["designer"])
    from engine.errors import EngineFailure
    with pytest.raises(EngineFailure):
        cases.start_instance("loop", org["clerk"], data={"n": 1})


def test_a_step_refused_by_a_condition_says_what_the_condition_lacked(org):
    """The library says only "Error evaluating expression"; the reviewer, and the incident the
    administrator reads, are told which name the case's data did not have."""
    xml = process("typo", [("start", "s", "s"), ("user", "a", "审查"), ("xor", "gw", "是否同意", {"default": "e2"}),
                           ("end", "e1", "e1"), ("end", "e2", "e2")],
                  [("s", "a"), ("a", "gw"), ("gw", "e1", "opinoin == 'approve'"), ("gw", "e2")])
    deploy.deploy([("typo.bpmn", xml.encode())], org["designer"])
    task = cases.start_instance("typo", org["clerk"])["tasks"][0]
    tasks.claim(task["id"], org["reviewer"])
    from engine.errors import EngineFailure
    with pytest.raises(EngineFailure) as failed:
        tasks.complete(task["id"], org["reviewer"], {"opinion": "approve"})
    assert str(failed.value.message) == (
        "The procedure failed at gw: Error evaluating expression 'opinoin == 'approve'': name 'opinoin' is not "
        "defined: the case's data has no such value (given('opinoin', default) reads one it may lack)")
    from web import create_app
    from web.messages import translated
    with create_app({"TESTING": True}).test_request_context("/?lang=zh"):
        assert translated(failed.value.message).endswith(
            "：没有名为 'opinoin' 的值：案件数据中没有它（可能没有的值请用 given('opinoin', 默认值) 读取）")


def test_refusals_say_what_is_the_matter(org):
    """A finished task is said to be finished (not "held by" whoever completed it); urging a task
    that does not exist is not found; a transfer is refused for rights before its reason is read."""
    from engine import operations
    deploy_approval(org)
    instance = cases.start_instance("approval", org["clerk"])
    intake = ready(instance, "intake")
    tasks.claim(intake["id"], org["clerk"])
    instance = tasks.complete(intake["id"], org["clerk"], {"applicant": "张三"})
    with pytest.raises(Conflict, match="is completed"):
        tasks.claim(intake["id"], org["clerk"])
    with pytest.raises(NotFound):
        operations.urge(999_999, org["lead"], "请尽快办理")
    with pytest.raises(Forbidden):
        operations.transfer(ready(instance, "review")["id"], org["taxman"], to_group="tax", reason="")


def test_oversized_data_is_refused_before_anything_changes(org):
    deploy_approval(org)
    big = {"blob": "x" * (cases.MAX_DATA_CHARS + 1)}
    with pytest.raises(Invalid, match="too large"):
        cases.start_instance("approval", org["clerk"], data=big)
    assert tasks.list_tasks(org["admin"]) == []
    instance = cases.start_instance("approval", org["clerk"])
    intake = ready(instance, "intake")
    tasks.claim(intake["id"], org["clerk"])
    with pytest.raises(Invalid, match="too large"):
        tasks.complete(intake["id"], org["clerk"], {"applicant": "x" * (cases.MAX_DATA_CHARS + 1)})
    assert ready(cases.get_instance(instance["id"], org["admin"]), "intake")


def test_a_timer_the_library_cannot_read_is_refused_at_its_element(org):
    bad = process("bad_timer", [("start", "s", "s"), ("timer", "wait", "等待", {"duration": "'PT5X'"}),
                                ("end", "e", "e")], [("s", "wait"), ("wait", "e")])
    with pytest.raises(Invalid) as err:
        deploy.deploy([("bad_timer.bpmn", bad.encode())], org["designer"])
    [problem] = err.value.details
    assert problem["element_id"] == "wait" and "'PT5X' is not an ISO 8601 duration" in problem["message"]
    assert deploy.latest_definitions() == []


@pytest.mark.parametrize("node, value, said", [
    ({"duration": "'P3X'"}, None, "'P3X' is not an ISO 8601 duration"),
    ({"duration": "PT72H"}, None, "write the ISO 8601 value as text, 'PT72H'"),
    ({"cycle": "R3/PT1H"}, None, "write the ISO 8601 value as text, 'R3/PT1H'"),
    ({"date": "'2026-13-01T09:00:00'"}, None, "is not an ISO 8601 date"),
    (None, "'three'", "'three' is not a whole number of working days"),
    (None, "-2", "-2 is not a whole number of working days"),
    (None, "100000", "100000 is not a whole number of working days from 0 to 1000"),
    (None, ("statutoryDaysExpression", "'twenty'"), "'twenty' is not a whole number of working days"),
    (None, "days + 1", None),  # an expression: checked when it runs
])
def test_a_constant_a_later_step_would_fail_on_is_refused_at_deploy_on_its_element(org, node, value, said):
    """Not reached when the process starts, so no trial run finds it: every case would stop there."""
    nodes = [("start", "s", "s"), ("user", "a", "受理")]
    if node:
        nodes.append(("timer", "wait", "公示期", node))
    else:
        nodes.append(("user", "wait", "审查", {"form": "x.json"}))
    xml = process("later", nodes + [("end", "e", "e")], [("s", "a"), ("a", "wait"), ("wait", "e")])
    if value:
        prop, source = value if isinstance(value, tuple) else ("promisedDaysExpression", value)
        xml = xml.replace('name="formJsonSchemaFilename" value="x.json"', f'name="{prop}" value="{source}"')
    if said is None:
        deploy.deploy([("later.bpmn", xml.encode())], org["designer"])
        return
    with pytest.raises(Invalid) as err:
        deploy.deploy([("later.bpmn", xml.encode())], org["designer"])
    [problem] = err.value.details
    assert problem["element_id"] == "wait" and said in problem["message"]


def test_a_value_the_procedure_computes_wrong_stops_the_case_with_an_incident_not_a_server_error(org):
    from engine.errors import EngineFailure
    xml = process("computed", [("start", "s", "s"), ("user", "a", "受理"),
                               ("timer", "wait", "公示期", {"duration": "'P' + str(days) + 'X'"}), ("end", "e", "e")],
                  [("s", "a"), ("a", "wait"), ("wait", "e")])
    deploy.deploy([("computed.bpmn", xml.encode())], org["designer"])
    instance = cases.start_instance("computed", org["designer"], data={"days": 3})
    step = ready(instance, "a")
    tasks.claim(step["id"], org["admin"])
    with pytest.raises(EngineFailure, match="Invalid duration"):
        tasks.complete(step["id"], org["admin"], {})
    after = cases.get_instance(instance["id"], org["admin"])
    assert ready(after, "a") and "incident" in [e["type"] for e in after["events"]]


def test_a_caller_becomes_a_new_version_when_the_process_it_calls_changes(org):
    """A caller stores the spec of what it calls: a changed callee must reach new cases of the caller."""
    from tests.bpmn_builder import process

    def callee(title):
        return process("callee", [("start", "s", "s"), ("user", "t", title), ("end", "e", "e")],
                       [("s", "t"), ("t", "e")]).encode()
    caller = process("caller", [("start", "s", "s"), ("call", "c", "调用", {"called": "callee"}), ("end", "e", "e")],
                     [("s", "c"), ("c", "e")]).encode()
    deploy.deploy([("caller.bpmn", caller), ("callee.bpmn", callee("初审"))], org["designer"])
    unchanged = deploy.deploy([("caller.bpmn", caller), ("callee.bpmn", callee("初审"))], org["designer"])
    assert not unchanged.new
    changed = deploy.deploy([("caller.bpmn", caller), ("callee.bpmn", callee("复核"))], org["designer"])
    assert {(d.key, d.version, d.new) for d in changed.definitions} == {("caller", 2, True), ("callee", 2, True)}


def test_a_revised_caller_deploys_alone_with_the_newest_deployed_version_of_what_it_calls(org):
    """As a form is taken from a deployed procedure: the administrator uploads the revised caller
    only; its callee comes from its newest version, makes no new one, and is what new cases run.
    A process called that is neither among the files nor deployed is still refused, by name."""
    from tests.bpmn_builder import process

    def callee(title):
        return process("callee", [("start", "s", "s"), ("user", "t", title), ("end", "e", "e")],
                       [("s", "t"), ("t", "e")]).encode()

    def caller(title, called="callee"):
        return process("caller", [("start", "s", "s"), ("call", "c", title, {"called": called}), ("end", "e", "e")],
                       [("s", "c"), ("c", "e")]).encode()
    deploy.deploy([("caller.bpmn", caller("调用")), ("callee.bpmn", callee("初审"))], org["designer"])
    deploy.deploy([("callee.bpmn", callee("复核"))], org["designer"])
    revised = deploy.deploy([("caller.bpmn", caller("调用审查"))], org["designer"])
    assert {(d.key, d.version, d.new) for d in revised.definitions} == {("caller", 2, True), ("callee", 2, False)}
    started = cases.start_instance("caller", org["clerk"])
    assert [t["title"] for t in started["tasks"]] == ["复核"]
    with pytest.raises(Invalid) as refused:
        deploy.deploy([("lost.bpmn", caller("调用", called="nowhere").replace(b'"caller"', b'"lost"'))],
                      org["designer"])
    assert "'nowhere' was not found" in str(refused.value.details)


def test_a_limit_a_rule_computes_beyond_any_limit_stops_the_step_at_once_in_words(org):
    """A decision table's output of 10**10 working days walked the calendar for seconds and then
    overflowed it at the window: now said at once, with the step, and nothing is changed."""
    from engine.errors import EngineFailure
    xml = process("huge", [("start", "s", "s"), ("user", "a", "受理"), ("user", "wait", "审查", {"form": "x.json"}),
                           ("end", "e", "e")], [("s", "a"), ("a", "wait"), ("wait", "e")])
    xml = xml.replace('name="formJsonSchemaFilename" value="x.json"', 'name="promisedDaysExpression" value="days"')
    deploy.deploy([("huge.bpmn", xml.encode())], org["designer"])
    instance = cases.start_instance("huge", org["designer"], data={"days": 10 ** 10})
    step = ready(instance, "a")
    tasks.claim(step["id"], org["admin"])
    with pytest.raises(EngineFailure, match="from 0 to 1000"):
        tasks.complete(step["id"], org["admin"], {})
    assert ready(cases.get_instance(instance["id"], org["admin"]), "a")["state"] == "ready"
