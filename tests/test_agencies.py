"""中介超市 through the service layer: the registry, commissions on their own clock, ratings, overruns."""
import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import agencies, agency_records, catalogue, clock, corrections, files, intake, termination, timers
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.services import calendars
from engine.store import session_scope
from engine.store.models import Clock, Event, Notification, Timer
from tests.procedures import install, uploads
from tests.test_merged_assessments import ITEM, project

CODE, OTHER = "91110000MA01ABCD2Q", "91620100MA71XWK3A3"
REPORT = intake.Upload("report", "评价报告.pdf", b"%PDF-1.4 the agency's report")


@pytest.fixture
def people(org):
    return install(org)


def applied(people, form=None, applicant=None):
    """A case taken in at the window without its reports, which the marketplace is to bring: not
    accepted yet (the checklist's 评估报告 asks for them first)."""
    form = form or project(major_project=True)  # reviews: climate, seismic_safety
    applicant = applicant or {"name": "某某科技有限公司", "kind": "company", "id_type": "uscc", "id_number": CODE,
                              "phone": "13900000000"}
    return intake.submit(ITEM, applicant, uploads(ITEM, ("assessment_report",), form), people["clerk"], form=form)


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
    # Accepted without its reports (deemed, Art. 32): its clocks run while the agencies prepare them.
    case = intake.accept(applied(people).id, None, deemed=True)
    quake = agency(people["admin"], seismic_safety=10, energy=5)
    with session_scope() as session:
        before = [(c.id, c.state, c.promised_due, c.statutory_due) for c in
                  session.scalars(select(Clock).where(Clock.instance_id == case.instance_id))]
    with pytest.raises(Invalid, match="needs no report"):  # the rules did not ask for an energy report
        agencies.commission(case.id, quake.id, "energy", applicant_id=case.applicant_id)
    with pytest.raises(NotFound):  # someone else's case
        agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id + 99)
    row = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    assert row.chosen_on == clock.today()
    assert row.due_on == calendars.current().add_workdays(clock.today(), 10).date
    with pytest.raises(Conflict, match="open commission"):
        agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    with session_scope() as session:
        after = [(c.id, c.state, c.promised_due, c.statutory_due) for c in
                 session.scalars(select(Clock).where(Clock.instance_id == case.instance_id))]
    assert after == before  # outside the government clock: nothing paused, nothing moved
    assert agencies.choices(case.id).keys() == {"climate"}  # seismic is taken; climate has no agency yet
    assert agencies.choices(case.id)["climate"] == []
    assert ("agency_commissioned", row.due_on.isoformat()) in [(t, d.get("due_on")) for t, d in events()]


def test_delivery_late_rating_once_and_the_average_in_the_market(people, monkeypatch):
    case = applied(people)
    quake = agency(people["admin"], seismic_safety=3)
    row = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    with pytest.raises(Conflict, match="once its report is delivered"):
        agencies.rate(row.case_id, row.id, case.applicant_id, 5)
    assert agency_records.overdue(people["supervisor"]) == []
    late_day = row.due_on + timedelta(days=3)
    monkeypatch.setattr(clock, "today", lambda: late_day)
    [overrun] = agency_records.overdue(people["supervisor"])
    assert overrun.id == row.id and overrun.agency.name == "华测评价有限公司"
    with pytest.raises(Forbidden):
        agency_records.overdue(people["clerk"])
    agencies.deliver(row.case_id, row.id, REPORT, applicant_id=case.applicant_id)
    assert agency_records.overdue(people["supervisor"]) == []
    assert [d["on_time"] for t, d in events() if t == "agency_delivered"] == [False]
    with pytest.raises(Conflict, match="closed already"):
        agencies.deliver(row.case_id, row.id, REPORT, applicant_id=case.applicant_id)
    with pytest.raises(Invalid, match="1 to 5"):
        agencies.rate(row.case_id, row.id, case.applicant_id, 6)
    with pytest.raises(Invalid, match="at most 500"):
        agencies.rate(row.case_id, row.id, case.applicant_id, 2, "慢" * 501)
    agencies.rate(row.case_id, row.id, case.applicant_id, 2, "逾期三天")
    with pytest.raises(Conflict, match="rated already"):
        agencies.rate(row.case_id, row.id, case.applicant_id, 5)
    # a second case, delivered by the window, rated 5: the average is of both
    other = applied(people)
    second = agencies.commission(other.id, quake.id, "seismic_safety", applicant_id=other.applicant_id)
    with pytest.raises(Forbidden):
        agencies.deliver(second.case_id, second.id, REPORT, actor=people["reviewer"])
    agencies.deliver(second.case_id, second.id, REPORT, actor=people["clerk"])
    agencies.rate(second.case_id, second.id, other.applicant_id, 5)
    [offer] = agencies.market("seismic_safety")
    assert (offer["average"], offer["count"]) == (3.5, 2)


