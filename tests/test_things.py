"""一件事一次办: a thing's items applied for with one form and one set of materials, a linked case
each, accepted or refused together with one notice of the whole, each case then in its own
department; the catalogue refuses a thing whose items clash."""
import copy
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from engine import decisions, intake, notice_seals, pledge_checks, termination, thing_applications, things
from engine.clock import limits
from engine.errors import Conflict, Forbidden, Invalid
from engine.services import progress
from engine.store import session_scope
from engine.store.models import Case, Material, Notice, PledgeCheck, Thing
from tests.procedures import open_tasks, work
from tests.statements import Statements

THING = "YJS-0001"
SHIPPED = yaml.safe_load((Path(__file__).parents[1] / "processes/things/real_estate_utilities.yaml").read_text("utf-8"))
UTILITIES = ("1201-WATR-001", "1202-POWR-002", "1203-GASS-003", "1204-NETW-004")
ITEMS = ("1103-NRES-003", *UTILITIES)
BUYER = {"name": "李四", "id_number": "110101198001011128", "phone": "13700000001"}
# One form: the transfer's seller and property, each utility's account number; the property's
# 坐落 is asked by every item and filled in once.
FORM = {"seller": {"name": "王五", "id_number": "110101197005051237"},
        "property": {"location": "城关镇幸福路8号3栋2单元501室", "title_no": "某(2020)某县不动产权第0000100号",
                     "contract_no": "WQ2026-000123", "type": "housing", "area_m2": 90, "holding_years": 6,
                     "seller_only_home": True, "buyer_home_count": 0, "price": 2_000_000},
        "water_account": "S-1001", "power_account": "D-2002", "gas_account": "R-3003", "network_account": "W-4004"}
MANDATORY = ("application_form", "seller_id", "applicant_id", "title_certificate", "sales_contract", "marital_status")


def files(skip=()):
    return [intake.Upload(code, f"{code}.pdf", f"%PDF {code}".encode()) for code in MANDATORY if code not in skip]


@pytest.fixture
def people(org):
    from tests.procedures import install
    return install(org)


def apply(people, skip=(), **kwargs):
    return thing_applications.submit(THING, BUYER, files(skip), people["clerk"], form=copy.deepcopy(FORM), **kwargs)


def cases_of(application) -> list[Case]:
    with session_scope() as session:
        return list(session.scalars(select(Case).where(Case.application_id == application.id).order_by(Case.id)))


def saved(change) -> None:
    thing = copy.deepcopy(SHIPPED)
    change(thing)
    things.save(thing, None)


# --- the catalogue --------------------------------------------------------------------------------

def test_the_shipped_thing_lays_its_items_forms_and_materials_together(people):
    shape = things.layout_of(things.get(THING))
    assert [item.code for item in shape.items] == list(ITEMS)
    assert set(things.leaves(shape.form)) >= {"property.location", "property.price", "seller.id_number",
                                              "water_account", "network_account"}
    by_code = {m["code"]: m for m in shape.materials}
    assert by_code["applicant_id"]["items"] == list(ITEMS) and by_code["applicant_id"]["shared"]
    assert by_code["water_bill"]["items"] == ["1201-WATR-001"] and not by_code["water_bill"]["shared"]
    assert things.save(copy.deepcopy(SHIPPED), None)[2] is False  # unchanged: no new version


@pytest.mark.parametrize("change, refusal", [
    (lambda t: t["items"].append("9999-NONE-999"), "no service item 9999-NONE-999"),
    (lambda t: t.update(items=["1103-NRES-003"]), "items is a list of 2 to 20"),
    (lambda t: t.update(items=["1201-WATR-001", "1201-WATR-001"]), "names 1201-WATR-001 more than once"),
    # applicant_id is on every item's checklist: unless declared one document, the upload could not tell whose
    (lambda t: t["shared_materials"].remove("applicant_id"), "material applicant_id is on the checklists of "
                                                             "1103-NRES-003, 1201-WATR-001"),
    (lambda t: t["shared_materials"].append("water_bill"), "shared material water_bill is not on two"),
    (lambda t: t.update(shared_fields=[]), "form field property.location is asked by 1103-NRES-003, 1201-WATR-001"),
    (lambda t: t["shared_fields"].append("water_account"), "shared field water_account is not on two"),
    (lambda t: t.update(department="nowhere"), "department 'nowhere' does not exist"),
])
def test_a_thing_whose_items_clash_or_are_unknown_is_refused_naming_what(people, change, refusal):
    with pytest.raises(Invalid, match=refusal):
        saved(change)
    with session_scope() as session:
        assert [t.version for t in session.scalars(select(Thing))] == [1]  # nothing stored


