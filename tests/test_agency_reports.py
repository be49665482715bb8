"""评估报告 made of the agency reports (engine/agency_reports.py): one report for each kind the project
needs, however it came (delivered through 中介超市 or handed in as that kind's report), the kinds still
missing named; none asked when the zone covers them all or the rules ask none; a delivery answers a
correction notice; a case under an item's earlier version, or an item without the flag, as before."""
import copy

import pytest
from sqlalchemy import func, select

from engine import agencies, catalogue, corrections, intake, notices, portal
from engine.errors import Conflict, Invalid
from engine.report_kinds import report_name
from engine.store import session_scope
from engine.store.models import Case, Event, Material, Notice, RegionalAssessment, Timer
from tests.procedures import uploads
from tests.statements import Statements
from tests.test_agencies import CODE, OTHER, REPORT, agency, applied, people  # noqa: F401 (a fixture)
from tests.test_merged_assessments import ITEM, project

APPLICANT = {"name": "某某科技有限公司", "kind": "company", "id_type": "uscc", "id_number": CODE,
             "phone": "13900000000"}


def entry(case_id):
    return next(m for m in intake.describe(case_id)["materials"] if m["code"] == "assessment_report")


def parts(case_id):
    return {r["kind"]: (r["state"], r["agency"]) for r in entry(case_id)["reports"]}


def supplied(case_id):
    with session_scope() as session:
        return [(e.data["materials"], e.data.get("via"), e.data["still_missing"]) for e in session.scalars(
            select(Event).where(Event.case_id == case_id, Event.type == "materials_supplied").order_by(Event.id))]


def test_the_entry_is_each_needed_kinds_report_however_it_came(people):
    case = applied(people)  # a major project: climate and seismic safety, nothing else
    assert entry(case.id)["state"] == "missing" and entry(case.id)["covered"] == []
    assert parts(case.id) == {"climate": ("missing", None), "seismic_safety": ("missing", None)}
    with pytest.raises(Invalid) as refused:  # the window cannot accept it: which reports, by name
        intake.accept(case.id, people["clerk"])
    assert refused.value.details[0] == ("评估报告（本项目所需各项评估的报告） still lacks climate feasibility study "
                                        "report, seismic safety assessment report")
    quake = agency(people["admin"], seismic_safety=10)
    row = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    seismic = next(r for r in entry(case.id)["reports"] if r["kind"] == "seismic_safety")
    assert (seismic["state"], seismic["agency"], seismic["agency_due_on"]) == \
        ("missing", quake.name, row.due_on.isoformat())  # being prepared: by whom, by when
    agencies.deliver(case.id, row.id, REPORT, applicant_id=case.applicant_id)
    corrections.supply(case.id, [intake.Upload("report:climate", "气候可行性论证.pdf", b"%PDF climate")], None,
                       applicant_id=case.applicant_id)
    assert entry(case.id)["state"] == "provided"
    assert parts(case.id) == {"climate": ("provided", None), "seismic_safety": ("provided", quake.name)}
    assert [r["filename"] for r in entry(case.id)["reports"]] == ["气候可行性论证.pdf", "评价报告.pdf"]
    assert supplied(case.id) == [(["report:seismic_safety"], "agency", []), (["report:climate"], None, [])]
    accepted = intake.accept(case.id, people["clerk"])
    assert accepted.status == "accepted"
    assert entry(case.id)["state"] == "provided"  # as the procedure decided its reviews: the same two


@pytest.mark.parametrize("attrs, state, covered", [
    # In the high-tech zone, the energy and soil and water reviews the rules ask are the zone's results'.
    ({"zone": "HTZ", "energy_tce": 2000, "land_ha": 5}, "covered",
     {"energy": "高新发改〔2024〕12号", "soil_water": "高新水〔2023〕8号"}),
    ({}, "not_needed", {}),  # the rules ask none
])
def test_an_entry_that_needs_no_report_asks_for_none_and_says_why(people, attrs, state, covered):
    case = applied(people, project(**attrs))
    shown = entry(case.id)
    assert (shown["state"], shown["reports"]) == (state, [])
    assert {c["kind"]: c["doc_no"] for c in shown["covered"]} == covered
    with pytest.raises(Invalid, match="needs no report"):  # nothing could answer a correction of it
        corrections.request_correction(case.id, [{"code": "assessment_report", "reason": "未提交"}], people["clerk"])
    assert intake.accept(case.id, people["clerk"]).status == "accepted"
    assert entry(case.id)["state"] == state


