"""代办: an agent (代办员 of a village agent point) files cases for applicants, follows only the ones
they filed and hands in what a notice asks for; the window accepts and decides the rest."""
import re

import pytest

from engine import corrections, intake
from engine.errors import Forbidden
from engine.services import progress, users
from tests.test_web_intake import APPLICANT, app, case_id_of, files, submit  # noqa: F401 (fixture)
from tests.web import element, signed_in


@pytest.fixture
def agent(org):
    return users.add_user("agent", "何芳", "village", ["agent"], "pass-agent")


def test_an_agent_files_a_case_the_window_accepts(app, org, agent):
    page = signed_in(app, "agent")
    assert page.get("/", follow_redirects=False).location.endswith("/intake/")
    form = page.get("/intake/new/W-1").text
    assert 'name="channel"' not in form and 'id="agent-filing"' in form
    res = submit(page, "id_card", "form", "land", "marriage", channel="window")  # the channel is not theirs to say
    assert res.status_code == 303
    case_id = case_id_of(res)
    info = intake.describe(case_id)
    assert info["channel"] == "agent" and info["status"] == "submitted"
    shown = page.get(f"/intake/cases/{case_id}").text
    assert 'id="accept-form"' not in shown and 'id="refuse-form"' not in shown and 'id="applicant-account"' not in shown
    assert page.post(f"/intake/cases/{case_id}/accept").status_code == 403
    assert intake.describe(case_id)["status"] == "submitted"
    window = signed_in(app, "clerk")
    assert window.post(f"/intake/cases/{case_id}/accept").status_code == 303
    assert 'data-status="accepted"' in page.get(f"/intake/cases/{case_id}").text  # they follow it
    listed = element(window.get("/intake/").text, "recent-cases")
    assert info["number"] in listed and "代办" in listed


def test_an_agent_sees_and_supplies_only_the_cases_they_filed(app, org, agent):
    mine = case_id_of(submit(signed_in(app, "agent"), "id_card", "form", "marriage"))
    other = case_id_of(submit(signed_in(app, "clerk"), "id_card", "form", "marriage",
                              name="王五", id_number="110101199303034565"))
    listed = element(signed_in(app, "agent").get("/intake/").text, "recent-cases")
    assert intake.describe(mine)["number"] in listed and intake.describe(other)["number"] not in listed
    page = signed_in(app, "agent")
    refused = page.get(f"/intake/cases/{other}")
    assert refused.status_code == 403 and "代办员只能查看自己代办的办件" in refused.text  # not "other departments'"
    with pytest.raises(Forbidden, match="only the cases they filed"):
        progress.visible_case(other, agent)
    # The window asks for the missing land certificate once; the agent brings it.
    for case_id in (mine, other):
        corrections.request_correction(case_id, [{"code": "land", "reason": "缺少"}], org["clerk"])
    assert page.post(f"/intake/cases/{other}/supply", data=files("land"),
                     content_type="multipart/form-data").status_code == 403
    assert intake.describe(other)["status"] == "correction"
    assert "提交补交材料" in element(page.get(f"/intake/cases/{mine}").text, "supply-form")  # an agent hands in
    res = page.post(f"/intake/cases/{mine}/supply", data=files("land"),
                    content_type="multipart/form-data")
    assert res.status_code == 303 and intake.describe(mine)["status"] == "submitted"
    with pytest.raises(Forbidden):  # the engine says so too, whatever calls it
        corrections.supply(other, [intake.Upload("land", "land.pdf", b"%PDF land")], agent)
    [land] = [m for m in intake.describe(mine)["materials"] if m["code"] == "land"]
    assert page.get(f"/inbox/materials/{land['material_id']}").status_code == 200