def test_a_shared_field_asked_differently_is_refused(people):
    from engine import catalogue
    item = copy.deepcopy(catalogue.get("1201-WATR-001").data)
    item["form"]["properties"]["property"]["properties"]["location"]["maxLength"] = 50
    catalogue.save(item, None)
    with pytest.raises(Invalid, match="shared field property.location is not asked alike by 1103-NRES-003, "
                                      "1201-WATR-001"):
        things.layout_of(things.get(THING))  # applying is refused too, as loading the thing again would be


# --- applying and accepting together ---------------------------------------------------------------

def test_window_intake_files_a_linked_case_per_item_with_each_material_stored_once(people):
    application = apply(people)
    cases = cases_of(application)
    assert [c.item_code for c in cases] == list(ITEMS)
    assert {c.status for c in cases} == {"submitted"} and {c.applicant_id for c in cases} == {cases[0].applicant_id}
    assert application.number.startswith("YJS")
    # Each item's part of the one form: the transfer its seller and property, a utility its 坐落 and account.
    assert cases[0].form["seller"]["name"] == "王五" and "water_account" not in cases[0].form
    assert cases[1].form == {"property": {"location": FORM["property"]["location"]}, "water_account": "S-1001"}
    with session_scope() as session:
        rows = session.scalars(select(Material).where(Material.case_id.in_([c.id for c in cases]))).all()
    for code in ("applicant_id", "sales_contract"):  # handed in once, attached to every case
        given = [m for m in rows if m.kind == code]
        [first] = [m for m in given if m.state == "provided"]
        assert first.case_id == cases[0].id and len(given) == len(ITEMS)
        assert {(m.state, m.reused_from, m.sha256) for m in given if m is not first} == {
            ("reused", first.id, first.sha256)}
    assert [m.kind for m in rows if m.case_id != cases[0].id and m.kind not in ("applicant_id", "sales_contract")] == []
    assert intake.describe(cases[2].id)["application"]["number"] == application.number


def test_the_items_are_accepted_together_each_on_its_own_procedure_and_clock_with_one_notice(people):
    application = apply(people)
    with pytest.raises(Conflict, match="accept it with them"):  # not one of them alone
        intake.accept(cases_of(application)[1].id, people["clerk"])
    thing_applications.accept(application.id, people["clerk"])
    cases = cases_of(application)
    assert {c.status for c in cases} == {"accepted"} and all(c.instance_id for c in cases)
    with session_scope() as session:
        clocks = {c.item_code: limits.case_clock(session, c.instance_id) for c in cases}
    assert {code: clock.department for code, clock in clocks.items()} == {
        "1103-NRES-003": "realestate", "1201-WATR-001": "watersupply", "1202-POWR-002": "power",
        "1203-GASS-003": "gas", "1204-NETW-004": "network"}
    # Each department's own step, in its own lane.
    assert set(open_tasks(cases[1].instance_id)) == {"department_review@watersupply"}
    info = thing_applications.describe(application.id, people["clerk"])
    assert info["status"] == "in_progress"
    [notice] = info["notices"]
    assert notice["kind"] == "thing_acceptance" and notice["seal_code"]
    listed = {row["case_number"]: row for row in notice["data"]["items"]}
    assert set(listed) == {c.number for c in cases}
    for case in cases:
        assert listed[case.number]["promised_due"] == clocks[case.item_code].promised_due.isoformat()
    assert notice_seals.verify(notice["seal_code"])["valid"]
    # Each case keeps its own acceptance notice, its department's act; the whole's is not among them.
    assert [n["kind"] for n in intake.describe(cases[0].id)["notices"]] == ["acceptance"]


def test_acceptance_of_the_whole_waits_for_every_items_materials_and_changes_nothing(people):
    application = apply(people, skip=("marital_status",))
    with pytest.raises(Invalid) as refused:
        thing_applications.accept(application.id, people["clerk"])
    assert [str(d) for d in refused.value.details] == ["存量房（二手房）转移登记一窗受理: 婚姻状况证明 is missing"]
    assert {c.status for c in cases_of(application)} == {"submitted"}
    # 告知承诺 for the marriage certificate, as the transfer's checklist allows: then all are accepted.
    thing_applications.accept(application.id, people["clerk"], pledged=["marital_status"])
    assert {c.status for c in cases_of(application)} == {"accepted"}
    [notice] = thing_applications.describe(application.id, people["clerk"])["notices"]
    assert notice["data"]["items"][0]["pledged"] == ["marital_status"]


