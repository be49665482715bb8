"""A checklist entry made of the reports the project needs (`agency_reports: true` on an item's
material, as 多评合一's 评估报告): one report a kind, each kind the project needs (engine/report_kinds.py),
however it came: delivered through the marketplace (engine/agencies.py) or handed in by the
applicant, the window or the agent as that kind's report. A report is a case material of kind
report:<kind>; the entry's own code takes no file.

The entry is provided when every needed kind has its report and missing while one has none; when
the project needs none it asks for nothing, and says why: covered (the zone's regional assessment
exempts every kind the rules ask) or not_needed (the rules ask none).
"""
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Invalid, Message
from engine.report_kinds import KIND_NAMES, REPORT, kind_of, needs, report_name
from engine.store.models import Case, Commission, Instance, Material


def entry(item_data: dict) -> dict | None:
    """The item's checklist entry made of reports, if it has one (catalogue.validate allows one)."""
    return next((m for m in item_data.get("materials") or () if m.get("agency_reports")), None)


def needs_of(session: Session, case: Case) -> tuple[list[str], dict[str, str]]:
    """(kinds the case needs, {kind exempted: regional document}), as its procedure decided once it
    has started, else as the rules decide on its application's form."""
    data = session.scalar(select(Instance.data).where(Instance.id == case.instance_id)) if case.instance_id else None
    return needs(case.item.data, case.form, data)


def asked(session: Session, case: Case) -> list[str]:
    """The kinds whose reports the case's checklist asks for: none but of an entry made of them."""
    return needs_of(session, case)[0] if entry(case.item.data) else []


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
    assessment `covered`."""
    needed, covered = needs_of(session, case)
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
    if reports:
        state = "missing" if any(r["state"] == "missing" for r in reports) else "provided"
    else:
        state = "covered" if covered else "not_needed"
    return {"state": state, "reports": reports,
            "covered": [{"kind": k, "name": KIND_NAMES[k], "doc_no": doc} for k, doc in covered.items()]}


def lacking(row_: dict) -> list[dict]:
    """The reports the entry still waits for (its parts whose state is missing)."""
    return [r for r in row_.get("reports") or () if r["state"] == "missing"]


def by_report(missing: list[dict], rows: list[dict]) -> list[dict]:
    """A correction notice's list ({code, reason}) with an entry made of reports told as the reports
    it lacks, or, all there, as each of them (all are wrong); each code once. An entry that asks for
    no report is refused: nothing could answer it."""
    entries, told = {r["code"]: r for r in rows if "reports" in r}, {}
    for item in missing:
        row_ = entries.get(item["code"])
        if row_ is None:
            told.setdefault(item["code"], item)
            continue
        if not row_["reports"]:
            raise Invalid("%(material)s: the project needs no report, so none can be asked for",
                          material=row_["name"])
        for report in lacking(row_) or row_["reports"]:
            told.setdefault(report["code"], {**item, "code": report["code"]})
    return list(told.values())


def spread(rows: list[dict]) -> list[dict]:
    """The checklist's rows with an entry made of reports in the place of its reports, each a row of
    its own (mandatory as the entry is): what is handed in, file by file."""
    out = []
    for row_ in rows:
        if "reports" not in row_:
            out.append(row_)
            continue
        out += [{**report, "mandatory": row_["mandatory"], "deferrable": False, "pledgeable": False,
                 "due_on": None, "reused_from": None} for report in row_["reports"]]
    return out