def test_a_report_delivered_after_the_correction_notice_answers_it(people):
    """The notice names the missing kinds once; the answer is complete when the last of them has
    come, handed in or delivered: the case then waits for the window again (five working days)."""
    case = applied(people)
    notice = corrections.request_correction(case.id, [{"code": "assessment_report", "reason": "须提交评估报告"}],
                                            people["clerk"], "请于十日内补正")
    assert notice.data["missing"] == [{"code": "report:climate", "reason": "须提交评估报告"},
                                      {"code": "report:seismic_safety", "reason": "须提交评估报告"}]
    with session_scope() as session:
        names = notices.printable_notice(session, session.get(Notice, notice.id),
                                         session.get(Case, case.id))["material_names"]
    assert names["report:climate"] == report_name("climate")
    quake = agency(people["admin"], seismic_safety=10)
    row = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    corrections.supply(case.id, [intake.Upload("report:climate", "气候.pdf", b"%PDF climate")], people["clerk"])
    assert intake.describe(case.id)["status"] == "correction"  # a part answer starts nothing
    assert [m["code"] for m in intake.describe(case.id)["still_missing"]] == ["report:seismic_safety"]
    agencies.deliver(case.id, row.id, REPORT, applicant_id=case.applicant_id)
    assert intake.describe(case.id)["status"] == "submitted"
    assert supplied(case.id)[-1] == (["report:seismic_safety"], "agency", [])
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Timer).where(
            Timer.case_id == case.id, Timer.kind == "deemed", Timer.state == "pending")) == 1
    with pytest.raises(Conflict, match="was not in it"):  # told once: nothing it did not name is asked now
        corrections.request_correction(case.id, [{"code": "land_title", "reason": "x"}], people["clerk"])
    with pytest.raises(Invalid, match="Not on this item's checklist: report:energy"):  # a report not needed
        corrections.request_correction(case.id, [{"code": "report:energy", "reason": "x"}], people["clerk"])
    intake.accept(case.id, people["clerk"])


def test_a_correction_notice_reads_the_kinds_the_case_needs_once(people):
    """The notice's list and the codes it may name come from one checklist: the kinds the case
    needs (its filing's record) are read once, and the commissions with their agencies at once."""
    case = applied(people)
    for name, code, kind in (("华测评价有限公司", CODE, "seismic_safety"), ("气象服务中心", OTHER, "climate")):
        chosen = agency(people["admin"], name=name, code=code, **{kind: 10})
        agencies.commission(case.id, chosen.id, kind, applicant_id=case.applicant_id)
    with Statements() as statements:
        notice = corrections.request_correction(case.id, [{"code": "assessment_report", "reason": "未提交"}],
                                                people["clerk"])
    assert [m["code"] for m in notice.data["missing"]] == ["report:climate", "report:seismic_safety"]
    assert len(statements.reading("events", "case_submitted")) == 1
    assert len(statements.reading("agency_commissions")) == 1 and statements.reading("agencies") == []


def test_a_report_is_handed_in_under_its_own_kind_and_only_if_the_project_needs_it(people):
    form = project(major_project=True)
    given = uploads(ITEM, ("assessment_report",), form)
    for wrong, said in ((intake.Upload("assessment_report", "合订本.pdf", b"%PDF all"),
                         "report:climate, report:seismic_safety"),
                        (intake.Upload("report:energy", "节能.pdf", b"%PDF energy"), "needs no report of the kind"),
                        (intake.Upload("report:astrology", "x.pdf", b"%PDF x"), "not on this item's checklist")):
        with pytest.raises(Invalid, match=said):
            intake.submit(ITEM, APPLICANT, [*given, wrong], people["clerk"], form=form)
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0  # refused: nothing kept
    case = applied(people)
    with pytest.raises(Invalid, match="under its own code"):
        corrections.supply(case.id, [intake.Upload("assessment_report", "合订本.pdf", b"%PDF all")], people["clerk"])
    with session_scope() as session:
        kinds = set(session.scalars(select(Material.kind).where(Material.case_id == case.id)))
    assert not {k for k in kinds if k.startswith("report:") or k == "assessment_report"}


def test_a_kind_whose_report_the_applicant_handed_in_is_not_offered(people):
    case = applied(people)
    everyone = agency(people["admin"], seismic_safety=10, climate=10)
    assert set(agencies.choices(case.id)) == {"climate", "seismic_safety"}
    corrections.supply(case.id, [intake.Upload("report:climate", "气候.pdf", b"%PDF climate")], None,
                       applicant_id=case.applicant_id)
    assert set(agencies.choices(case.id)) == {"seismic_safety"}
    with pytest.raises(Conflict, match="report of this kind already"):
        agencies.commission(case.id, everyone.id, "climate", applicant_id=case.applicant_id)


def test_the_applicant_online_is_asked_for_the_reports_by_name(people):
    company = portal.register(name="某某科技有限公司", kind="company", id_type="uscc", id_number=CODE,
                              phone="13900000000", password="company-pw")
    form = project(major_project=True)
    case = portal.apply(company.id, ITEM, uploads(ITEM, ("assessment_report",), form), form)
    owed = portal.progress(company.id, case.number)["to_supply"]
    assert [m["code"] for m in owed] == ["report:climate", "report:seismic_safety"]