def test_cancel_with_a_reason_frees_the_kind(people):
    case = applied(people)
    quake = agency(people["admin"], seismic_safety=10)
    row = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    with pytest.raises(Invalid, match="reason"):
        agencies.cancel(row.case_id, row.id, "", applicant_id=case.applicant_id)
    agencies.cancel(row.case_id, row.id, "报价过高", applicant_id=case.applicant_id)
    assert agencies.of_case(case.id)[0].state == "cancelled"
    again = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    assert again.state == "open"
    agencies.set_suspended(quake.id, True, "被投诉", people["admin"])
    agencies.cancel(again.case_id, again.id, "换一家", actor=people["clerk"])
    with pytest.raises(Conflict, match="suspended"):  # a suspended agency is chosen no more
        agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)


def test_an_item_names_only_known_kinds_of_report():
    item = {"code": "X-1", "name": "x", "kind": "licence", "department": "housing", "case_type": "promised",
            "promised_days": 5, "materials": [], "agency_services": ["palmistry"]}
    with pytest.raises(Invalid, match="agency_services"):
        catalogue.validate(item)


def timers_of(case_id):
    with session_scope() as session:
        return [(t.state, t.due_at) for t in session.scalars(select(Timer).where(Timer.case_id == case_id,
                                                                                Timer.kind == "agency_due")
                                                              .order_by(Timer.id))]


def told(user_id):
    """What the person was told of agencies overrunning (the case's reviews, of 7 working days for a
    major project's, warn of their own limits meanwhile)."""
    with session_scope() as session:
        return [n.text for n in session.scalars(select(Notification).where(Notification.user_id == user_id))
                if "中介服务逾期" in n.text]


def test_an_overrun_is_told_once_at_the_end_of_the_promised_day(people):
    case = applied(people)
    quake = agency(people["admin"], seismic_safety=3, climate=3)
    row = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    agencies.commission(case.id, quake.id, "climate", applicant_id=case.applicant_id)  # the same day: one timer for both
    end = clock.end_of(row.due_on)
    assert timers_of(case.id) == [("pending", end)]
    timers.tick(end - timedelta(seconds=1))
    assert [t for t, _ in events()].count("agency_overdue") == 0
    timers.tick(end + timedelta(seconds=1))
    overdue = [d for t, d in events() if t == "agency_overdue"]
    assert sorted(d["kind"] for d in overdue) == ["climate", "seismic_safety"]
    assert overdue[0]["due_on"] == row.due_on.isoformat() and overdue[0]["agency"] == "华测评价有限公司"
    said = told(people["supervisor"].id)
    assert len(said) == 2 and all(case.number in s and "华测评价有限公司" in s and row.due_on.isoformat() in s
                                  for s in said)
    assert told(people["clerk"].id) == []
    timers.tick(end + timedelta(days=5))  # once
    assert len(told(people["supervisor"].id)) == 2
    assert [t for t, _ in events()].count("agency_overdue") == 2


def test_a_commission_closed_in_time_takes_its_timer_with_it(people):
    case = applied(people)
    quake = agency(people["admin"], seismic_safety=3, climate=5)
    row = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    other = agencies.commission(case.id, quake.id, "climate", applicant_id=case.applicant_id)
    assert [s for s, _ in timers_of(case.id)] == ["pending", "pending"]
    agencies.deliver(row.case_id, row.id, REPORT, applicant_id=case.applicant_id)
    agencies.cancel(other.case_id, other.id, "改选", applicant_id=case.applicant_id)
    assert [s for s, _ in timers_of(case.id)] == ["cancelled", "cancelled"]
    timers.tick(clock.end_of(other.due_on) + timedelta(days=1))
    assert "agency_overdue" not in [t for t, _ in events()] and told(people["supervisor"].id) == []