def on_the_credit_record(people) -> None:
    """The buyer's pledge for the marriage certificate, taken with a first application, found false
    (失信：虚假承诺, engine/credit.py) once the transfer's grant opened its check."""
    first = apply(people, skip=("marital_status",))
    thing_applications.accept(first.id, people["clerk"], pledged=["marital_status"])
    with session_scope() as session:  # as the transfer's grant opens it (decisions.decide)
        pledge_checks.open_checks(session, session.get(Case, cases_of(first)[0].id), None)
        check_id = session.scalar(select(PledgeCheck.id))
    pledge_checks.record(check_id, people["r_realestate"], "false", "婚姻登记系统显示申请人已婚，承诺未婚不实")


def test_an_applicant_on_the_credit_record_pledges_for_none_of_the_items(people):
    """告知承诺 and 容缺 are barred for a thing's cases as for any case, said once for the whole."""
    on_the_credit_record(people)
    again = apply(people, skip=("marital_status",))
    with pytest.raises(Invalid) as refused:
        thing_applications.accept(again.id, people["clerk"], pledged=["marital_status"])
    barred = [str(d) for d in refused.value.details if "on the credit record" in str(d)]
    assert len(barred) == 1 and str(refused.value.details[0]) == barred[0]
    assert barred[0].startswith(f"{BUYER['name']} is on the credit record for a false commitment")
    assert {c.status for c in cases_of(again)} == {"submitted"}


def test_refusing_one_case_refuses_every_item_with_one_notice(people):
    application = apply(people)
    intake.refuse(cases_of(application)[3].id, "房屋已被查封，不能办理转移登记", people["clerk"])
    cases = cases_of(application)
    assert {c.status for c in cases} == {"refused"}
    info = thing_applications.describe(application.id, people["clerk"])
    assert info["status"] == "refused"
    [notice] = info["notices"]
    assert notice["kind"] == "thing_refusal" and notice["data"]["reason"] == "房屋已被查封，不能办理转移登记"
    assert [row["case_number"] for row in notice["data"]["items"]] == [c.number for c in cases]
    for case in cases:  # each department's own refusal, on its own case
        assert [n["kind"] for n in intake.describe(case.id)["notices"]] == ["refusal"]
    with pytest.raises(Conflict):
        thing_applications.refuse(application.id, "再次", people["clerk"])


def test_each_department_sees_its_own_case_and_the_window_the_whole(people):
    application = apply(people)
    thing_applications.accept(application.id, people["clerk"])
    water, power = cases_of(application)[1:3]
    reviewer = people["r_watersupply"]
    assert progress.visible_case(water.id, reviewer)["item_code"] == "1201-WATR-001"
    with pytest.raises(Forbidden):
        progress.visible_case(power.id, reviewer)
    with pytest.raises(Forbidden):
        thing_applications.describe(application.id, reviewer)
    first = cases_of(application)[0]
    with session_scope() as session:
        whole = session.scalar(select(Notice.id).where(Notice.application_id == application.id))
        transfer = session.scalar(select(Notice.id).where(Notice.case_id == first.id, Notice.kind == "acceptance"))
    with pytest.raises(Forbidden):  # it lists the other departments' cases
        progress.notice(whole, people["r_realestate"])
    assert progress.notice(transfer, people["r_realestate"])["kind"] == "acceptance"
    assert progress.notice(whole, people["clerk"])["kind"] == "thing_acceptance"
    assert len(thing_applications.describe(application.id, people["supervisor"])["items"]) == len(ITEMS)


