"""特殊环节 an office adds to the law's (domain: "locally configured ones such as 现场踏勘"): the
administrator adds one, a reviewer starts it like any other, withdrawn it starts no more."""
import pytest
from sqlalchemy import select

from engine import catalogue, intake
from engine.clock import pauses
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.services import deploy, special_kinds
from engine.services.users import ensure_department
from engine.store import session_scope
from engine.store.models import Event
from tests.test_web_task_actions import HOUSING_REVIEW, case_clock, case_task
from tests.procedures import promised_item
from tests.web import element, signed_in


@pytest.fixture
def app(org):
    from web import create_app
    deploy.deploy([("housing.bpmn", HOUSING_REVIEW.encode())], org["designer"])
    catalogue.save(promised_item("H-1", "housing_review", "housing"), None)
    with session_scope() as session:
        ensure_department(session, "housing", "住建局")
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def printed_special(app, case) -> str:
    """The latest 特殊环节通知书 of the case, as the window prints it."""
    notice = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "special"][-1]
    return signed_in(app, "clerk").get(f"/intake/notices/{notice['id']}").text


def test_an_office_adds_a_special_procedure_a_reviewer_starts_and_withdraws_it(app, org):
    admin = signed_in(app, "admin")
    assert admin.post("/admin/special-kinds", data={"code": "joint_survey", "name": "联合踏勘"}).status_code == 303
    listed = element(admin.get("/admin/special-kinds").text, "special-kinds")
    assert "联合踏勘" in listed and "本机关增加" in listed and "专家评审" in listed  # the law's listed too
    case, task_id = case_task(org, "H-1")
    reviewer = signed_in(app, "reviewer")
    limits = element(reviewer.get(f"/inbox/tasks/{task_id}").text, "limits")
    assert '<option value="joint_survey">联合踏勘</option>' in limits
    cid = case_clock(case)["id"]
    assert reviewer.post(f"/inbox/tasks/{task_id}/clocks/{cid}/pause",
                         data={"kind": "joint_survey", "expected_days": "3", "reason": "规划、住建联合现场踏勘"}
                         ).status_code == 303
    assert case_clock(case)["state"] == "paused"
    told = [n["data"]["procedure"] for n in intake.describe(case.id)["notices"] if n["kind"] == "special"]
    assert told == ["联合踏勘"]  # the applicant is told its name
    # Not one of Art. 45's: its time is not counted by the local rule, and the notice says so.
    assert "依照本地有关规定" in printed_special(app, case) and "第四十五条" not in printed_special(app, case)
    # Withdrawn: no new one starts, the one running is still named and ends as usual.
    assert admin.post("/admin/special-kinds/joint_survey/withdraw").status_code == 303
    page = reviewer.get(f"/inbox/tasks/{task_id}").text
    assert "联合踏勘：规划、住建联合现场踏勘" in element(page, "limits") and 'value="joint_survey"' not in page
    pauses.resume(cid, "踏勘完毕", org["reviewer"])
    with pytest.raises(Invalid, match="Unknown special procedure 'joint_survey'"):
        pauses.pause(cid, "joint_survey", "再次踏勘", 2, org["reviewer"])
    pauses.pause(cid, "expert_review", "结构安全专家评审", 2, org["reviewer"])
    assert "第四十五条" in printed_special(app, case)  # the law's own
    with session_scope() as session:
        changes = session.execute(select(Event.type, Event.actor_id).where(Event.type.like("special_kind_%"))
                                  .order_by(Event.id)).all()
    assert changes == [("special_kind_added", org["admin"].id), ("special_kind_withdrawn", org["admin"].id)]


def test_a_special_procedure_is_added_once_by_an_administrator_with_a_code_and_a_name(app, org):
    special_kinds.add("joint_survey", "联合踏勘", org["admin"])
    for code, name, refused in (("joint_survey", "另一个", Conflict), ("other", "联合踏勘", Conflict),
                                ("hearing", "听证会", Conflict), ("x", "公示", Invalid), ("Publicity", "公示", Invalid),
                                ("publicity", "", Invalid), ("publicity", "公" * 41, Invalid)):
        with pytest.raises(refused):
            special_kinds.add(code, name, org["admin"])
    with pytest.raises(Forbidden):
        special_kinds.add("publicity", "公示", org["reviewer"])
    with pytest.raises(NotFound):  # the law's are not the office's to withdraw
        special_kinds.set_active("hearing", False, org["admin"])
    page = signed_in(app, "admin").post("/admin/special-kinds", data={"code": "Bad Code", "name": "公示"})
    assert page.status_code == 422 and 'value="Bad Code"' in page.text and 'value="公示"' in page.text
    assert [k["code"] for k in special_kinds.listed(org["admin"]) if not k["law"]] == ["joint_survey"]