def test_a_delivered_report_is_not_offered_again(people):
    case = applied(people)
    quake = agency(people["admin"], seismic_safety=3, climate=5)
    row = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    agencies.deliver(row.case_id, row.id, REPORT, applicant_id=case.applicant_id)
    assert agencies.choices(case.id).keys() == {"climate"}
    with pytest.raises(Conflict, match="report of this kind already"):  # nor taken when asked for all the same
        agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)


def test_a_case_that_ends_ends_its_open_commissions(people):
    case = applied(people)
    quake = agency(people["admin"], seismic_safety=3, climate=5)
    done = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    agencies.deliver(done.case_id, done.id, REPORT, applicant_id=case.applicant_id)
    running = agencies.commission(case.id, quake.id, "climate", applicant_id=case.applicant_id)
    termination.withdraw(case.id, "项目取消", None, applicant_id=case.applicant_id)
    states = {c.id: c.state for c in agencies.of_case(case.id)}
    assert states == {done.id: "delivered", running.id: "ended"}
    assert [(d["commission_id"], d["status"]) for t, d in events() if t == "agency_commission_ended"] == \
        [(running.id, "withdrawn")]
    assert all(s == "cancelled" for s, _ in timers_of(case.id))
    timers.tick(clock.end_of(running.due_on) + timedelta(days=1))
    assert "agency_overdue" not in [t for t, _ in events()]
    with pytest.raises(Conflict, match="closed already"):
        agencies.cancel(case.id, running.id, "x", applicant_id=case.applicant_id)


def test_a_refused_case_ends_a_commission_made_before_acceptance(people):
    case = applied(people)
    quake = agency(people["admin"], seismic_safety=3)
    row = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    intake.refuse(case.id, "不属于本机关职权范围", people["clerk"])
    assert agencies.of_case(case.id)[0].state == "ended"
    assert [d["commission_id"] for t, d in events() if t == "agency_commission_ended"] == [row.id]


def test_a_delivered_result_ends_a_commission_still_open(people):
    """The result handed over (送达), the case is over: a report still being prepared is of no use to it."""
    from engine import decisions
    from engine.store.models import Commission
    from tests.procedures import decided_permit
    case = decided_permit(people)
    quake = agency(people["admin"], seismic_safety=3)
    with session_scope() as session:  # as if commissioned while the case ran (the permit's item names no report)
        session.add(Commission(case_id=case.id, agency_id=quake.id, kind="seismic_safety", chosen_on=clock.today(),
                               due_on=clock.today() + timedelta(days=5), working_days=3, state="open"))
    # Decided, not yet handed over: its outcome is known, so no report is commissioned any more.
    assert intake.describe(case.id)["status"] == "decided"
    with pytest.raises(Conflict, match="closed"):
        agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    decisions.deliver(case.id, "window", people["clerk"])
    assert [c.state for c in agencies.of_case(case.id)] == ["ended"]
    assert [d["status"] for t, d in events() if t == "agency_commission_ended"] == ["delivered"]


def agent_filed(people, login="agent"):
    """A case a village agent (代办员) filed for an applicant with no online account, without the
    reports the marketplace is to bring (the window accepts it once they are in)."""
    from engine.services import users
    agent = users.add_user(login, "何芳", "village", ["agent"], f"pass-{login}")
    item = catalogue.get(ITEM).data["materials"]
    authority = [intake.Upload(m["code"], "委托书.pdf", b"%PDF authority") for m in item if m.get("mandatory_by_agent")]
    form = project(major_project=True)
    case = intake.submit(ITEM, {"name": "某某科技有限公司", "kind": "company", "id_type": "uscc", "id_number": CODE,
                                "phone": "13900000000"}, uploads(ITEM, ("assessment_report",), form) + authority,
                         agent, form=form)
    return agent, case