def test_an_agent_works_no_step_and_reads_no_departments_case(app, org, agent):
    """An agent point is a department, but its agent works no step: a transfer to it, to its
    role or to the agent by name is refused, a lane named after their role is not theirs, and no
    copy opens a department's case to them."""
    from engine import operations
    from engine.errors import Invalid, Message
    from engine.services import cases, deploy, tasks
    from engine.services.notifications import tell
    from engine.services.tokens import issue_token
    from engine.store import session_scope
    from tests.bpmn_builder import process
    lane = process("village_lane", [("start", "s", "s"), ("user", "t", "审查"), ("user", "a", "代办"),
                                    ("end", "e", "e")],
                   [("s", "t"), ("t", "a"), ("a", "e")], lanes={"housing": ["t"], "agent": ["a"]})
    deploy.deploy([("v.bpmn", lane.encode())], org["designer"])
    started = cases.start_instance("village_lane", org["clerk"])
    [task] = started["tasks"]
    tasks.claim(task["id"], org["reviewer"])
    with pytest.raises(Invalid, match="No one in 'village'"):
        operations.transfer(task["id"], org["reviewer"], to_group="village", reason="请代办点处理")
    with pytest.raises(Invalid, match="No department or group 'agent'"):
        operations.transfer(task["id"], org["reviewer"], to_group="agent", reason="请代办员处理")
    with pytest.raises(Invalid, match="agent works on no department's steps"):
        operations.transfer(task["id"], org["reviewer"], to_user="agent", reason="请代办员处理")
    # Nor to supervision, whose administrator may step in anywhere but is sent no step.
    with pytest.raises(Invalid, match="No one in 'supervision'"):
        operations.transfer(task["id"], org["reviewer"], to_group="supervision", reason="请监察室处理")
    with pytest.raises(Invalid, match="admin works on no department's steps"):
        operations.transfer(task["id"], org["reviewer"], to_user="admin", reason="请管理员处理")
    page = signed_in(app, "reviewer").get(f"/inbox/tasks/{task['id']}").text
    offered = re.search(r'<select name="to_group".*?</select>', page, re.S).group(0)
    assert ">housing<" in offered and "village" not in offered and "supervision" not in offered
    assert 'value="agent"' not in page and 'value="designer"' not in page and 'value="reviewer2"' in page
    with pytest.raises(Invalid, match="agent reads no department's cases"):
        operations.copy_to(task["id"], org["reviewer"], ["agent"])
    assert [t["group"] for t in tasks.list_tasks(org["reviewer"]) if t["id"] == task["id"]] == ["housing"]
    assert agent.groups == set() and tasks.list_tasks(agent) == []
    with pytest.raises(Forbidden):
        tasks.claim(task["id"], agent)
    # The next step's lane is named after the agents' role: still no agent's to take.
    [step] = tasks.complete(task["id"], org["reviewer"], {})["tasks"][1:]
    assert step["group"] == "agent" and tasks.list_tasks(agent) == []
    api = app.test_client()
    token = {"Authorization": f"Bearer {issue_token('agent')}"}
    assert api.post(f"/api/tasks/{step['id']}/claim", headers=token).status_code == 403
    # Even told of it, an agent reads the case only as the filer of a case would.
    with session_scope() as session:
        tell(session, [agent.id], started["id"], step["id"], Message("Urged: %(task)s", task="代办"))
    assert api.get(f"/api/instances/{started['id']}", headers=token).status_code == 403


def test_an_agent_learns_and_changes_nothing_of_an_applicants_record(app, org, agent):
    """The record an ID number names is the applicant's: an agent typing another name is told it
    does not match (not the name on record), renames nothing, gives no phone, opens no file kept
    from the applicant's earlier cases, and their filing proves nothing to open an online account."""
    from engine import portal
    from engine.errors import Conflict, Invalid
    from engine.store import session_scope
    from engine.store.models import Applicant
    window = signed_in(app, "clerk")
    case_id_of(submit(window, "id_card", "form", "marriage", phone=""))  # the window knows 李四, no phone
    with pytest.raises(Invalid) as refused:
        intake.submit("W-1", {**APPLICANT, "name": "李四四", "renamed_because": "更名"}, [], agent, channel="agent",
                      form={"project": "x"})
    assert "李四" not in str(refused.value.message).replace("李四四", "")
    filed = intake.submit("W-1", {**APPLICANT, "phone": "13811112222"}, [], agent, channel="agent",
                          form={"project": "x"})
    with session_scope() as session:
        record = session.get(Applicant, filed.applicant_id)
        assert (record.name, record.phone) == ("李四", None)
    [id_card] = [m for m in intake.describe(filed.id)["materials"] if m["code"] == "id_card"]
    assert id_card["state"] == "reused"
    assert signed_in(app, "agent").get(f"/inbox/materials/{id_card['material_id']}").status_code == 403
    assert 'id="applicant-ids"' not in signed_in(app, "agent").get(f"/intake/cases/{filed.id}").text
    with pytest.raises(Conflict):  # the agent's case number is no proof of being 李四
        portal.register(name="李四", kind="person", id_type="id_card", id_number=APPLICANT["id_number"],
                        phone="13811112222", password="secret-pw1", case_number=filed.number)


