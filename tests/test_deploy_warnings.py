"""What deploys but would get a case stuck comes back as warnings naming file and element: a lane
no one can work in, an element cut off from the flow, a condition or expression reading a name
nothing provides."""
import json
from pathlib import Path

import pytest

from engine import catalogue, intake
from engine.case_facts import FACTS
from engine.demo import create_demo_organisation
from engine.services import cases, deploy
from engine.services.users import ensure_department
from engine.store import session_scope
from run import main as run_command
from tests.bpmn_builder import process

ROOT = Path(__file__).resolve().parent.parent
OPINION = {"type": "object", "required": ["opinion"],
           "properties": {"opinion": {"type": "string", "enum": ["agree", "disagree"]}}}


def review(lane="住建局 (housing)", condition="opinion == 'agree'", form="opinion.json", script="fee = 10"):
    """A script, a review in one lane, then a gateway on what it decided."""
    return process("permit", [
        ("start", "start", "申请"),
        ("script", "price", "计费", {"script": script}),
        ("user", "review", "审查", {"form": form} if form else {}),
        ("xor", "decide", "是否同意", {"default": "refused"}),
        ("end", "granted", "准予"),
        ("end", "refused", "不予"),
    ], [("start", "price"), ("price", "review"), ("review", "decide"), ("decide", "granted", condition),
        ("decide", "refused")], lanes={lane: ["review"]})


def files(bpmn, form=OPINION):
    return [("permit.bpmn", bpmn.encode()), ("opinion.json", json.dumps(form).encode())]


def warned(outcome):
    return [(w["file"], w["element_id"], str(w["message"])) for w in outcome.warnings]


def test_a_lane_naming_no_known_group_deploys_with_a_warning_naming_the_lane(org):
    outcome = deploy.deploy(files(review(lane="住建局 (housng)")), org["designer"])
    assert outcome.id is not None and [d.version for d in outcome.definitions] == [1]  # deployed all the same
    [(file, element, message)] = warned(outcome)
    assert (file, element) == ("permit.bpmn", "Lane_0")
    assert "'住建局 (housng)'" in message and "'housng'" in message and "no one can claim" in message


@pytest.mark.parametrize("lane", ["住建局 (housing)", "housing", "reviewer", "牵头部门（lead）"])
def test_a_lane_naming_a_department_code_or_a_role_does_not_warn(org, lane):
    assert deploy.deploy(files(review(lane=lane)), org["designer"]).warnings == []


def test_a_user_task_left_out_of_the_lanes_of_a_process_drawn_in_lanes_warns(org):
    """Open to every reviewer, as a task outside any lane is: rarely what a process that gives its
    other tasks lanes means. A process without lanes, or a task whose group is an expression, does
    not warn."""
    xml = process("permit", [("start", "s", "申请"), ("user", "review", "审查"), ("user", "sign", "签发"),
                             ("end", "e", "办结")], [("s", "review"), ("review", "sign"), ("sign", "e")],
                  lanes={"住建局 (housing)": ["sign"]})
    assert warned(deploy.deploy([("permit.bpmn", xml.encode())], org["designer"])) == [
        ("permit.bpmn", "review", "the user task '审查' (review) is in none of the process's lanes: every reviewer "
                                  "may claim it; put it in the lane of the department that does it")]
    unlaned = process("plain", [("start", "s", "申请"), ("user", "review", "审查"), ("end", "e", "办结")],
                      [("s", "review"), ("review", "e")])
    assert deploy.deploy([("plain.bpmn", unlaned.encode())], org["designer"]).warnings == []
    named = xml.replace('<bpmn:userTask id="review" name="审查">', '<bpmn:userTask id="review" name="审查">'
                        '<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property '
                        'name="groupExpression" value="\'housing\'"/></spiffworkflow:properties></bpmn:extensionElements>')
    assert named != xml and deploy.deploy([("permit.bpmn", named.encode())], org["designer"]).warnings == []


def test_a_task_no_flow_reaches_deploys_with_a_warning_naming_it(org):
    bpmn = review().replace('</bpmn:process>', '<bpmn:userTask id="extra" name="补充审查"/></bpmn:process>')
    assert "extra" in bpmn
    assert warned(deploy.deploy(files(bpmn), org["designer"])) == [
        ("permit.bpmn", "extra", "no sequence flow leads to '补充审查' (extra): no case will ever get there")]


def test_a_task_no_flow_leaves_and_an_end_none_reaches_both_warn(org):
    bpmn = process("permit", [("start", "start", "申请"), ("user", "review", "审查"), ("end", "done", "办结")],
                   [("start", "review")])
    assert warned(deploy.deploy([("permit.bpmn", bpmn.encode())], org["designer"])) == [
        ("permit.bpmn", "review", "no sequence flow leaves '审查' (review): a case's path ends there, "
                                  "without an end event"),
        ("permit.bpmn", "done", "no sequence flow leads to '办结' (done): no case will ever get there")]


