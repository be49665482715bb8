"""A checklist entry made of the reports the project needs (`agency_reports: true` on an item's
material, as 多评合一's 评估报告): one report a kind, each kind the project needs (engine/report_kinds.py),
however it came: delivered through the marketplace (engine/agencies.py) or handed in by the
applicant, the window or the agent as that kind's report. A report is a case material of kind
report:<kind>; the entry's own code takes no file.

The entry is provided when every needed kind has its report and missing while one has none; when
the project needs none it asks for nothing, and says why: covered (the zone's regional assessment
exempts or simplifies every kind the rules ask: a simplified one, 简化评估（告知承诺+核查）, takes a
pledge and the department's check, not a report) or not_needed (the rules ask none).
"""
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.case_status import OPEN
from engine.errors import Invalid, Message
from engine.report_kinds import KIND_NAMES, REPORT, kind_of, needs, report_name
from engine.store.models import Case, Commission, Event, Instance, Material


def entry(item_data: dict) -> dict | None:
    """The item's checklist entry made of reports, if it has one (catalogue.validate allows one)."""
    return next((m for m in item_data.get("materials") or () if m.get("agency_reports")), None)


def needs_of(session: Session, case: Case) -> tuple[list[str], list[dict]]:
    """(kinds the case needs a report of, what the zone's regional assessment spared it:
    report_kinds.needs). Once its procedure has started, as the procedure decided; until then, as
    the rules decided on its form when it was filed (`reports` of its case_submitted event), so that
    the one correction notice, the portal's inputs and acceptance ask the same kinds however the
    zone's results change meanwhile; a case filed before that was kept, as the rules decide now."""
    data = session.scalar(select(Instance.data).where(Instance.id == case.instance_id)) if case.instance_id else None
    if isinstance(data, dict) and isinstance(data.get("reviews"), list):
        return needs(case.item.data, case.form, data)
    submitted = session.scalar(select(Event.data).where(Event.case_id == case.id, Event.type == "case_submitted")
                               .order_by(Event.id).limit(1))
    frozen = (submitted or {}).get("reports")
    if isinstance(frozen, dict):
        return list(frozen["needed"]), list(frozen["spared"])
    return needs(case.item.data, case.form, data)


def filed(item_data: dict, form: dict | None) -> dict:
    """What a case's submission records of the reports it needs (needs_of reads it back until acceptance)."""
    needed, spared = needs(item_data, form)
    return {"needed": needed, "spared": spared}


def state(needed: list[str], missing: bool, spared: list[dict]) -> str:
    """The entry's state: missing or provided by its reports; asking none, covered (the zone's regional
    assessment spares every kind the rules ask) or not_needed (the rules ask none)."""
    if needed:
        return "missing" if missing else "provided"
    return "covered" if spared else "not_needed"


def awaited(session: Session, case: Case, kind: str) -> bool:
    """Whether a report of this kind is a material the case waits for: one its entry made of reports
    needs, while the case awaits materials before acceptance (submitted, correction; conditional only
    if what it still owes is that report). A review round's correction asks for what the departments
    named (revised drawings, say), which a report delivered meanwhile does not answer."""
    made_of = entry(case.item.data)
    if made_of is None or kind not in needs_of(session, case)[0]:
        return False
    if case.status in OPEN:
        return True
    return case.status == "conditional" and session.scalar(select(Material.id).where(
        Material.case_id == case.id, Material.state == "deferred",
        Material.kind.in_((made_of["code"], REPORT + kind))).limit(1)) is not None


def parts(item_data: dict, needed: list[str]) -> dict[str, dict]:
    """The checklist entries the case takes files for, by code: the item's materials, an entry made
    of reports by the report codes of the kinds needed in its place."""
    made_of = (entry(item_data) or {}).get("code")
    taken = {}
    for material in item_data["materials"]:
        if material["code"] != made_of:
            taken[material["code"]] = material
            continue
        for kind in needed:
            taken[REPORT + kind] = {"code": REPORT + kind, "name": report_name(kind)}
    return taken


