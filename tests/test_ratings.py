"""好差评 and rectification through the service layer: once per case, bad ratings rectified in time."""
import re

import pytest
from sqlalchemy import select

from engine import catalogue, clock, decisions, intake, portal, ratings
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.services import calendars
from engine.store import session_scope
from engine.store.models import Event

ITEM = {"code": "Q-001", "name": "资料查询", "kind": "public_service", "department": "housing",
        "case_type": "immediate", "promised_days": 0,
        "materials": [{"code": "form", "name": "查询申请书", "mandatory": True}]}


def register(name="李四", id_number="110101199202023453", phone="13900000001"):
    return portal.register(name=name, id_type="id_card", id_number=id_number, phone=phone, password="secret-pw")


def closed_case(applicant, org):
    """Apply online, accept at the window (an immediate item is decided on the spot), deliver."""
    case = portal.apply(applicant.id, "Q-001", [intake.Upload("form", "form.pdf", b"%PDF form")])
    intake.accept(case.id, org["clerk"])
    return decisions.deliver(case.id, "window", org["clerk"])


@pytest.fixture
def applicant(org):
    catalogue.save(ITEM, None)
    return register()


def types():
    with session_scope() as session:
        return [e.type for e in session.scalars(select(Event).order_by(Event.id))]


def test_good_rating_is_kept_and_opens_nothing(applicant, org):
    case = closed_case(applicant, org)
    assert ratings.rate(case.id, applicant.id, 1, "很快") is None  # 非常满意
    assert portal.progress(applicant.id, case.number)["rating"] == 1
    assert "case_rated" in types() and "rectification_opened" not in types()
    assert ratings.rectifications(org["supervisor"]) == []


def test_a_case_is_rated_once(applicant, org):
    case = closed_case(applicant, org)
    with pytest.raises(Invalid, match="at most 2000"):  # a text longer than any reason: said, nothing kept
        ratings.rate(case.id, applicant.id, 5, "慢" * 2001)
    assert portal.progress(applicant.id, case.number)["rating"] is None
    ratings.rate(case.id, applicant.id, 2)
    with pytest.raises(Conflict) as err:
        ratings.rate(case.id, applicant.id, 5, "改主意了")
    assert err.value.status == 409
    assert portal.progress(applicant.id, case.number)["rating"] == 2
    assert types().count("case_rated") == 1


def test_only_a_closed_case_of_ones_own_is_rated(applicant, org):
    case = portal.apply(applicant.id, "Q-001", [intake.Upload("form", "form.pdf", b"%PDF form")])
    with pytest.raises(Conflict):  # still waiting at the window
        ratings.rate(case.id, applicant.id, 1)
    intake.accept(case.id, org["clerk"])
    with pytest.raises(Conflict):  # decided but not yet delivered
        ratings.rate(case.id, applicant.id, 1)
    decisions.deliver(case.id, "window", org["clerk"])
    other = register("王五", "110101199303034565", "13900000002")
    with pytest.raises(NotFound):
        ratings.rate(case.id, other.id, 5, "不是我的办件")
    for level in (0, 6):
        with pytest.raises(Invalid):
            ratings.rate(case.id, applicant.id, level)
    with pytest.raises(Invalid):  # a bad rating says why
        ratings.rate(case.id, applicant.id, 4, "  ")


def test_levels_are_coded_as_gb_t_39046_a8():
    assert ratings.LEVELS == {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}
    assert ratings.BAD == (4, 5)


@pytest.mark.parametrize("level", [1, 2, 3])
def test_a_satisfied_rating_needs_no_reason_and_opens_nothing(applicant, org, level):
    case = closed_case(applicant, org)
    assert ratings.rate(case.id, applicant.id, level) is None
    assert "rectification_opened" not in types() and ratings.rectifications(org["supervisor"]) == []


def test_very_dissatisfied_is_5_needs_a_reason_and_opens_a_rectification(applicant, org):
    case = closed_case(applicant, org)
    with pytest.raises(Invalid):
        ratings.rate(case.id, applicant.id, 5)
    assert portal.progress(applicant.id, case.number)["rating"] is None
    rectification = ratings.rate(case.id, applicant.id, 5, "材料被退回三次")
    assert rectification.rating == 5
    with session_scope() as session:
        event = session.scalar(select(Event).where(Event.type == "case_rated"))
        assert (event.data["rating"], event.data["label"]) == (5, "非常不满意")