def test_the_application_is_done_when_every_item_is(people):
    application = apply(people)
    thing_applications.accept(application.id, people["clerk"])
    cases = cases_of(application)
    for case, dept in zip(cases[1:], ("watersupply", "power", "gas", "network")):
        person = people[f"r_{dept}"]
        work(open_tasks(case.instance_id)[f"department_review@{dept}"], person, {"opinion": "approve", "comment": "同意"})
        work(open_tasks(case.instance_id)[f"lead_decision@{dept}"], person,
             {"decision": "approve", "decision_comment": "准予过户"})
        decisions.deliver(case.id, "window", people["clerk"])
    info = thing_applications.describe(application.id, people["clerk"])
    assert [i["status"] for i in info["items"]] == ["accepted", "delivered", "delivered", "delivered", "delivered"]
    assert info["status"] == "in_progress"
    termination.withdraw(cases[0].id, "买卖双方解除合同", people["clerk"])
    assert thing_applications.describe(application.id, people["clerk"])["status"] == "done"
    # The notice of the whole is kept with the first case but numbered by the application: the
    # case's own notices run on unbroken.
    assert [n["number"] for n in intake.describe(cases[0].id)["notices"]] == [
        f"{cases[0].number}-ACC1", f"{cases[0].number}-TER2"]


def test_the_lists_of_applications_read_their_cases_in_one_query_however_many(people):
    first = apply(people)
    thing_applications.accept(first.id, people["clerk"])
    apply(people)
    apply(people)
    for listing in (lambda: thing_applications.recent(people["clerk"]),
                    lambda: thing_applications.of_applicant(first.applicant_id)):
        with Statements() as statements:
            listed = listing()
        assert [(a["status"], a["items"]) for a in listed] == [
            (thing_applications.SUBMITTED, len(ITEMS)), (thing_applications.SUBMITTED, len(ITEMS)),
            (thing_applications.IN_PROGRESS, len(ITEMS))]
        assert len(statements.reading("cases")) == 1
        assert len([sql for sql, _ in statements.seen if sql.startswith("SELECT")]) == 2  # and the applications


@pytest.mark.parametrize("statuses, overall", [
    (["submitted", "accepted"], "submitted"), (["correction", "refused"], "submitted"),
    (["refused", "refused"], "refused"), (["decided", "delivered"], "in_progress"),
    (["delivered", "withdrawn", "refused"], "done"),
    (["delivered", "revoked"], "done"),  # a grant revoked for a false pledge (engine/revocation.py) ends its case
])
def test_the_overall_status_is_read_from_the_items(statuses, overall):
    assert thing_applications.status(statuses) == overall


def test_a_deemed_acceptance_of_the_last_case_gives_the_notice_of_the_whole(people):
    """Art. 32 counts each case: each is deemed accepted by its own timer; the last one gives the
    applicant the one notice."""
    from engine.store.models import Timer
    application = apply(people)
    with session_scope() as session:
        for timer in session.scalars(select(Timer).where(Timer.kind == "deemed")):
            intake.fire_timer(session, timer)
    assert {c.status for c in cases_of(application)} == {"accepted"}
    [notice] = thing_applications.describe(application.id, people["clerk"])["notices"]
    assert notice["data"]["deemed"] and len(notice["data"]["items"]) == len(ITEMS)


def test_bad_input_is_refused_whole_and_nothing_is_stored(people):
    with pytest.raises(Invalid) as refused:
        thing_applications.submit(THING, BUYER, files(), people["clerk"],
                                  form={**copy.deepcopy(FORM), "water_account": "", "stray": 1})
    assert {d["field"] for d in refused.value.details} == {"water_account", "stray"}
    with pytest.raises(Invalid, match="on none of its items' checklists"):
        thing_applications.submit(THING, BUYER, [*files(), intake.Upload("drawings", "d.pdf", b"%PDF d")],
                                  people["clerk"], form=copy.deepcopy(FORM))
    seller = copy.deepcopy(FORM)
    seller["seller"]["id_number"] = BUYER["id_number"]
    with pytest.raises(Invalid, match="the applicant's own"):
        thing_applications.submit(THING, BUYER, files(), people["clerk"], form=seller)
    with session_scope() as session:
        assert session.scalar(select(Case.id)) is None and session.scalar(select(Material.id)) is None


def test_the_command_line_loads_a_thing_after_its_items(people, tmp_path, capsys):
    from run import main as run_command
    changed = {**copy.deepcopy(SHIPPED), "description": "二手房过户及水电气网联合过户"}
    (tmp_path / "thing.yaml").write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    assert run_command(["things", str(tmp_path)]) == 0
    assert f"{THING}\tversion 2\tnew" in capsys.readouterr().out
    assert things.get(THING).data["description"] == "二手房过户及水电气网联合过户"
    assert run_command(["things", str(tmp_path / "missing.yaml")]) == 1
