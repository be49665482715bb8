"""What a service item's procedure starts with besides its application form's fields: the facts
of the case, which every condition and expression of such a procedure may read. Deployment reads
the names (engine/services/deploy.py), intake the values (engine/intake.py)."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.catalogue import limit_units
from engine.store.models import Case, Material

FACTS = {
    "case_number": lambda case, session: case.number,
    "item_code": lambda case, session: case.item_code,
    "item_name": lambda case, session: case.item.name,
    "applicant_name": lambda case, session: case.applicant.name,
    "applicant_id": lambda case, session: case.applicant.id_number,
    "applicant_kind": lambda case, session: case.applicant.kind,  # person | company: who pays which tax
    "lead_department": lambda case, session: case.item.department,
    "promised_days": lambda case, session: case.item.promised_days,
    # what promised_days counts: working_days, calendar_days or hours (4 is not 4 days in hours)
    "promised_unit": lambda case, session: limit_units(case.item)["promised_unit"],
    "materials": lambda case, session: {m.kind: m.state for m in session.scalars(
        select(Material).where(Material.case_id == case.id))},
}


def start_data(case: Case, session: Session) -> dict:
    """The procedure's start data: the application form, then the facts (a fact wins a clash)."""
    return {**case.form, **{name: fact(case, session) for name, fact in FACTS.items()}}
