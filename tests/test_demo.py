"""The demo organisation `make run` creates: every department the shipped procedures send work to
has someone to do it, so a demo case can be taken through every review."""
import re
from pathlib import Path

from engine.demo import DEMO_PASSWORD, DEPARTMENTS, create_demo_organisation
from engine.services import users
from engine.store.db import read_session

ROOT = Path(__file__).resolve().parent.parent


def test_every_department_the_rules_name_has_a_reviewer_who_can_sign_in(db):
    created = [login for login, _roles in create_demo_organisation()]
    named = {code for dmn in (ROOT / "rules").glob("*.dmn")
             for code in re.findall(r'"(\w+)"', dmn.read_text(encoding="utf-8")) if code in DEPARTMENTS}
    assert {"natres", "fire", "airdef", "eco", "water", "relics", "housing", "tax"} <= named
    working = set()
    for login in created:
        user = users.check_password(login, DEMO_PASSWORD, "127.0.0.1")
        if user.has_role("reviewer"):
            working |= user.groups
    assert named <= working


def test_every_demo_department_has_people(db):
    create_demo_organisation()
    with read_session() as session:
        assert {person.department for person in users.people(session)} == set(DEPARTMENTS)


def test_demo_people_are_found_by_the_name_they_go_by(db):
    """转办 and 抄送 take a person's name: a demo name carrying its department (发改局 张伟) was
    not found as 张伟."""
    from engine import operations
    from engine.store import session_scope
    create_demo_organisation()
    with session_scope() as session:
        assert operations._person(session, "张伟").login == "lead"
        assert operations._person(session, "赵磊 · 住房和城乡建设局").login == "reviewer2"


def test_a_demo_made_before_gets_the_departments_added_since_and_their_person(db):
    """The utilities came with 一件事: a demo database made without them would refuse their items."""
    from engine.store import session_scope
    from engine.store.models import Department, User
    from sqlalchemy import delete
    create_demo_organisation()
    with session_scope() as session:
        session.execute(delete(User).where(User.login == "gas"))
        session.execute(delete(Department).where(Department.code == "gas"))
    assert create_demo_organisation() == [("gas", "reviewer, lead")]
    assert users.get_user("gas").department.code == "gas"
    assert create_demo_organisation() == []