def upload_problem(item_data: dict, needed: list[str], code: str, filename: str) -> Message | None:
    """Why a file handed in under `code` cannot be taken, if it cannot: a kind not needed, or the
    entry made of reports named instead of one kind's report."""
    made_of = entry(item_data)
    if made_of is not None and code == made_of["code"]:
        return Message("%(file)s: %(material)s is handed in as the report of each kind the project needs, "
                       "under its own code: %(codes)s", file=filename, material=made_of["name"],
                       codes=", ".join(REPORT + k for k in needed) or "-")
    kind = kind_of(code)
    if made_of is not None and kind is not None and kind not in needed:
        return Message("%(file)s: this case needs no report of the kind %(kind)s", file=filename,
                       kind=KIND_NAMES[kind])
    if code not in parts(item_data, needed):
        return Message("%(file)s: %(kind)s is not on this item's checklist", file=filename, kind=repr(code))
    return None


def row(session: Session, case: Case, have: dict[str, Material]) -> dict:
    """The entry's state for the checklist (intake.checklist): its `reports`, one a needed kind, each
    with the file on the case and who brought it (the agency that delivered it; for one still to
    come, the agency commissioned and the date it promised), and what the zone's regional
    assessment `covered`: exempted, or `simplified` (a pledge and a check, no report)."""
    needed, spared = needs_of(session, case)
    commissions = session.scalars(select(Commission).where(Commission.case_id == case.id)
                                  .order_by(Commission.id)).all()
    delivered = {c.report_id: c.agency.name for c in commissions if c.report_id}
    preparing = {c.kind: c for c in commissions if c.state == "open"}
    reports = []
    for kind in needed:
        material, open_ = have.get(REPORT + kind), preparing.get(kind)
        reports.append({"code": REPORT + kind, "kind": kind, "name": report_name(kind),
                        "state": "provided" if material else "missing",
                        "material_id": material.id if material else None,
                        "filename": material.filename if material else None,
                        "agency": delivered.get(material.id) if material else (open_.agency.name if open_ else None),
                        "agency_due_on": open_.due_on.isoformat() if open_ and not material else None})
    return {"state": state(needed, any(r["state"] == "missing" for r in reports), spared), "reports": reports,
            "covered": [{"kind": c["code"], "name": KIND_NAMES[c["code"]], "doc_no": c["doc_no"],
                         "simplified": c["coverage"] == "simplified"} for c in spared]}


def lacking(shown: dict) -> list[dict]:
    """The reports the entry still waits for (its parts whose state is missing)."""
    return [r for r in shown.get("reports") or () if r["state"] == "missing"]


def by_report(missing: list[dict], rows: list[dict]) -> list[dict]:
    """A correction notice's list ({code, reason}) with an entry made of reports told as the reports
    it lacks, or, all there, as each of them (all are wrong); each code once. An entry that asks for
    no report is refused: nothing could answer it."""
    entries, told = {r["code"]: r for r in rows if "reports" in r}, {}
    for item in missing:
        shown = entries.get(item["code"])
        if shown is None:
            told.setdefault(item["code"], item)
            continue
        if not shown["reports"]:
            raise Invalid("%(material)s: the project needs no report, so none can be asked for",
                          material=shown["name"])
        for report in lacking(shown) or shown["reports"]:
            told.setdefault(report["code"], {**item, "code": report["code"]})
    return list(told.values())


def spread(rows: list[dict]) -> list[dict]:
    """The checklist's rows with an entry made of reports in the place of its reports, each a row of
    its own (mandatory as the entry is): what is handed in, file by file."""
    out = []
    for shown in rows:
        if "reports" not in shown:
            out.append(shown)
            continue
        out += [{**report, "mandatory": shown["mandatory"], "deferrable": False, "pledgeable": False,
                 "due_on": None, "reused_from": None} for report in shown["reports"]]
    return out