def test_a_start_event_leading_nowhere_warns_as_the_designers_blank_diagram_would(org):
    bpmn = process("permit", [("start", "start", "申请")], [])
    assert warned(deploy.deploy([("permit.bpmn", bpmn.encode())], org["designer"])) == [
        ("permit.bpmn", "start", "no sequence flow leaves '申请' (start): a case's path ends there, "
                                 "without an end event")]


def test_a_process_the_file_only_documents_is_not_read_for_flows(org):
    documented = ('</bpmn:process><bpmn:process id="notes" isExecutable="false">'
                  '<bpmn:task id="talk" name="沟通"/><bpmn:task id="agree" name="商定"/></bpmn:process>')
    bpmn = review().replace("</bpmn:process>", documented, 1)
    outcome = deploy.deploy(files(bpmn), org["designer"])
    assert [d.key for d in outcome.definitions] == ["permit"] and outcome.warnings == []


def test_a_lane_named_by_a_departments_name_is_told_the_name_that_works(org):
    with session_scope() as session:
        ensure_department(session, "realestate", "不动产登记中心")
    [(file, element, message)] = warned(deploy.deploy(files(review(lane="不动产登记中心")), org["designer"]))
    assert element == "Lane_0" and message == (
        "lane '不动产登记中心' names the department '不动产登记中心' by its name, not its code: no one can claim "
        "its tasks; name the lane '不动产登记中心 (realestate)'")


def test_a_department_created_after_the_warning_ends_it(org):
    assert warned(deploy.deploy(files(review(lane="不动产 (realestate)")), org["designer"]))
    with session_scope() as session:
        ensure_department(session, "realestate", "不动产登记中心")
    assert deploy.deploy(files(review(lane="不动产 (realestate)")), org["designer"], dry_run=True).warnings == []


def test_a_lane_whose_task_names_its_group_at_run_time_does_not_warn(org):
    bpmn = review(lane="审查部门 (departments)").replace(
        '<spiffworkflow:property name="formJsonSchemaFilename" value="opinion.json"/>',
        '<spiffworkflow:property name="formJsonSchemaFilename" value="opinion.json"/>'
        '<spiffworkflow:property name="groupExpression" value="\'housing\'"/>')
    assert deploy.deploy(files(bpmn), org["designer"]).warnings == []


def test_a_condition_reading_a_field_no_form_has_warns(org):
    outcome = deploy.deploy(files(review(), form={**OPINION, "properties": {"opinon": {"type": "string"}},
                                                  "required": []}), org["designer"])
    assert outcome.id is not None
    [(file, element, message)] = warned(outcome)
    assert (file, element) == ("permit.bpmn", "Flow_decide_granted")
    assert message.startswith("conditionExpression reads 'opinion', which no form")


def test_names_a_script_a_data_element_or_the_start_data_give_do_not_warn(org):
    given = review(condition="opinion == 'agree' and fee > 0 and len(item_name) > 0 and "
                             "all([x > 0 for x in [fee]])")
    assert deploy.deploy(files(given), org["designer"]).warnings == []
    helpers_only = review(condition="today() > date(2020, 1, 1)")
    assert deploy.deploy(files(helpers_only), org["designer"]).warnings == []


def test_a_data_object_provides_its_name(org):
    reads_budget = review(condition="opinion == 'agree' and budget > 0")
    assert [w["element_id"] for w in deploy.deploy(files(reads_budget), org["designer"]).warnings] == \
        ["Flow_decide_granted"]
    with_object = reads_budget.replace('<bpmn:startEvent', '<bpmn:dataObject id="budget"/><bpmn:startEvent', 1)
    assert deploy.deploy(files(with_object), org["designer"]).warnings == []


def test_a_task_without_a_form_may_provide_any_name(org):
    assert deploy.deploy(files(review(form=None, condition="anything == 1")), org["designer"]).warnings == []


def test_a_form_that_takes_other_fields_may_provide_any_name(org):
    open_form = {**OPINION, "additionalProperties": True}
    assert deploy.deploy(files(review(condition="anything == 1"), form=open_form), org["designer"]).warnings == []


def test_the_application_form_of_a_service_item_provides_its_fields(org):
    outcome = deploy.deploy(files(review(condition="area > 100")), org["designer"])
    assert [w["element_id"] for w in outcome.warnings] == ["Flow_decide_granted"]
    catalogue.save({"code": "T-9", "name": "测试", "kind": "licence", "department": "housing",
                    "case_type": "promised", "statutory_days": 20, "promised_days": 10, "process": "permit",
                    "materials": [{"code": "id_card", "name": "身份证明", "mandatory": True}],
                    "form": {"type": "object", "properties": {"area": {"type": "number"}}}}, None)
    assert deploy.deploy(files(review(condition="area > 100")), org["designer"]).warnings == []


