"""A designer edits a deployed process in the bpmn-js modeler, validates, deploys, and finds version 2."""
import json
import re

from engine.services import deploy, design
from tests.bpmn_builder import INTAKE_FORM, approval, process
from tests.browser.helpers import login

SAVED_XML = "async () => (await window.designer.modeler.saveXML({ format: true })).xml"
XML_HAS = "async (text) => (await window.designer.modeler.saveXML()).xml.includes(text)"
SELECT = "(id) => window.designer.modeler.get('selection').select(window.designer.modeler.get('elementRegistry').get(id))"
RENAME = """([id, name]) => {
  const modeler = window.designer.modeler;
  modeler.get('modeling').updateLabel(modeler.get('elementRegistry').get(id), name);
}"""


def deploy_approval(org, xml=None):
    deploy.deploy([("approval.bpmn", (xml or approval()).encode()),
                   ("intake.json", json.dumps(INTAKE_FORM).encode())], org["designer"])


def open_modeler(page, url):
    page.goto(url)
    page.wait_for_selector("body[data-modeler=ready]")


def start_new(page, server, kind, key):
    """Signed in as the designer, 新建 a process (bpmn) or decision (dmn) under the key."""
    login(page, server, "designer")
    page.goto(f"{server}/designer/")
    page.fill(f".new-{kind} input[name=key]", key)
    page.click(f".new-{kind} button[type=submit]")
    page.wait_for_selector("body[data-modeler=ready]")


def open_group(page, title):
    """Groups other than the general one open on a click on their header."""
    page.locator(f"#properties .bio-properties-panel-group-header:has-text('{title}')").click()


def change_entry(page, group, entry, before, after, saved_as):
    """Open the group, find the entry showing `before`, type `after`, wait for the XML to hold it."""
    open_group(page, group)
    field = page.locator(f"[data-entry-id={entry}] :is(input, textarea)")
    assert field.input_value() == before
    field.fill(after)
    page.wait_for_function(XML_HAS, arg=saved_as)


def task_xml(page, task_id):
    """The user task's element as the modeler would save it now."""
    xml = page.evaluate(SAVED_XML)
    return re.search(rf'<bpmn:userTask id="{task_id}".*?</bpmn:userTask>', xml, re.S).group(0)


def test_designer_edits_validates_and_deploys_a_new_version(live_server, page, org):
    deploy_approval(org)
    login(page, live_server, "designer")
    page.goto(f"{live_server}/designer/")
    page.click("#bpmn-definitions a:text('简单审批')")
    page.wait_for_selector("body[data-modeler=ready]")
    assert page.locator(".djs-element[data-element-id=review]").count() == 1

    # A broken condition is refused with the flow's id, listed and marked on the diagram.
    page.click("#toggle-xml")
    xml = page.input_value("#xml-text")
    page.fill("#xml-text", xml.replace("opinion == 'approve'", "__import__('os')"))
    page.click("#apply-xml")
    page.click("#validate")
    page.wait_for_selector("#problems li.problem")
    assert page.locator("#problems li.problem").first.get_attribute("data-element-id") == "Flow_decide_sign"
    assert page.locator(".djs-overlay-problem .problem-badge").count() == 1
    assert page.evaluate("() => window.designer.modeler.get('selection').get().length") == 0
    page.focus("#problems li.problem")  # from the keyboard too: Enter selects the element
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.designer.modeler.get('selection').get().map((e) => e.id).join() "
                           "=== 'Flow_decide_sign'")
    # A lane naming no department deploys, with a warning listed and marked the same way.
    page.fill("#xml-text", xml.replace('name="housing"', 'name="housnig"'))
    page.click("#apply-xml")
    page.click("#validate")
    page.wait_for_selector("#status.warning")
    assert "1 条警告" in page.inner_text("#status")
    assert page.locator("#problems li.warning").first.get_attribute("data-element-id") == "Lane_1"
    assert page.locator(".djs-overlay-problem .problem-badge.warning").count() == 1
    # A step added in the XML without its shape is not drawn: the designer says which, and what to do.
    extra = '<bpmn:userTask id="precheck" name="预审"/></bpmn:process>'
    page.fill("#xml-text", xml.replace("</bpmn:process>", extra))
    page.click("#apply-xml")
    page.wait_for_selector("#status.warning:has-text('precheck')")
    assert "保存草稿后重新打开本页" in page.inner_text("#status")
    page.fill("#xml-text", xml)
    page.click("#apply-xml")
    page.wait_for_selector("body[data-modeler=ready]")

    page.evaluate(RENAME, ["review", "住建局审查"])
    page.click("#validate")
    page.wait_for_selector("#status.ok")
    assert page.locator("#problems li.problem").count() == 0

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#deploy")
    page.wait_for_selector("#status.ok:has-text('approval v2')")

    page.goto(f"{live_server}/designer/")
    row = page.locator("#bpmn-definitions tr[data-key=approval]")
    assert row.locator(".latest-version").inner_text() == "v2"
    assert [d.name for d in deploy.versions("approval")] == ["简单审批", "简单审批"]
    assert "住建局审查" in design.source_of("bpmn", "approval", 2, org["designer"]).source


