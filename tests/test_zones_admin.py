"""区域评估 registered and revoked by the administrator (系统管理 › 区域评估), and zone files loaded again
without undoing what the administrator did."""
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import clock, regional
from engine.config import ROOT
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.services import deploy
from engine.store import session_scope
from engine.store.models import Event, RegionalAssessment
from tests.web import element, signed_in

SEISMIC = {"kind": "seismic_safety", "doc_no": "新区震〔2026〕1号", "approved_on": "2026-01-05"}
PROJECT = {"industry": "electronics", "land_ha": 10}


@pytest.fixture(autouse=True)
def coverage_rule(org):
    """The table that turns a zone's result into a verdict."""
    table = ROOT / "rules" / "regional_coverage.dmn"
    deploy.deploy([(table.name, table.read_bytes())], org["designer"])


@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def events(kind):
    with session_scope() as session:
        return [e.data for e in session.scalars(select(Event).where(Event.type == kind).order_by(Event.id))]


def test_a_registered_result_spares_the_zones_projects_until_it_is_revoked(org):
    assert regional.coverage("NEWZ", "seismic_safety", PROJECT)["coverage"] == "REQUIRED"
    result = regional.register(org["admin"], "NEWZ", "新区", SEISMIC)
    covered = regional.coverage("NEWZ", "seismic_safety", PROJECT)
    assert covered["coverage"] != "REQUIRED" and covered["doc_no"] == "新区震〔2026〕1号"
    [row] = regional.listed(org["admin"])
    assert (row["state"], row["valid_until"].isoformat()) == ("valid", "2031-01-05")  # five years by default
    with pytest.raises(Invalid, match="why"):
        regional.revoke(org["admin"], result, "  ")
    regional.revoke(org["admin"], result, "评估报告所依据的规划已调整")
    assert regional.coverage("NEWZ", "seismic_safety", PROJECT)["coverage"] == "REQUIRED"
    assert regional.listed(org["admin"])[0]["state"] == "revoked"
    with pytest.raises(Conflict, match="revoked already"):
        regional.revoke(org["admin"], result, "again")
    with pytest.raises(NotFound):
        regional.revoke(org["admin"], result + 1, "none")
    assert [(e["doc_no"], e.get("reason")) for e in events("regional_assessment_registered")
            + events("regional_assessment_revoked")] == [("新区震〔2026〕1号", None), ("新区震〔2026〕1号", "评估报告所依据的规划已调整")]


@pytest.mark.parametrize("entry, says", [
    ({**SEISMIC, "kind": "mineral"}, "not an assessment the rules decide on"),
    ({**SEISMIC, "approved_on": "2026-02-30"}, "YYYY-MM-DD"),
    ({**SEISMIC, "doc_no": " "}, "document's number"),
    ({**SEISMIC, "valid_years": 0}, "valid_years"),
    ({**SEISMIC, "valid_years": True}, "valid_years"),
    ({**SEISMIC, "max_land_ha": -1}, "max_land_ha"),
    ({**SEISMIC, "excluded_industries": "steel"}, "excluded_industries"),
])
def test_a_wrong_result_is_refused_and_nothing_is_stored(org, entry, says):
    with pytest.raises(Invalid, match=says):
        regional.register(org["admin"], "NEWZ", "新区", entry)
    assert regional.listed(org["admin"]) == [] and events("regional_assessment_registered") == []


def test_a_result_twice_one_not_yet_approved_or_someone_not_an_administrator_is_refused(org):
    regional.register(org["admin"], "NEWZ", "新区", SEISMIC)
    with pytest.raises(Conflict, match="already has"):
        regional.register(org["admin"], "NEWZ", "新区", SEISMIC)
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    with pytest.raises(Invalid, match="not been approved yet"):
        regional.register(org["admin"], "NEWZ", "新区", {**SEISMIC, "doc_no": "2号", "approved_on": tomorrow})
    with pytest.raises(Invalid, match="zone's code"):
        regional.register(org["admin"], "新 区", "新区", {**SEISMIC, "doc_no": "3号"})
    for who in ("reviewer", "supervisor"):
        with pytest.raises(Forbidden):
            regional.register(org[who], "NEWZ", "新区", {**SEISMIC, "doc_no": "4号"})
    assert len(regional.listed(org["admin"])) == 1


def test_a_result_registered_by_another_administrator_at_the_same_moment_is_the_same_conflict(org):
    """Both passed the check; the second's row is refused by the unique constraint, not a 500."""
    from datetime import date

    from sqlalchemy import insert

    from tests.meanwhile import written_meanwhile
    other = insert(RegionalAssessment).values(zone="NEWZ", zone_name="新区", assessment="seismic_safety",
                                              doc_no=SEISMIC["doc_no"], approved_on=date(2026, 1, 5),
                                              valid_until=date(2031, 1, 5), excluded_industries=[], revoked=False)
    with written_meanwhile(other), pytest.raises(Conflict, match="already has the result"):
        regional.register(org["admin"], "NEWZ", "新区", SEISMIC)
    assert len(regional.listed(org["admin"])) == 0 and events("regional_assessment_registered") == []


def test_zone_files_loaded_again_keep_a_revoked_result_revoked(org, database_url):
    regional.load_zones(ROOT / "processes" / "zones")
    with session_scope() as session:
        energy = session.scalar(select(RegionalAssessment).where(RegionalAssessment.zone == "HTZ",
                                                                 RegionalAssessment.assessment == "energy"))
    regional.revoke(org["admin"], energy.id, "能评结论被撤销")
    run = subprocess.run([sys.executable, "run.py", "zones", "load", str(ROOT / "processes" / "zones")], cwd=ROOT,
                         env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert run.returncode == 0 and "regional assessment results" in run.stdout, run.stderr
    states = {r["assessment"]: r["state"] for r in regional.listed(org["admin"])}
    assert states["energy"] == "revoked" and states["seismic_safety"] == "valid"
    assert regional.coverage("HTZ", "energy", PROJECT)["coverage"] == "REQUIRED"


def test_the_administrators_page_registers_and_revokes(app, org):
    admin = signed_in(app, "admin")
    page = admin.get("/admin/zones").text
    assert "尚未登记区域评估成果" in page and 'value="seismic_safety"' in element(page, "zone-form")
    refused = admin.post("/admin/zones", data={"zone": "NEWZ", "zone_name": "新区", **SEISMIC, "valid_years": "五"})
    assert refused.status_code == 422 and "不是有效的数字" in refused.text and 'value="新区震〔2026〕1号"' in refused.text
    done = admin.post("/admin/zones", data={"zone": "NEWZ", "zone_name": "新区", **SEISMIC, "valid_years": "3",
                                            "max_land_ha": "20", "excluded_industries": "steel，cement"})
    assert done.status_code == 303
    table = element(admin.get("/admin/zones").text, "zones")
    assert "地震安全性评价" in table and "2029-01-05" in table and "不含行业：steel、cement" in table
    [row] = regional.listed(org["admin"])
    assert admin.post(f"/admin/zones/{row['id']}/revoke", data={"reason": "规划调整"}).status_code == 303
    assert 'data-state="revoked"' in admin.get("/admin/zones").text
    assert signed_in(app, "reviewer").get("/admin/zones").status_code == 403
