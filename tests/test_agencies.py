"""中介超市 through the service layer: the registry, commissions on their own clock, ratings, overruns."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import agencies, clock
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.services import calendars
from engine.store import session_scope
from engine.store.models import Clock, Event
from tests.procedures import install, take_in
from tests.test_merged_assessments import ITEM, project

CODE, OTHER = "91110000MA01ABCD2Q", "91620100MA71XWK3A3"


@pytest.fixture
def people(org):
    return install(org)


def agency(admin, name="华测评价有限公司", code=CODE, **services):
    return agencies.register(admin, name=name, credit_code=code, services=services or {"seismic_safety": 10},
                             qualification="地震安全性评价甲级", contact="0931-1234567", price_note="按工程规模议价")


def events():
    with session_scope() as session:
        return [(e.type, e.data) for e in session.scalars(select(Event).where(Event.type.like("agency%"))
                                                          .order_by(Event.id))]


def test_the_registry_checks_the_code_and_only_administrators_keep_it(org):
    with pytest.raises(Invalid, match="18 characters"):
        agency(org["admin"], code="9111000")
    with pytest.raises(Invalid, match="last character"):
        agency(org["admin"], code=CODE[:-1] + "3")
    with pytest.raises(Invalid, match="Unknown kind"):
        agency(org["admin"], astrology=3)
    with pytest.raises(Forbidden):
        agency(org["clerk"])
    first = agency(org["admin"])
    with pytest.raises(Conflict, match="registered already"):
        agency(org["admin"], name="另一家")
    changed = agencies.edit(first.id, org["admin"], name="华测评价（兰州）有限公司", credit_code=CODE,
                            services={"seismic_safety": 8, "safety": 12})
    assert changed.services == {"seismic_safety": 8, "safety": 12}
    with pytest.raises(Invalid, match="reason"):
        agencies.set_suspended(first.id, True, " ", org["admin"])
    agencies.set_suspended(first.id, True, "资质到期未续", org["admin"])
    assert agencies.market() == []  # suspended: not offered
    with pytest.raises(Conflict):
        agencies.set_suspended(first.id, True, "again", org["admin"])
    agencies.set_suspended(first.id, False, "已续期", org["admin"])
    assert [a["name"] for a in agencies.market("safety")] == ["华测评价（兰州）有限公司"]
    assert agencies.market("energy") == []
    assert [t for t, _ in events()] == ["agency_registered", "agency_edited", "agency_suspended", "agency_reinstated"]


def test_a_commission_is_due_on_the_agencys_promise_and_moves_no_case_clock(people):
    case = take_in(ITEM, project(major_project=True), people["clerk"])  # reviews: climate, seismic_safety
    quake = agency(people["admin"], seismic_safety=10, energy=5)
    with session_scope() as session:
        before = [(c.id, c.state, c.promised_due, c.statutory_due) for c in
                  session.scalars(select(Clock).where(Clock.instance_id == case.instance_id))]
    with pytest.raises(Invalid, match="needs no report"):  # the rules did not ask for an energy report
        agencies.commission(case.id, case.applicant_id, quake.id, "energy")
    with pytest.raises(NotFound):  # someone else's case
        agencies.commission(case.id, case.applicant_id + 99, quake.id, "seismic_safety")
    row = agencies.commission(case.id, case.applicant_id, quake.id, "seismic_safety")
    assert row.chosen_on == clock.today()
    assert row.due_on == calendars.current().add_workdays(clock.today(), 10).date
    with pytest.raises(Conflict, match="open commission"):
        agencies.commission(case.id, case.applicant_id, quake.id, "seismic_safety")
    with session_scope() as session:
        after = [(c.id, c.state, c.promised_due, c.statutory_due) for c in
                 session.scalars(select(Clock).where(Clock.instance_id == case.instance_id))]
    assert after == before  # outside the government clock: nothing paused, nothing moved
    assert agencies.choices(case.id).keys() == {"climate"}  # seismic is taken; climate has no agency yet
    assert agencies.choices(case.id)["climate"] == []
    assert ("agency_commissioned", row.due_on.isoformat()) in [(t, d.get("due_on")) for t, d in events()]


def test_delivery_late_rating_once_and_the_average_in_the_market(people, monkeypatch):
    case = take_in(ITEM, project(major_project=True), people["clerk"])
    quake = agency(people["admin"], seismic_safety=3)
    row = agencies.commission(case.id, case.applicant_id, quake.id, "seismic_safety")
    with pytest.raises(Conflict, match="once its report is delivered"):
        agencies.rate(row.case_id, row.id, case.applicant_id, 5)
    assert agencies.overdue(people["supervisor"]) == []
    late_day = row.due_on + timedelta(days=3)
    monkeypatch.setattr(clock, "today", lambda: late_day)
    [overrun] = agencies.overdue(people["supervisor"])
    assert overrun.id == row.id and overrun.agency.name == "华测评价有限公司"
    with pytest.raises(Forbidden):
        agencies.overdue(people["clerk"])
    agencies.deliver(row.case_id, row.id, applicant_id=case.applicant_id)
    assert agencies.overdue(people["supervisor"]) == []
    assert [d["on_time"] for t, d in events() if t == "agency_delivered"] == [False]
    with pytest.raises(Conflict, match="closed already"):
        agencies.deliver(row.case_id, row.id, applicant_id=case.applicant_id)
    with pytest.raises(Invalid, match="1 to 5"):
        agencies.rate(row.case_id, row.id, case.applicant_id, 6)
    with pytest.raises(Invalid, match="at most 500"):
        agencies.rate(row.case_id, row.id, case.applicant_id, 2, "慢" * 501)
    agencies.rate(row.case_id, row.id, case.applicant_id, 2, "逾期三天")
    with pytest.raises(Conflict, match="rated already"):
        agencies.rate(row.case_id, row.id, case.applicant_id, 5)
    # a second case, delivered by the window, rated 5: the average is of both
    other = take_in(ITEM, project(major_project=True), people["clerk"])
    second = agencies.commission(other.id, other.applicant_id, quake.id, "seismic_safety")
    with pytest.raises(Forbidden):
        agencies.deliver(second.case_id, second.id, actor=people["reviewer"])
    agencies.deliver(second.case_id, second.id, actor=people["clerk"])
    agencies.rate(second.case_id, second.id, other.applicant_id, 5)
    [offer] = agencies.market("seismic_safety")
    assert (offer["average"], offer["count"]) == (3.5, 2)


def test_cancel_with_a_reason_frees_the_kind(people):
    case = take_in(ITEM, project(major_project=True), people["clerk"])
    quake = agency(people["admin"], seismic_safety=10)
    row = agencies.commission(case.id, case.applicant_id, quake.id, "seismic_safety")
    with pytest.raises(Invalid, match="reason"):
        agencies.cancel(row.case_id, row.id, "", applicant_id=case.applicant_id)
    agencies.cancel(row.case_id, row.id, "报价过高", applicant_id=case.applicant_id)
    assert agencies.of_case(case.id)[0].state == "cancelled"
    again = agencies.commission(case.id, case.applicant_id, quake.id, "seismic_safety")
    assert again.state == "open"
    agencies.set_suspended(quake.id, True, "被投诉", people["admin"])
    agencies.cancel(again.case_id, again.id, "换一家", actor=people["clerk"])
    with pytest.raises(NotFound, match="marketplace"):  # a suspended agency is chosen no more
        agencies.commission(case.id, case.applicant_id, quake.id, "seismic_safety")


def test_an_item_names_only_known_kinds_of_report():
    from engine import catalogue
    item = {"code": "X-1", "name": "x", "kind": "licence", "department": "housing", "case_type": "promised",
            "promised_days": 5, "materials": [], "agency_services": ["palmistry"]}
    with pytest.raises(Invalid, match="agency_services"):
        catalogue.validate(item)