def test_designer_starts_a_decision_table_in_the_dmn_modeler_and_deploys_it(live_server, page):
    start_new(page, live_server, "dmn", "fee_rate")
    page.evaluate("""() => { const m = window.designer.modeler;
                             m.open(m.getViews().find((v) => v.type === 'decisionTable')); }""")
    table = page.locator(".tjs-container")
    table.wait_for()
    assert "命中策略" in table.inner_text() and "Hit policy" not in table.inner_text()  # in Chinese
    page.click("#validate")
    page.wait_for_selector("#status.ok")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#deploy")
    page.wait_for_selector("#status.ok:has-text('fee_rate v1')")
    assert [d.version for d in deploy.versions("fee_rate", "dmn")] == [1]


def test_designer_sets_approval_properties_conditions_and_undoes_in_the_properties_panel(live_server, page, org):
    deploy_approval(org)
    login(page, live_server, "designer")
    open_modeler(page, f"{live_server}/designer/bpmn/approval")

    page.click(".djs-element[data-element-id=review]")
    panel = page.locator("#properties")
    assert panel.locator(".bio-properties-panel-header-type").inner_text() == "用户任务"
    assert panel.locator(".bio-properties-panel-group-header-title:text('审批设置')").count() == 1
    open_group(page, "审批设置")
    page.fill("[data-entry-id=shenpi-formJsonSchemaFilename] input", "intake.json")
    page.fill("[data-entry-id=shenpi-promisedDaysExpression] input", "3")
    page.click("[data-entry-id=shenpi-requiresDocument] input[type=checkbox]")
    page.wait_for_function(XML_HAS, arg='name="requiresDocument" value="true"')
    assert "仅由部门负责人办理" in page.inner_text("[data-entry-id=shenpi-leadDecides]")
    page.click("[data-entry-id=shenpi-leadDecides] input[type=checkbox]")
    page.wait_for_function(XML_HAS, arg='name="leadDecides" value="true"')
    review = task_xml(page, "review")
    assert 'name="formJsonSchemaFilename" value="intake.json"' in review
    assert 'name="promisedDaysExpression" value="3"' in review
    # The intake task's own property is kept as it was, and undo takes a change back.
    assert 'name="formJsonSchemaFilename" value="intake.json"' in task_xml(page, "intake")
    page.evaluate("() => window.designer.modeler.get('commandStack').undo()")
    page.evaluate("() => window.designer.modeler.get('commandStack').undo()")
    assert 'requiresDocument' not in page.evaluate(SAVED_XML) and 'leadDecides' not in page.evaluate(SAVED_XML)

    page.evaluate(SELECT, "Flow_decide_sign")  # a thin line: selected as a click on it would
    change_entry(page, "条件", "shenpi-condition-expression", "opinion == 'approve'",
                 "opinion == 'approve' and area < 1000", "area &lt; 1000")

    # What the panel wrote is what the engine reads: the edited diagram validates and deploys.
    page.click("#validate")
    page.wait_for_selector("#status.ok")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#deploy")
    page.wait_for_selector("#status.ok:has-text('approval v2')")
    source = design.source_of("bpmn", "approval", 2, org["designer"]).source
    assert 'name="promisedDaysExpression" value="3"' in source and "area &lt; 1000" in source

    open_modeler(page, f"{live_server}/designer/bpmn/approval?lang=en")  # the panel speaks the page's language
    page.click(".djs-element[data-element-id=review]")
    assert page.locator("#properties .bio-properties-panel-group-header-title:text('Approval')").count() == 1