def test_the_window_or_the_filing_agent_commissions_for_the_applicant_on_the_same_rules(people):
    agent, case = agent_filed(people)
    quake = agency(people["admin"], seismic_safety=10, climate=5)
    from engine.services import users
    other_agent = users.add_user("agent2", "赵六", "village", ["agent"], "pass-agent2")
    for nobody in (people["reviewer"], people["supervisor"], other_agent, None):
        with pytest.raises(Forbidden):  # only the window, or the agent who filed it
            agencies.commission(case.id, quake.id, "seismic_safety", actor=nobody)
    row = agencies.commission(case.id, quake.id, "seismic_safety", actor=people["clerk"])
    assert (row.state, row.due_on) == ("open", calendars.current().add_workdays(clock.today(), 10).date)
    with pytest.raises(Conflict, match="open commission"):  # the applicant's own rule: one open per kind
        agencies.commission(case.id, quake.id, "seismic_safety", actor=agent)
    agencies.set_suspended(quake.id, True, "被投诉", people["admin"])
    with pytest.raises(Conflict, match="suspended"):
        agencies.commission(case.id, quake.id, "climate", actor=agent)
    agencies.set_suspended(quake.id, False, "已整改", people["admin"])
    by_agent = agencies.commission(case.id, quake.id, "climate", actor=agent)
    with session_scope() as session:
        recorded = [(e.actor_id, e.data["on_behalf"], e.data["applicant_id"], e.data["commission_id"])
                    for e in session.scalars(select(Event).where(Event.type == "agency_commissioned").order_by(Event.id))]
    assert recorded == [(people["clerk"].id, True, case.applicant_id, row.id),
                        (agent.id, True, case.applicant_id, by_agent.id)]
    mine = agencies.commission(applied(people).id, quake.id,
                               "climate", applicant_id=case.applicant_id)  # the applicant's own: no one on their behalf
    assert [d.get("on_behalf") for t, d in events() if t == "agency_commissioned" and d["commission_id"] == mine.id] \
        == [None]
    termination.withdraw(case.id, "项目取消", people["clerk"])
    with pytest.raises(Conflict, match="closed"):
        agencies.commission(case.id, quake.id, "seismic_safety", actor=people["clerk"])


def test_two_commissions_at_the_same_moment_leave_one_open_and_the_other_refused(people, monkeypatch):
    """The partial unique index stands where the check was passed by both: the same Conflict, no 500."""
    case = applied(people)
    quake = agency(people["admin"], seismic_safety=10)
    first = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    monkeypatch.setattr(agencies, "_busy", lambda *a: {})  # as if the first were not committed yet
    with pytest.raises(Conflict, match="open commission"):
        agencies.commission(case.id, quake.id, "seismic_safety", actor=people["clerk"])
    assert [(c.id, c.state) for c in agencies.of_case(case.id)] == [(first.id, "open")]
    agencies.cancel(case.id, first.id, "改选", applicant_id=case.applicant_id)
    again = agencies.commission(case.id, quake.id, "seismic_safety", actor=people["clerk"])  # only open ones count
    assert again.state == "open"


def test_an_agency_registered_twice_at_the_same_moment_is_refused_not_a_server_error(org, monkeypatch):
    first = agency(org["admin"])
    monkeypatch.setattr(agencies, "_taken", lambda *a, **k: None)  # both passed the check
    with pytest.raises(Conflict, match="registered already"):
        agency(org["admin"], name="另一家")
    other = agency(org["admin"], name="另一家", code=OTHER)
    with pytest.raises(Conflict, match="registered already"):
        agencies.edit(other.id, org["admin"], name="另一家", credit_code=CODE, services={"safety": 5})
    assert [a.id for a in agencies.listed(org["admin"])] == sorted([first.id, other.id])