def test_the_api_shows_an_agent_the_case_as_its_applicant_sees_it(app, org, agent):
    from engine.services.tokens import issue_token
    case_id = case_id_of(submit(signed_in(app, "agent"), "id_card", "form", "land", "marriage"))
    intake.accept(case_id, org["clerk"])
    token = {"Authorization": f"Bearer {issue_token('agent')}"}
    shown = app.test_client().get(f"/api/cases/{case_id}", headers=token).json
    assert shown["status"] == "accepted" and shown["open_steps"] == []
    assert [c["task_id"] for c in shown["clocks"]] == [None]
    assert intake.describe(case_id)["open_steps"]  # the window's view has them


def test_an_agent_files_with_the_applicants_power_of_attorney_which_the_window_may_go_without(app, org, agent):
    """帮办代办 with a 授权委托书 (domain-reference: an agent acts for the applicant with one): asked
    of an agent's filing, optional for an applicant at the window."""
    from sqlalchemy import func, select
    from engine import catalogue
    from engine.store import session_scope
    from engine.store.models import Case
    from tests.test_web_intake import ITEM
    authority = {"code": "power_of_attorney", "name": "授权委托书", "mandatory": False, "mandatory_by_agent": True}
    catalogue.save({**ITEM, "materials": [*ITEM["materials"], authority]}, None)
    page = signed_in(app, "agent")
    assert "代办时必交" in page.get("/intake/new/W-1").text
    refused = submit(page, "id_card", "form", "land", "marriage")
    assert refused.status_code == 422 and "授权委托书" in refused.text
    with session_scope() as session:  # nothing taken in
        assert session.scalar(select(func.count()).select_from(Case)) == 0
    filed = case_id_of(submit(page, "id_card", "form", "land", "marriage", "power_of_attorney"))
    rows = {m["code"]: m for m in intake.describe(filed)["materials"]}
    assert rows["power_of_attorney"]["mandatory"] and rows["power_of_attorney"]["state"] == "provided"
    at_window = case_id_of(submit(signed_in(app, "clerk"), "id_card", "form", "land", "marriage",
                                  name="王五", id_number="110101199303034565"))
    rows = {m["code"]: m for m in intake.describe(at_window)["materials"]}
    assert not rows["power_of_attorney"]["mandatory"] and rows["power_of_attorney"]["state"] == "missing"
    assert signed_in(app, "clerk").post(f"/intake/cases/{at_window}/accept").status_code == 303  # not owed


def test_an_agent_reads_the_cases_dates_as_its_applicant_does_without_the_cards(app, org, agent):
    """黄牌/红牌 are the office's own marks on its departments (电子监察), not the applicant's."""
    from datetime import timedelta
    from engine import clock, timers
    filed = case_id_of(submit(signed_in(app, "agent"), "id_card", "form", "land", "marriage"))
    signed_in(app, "clerk").post(f"/intake/cases/{filed}/accept")
    timers.tick(now=clock.datetime.combine(clock.today() + timedelta(days=30), clock.time(9), clock.SHANGHAI))
    assert "红牌" in signed_in(app, "clerk").get(f"/intake/cases/{filed}").text
    shown = signed_in(app, "agent").get(f"/intake/cases/{filed}").text
    assert "承诺期限" in shown and "红牌" not in shown and "黄牌" not in shown