def test_the_panel_keeps_a_files_own_prefix_other_spiff_elements_and_empty_extension_elements(live_server, page, org):
    """A file from another tool: the namespace under the prefix `spiff`, a preScript beside the
    properties, an empty extensionElements. The panel edits the properties it finds, adds none
    twice, keeps the script, and a removed last property leaves no empty element behind."""
    xml = approval().replace("spiffworkflow:", "spiff:").replace("xmlns:spiffworkflow=", "xmlns:spiff=").replace(
        '<bpmn:userTask id="intake" name="窗口受理"><bpmn:extensionElements>',
        '<bpmn:userTask id="intake" name="窗口受理"><bpmn:extensionElements><spiff:preScript>fee = 0</spiff:preScript>').replace(
        '<bpmn:userTask id="sign" name="领导签发">', '<bpmn:userTask id="sign" name="领导签发"><bpmn:extensionElements/>')
    deploy_approval(org, xml)
    login(page, live_server, "designer")
    open_modeler(page, f"{live_server}/designer/bpmn/approval")

    page.click(".djs-element[data-element-id=intake]")
    open_group(page, "审批设置")
    form = page.locator("[data-entry-id=shenpi-formJsonSchemaFilename] input")
    assert form.input_value() == "intake.json"  # read under the file's own prefix
    form.fill("intake_v2.json")
    page.wait_for_function(XML_HAS, arg='value="intake_v2.json"')
    intake = task_xml(page, "intake")
    assert intake.count("<spiff:properties>") == 1 and "<spiff:preScript>fee = 0</spiff:preScript>" in intake

    page.click(".djs-element[data-element-id=sign]")  # its extensionElements is empty
    requires = page.locator("[data-entry-id=shenpi-requiresDocument] input[type=checkbox]")
    requires.click()
    page.wait_for_function(XML_HAS, arg='<spiff:property name="requiresDocument" value="true"')
    requires.click()  # off again: the last property goes, and the elements that held it
    page.wait_for_function("async () => !(await window.designer.modeler.saveXML()).xml.includes('requiresDocument')")
    assert "extensionElements" not in task_xml(page, "sign")
    page.evaluate("() => { const stack = window.designer.modeler.get('commandStack'); stack.undo(); stack.undo(); stack.redo(); }")
    assert '<spiff:property name="requiresDocument" value="true"' in page.evaluate(SAVED_XML)


def test_the_panel_sets_a_call_activitys_process_and_a_script_tasks_script(live_server, page, org):
    child = process("child", [("start", "s", "开始"), ("user", "work", "办理"), ("end", "e", "结束")],
                    [("s", "work"), ("work", "e")])
    parent = process("parent", [("start", "s", "开始"), ("script", "fee", "计费", {"script": "fee = 0"}),
                                ("call", "sub", "子流程", {"called": "child"}), ("end", "e", "结束")],
                     [("s", "fee"), ("fee", "sub"), ("sub", "e")])
    deploy.deploy([("child.bpmn", child.encode()), ("parent.bpmn", parent.encode())], org["designer"])
    login(page, live_server, "designer")
    open_modeler(page, f"{live_server}/designer/bpmn/parent")
    page.click(".djs-element[data-element-id=sub]")
    change_entry(page, "调用的流程", "shenpi-called-element", "child", "child_v2", 'calledElement="child_v2"')
    page.click(".djs-element[data-element-id=fee]")
    change_entry(page, "脚本", "shenpi-script-body", "fee = 0", "fee = 100", "<bpmn:script>fee = 100</bpmn:script>")