def test_an_overrun_between_the_decision_and_the_delivery_is_told(people):
    """Decided, not yet handed over: the case takes no new commission, but one still open that
    passes its date is reported as any other (its timer fires once)."""
    from engine.store.models import Case, Commission
    from tests.procedures import decided_permit
    case = decided_permit(people)
    quake = agency(people["admin"], seismic_safety=3)
    due = clock.today() + timedelta(days=5)
    with session_scope() as session:  # as if commissioned while the case ran (the permit's item names no report)
        session.add(Commission(case_id=case.id, agency_id=quake.id, kind="seismic_safety", chosen_on=clock.today(),
                               due_on=due, working_days=3, state="open"))
        session.flush()
        agencies.sync_timers(session, session.get(Case, case.id))
    timers.tick(now=clock.end_of(due) + timedelta(minutes=1))
    with session_scope() as session:
        told = session.scalars(select(Event.data).where(Event.case_id == case.id, Event.type == "agency_overdue")).all()
    assert [d["agency"] for d in told] == [quake.name]


def test_before_acceptance_the_offer_is_what_the_rules_ask_and_nothing_the_zone_covers(people):
    """The reports are got before the window accepts (the checklist asks for them): the applicant
    is offered agencies for the assessments the rules require of the project, none for one the
    zone's valid regional assessment exempts, and the procedure decides the same at acceptance."""
    # In the high-tech zone, 12 ha, a major project: the rules ask for soil and water, cultural
    # relics, climate and seismic safety; the zone's results exempt soil and water and seismic safety.
    case = applied(people, project(zone="HTZ", land_ha=12, major_project=True))
    everyone = agency(people["admin"], **{kind: 10 for kind in agencies.KINDS})
    assert sorted(agencies.choices(case.id)) == ["climate", "cultural_relics"]
    for spared in ("seismic_safety", "soil_water", "energy"):
        with pytest.raises(Invalid, match="needs no report"):
            agencies.commission(case.id, everyone.id, spared, applicant_id=case.applicant_id)
    agencies.commission(case.id, everyone.id, "climate", applicant_id=case.applicant_id)
    accepted = intake.accept(case.id, None, deemed=True)  # its reports still to come (Art. 32)
    from engine.services.cases import get_instance
    data = get_instance(accepted.instance_id, people["admin"])["data"]
    assert sorted(r["code"] for r in data["reviews"]) == ["climate", "cultural_relics"]
    assert sorted(e["code"] for e in data["exempted"]) == ["seismic_safety", "soil_water"]
    assert sorted(agencies.choices(case.id)) == ["cultural_relics"]  # climate is taken


def test_a_delivery_hands_in_the_report_which_the_reviewing_department_opens(people):
    """The departments review the report: a delivery brings it, kept among the case's materials,
    and one without a proper file changes nothing."""
    from engine.services import progress
    case = applied(people)  # reviews: climate (meteo), seismic (quake)
    quake = agency(people["admin"], seismic_safety=10)
    row = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    for wrong in (intake.Upload("report", "报告.pdf", b""), intake.Upload("report", "报告.html", b"<script>"),
                  intake.Upload("report", "报告.pdf", b"MZ not a pdf")):
        with pytest.raises(Invalid):
            agencies.deliver(case.id, row.id, wrong, applicant_id=case.applicant_id)
    assert agencies.of_case(case.id)[0].state == "open"
    delivered = agencies.deliver(case.id, row.id, REPORT, applicant_id=case.applicant_id)
    # The climate study brought at the window, the reports are all in: accepted, the departments review.
    corrections.supply(case.id, [intake.Upload("report:climate", "气候.pdf", b"%PDF climate")], people["clerk"])
    intake.accept(case.id, people["clerk"])
    [row] = agencies.of_case(case.id)
    assert (row.state, row.report.kind, row.report.filename) == ("delivered", "report:seismic_safety", "评价报告.pdf")
    assert delivered.report_id == row.report.id
    assert progress.material_file(row.report_id, people["r_quake"]) == ("评价报告.pdf", row.report.sha256)
    with pytest.raises((Forbidden, NotFound)):  # a department with no part in the case does not read it
        progress.material_file(row.report_id, people["taxman"])
    assert agencies.report_file(case.id, row.id, case.applicant_id) == ("评价报告.pdf", row.report.sha256)
    with pytest.raises(NotFound):  # another applicant's
        agencies.report_file(case.id, row.id, case.applicant_id + 1)
    assert agencies.describe(row)["report"] == {"material_id": row.report_id, "filename": "评价报告.pdf"}
    assert [(d["material_id"], d["filename"]) for t, d in events() if t == "agency_delivered"] == \
        [(row.report_id, "评价报告.pdf")]