def test_a_rating_event_recorded_in_the_old_coding_is_read_by_its_label(applicant, org):
    """Before migration 0008, 5 was 非常满意: such events stay as recorded, and read as what they said."""
    case = closed_case(applicant, org)
    ratings.rate(case.id, applicant.id, 1)
    with session_scope() as session:
        event = session.scalar(select(Event).where(Event.type == "case_rated"))
        event.data = {**event.data, "rating": 5, "label": "非常满意"}
    from web import create_app
    client = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()
    client.post("/portal/login", data={"identifier": applicant.phone, "password": "secret-pw"})
    page = client.get(f"/portal/cases/{case.number}").text
    assert re.search(r'评价服务</strong>\s*<span class="muted">非常满意', page) and "非常不满意" not in page


def test_bad_rating_opens_rectification_for_the_department_with_deadline(applicant, org):
    case = closed_case(applicant, org)
    rectification = ratings.rate(case.id, applicant.id, 5, "窗口态度差")
    assert rectification.department == "housing" and rectification.state == "open" and rectification.rating == 5
    assert rectification.due_on == calendars.current().add_workdays(clock.today(), 5).date
    assert "rectification_opened" in types()
    assert [r.id for r in ratings.rectifications(org["reviewer"])] == [rectification.id]
    assert [r.id for r in ratings.rectifications(org["supervisor"])] == [rectification.id]
    assert ratings.rectifications(org["taxman"]) == []
    with pytest.raises(Forbidden):
        ratings.get(rectification.id, org["taxman"])
    # The department's handling was not the window's: its clerks neither see nor answer it.
    assert ratings.rectifications(org["clerk"]) == []
    with pytest.raises(Forbidden):
        ratings.get(rectification.id, org["clerk"])
    with pytest.raises(Forbidden):
        ratings.answer(rectification.id, org["clerk"], "不是窗口的事")


def test_department_answers_rectification_once(applicant, org):
    case = closed_case(applicant, org)
    rectification = ratings.rate(case.id, applicant.id, 4, "等太久")
    with pytest.raises(Forbidden):  # another department
        ratings.answer(rectification.id, org["taxman"], "不是我们")
    with pytest.raises(Forbidden):  # supervisors watch, they do not answer
        ratings.answer(rectification.id, org["supervisor"], "已督促")
    with pytest.raises(Invalid):
        ratings.answer(rectification.id, org["reviewer"], " ")
    assert portal.progress(applicant.id, case.number)["rectification"]["state"] == "open"
    ratings.answer(rectification.id, org["reviewer"], "已约谈窗口人员，优化流程")
    # The applicant who rated reads the answer on the case's page.
    from web import create_app
    client = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()
    client.post("/portal/login", data={"identifier": applicant.phone, "password": "secret-pw"})
    page = client.get(f"/portal/cases/{case.number}").text
    assert re.search(r'id="rectification">.*整改答复.*已约谈窗口人员，优化流程', page, re.S)
    done = ratings.get(rectification.id, org["supervisor"])
    assert done.state == "answered" and done.response == "已约谈窗口人员，优化流程"
    assert done.answered_by == org["reviewer"].id and done.answered_at is not None
    assert ratings.rectifications(org["reviewer"], state="open") == []
    with pytest.raises(Conflict):
        ratings.answer(rectification.id, org["reviewer2"], "再答一次")
    with session_scope() as session:
        event = session.scalar(select(Event).where(Event.type == "rectification_answered"))
        assert event.actor_id == org["reviewer"].id and event.data["on_time"] is True


def test_an_application_note_longer_than_kept_is_refused_not_cut(applicant, org):
    with pytest.raises(Invalid, match="at most 2000"):
        portal.apply(applicant.id, "Q-001", [intake.Upload("form", "form.pdf", b"%PDF form")], note="急" * 2001)
    assert portal.my_cases(applicant.id) == []
    kept = portal.apply(applicant.id, "Q-001", [intake.Upload("form", "form.pdf", b"%PDF form")], note="急" * 2000)
    assert kept.note == "急" * 2000
