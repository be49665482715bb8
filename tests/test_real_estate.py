"""不动产登记一窗受理: one intake, transaction check, tax and registration in parallel, 先税后证."""
import pytest

from engine import intake, operations
from engine.errors import Conflict, Invalid
from engine.services import calendars
from engine import clock
from tests.procedures import event_types, install, open_tasks, step_clocks, take_in, work

ITEM = "1103-NRES-003"
FLAT = {"property": {"type": "housing", "area_m2": 90, "holding_years": 6, "seller_only_home": True,
                     "buyer_home_count": 0, "price": 2_000_000}}
SELLER = {"name": "王五", "id_number": "110101198001011111", "phone": "13700000001"}


@pytest.fixture
def people(org):
    return install(org)


def test_transfer_runs_three_departments_in_parallel_and_registers_after_tax(people):
    case = take_in(ITEM, FLAT, people["clerk"], applicant=SELLER)
    assert case.status == "accepted"
    tasks = open_tasks(case.instance_id)
    assert set(tasks) == {"transaction_check@housing", "tax_assessment@tax", "registration_check@realestate"}
    # Each step has its own promised limit: a step clock per department task.
    clocks = step_clocks(case.instance_id)
    assert {(c.department, c.promised_days) for c in clocks} == {("housing", 1), ("tax", 1), ("realestate", 2)}
    today = clock.today()
    assert {c.department: c.promised_due for c in clocks}["realestate"] == \
        calendars.current().add_workdays(today, 2).date

    described = intake.describe(case.id)
    case_clock = next(c for c in described["clocks"] if c["task_id"] is None)
    assert case_clock["promised_days"] == 5 and case_clock["statutory_days"] == 30

    # The taxes came from the rules: a first home of 90 m2, held over five years, only home: deed tax 1%.
    work(tasks["transaction_check@housing"], people["reviewer"], {"transaction_result": "ok"})
    work(tasks["registration_check@realestate"], people["r_realestate"],
         {"sealed": False, "objection": False, "mortgage": "none"})
    work(tasks["tax_assessment@tax"], people["taxman"], {"assessed_price": 2_000_000})
    # Registration waits for the tax: nothing to register yet.
    assert set(open_tasks(case.instance_id)) == {"tax_payment@tax"}
    payment = open_tasks(case.instance_id)["tax_payment@tax"]
    with pytest.raises(Invalid, match="result document"):  # a step cannot close without it
        work(payment, people["taxman"], {"tax_paid": True, "receipt_no": "T1"}, document=False)
    assert set(open_tasks(case.instance_id)) == {"tax_payment@tax"}
    work(payment, people["taxman"], {"tax_paid": True, "receipt_no": "T1"})
    register = open_tasks(case.instance_id)["register@realestate"]
    result = work(register, people["r_realestate"], {"certificate_no": "京(2026)不动产权第0000001号"})
    assert result["state"] == "completed"
    assert result["data"]["taxes"] == [{"tax": "deed_tax", "name": "契税", "rate": 0.01, "amount": 20000.0}]

    decided = intake.describe(case.id)
    assert decided["status"] == "decided" and decided["decision"] == "approve"
    # Every step clock stopped; result documents are materials of the case, issued by their department.
    assert all(c.state == "stopped" for c in step_clocks(case.instance_id))
    intake.deliver(case.id, "express", people["clerk"], tracking="SF1234567890")
    delivered = intake.describe(case.id)
    assert delivered["status"] == "delivered" and delivered["delivery"]["tracking"] == "SF1234567890"
    assert delivered["delivery"]["on_time"] is True
    types = event_types(case.instance_id)
    assert types.count("document_attached") == 5 and "case_decided" in types and "case_delivered" in types