def test_a_case_under_the_items_earlier_version_keeps_its_checklist(people):
    """Items without the flag, and the cases filed under this one before it had it, are as they were:
    one file under the entry's own code."""
    flagged = catalogue.get(ITEM).data
    earlier = copy.deepcopy(flagged)
    for material in earlier["materials"]:
        material.pop("agency_reports", None)
    catalogue.save(earlier, None)
    form = project(major_project=True)
    before = intake.submit(ITEM, APPLICANT, uploads(ITEM, (), form), people["clerk"], form=form)
    catalogue.save(flagged, None)  # the flag comes: a new version, for new cases
    row = entry(before.id)
    assert "reports" not in row and (row["state"], row["filename"]) == ("provided", "assessment_report.pdf")
    corrections.supply(before.id, [intake.Upload("assessment_report", "v2.pdf", b"%PDF v2")], people["clerk"])
    assert intake.accept(before.id, people["clerk"]).status == "accepted"
    assert "reports" in entry(applied(people).id)


@pytest.mark.parametrize("change, said", [
    (lambda item: item["materials"][0].update(agency_reports="yes"), "true or false"),
    (lambda item: item["materials"][1].update(agency_reports=True), "only one material"),
    (lambda item: item.pop("agency_services"), "name their kinds in agency_services"),
    (lambda item: item["materials"][0].update(deferrable=True), "cannot be deferrable"),
])
def test_an_item_says_once_which_entry_is_made_of_the_reports_it_names(change, said):
    item = {"code": "X-1", "name": "x", "kind": "licence", "department": "housing", "case_type": "promised",
            "promised_days": 5, "agency_services": ["energy"],
            "materials": [{"code": "reports", "name": "评估报告", "agency_reports": True},
                          {"code": "form", "name": "申请表"}]}
    assert catalogue.validate(copy.deepcopy(item))
    change(item)
    with pytest.raises(Invalid, match=said):
        catalogue.validate(item)


def _zone_result(kind, revoked):
    with session_scope() as session:
        session.scalar(select(RegionalAssessment).where(RegionalAssessment.zone == "HTZ",
                                                        RegionalAssessment.assessment == kind)).revoked = revoked


def test_the_kinds_needed_when_filed_are_asked_until_acceptance(people):
    """The one correction notice, the applicant's inputs and acceptance ask the kinds the rules gave
    when the case was filed: a zone result lost or won meanwhile changes nothing before acceptance."""
    covered = applied(people, project(zone="HTZ", energy_tce=2000, land_ha=5))
    _zone_result("energy", True)  # the zone's energy result is revoked after the filing
    assert (entry(covered.id)["state"], entry(covered.id)["reports"]) == ("covered", [])
    assert intake.accept(covered.id, people["clerk"]).status == "accepted"
    filed = applied(people, project(zone="HTZ", energy_tce=2000, land_ha=5))
    assert [r["kind"] for r in entry(filed.id)["reports"]] == ["energy"]
    corrections.request_correction(filed.id, [{"code": "assessment_report", "reason": "未提交"}], people["clerk"])
    _zone_result("energy", False)  # now the zone would exempt it: the notice still waits for it, and may get it
    corrections.supply(filed.id, [intake.Upload("report:energy", "节能.pdf", b"%PDF energy")], None,
                       applicant_id=filed.applicant_id)
    assert intake.describe(filed.id)["status"] == "submitted" and entry(filed.id)["state"] == "provided"


def test_a_kind_the_zone_simplifies_takes_no_report(people):
    """简化评估（告知承诺+核查）: the zone's energy result excludes steel, so a steel works' energy
    review is simplified, a pledge and a check, not a report; the acceptance notice says the same."""
    case = applied(people, project(zone="HTZ", energy_tce=2000, land_ha=5, industry="steel"))
    shown = entry(case.id)
    assert (shown["state"], shown["reports"]) == ("covered", [])
    assert {c["kind"]: (c["doc_no"], c["simplified"]) for c in shown["covered"]} == {
        "energy": ("高新发改〔2024〕12号", True), "soil_water": ("高新水〔2023〕8号", False)}
    intake.accept(case.id, people["clerk"])
    with session_scope() as session:
        told = session.scalar(select(Notice).where(Notice.case_id == case.id, Notice.kind == "acceptance")).data
    assert {r["code"]: r["coverage"] for r in told["regional"]} == {"energy": "simplified", "soil_water": "exempt"}
    assert entry(case.id)["covered"] == shown["covered"]  # as the procedure decided: the same