def test_leaving_with_unsaved_changes_asks_and_a_deployed_key_is_not_started_afresh(live_server, page, org):
    deploy_approval(org)
    login(page, live_server, "designer")
    page.goto(f"{live_server}/designer/bpmn/new?key=approval")
    assert "已有已部署的版本" in page.locator(".flash.error").inner_text()
    open_modeler(page, f"{live_server}/designer/bpmn/approval")
    page.evaluate(RENAME, ["review", "住建局审查"])
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.click("text=返回列表", no_wait_after=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"] and "/designer/bpmn/approval" in page.url  # stayed
    page.click("#save-draft")
    page.wait_for_selector("#status.ok")
    page.click("text=返回列表")  # saved: no question
    page.wait_for_url(f"{live_server}/designer/")


def test_a_new_procedure_deploys_with_a_form_chosen_on_the_page_or_one_already_deployed(live_server, page, org,
                                                                                       tmp_path):
    start_new(page, live_server, "bpmn", "fresh")
    page.click("#toggle-xml")
    drawn, _placed = design.drawable("bpmn", approval("fresh", "新办审批").replace("intake.json", "fresh_intake.json"))
    page.fill("#xml-text", drawn)
    page.click("#apply-xml")
    page.click("#validate")
    page.wait_for_selector("#problems li.problem")
    assert "fresh_intake.json" in page.locator("#problems").inner_text()
    form = tmp_path / "fresh_intake.json"
    form.write_text(json.dumps(dict(INTAKE_FORM, title="新办收件")), encoding="utf-8")
    page.click("#forms summary")
    page.set_input_files("#form-files", str(form))
    page.click("#validate")
    page.wait_for_selector("#status.ok")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#deploy")
    page.wait_for_selector("#status.ok:has-text('fresh v1')")
    assert design.source_of("bpmn", "fresh", 1, org["designer"]).forms["fresh_intake.json"]["title"] == "新办收件"
    assert page.url == f"{live_server}/designer/bpmn/fresh"  # reloading opens it, not 新建 (refused now)
    page.reload()
    page.wait_for_selector("body[data-modeler=ready]")
    assert "v1" in page.inner_text("h1")


def test_xml_that_cannot_be_read_is_not_what_the_buttons_send(live_server, page, org):
    deploy_approval(org)
    login(page, live_server, "designer")
    open_modeler(page, f"{live_server}/designer/bpmn/approval")
    page.click("#toggle-xml")
    page.fill("#xml-text", page.input_value("#xml-text").replace("</bpmn:process>", "</bpmn:proces>"))
    page.click("#apply-xml")
    page.wait_for_selector("#status.error")
    page.click("#deploy")  # no confirmation is asked and nothing is sent
    page.wait_for_selector("#status.error:has-text('XML 有误')")
    assert [d.version for d in deploy.versions("approval")] == [1]


def test_a_decision_tables_problems_are_listed_from_the_table_view(live_server, page):
    start_new(page, live_server, "dmn", "fee_rate")
    page.click("#toggle-xml")
    xml = page.input_value("#xml-text")
    rule = ('<rule id="Rule_bad"><inputEntry id="Entry_bad"><text>fals e ==</text></inputEntry>'
            '<outputEntry id="Entry_out"><text>"x"</text></outputEntry></rule>')
    broken = re.sub(r"(</(?:\w+:)?decisionTable>)", rule + r"\1", xml, count=1)
    assert "Rule_bad" in broken
    page.fill("#xml-text", broken)
    page.click("#apply-xml")
    page.wait_for_selector("body[data-modeler=ready]")
    page.evaluate("""() => { const m = window.designer.modeler;
                             m.open(m.getViews().find((v) => v.type === 'decisionTable')); }""")
    page.click("#validate")
    page.wait_for_selector("#problems li.problem")
    assert page.locator("#status.error").count() == 1
    assert "addMarker" not in page.locator("#status").inner_text()


# The review step as a designer configures it: the panel's properties, scripts before and after,
# and a multi-instance marker with its own spiffworkflow attribute.
CONFIGURED_REVIEW = (
    '<bpmn:userTask id="review" name="住建审查"><bpmn:extensionElements><spiffworkflow:properties>'
    '<spiffworkflow:property name="formJsonSchemaFilename" value="review.json"/>'
    '<spiffworkflow:property name="promisedDaysExpression" value="5"/>'
    '<spiffworkflow:property name="requiresDocument" value="true"/></spiffworkflow:properties>'
    "<spiffworkflow:preScript>reviewer = 'housing'</spiffworkflow:preScript>"
    "<spiffworkflow:postScript>reviewed = True</spiffworkflow:postScript></bpmn:extensionElements>")
REVIEW_EXTENSIONS = ['<spiffworkflow:property name="formJsonSchemaFilename" value="review.json" />',
                     '<spiffworkflow:property name="promisedDaysExpression" value="5" />',
                     '<spiffworkflow:property name="requiresDocument" value="true" />',
                     "<spiffworkflow:preScript>reviewer = 'housing'</spiffworkflow:preScript>",
                     "<spiffworkflow:postScript>reviewed = True</spiffworkflow:postScript>",
                     'spiffworkflow:scriptsOnInstances="true"']
COPY_AND_PASTE = """(id) => {
  const modeler = window.designer.modeler;
  const task = modeler.get('elementRegistry').get(id);
  modeler.get('selection').select(task);
  modeler.get('editorActions').trigger('copy');
  const pasted = modeler.get('copyPaste').paste({
    element: task.parent, point: { x: task.x + task.width / 2, y: task.y + task.height + 80 } });
  modeler.get('selection').select(pasted);  // as a paste with the mouse leaves it
  return pasted.filter((element) => element.type === 'bpmn:UserTask').map((element) => element.id);
}"""


def element_xml(page, tag, element_id):
    xml = page.evaluate(SAVED_XML)
    return re.search(rf'<bpmn:{tag} id="{element_id}".*?</bpmn:{tag}>', xml, re.S).group(0)


def test_a_copied_or_retyped_task_keeps_its_spiffworkflow_properties_and_scripts(live_server, page, org):
    deploy_approval(org)
    login(page, live_server, "designer")
    open_modeler(page, f"{live_server}/designer/bpmn/approval")
    page.click("#toggle-xml")
    xml = page.input_value("#xml-text").replace('<bpmn:userTask id="review" name="住建审查">', CONFIGURED_REVIEW)
    xml = re.sub(r'(<bpmn:userTask id="review".*?)(</bpmn:userTask>)',
                 r'\1<bpmn:multiInstanceLoopCharacteristics spiffworkflow:scriptsOnInstances="true">'
                 r'<bpmn:loopCardinality>2</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>\2',
                 xml, count=1, flags=re.S)
    page.fill("#xml-text", xml)
    page.click("#apply-xml")
    page.wait_for_function(XML_HAS, arg='value="review.json"')
    page.click("#toggle-xml")  # closed again, the page back at the diagram
    assert all(text in element_xml(page, "userTask", "review") for text in REVIEW_EXTENSIONS)

    # Ctrl+C, Ctrl+V: the copy is a new task, configured as the review was.
    [copy] = page.evaluate(COPY_AND_PASTE, "review")
    assert copy != "review"
    pasted = element_xml(page, "userTask", copy)
    assert [text for text in REVIEW_EXTENSIONS if text not in pasted] == []
    # ... with its own properties: changing the copy's leaves the review's as they were.
    page.evaluate("""(id) => { const m = window.designer.modeler;
        m.get('commandStack').execute('shenpi.setSpiffProperty',
            { element: m.get('elementRegistry').get(id), name: 'promisedDaysExpression', value: '9' }); }""", copy)
    assert 'name="promisedDaysExpression" value="9"' in element_xml(page, "userTask", copy)
    assert 'name="promisedDaysExpression" value="5"' in element_xml(page, "userTask", "review")

    # 更改类型 (the context pad's wrench): the review as a script task keeps them too.
    page.click(".djs-element[data-element-id=review]")
    page.click(".djs-context-pad [data-action=replace]")
    assert page.inner_text(".djs-popup [data-id=replace-with-script-task]").strip() == "脚本任务"  # in Chinese
    page.click(".djs-popup [data-id=replace-with-script-task]")
    page.wait_for_function(XML_HAS, arg="<bpmn:scriptTask")
    script_task = re.search(r'<bpmn:scriptTask id="([^"]+)"', page.evaluate(SAVED_XML)).group(1)
    retyped = element_xml(page, "scriptTask", script_task)
    assert [text for text in REVIEW_EXTENSIONS if text not in retyped] == []


def test_the_download_button_saves_the_diagram_on_screen_under_its_key(live_server, page, org):
    deploy_approval(org)
    login(page, live_server, "designer")
    open_modeler(page, f"{live_server}/designer/bpmn/approval")
    page.evaluate(RENAME, ["review", "联合审查（改）"])
    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename == "approval.bpmn"
    saved = open(download.value.path(), encoding="utf-8").read()
    assert 'name="联合审查（改）"' in saved and saved == page.evaluate(SAVED_XML)


def test_a_decision_table_downloads_as_a_dmn_file(live_server, page):
    start_new(page, live_server, "dmn", "fees")
    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename == "fees.dmn"
    assert '<decision id="fees"' in open(download.value.path(), encoding="utf-8").read()


def test_a_lane_is_given_its_department_by_name_and_an_unknown_code_is_shown_as_such(live_server, page, org):
    from engine.services.users import ensure_department
    from engine.store import session_scope
    with session_scope() as session:
        ensure_department(session, "realestate", "不动产登记中心")
        ensure_department(session, "住建", "住房和城乡建设局")  # a code in Chinese, as lane_group reads it
        ensure_department(session, "city planning", "规划局")  # a code no name's ending can carry
    deploy_approval(org)
    login(page, live_server, "designer")
    open_modeler(page, f"{live_server}/designer/bpmn/approval")
    page.evaluate(SELECT, "Lane_1")  # named 'housing', a bare code
    open_group(page, "办理部门")
    picker = page.locator("[data-entry-id=shenpi-lane-group] select")
    assert picker.input_value() == "housing"
    assert "不动产登记中心 (realestate)" in picker.inner_text() and "部门负责人 (lead)" in picker.inner_text()
    assert "(admin)" not in picker.inner_text()  # no one administers a case's step
    assert picker.locator("option[value='']").count() == 0  # a named lane is not offered <none>
    picker.select_option("realestate")
    page.wait_for_function(XML_HAS, arg='name="不动产登记中心 (realestate)"')
    picker.select_option("住建")
    page.wait_for_function(XML_HAS, arg='name="住房和城乡建设局 (住建)"')
    assert picker.input_value() == "住建"
    picker.select_option("city planning")
    page.wait_for_function(XML_HAS, arg='name="city planning"')
    page.evaluate(RENAME, ["Lane_1", "住建局 (housng)"])
    page.evaluate(SELECT, "Lane_0")
    page.evaluate(SELECT, "Lane_1")
    assert picker.input_value() == "housng"
    assert picker.locator("option:checked").inner_text() == "housng — 没有这个部门或角色"
    page.evaluate(RENAME, ["Lane_1", "不动产登记中心"])  # the department's name, not its code
    page.evaluate(SELECT, "Lane_0")
    page.evaluate(SELECT, "Lane_1")
    assert picker.locator("option:checked").inner_text() == "不动产登记中心 — 这是名称而不是代码：请在本列表中选择"
    # A lane whose tasks do not take their department from it (none, or each names its own) is no
    # problem: the shipped procedures' 规则引擎 (system) lane.
    page.evaluate(RENAME, ["Lane_1", "规则引擎 (system)"])
    page.evaluate("() => { window.designer.modeler.get('elementRegistry').get('Lane_1').businessObject"
                  ".flowNodeRef = []; }")
    page.evaluate(SELECT, "Lane_0")
    page.evaluate(SELECT, "Lane_1")
    assert picker.locator("option:checked").inner_text() == "system — 本泳道没有按它分派的任务"
    page.evaluate(RENAME, ["Lane_1", "监察 (supervisor)"])  # a role lanes may name, though not offered
    page.evaluate(SELECT, "Lane_0")
    page.evaluate(SELECT, "Lane_1")
    assert picker.locator("option:checked").inner_text() == "电子监察人员 (supervisor)"


def test_the_diagram_opens_clear_of_the_palette_and_a_new_one_under_the_name_typed(live_server, page, org):
    deploy_approval(org)
    login(page, live_server, "designer")
    open_modeler(page, f"{live_server}/designer/bpmn/approval")
    palette = page.locator("#canvas .djs-palette").bounding_box()
    start = page.locator(".djs-element[data-element-id=start]").bounding_box()
    canvas = page.locator("#canvas").bounding_box()
    assert start["x"] > palette["x"] + palette["width"]  # the palette hid the start event
    assert start["x"] + start["width"] < canvas["x"] + canvas["width"]
    page.goto(f"{live_server}/designer/")
    page.fill(".new-bpmn input[name=key]", "lanes_demo")
    page.fill(".new-bpmn input[name=name]", "泳道流程")
    page.click(".new-bpmn button[type=submit]")
    page.wait_for_selector("body[data-modeler=ready]")
    assert page.inner_text("h1").startswith("泳道流程 lanes_demo")


def test_a_key_typed_in_chinese_is_explained_on_the_page_and_kept(live_server, page, org):
    """The browser's own "match the requested format" said nothing of what a key may hold (and in
    the browser's language): the page says it, with the key and name as typed."""
    login(page, live_server, "designer")
    page.goto(f"{live_server}/designer/")
    page.fill(".new-bpmn input[name=key]", "建设许可")
    page.fill(".new-bpmn input[name=name]", "建设许可")
    page.click(".new-bpmn button[type=submit]")
    page.wait_for_selector(".flash:has-text('标识只能包含字母、数字、下划线、点和短横线，且以字母或下划线开头')")
    assert page.input_value(".new-bpmn input[name=key]") == "建设许可"
    assert page.input_value(".new-bpmn input[name=name]") == "建设许可"


def test_xml_pasted_without_a_diagram_is_laid_out_not_refused(live_server, page, org):
    """A file written by hand or by a tool that draws nothing: bpmn-js said only "no diagram to
    display", and nothing on the page could be saved or deployed. It is laid out as a file opened
    from the list is, and deploys."""
    deploy_approval(org)
    login(page, live_server, "designer")
    open_modeler(page, f"{live_server}/designer/bpmn/approval")
    page.click("#toggle-xml")
    assert "BPMNDiagram" not in approval()
    page.fill("#xml-text", approval(name="简单审批（无图）"))
    page.click("#apply-xml")
    page.wait_for_selector("#status.warning:has-text('已按流程自动排布')")
    assert page.locator(".djs-element[data-element-id=review]").count() == 1
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#deploy")
    page.wait_for_selector("#status.ok:has-text('approval v2')")
    assert [d.name for d in deploy.versions("approval")] == ["简单审批", "简单审批（无图）"]


OPEN_TABLE = """async (n) => { const m = window.designer.modeler;
                               await m.open(m.getViews().filter((v) => v.type === 'decisionTable')[n]); }"""
TABLE_COUNT = "() => window.designer.modeler.getViews().filter((v) => v.type === 'decisionTable').length"
# How far the table reaches past the canvas: its last output column, then the annotations.
TABLE_OVERFLOW = "() => { const c = document.querySelector('.tjs-table-container'); return c.scrollWidth - c.clientWidth; }"
# Every shipped table but the 15 columns of assessments_required, which cannot fit 1280 px sensibly.
FITTING_TABLES = ["registration_refusals", "regional_coverage", "transfer_taxes", "drawing_reviews"]


def test_the_shipped_rule_tables_fit_a_1280_screen_with_the_problem_list_beside_them(live_server, new_page, org):
    from tests.procedures import install
    install(org)
    page = new_page(1280, 800)
    login(page, live_server, "designer")
    for key in FITTING_TABLES:
        open_modeler(page, f"{live_server}/designer/dmn/{key}")
        for n in range(page.evaluate(TABLE_COUNT)):  # transfer_taxes holds the seller's and the buyer's
            page.evaluate(OPEN_TABLE, n)
            page.locator(".tjs-container").wait_for()
            assert page.evaluate(TABLE_OVERFLOW) <= 0, (key, n)  # no sideways scrolling to the last output
            assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
            heading = page.locator(".problems-panel h2").bounding_box()
            assert heading["x"] + heading["width"] <= 1280 and heading["height"] < 40  # beside, on one line
            last = page.locator(".tjs-table thead th.output-cell").last.bounding_box()
            canvas = page.locator("#canvas").bounding_box()
            assert last["width"] >= 80 and last["x"] + last["width"] <= canvas["x"] + 1006

    # A column the designer widened by hand keeps its width; the others share what is left.
    page.evaluate("""() => { const viewer = window.designer.modeler.getActiveViewer();
                             const input = viewer.get('sheet').getRoot().businessObject.input[0];
                             viewer.get('modeling').updateProperties(input, { width: 320 }); }""")
    page.wait_for_function("() => document.querySelector('.tjs-table thead th.input-cell').style.width === '320px'")
    assert abs(page.locator(".tjs-table thead th.input-cell").first.bounding_box()["width"] - 320) < 2


MULTI_INSTANCE = r"<bpmn:multiInstanceLoopCharacteristics .*?</bpmn:multiInstanceLoopCharacteristics>"
REVIEW_ROUND_LOOP = ["<bpmn:loopDataInputRef>pending_reviews</bpmn:loopDataInputRef>",
                     "<bpmn:loopDataOutputRef>round_opinions</bpmn:loopDataOutputRef>",
                     '<bpmn:inputDataItem id="review" name="审查事项" />',
                     '<bpmn:outputDataItem id="opinion_of_department" name="部门意见" />']


def test_a_multi_instance_task_keeps_the_data_it_names_through_the_designer(live_server, page, org):
    # SpiffWorkflow's loopDataInputRef / loopDataOutputRef name case data, no element's id.
    from tests.procedures import install
    install(org)
    login(page, live_server, "designer")
    open_modeler(page, f"{live_server}/designer/bpmn/review_round")
    loop = re.search(MULTI_INSTANCE, element_xml(page, "userTask", "department_review"), re.S).group(0)
    assert [text for text in REVIEW_ROUND_LOOP if text not in loop] == []

    # The panel's multi-instance group shows the names and changes them, undo puts them back.
    page.evaluate(SELECT, "department_review")
    change_entry(page, "多实例", "spiff-loopDataInputRef", "pending_reviews", "pending_again",
                 "<bpmn:loopDataInputRef>pending_again</bpmn:loopDataInputRef>")
    assert page.input_value("[data-entry-id=spiff-inputDataItem] input") == "review"
    assert page.input_value("[data-entry-id=spiff-loopDataOutputRef] input") == "round_opinions"
    page.locator("[data-entry-id=spiff-loopDataInputRef] input").blur()  # as leaving the field does
    page.evaluate("() => window.designer.modeler.get('commandStack').undo()")
    page.wait_for_function(XML_HAS, arg="<bpmn:loopDataInputRef>pending_reviews</bpmn:loopDataInputRef>")

    # Unchanged, it validates and deploys as it was shipped.
    page.click("#validate")
    page.wait_for_selector("#status:is(.ok, .warning)")
    assert page.locator("#problems li.problem:not(.warning)").count() == 0
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#deploy")
    page.wait_for_selector("#status:is(.ok, .warning):has-text('review_round v2')")
    deployed = design.source_of("bpmn", "review_round", 2, org["designer"]).source
    assert [text for text in REVIEW_ROUND_LOOP if text not in deployed] == []

    # A copy names the same data, as its own variables are named the same: read again, both keep them.
    [copy] = page.evaluate(COPY_AND_PASTE, "department_review")
    page.click("#toggle-xml")
    page.click("#apply-xml")
    page.wait_for_function("() => !window.designer.modeler.get('commandStack').canUndo()")  # read anew
    for task in ("department_review", copy):
        loop = re.search(MULTI_INSTANCE, element_xml(page, "userTask", task), re.S).group(0)
        assert [text for text in REVIEW_ROUND_LOOP if text not in loop] == []

    # An output element named as the input one (the item updated in place) is read again too.
    page.evaluate(SELECT, "department_review")
    field = page.locator("[data-entry-id=spiff-outputDataItem] input")  # the group still open
    assert field.input_value() == "opinion_of_department"
    field.fill("review")
    page.wait_for_function(XML_HAS, arg='<bpmn:outputDataItem id="review" name="部门意见"')
    page.click("#toggle-xml")  # closed, and open again with the XML as it is now
    page.click("#toggle-xml")
    page.click("#apply-xml")
    page.wait_for_function("() => !window.designer.modeler.get('commandStack').canUndo()")
    assert '<bpmn:outputDataItem id="review" name="部门意见" />' in element_xml(page, "userTask", "department_review")
