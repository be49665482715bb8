"""The designer's pages through Flask: lists, the modeler page, validate / draft / deploy, comparison,
and who may open them."""
import json
import re

import pytest
from sqlalchemy import select

from engine import clock
from engine.services import deploy, design
from engine.store import session_scope
from engine.store.models import Draft, Event
from tests.bpmn_builder import INTAKE_FORM, approval, process
from tests.procedures import install
from tests.statements import Statements
from tests.web import csrf_token, element, signed_in as client_for

FORM = ("intake.json", json.dumps(INTAKE_FORM).encode())


@pytest.fixture
def app(org):
    from web import create_app
    deploy.deploy([("approval.bpmn", approval().encode()), FORM], org["designer"])
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def config_of(page: bytes) -> dict:
    match = re.search(rb'<script type="application/json" id="(?:designer|compare)-config">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def post(client, action, xml, key="approval", kind="bpmn", **extra):
    return client.post(f"/designer/{action}", data={"kind": kind, "key": key, "xml": xml, **extra})


def test_list_shows_processes_with_versions_and_links(app, org):
    deploy.deploy([("approval.bpmn", approval(name="简单审批（修订）").encode()), FORM], org["designer"])
    page = client_for(app, "designer").get("/designer/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "简单审批（修订）" in html and ">v2<" in html and ">v1<" in html
    assert "/designer/bpmn/approval?version=1" in html
    assert "/designer/bpmn/approval/compare" in html


def test_list_reads_versions_in_one_query_without_their_sources(app, org):
    """A version's row carries its BPMN source and parsed spec: a listing must not load them."""
    for name in ("二版", "三版", "四版"):
        deploy.deploy([("approval.bpmn", approval(name=name).encode()), FORM], org["designer"])
    client = client_for(app, "designer")
    with Statements() as statements:
        html = client.get("/designer/").get_data(as_text=True)
    assert all(f">v{n}<" in html for n in (1, 2, 3, 4))
    reading = statements.reading("definitions")
    assert len(reading) == 2  # one per kind: processes, decisions
    assert not any("definitions.source" in s or "definitions.spec" in s for s in reading)


def test_modeler_page_carries_the_deployed_xml_and_the_modeler(app):
    page = client_for(app, "designer").get("/designer/bpmn/approval")
    assert page.status_code == 200
    config = config_of(page.data)
    assert config["key"] == "approval" and 'id="approval"' in config["xml"]
    assert b"/static/vendor/shenpi-modeler.js" in page.data and b"/static/designer.js" in page.data
    assert b'id="properties"' in page.data  # where the properties panel goes
    client = app.test_client()
    modeler = client.get("/static/vendor/shenpi-modeler.js")  # bundled by make install
    assert modeler.status_code == 200 and b"ShenpiModeler" in modeler.data
    modeler.close()


def test_an_element_its_diagram_leaves_out_is_placed_and_said(app, org):
    """Edited by hand, the diagram lost the review step's shape: bpmn-js would show nothing of it."""
    from engine.bpmn.layout import add_diagram
    drawn = add_diagram(approval(pid="handmade").encode()).decode()
    cut = re.sub(r'<bpmndi:BPMNShape id="review_di_\w+" bpmnElement="review">.*?</bpmndi:BPMNShape>', "", drawn,
                 flags=re.S)
    cut = re.sub(r'<bpmndi:BPMNEdge id="Flow_intake_review_di" bpmnElement="Flow_intake_review">.*?</bpmndi:BPMNEdge>',
                 "", cut, flags=re.S)
    assert 'bpmnElement="review"' not in cut
    deploy.deploy([("handmade.bpmn", cut.encode()), ("intake.json", json.dumps(INTAKE_FORM).encode())],
                  org["designer"])
    page = client_for(app, "designer").get("/designer/bpmn/handmade")
    placed = re.search(r'id="placed">.*?</div>', page.text, re.S).group(0)
    assert "<code>review</code>" in placed and "<code>intake</code>" not in placed
    xml = config_of(page.data)["xml"]
    assert 'bpmnElement="review"' in xml and 'bpmnElement="Flow_intake_review"' in xml
    assert 'id="placed"' not in client_for(app, "designer").get("/designer/bpmn/approval").text


def test_a_file_of_two_processes_laid_out_places_nothing_twice():
    """A diagram is generated per process: each process's elements are drawn on its own, none is
    'left out' because the first diagram lacks it."""
    two = approval(pid="first").replace("</bpmn:definitions>", "") + process(
        "second", [("start", "b1", "b"), ("end", "b2", "e")], [("b1", "b2")]).split(">", 2)[2]
    drawn, placed = design.drawable("bpmn", two)
    assert placed == [] and 'bpmnElement="b1"' in drawn and 'bpmnElement="intake"' in drawn


def test_new_process_starts_from_a_minimal_diagram(app):
    client = client_for(app, "designer")
    page = client.get("/designer/bpmn/new?key=permit&name=许可")
    config = config_of(page.data)
    assert config["key"] == "permit" and 'bpmn:process id="permit" name="许可"' in config["xml"]
    assert "bpmndi:BPMNShape" in config["xml"]  # the start event is drawn
    refused = client.get("/designer/bpmn/new?key=bad key&name=营业执照变更")
    # The list again, saying why, with what was typed kept in the new-process form.
    assert refused.status_code == 422 and "标识只能包含" in refused.text
    assert re.search(r'class="new-bpmn">.*?value="bad key".*?value="营业执照变更"', refused.text, re.S)
    dmn = config_of(client.get("/designer/dmn/new?key=fee").data)
    assert '<decision id="fee"' in dmn["xml"]


def test_validate_answers_problems_with_element_ids(app):
    client = client_for(app, "designer")
    broken = approval().replace("opinion == 'approve'", "__import__('os')")
    answer = post(client, "validate", broken)
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["ok"] is False and body["message"] == "校验发现 1 个问题，请修改后再部署"  # nothing was deployed
    assert [p["element_id"] for p in body["problems"]] == ["Flow_decide_sign"]
    lost = post(client, "validate", approval().replace('targetRef="review"', 'targetRef="nowhere"')).get_json()
    assert [p["message"] for p in lost["problems"]] == [  # the product's own checks speak Chinese
        "顺序流 Flow_intake_review：其 targetRef 'nowhere' 不是本流程中的元素"]
    good = post(client, "validate", approval())
    assert good.status_code == 200 and good.get_json()["ok"] is True
    # The task form of the deployed version goes along: validating does not ask for it again.
    assert [d.version for d in deploy.versions("approval")] == [1]


def test_save_draft_keeps_the_authors_work_and_records_it(app, org):
    client = client_for(app, "designer")
    xml = approval(name="草稿中的审批")
    assert post(client, "draft", xml).get_json()["ok"] is True
    assert post(client, "draft", xml).status_code == 200  # saving again replaces, no second row
    with session_scope() as session:
        drafts = session.scalars(select(Draft)).all()
        assert [(d.key, d.author_id, d.source) for d in drafts] == [("approval", org["designer"].id, xml)]
        assert session.scalar(select(Event.data).where(Event.type == "draft_saved")) == \
            {"kind": "bpmn", "key": "approval"}
        saved = drafts[0].updated_at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert "草稿中的审批" in config_of(client.get("/designer/bpmn/approval?draft=1").data)["xml"]
    listing = client.get("/designer/").get_data(as_text=True)
    assert "draft=1" in listing
    assert re.search(r'draft=1">草稿中的审批</a> <code>approval</code>', listing)  # by the name it gives
    assert re.search(r"<h1>草稿中的审批 <code>approval</code>", client.get("/designer/bpmn/approval?draft=1").text)
    assert f"保存于 {saved}" in listing  # in Beijing time, as every page shows times
    assert f"保存于 {saved}）" in client.get("/designer/bpmn/approval").get_data(as_text=True)
    # Discarded from the list, after a question; another designer's drafts are not theirs to drop.
    assert 'data-confirm="丢弃草稿 approval？' in listing
    assert client_for(app, "clerk").post("/designer/bpmn/approval/draft/discard").status_code == 403
    res = client.post("/designer/bpmn/approval/draft/discard")
    assert res.status_code == 303 and "已丢弃草稿 approval" in client.get("/designer/").text
    with session_scope() as session:
        assert session.scalars(select(Draft)).all() == []
        assert session.scalar(select(Event.data).where(Event.type == "draft_discarded")) == \
            {"kind": "bpmn", "key": "approval"}


def test_deploy_makes_a_new_version_and_discards_the_draft(app):
    client = client_for(app, "designer")
    post(client, "draft", approval(name="修订"))
    # Deploying what the page opened instead (the deployed version) leaves the draft, unopened, alone.
    assert config_of(client.get("/designer/bpmn/approval").data)["draftOpen"] is False
    assert post(client, "deploy", approval(name="另改")).status_code == 201
    with session_scope() as session:
        assert [d.source for d in session.scalars(select(Draft))] == [approval(name="修订")]
    assert config_of(client.get("/designer/bpmn/approval?draft=1").data)["draftOpen"] is True
    answer = post(client, "deploy", approval(name="修订"), draft="1")
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["definitions"] == [{"key": "approval", "version": 3, "name": "修订", "kind": "bpmn", "new": True}]
    assert "approval v3" in body["message"]
    with session_scope() as session:
        assert session.scalars(select(Draft)).all() == []
    same = post(client, "deploy", approval(name="修订"))
    assert same.status_code == 200 and same.get_json()["definitions"][0]["new"] is False
    bad = post(client, "deploy", approval().replace('targetRef="review"', 'targetRef="nowhere"'))
    assert bad.status_code == 422 and bad.get_json()["problems"]
    assert [d.version for d in deploy.versions("approval")] == [1, 2, 3]


def test_an_expression_or_timer_the_designer_got_wrong_is_explained_in_chinese(app):
    """What the product's checks find in conditions and timers reads as Chinese sentences (only
    the Python parser's own words stay English)."""
    client = client_for(app, "designer")
    typo = approval().replace("opinion == 'approve'", "opinion === 'approve'")
    assert [p["message"] for p in post(client, "validate", typo).get_json()["problems"]] == [
        "conditionExpression：第 1 行有语法错误（invalid syntax）：请检查运算符、引号和括号，判断相等用 =="]
    sneaky = approval().replace("opinion == 'approve'", "__import__('os')")
    assert [p["message"] for p in post(client, "validate", sneaky).get_json()["problems"]] == [
        "conditionExpression：不允许使用以“_”开头的名称：__import__"]
    timer = process("waits", [("start", "s", "s"), ("timer", "wait", "公示期", {"duration": "'P1D'"}), ("end", "e", "e")],
                    [("s", "wait"), ("wait", "e")]).replace("<bpmn:timeDuration>'P1D'</bpmn:timeDuration>", "")
    answer = post(client, "validate", timer, key="waits").get_json()
    assert [(p["element_id"], p["message"]) for p in answer["problems"]] == [
        ("wait", "定时器尚未选择类型：请在“定时器”中选择日期、时长或周期，并填写其值")]
    english = client.post("/designer/validate?lang=en", data={"kind": "bpmn", "key": "waits", "xml": timer})
    assert english.get_json()["problems"][0]["message"].startswith("the timer has no type")


def test_validate_and_deploy_say_the_warnings_in_chinese(app):
    """A lane no one can work in deploys, and the page says so with the lane's element id."""
    client = client_for(app, "designer")
    assert post(client, "validate", approval()).get_json()["warnings"] == []
    typo = approval().replace('name="housing"', 'name="housng"')
    for action, status in (("validate", 200), ("deploy", 201)):
        answer = post(client, action, typo)
        assert answer.status_code == status
        body = answer.get_json()
        assert body["ok"] is True and [w["element_id"] for w in body["warnings"]] == ["Lane_1"]
        assert "。1 条警告：approval.bpmn Lane_1：" in body["message"] and "'housng'" in body["message"]
    assert body["message"].startswith("已部署：approval v2")
    assert [d.version for d in deploy.versions("approval")] == [1, 2]


def test_compare_lists_added_removed_changed_elements(app, org):
    revised = process("approval", [("start", "start", "申请"), ("user", "intake", "窗口受理", {"form": "intake.json"}),
                                   ("user", "review", "住建局审查"), ("user", "check", "复核"), ("end", "approved", "准予许可")],
                      [("start", "intake"), ("intake", "review"), ("review", "check"), ("check", "approved")])
    deploy.deploy([("approval.bpmn", revised.encode()), FORM], org["designer"])
    page = client_for(app, "designer").get("/designer/bpmn/approval/compare?old=1&new=2")
    assert page.status_code == 200
    config = config_of(page.data)
    assert "check" in config["added"] and "Flow_review_check" in config["added"]
    assert {"decide", "sign", "rejected"} <= set(config["removed"])
    assert "review" in config["changed"] and "intake" not in config["changed"]
    html = page.get_data(as_text=True)
    changed = re.search(r'id="changed".*?</section>', html, re.S).group(0)
    assert "名称: 住建审查 → 住建局审查" in changed and "用户任务" in changed and "userTask" not in changed
    # Flows as a list of names, an attribute (where a flow now leads) by its name, not Python's reprs.
    assert "流出: Flow_review_decide → Flow_review_check" in changed and "['" not in changed
    retargeted = revised.replace('"approved"', '"finished"')  # the end event renamed: its flow leads elsewhere
    deploy.deploy([("approval.bpmn", retargeted.encode()), FORM], org["designer"])
    changed = element(client_for(app, "designer").get("/designer/bpmn/approval/compare?old=2&new=3").text, "changed")
    assert '<div class="property" data-property="targetRef">终点: approved → finished</div>' in changed
    assert "{'" not in changed


def test_compare_names_each_changed_property(app, org):
    """A changed promised limit reads as that property's old and new value, not as XML."""
    revised = approval().replace(
        '<spiffworkflow:property name="formJsonSchemaFilename" value="intake.json"/>',
        '<spiffworkflow:property name="formJsonSchemaFilename" value="intake.json"/>'
        '<spiffworkflow:property name="promisedDaysExpression" value="2"/>')
    assert revised != approval()
    deploy.deploy([("approval.bpmn", revised.encode()), FORM], org["designer"])
    html = client_for(app, "designer").get("/designer/bpmn/approval/compare?old=1&new=2").text
    assert '<div class="property" data-property="promisedDaysExpression">本环节承诺时限: — → 2</div>' in html
    from engine.services.compare import compare_versions
    [intake] = [e for e in compare_versions("approval", 1, 2, org["designer"])["changed"] if e["id"] == "intake"]
    assert intake["fields"] == ["properties"]  # not the extension XML as content
    assert (intake["before"]["properties"], intake["after"]["properties"]) == (
        {"promisedDaysExpression": None}, {"promisedDaysExpression": "2"})


@pytest.mark.parametrize("url", ["/designer/", "/designer/bpmn/approval", "/designer/bpmn/new",
                                 "/designer/bpmn/approval/compare"])
def test_pages_need_the_designer_role(app, url):
    assert app.test_client().get(url).status_code == 302  # to the sign-in page
    for login in ("reviewer", "clerk", "supervisor"):
        assert client_for(app, login).get(url).status_code == 403
    assert client_for(app, "admin").get(url).status_code == 200  # admin holds every role


@pytest.mark.parametrize("action", ["validate", "draft", "deploy"])
def test_actions_need_the_designer_role(app, action):
    assert post(client_for(app, "reviewer"), action, approval(name="x")).status_code == 403
    assert [d.version for d in deploy.versions("approval")] == [1]


def test_actions_refuse_a_post_without_csrf_token(org):
    from web import create_app
    app = create_app({"TESTING": True})
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', login_page)
    signed_in = client.post("/login", data={"login": "designer", "password": "pass-designer",
                                            "csrf_token": token.group(1)})
    assert signed_in.status_code == 302
    assert post(client, "draft", approval()).status_code == 400
    with session_scope() as session:
        assert session.scalars(select(Draft)).all() == []
    headers = {"X-CSRFToken": csrf_token(client.get("/designer/").text)}  # what designer.js sends
    assert client.post("/designer/draft", data={"kind": "bpmn", "key": "approval", "xml": approval()},
                       headers=headers).status_code == 200


# --- what an edited diagram deploys with -----------------------------------------------------------

def test_a_rule_table_deploys_alone_and_leaves_a_process_uploaded_under_another_name(app, org):
    """A revision of real_estate_transfer uploaded as "real_estate_transfer (1).bpmn", then an edit
    of a rule table: only the table gets a new version (it brought back the process's older file)."""
    from tests.procedures import ROOT
    install(org)
    source = (ROOT / "processes" / "real_estate_transfer.bpmn").read_text(encoding="utf-8")
    revised = source.replace('<spiffworkflow:property name="promisedDaysExpression" value="1"/>',
                             '<spiffworkflow:property name="promisedDaysExpression" value="2"/>', 1)
    assert revised != source
    uploaded = deploy.deploy([("real_estate_transfer (1).bpmn", revised.encode())], org["designer"])
    [process_version] = [d.version for d in uploaded.definitions if d.key == "real_estate_transfer"]
    table = (ROOT / "rules" / "registration_refusals.dmn").read_text(encoding="utf-8").replace("理由", "不得登簿的理由")
    assert [name for name, _ in design.files_for("dmn", "registration_refusals", "registration_refusals.dmn", table)] == \
        ["registration_refusals.dmn"]
    answer = post(client_for(app, "designer"), "deploy", table, key="registration_refusals", kind="dmn")
    assert answer.status_code == 201 and "registration_refusals v2" in answer.get_json()["message"]
    assert deploy.versions("real_estate_transfer")[-1].version == process_version  # still the upload
    assert deploy.versions("registration_refusals", "dmn")[-1].version == 2


def test_a_called_process_deploys_with_its_callers_which_take_up_the_new_one(app, org):
    from tests.procedures import ROOT
    install(org)
    source = (ROOT / "processes" / "review_round.bpmn").read_text(encoding="utf-8")
    revised = source.replace('name="部门审查', 'name="部门审核', 1)
    assert revised != source
    names = [name for name, _ in design.files_for("bpmn", "review_round", "review_round.bpmn", revised)]
    assert {"merged_assessments.bpmn", "joint_drawing_review.bpmn"} <= set(names)
    assert "real_estate_transfer.bpmn" not in names  # calls nothing, called by nothing
    answer = post(client_for(app, "designer"), "deploy", revised, key="review_round")
    message = answer.get_json()["message"]
    assert answer.status_code == 201
    assert all(f"{key} v2" in message for key in ("review_round", "merged_assessments", "joint_drawing_review"))
    caller = deploy.versions("merged_assessments")[-1]
    spec = design.source_of("bpmn", "merged_assessments", caller.version, org["designer"]).spec
    assert "部门审核" in json.dumps(spec["subprocess_specs"]["review_round"], ensure_ascii=False)