def test_the_agent_who_filed_the_case_hands_in_the_report_and_cancels_for_the_applicant(people):
    """The villager has no online account: the agent who commissioned for them records what comes
    next too, rather than send them to the window; another agent does not."""
    from engine.services import users
    agent, case = agent_filed(people)
    quake = agency(people["admin"], seismic_safety=10, climate=5)
    row = agencies.commission(case.id, quake.id, "seismic_safety", actor=agent)
    other = agencies.commission(case.id, quake.id, "climate", actor=agent)
    stranger = users.add_user("agent2", "赵六", "village", ["agent"], "pass-agent2")
    unheard = intake.Upload("report", "别人的报告.pdf", b"%PDF-1.4 a file no one may hand in here")
    for nobody in (stranger, people["reviewer"]):
        with pytest.raises(Forbidden):
            agencies.deliver(case.id, row.id, unheard, actor=nobody)
        with pytest.raises(Forbidden):
            agencies.cancel(case.id, other.id, "改选", actor=nobody)
    sha = hashlib.sha256(unheard.content).hexdigest()
    assert not (files.root() / sha[:2] / sha).exists()  # nothing kept of it
    agencies.deliver(case.id, row.id, REPORT, actor=agent)
    agencies.cancel(case.id, other.id, "申请人改选", actor=agent)
    assert {c.kind: c.state for c in agencies.of_case(case.id)} == {"seismic_safety": "delivered",
                                                                     "climate": "cancelled"}
    assert agencies.acts_for(case.id, agent) and not agencies.acts_for(case.id, stranger)


def test_each_agencys_record_for_the_supervisors(people, monkeypatch):
    """Which agencies overrun, deliver late or are cancelled, and how applicants rate them: the
    supervisors' record of every agency, a suspended one and one never commissioned too."""
    quake = agency(people["admin"], seismic_safety=3, climate=3)
    idle = agency(people["admin"], name="乙节能公司", code=OTHER, energy=5)
    agencies.set_suspended(idle.id, True, "资质到期", people["admin"])
    first = applied(people)
    late = agencies.commission(first.id, quake.id, "seismic_safety", applicant_id=first.applicant_id)
    still = agencies.commission(first.id, quake.id, "climate", applicant_id=first.applicant_id)
    second = applied(people, applicant={"name": "乙公司", "id_number": "91110000MA01EEEE2R", "kind": "company"})
    dropped = agencies.commission(second.id, quake.id, "seismic_safety", applicant_id=second.applicant_id)
    agencies.cancel(second.id, dropped.id, "改选", applicant_id=second.applicant_id)
    third = applied(people, applicant={"name": "丙公司", "id_number": "91110000MA01FFFF3J", "kind": "company"})
    agencies.commission(third.id, quake.id, "climate", applicant_id=third.applicant_id)
    termination.withdraw(third.id, "项目取消", None, applicant_id=third.applicant_id)
    monkeypatch.setattr(clock, "today", lambda: late.due_on + timedelta(days=10))
    agencies.deliver(first.id, late.id, REPORT, applicant_id=first.applicant_id)
    agencies.rate(first.id, late.id, first.applicant_id, 2, "晚了两周")
    with pytest.raises(Forbidden):
        agency_records.records(people["clerk"])
    got = {r["name"]: r for r in agency_records.records(people["supervisor"])}
    assert {k: got["华测评价有限公司"][k] for k in ("commissions", "open", "overdue", "delivered", "late", "cancelled",
                                               "ended", "ratings", "average", "active")} == {
        "commissions": 4, "open": 1, "overdue": 1, "delivered": 1, "late": 1, "cancelled": 1, "ended": 1,
        "ratings": 1, "average": 2.0, "active": True}  # every commission in one column: they add up
    assert (got["乙节能公司"]["commissions"], got["乙节能公司"]["active"]) == (0, False)
    [open_late] = agency_records.overdue(people["supervisor"])
    assert open_late.id == still.id
    assert agency_records.late_by(open_late) == calendars.current().workdays_between(still.due_on, clock.today()) > 0