def test_a_called_process_reads_what_its_caller_gives(org):
    child = process("child", [("start", "s", "s"), ("user", "check", "核对", {"form": "opinion.json"}),
                              ("end", "e", "e")],
                    [("s", "check"), ("check", "e", "len(pending) > 0")])
    parent = process("parent", [("start", "s", "s"), ("script", "plan", "计划", {"script": "pending = [1]"}),
                                ("call", "run", "调用", {"called": "child"}), ("end", "e", "e")],
                     [("s", "plan"), ("plan", "run"), ("run", "e")])
    both = [("child.bpmn", child.encode()), ("parent.bpmn", parent.encode()),
            ("opinion.json", json.dumps(OPINION).encode())]
    assert deploy.deploy(both, org["designer"]).warnings == []


def test_the_facts_deployment_counts_on_are_what_a_case_starts_with(org):
    """Deployment takes case_facts.FACTS as provided to every service item's procedure: a case
    accepted at the window starts with exactly those (its item has no application form)."""
    bpmn = process("item_review", [("start", "s", "s"), ("user", "review", "审查"), ("end", "e", "e")],
                   [("s", "review"), ("review", "e")], lanes={"housing": ["review"]})
    deploy.deploy([("r.bpmn", bpmn.encode())], org["designer"])
    catalogue.save({"code": "T-1", "name": "测试", "kind": "licence", "department": "housing",
                    "case_type": "promised", "statutory_days": 20, "promised_days": 10, "process": "item_review",
                    "materials": [{"code": "id_card", "name": "身份证明", "mandatory": True}]}, None)
    case = intake.submit("T-1", {"name": "张三", "id_number": "110101199001011237", "phone": "13800000000"},
                         [intake.Upload("id_card", "id.pdf", b"%PDF id")], org["clerk"])
    instance_id = intake.describe(intake.accept(case.id, org["clerk"]).id)["instance_id"]
    data = cases.get_instance(instance_id, org["admin"])["data"]
    assert set(data) == set(FACTS) and data["lead_department"] == "housing" and data["materials"] == {
        "id_card": "provided"}


def test_the_shipped_processes_and_rules_deploy_without_warnings(db):
    create_demo_organisation()
    outcome = deploy.deploy(deploy.collect_files([ROOT / "processes", ROOT / "rules"]), None)
    assert outcome.definitions and outcome.warnings == []


def test_before_the_organisation_exists_only_the_lanes_of_departments_warn(db):
    """`make run` deploys before it creates the demo organisation: the departments' lanes warn then
    (its output does not show them), the roles' do not, nor does any expression."""
    outcome = deploy.deploy(deploy.collect_files([ROOT / "processes", ROOT / "rules"]), None, dry_run=True)
    assert sorted((Path(w["file"]).name, w["message"].values["group"]) for w in outcome.warnings) == [
        ("real_estate_transfer.bpmn", "'housing'"), ("real_estate_transfer.bpmn", "'realestate'"),
        ("real_estate_transfer.bpmn", "'tax'"), ("review_round.bpmn", "'window'")]


def test_run_py_deploy_prints_the_warnings(org, tmp_path, capsys):
    for name, content in files(review(lane="住建局 (housng)")):
        (tmp_path / name).write_bytes(content)
    assert run_command(["deploy", str(tmp_path)]) == 0
    printed = capsys.readouterr()
    assert "bpmn\tpermit\tversion 1\tnew" in printed.out
    assert f"warning: {tmp_path / 'permit.bpmn'}: Lane_0: lane '住建局 (housng)' names 'housng'" in printed.err


def test_a_table_row_naming_none_of_its_inputs_is_warned_of_by_its_row(org):
    """`>= floors2` for floors deployed, then failed every case reaching the row (a clerk could
    accept no drawing review): the designer is told, the row counted as the editor shows it."""
    from tests.procedures import ROOT
    source = (ROOT / "rules" / "drawing_reviews.dmn").read_text(encoding="utf-8")
    assert deploy.deploy([("drawing_reviews.dmn", source.encode())], org["designer"], dry_run=True).warnings == []
    typo = source.replace('<inputEntry id="drawing_reviews_r12_i2"><text>&gt;= 10</text>',
                          '<inputEntry id="drawing_reviews_r12_i2"><text>&gt;= floors2</text>')
    [(file, element, message)] = warned(deploy.deploy([("drawing_reviews.dmn", typo.encode())], org["designer"],
                                                     dry_run=True))
    assert (file, element) == ("drawing_reviews.dmn", "drawing_reviews")
    assert "row 13" in message and "floors2" in message
