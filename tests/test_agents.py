"""代办: an agent (代办员 of a village agent point) files cases for applicants, follows only the ones
they filed and hands in what a notice asks for; the window accepts and decides the rest."""
import pytest

from engine import corrections, intake
from engine.errors import Forbidden
from engine.services import progress, users
from tests.test_web_intake import APPLICANT, app, case_id_of, files, submit  # noqa: F401 (fixture)
from tests.web import element, signed_in


@pytest.fixture
def agent(org):
    return users.add_user("agent", "何芳", "village", ["agent"], "pass-agent")


def test_an_agent_files_a_case_the_window_accepts(app, org, agent):
    page = signed_in(app, "agent")
    assert page.get("/", follow_redirects=False).location.endswith("/intake/")
    form = page.get("/intake/new/W-1").text
    assert 'name="channel"' not in form and 'id="agent-filing"' in form
    res = submit(page, "id_card", "form", "land", "marriage", channel="window")  # the channel is not theirs to say
    assert res.status_code == 303
    case_id = case_id_of(res)
    info = intake.describe(case_id)
    assert info["channel"] == "agent" and info["status"] == "submitted"
    shown = page.get(f"/intake/cases/{case_id}").text
    assert 'id="accept-form"' not in shown and 'id="refuse-form"' not in shown and 'id="applicant-account"' not in shown
    assert page.post(f"/intake/cases/{case_id}/accept").status_code == 403
    assert intake.describe(case_id)["status"] == "submitted"
    window = signed_in(app, "clerk")
    assert window.post(f"/intake/cases/{case_id}/accept").status_code == 303
    assert 'data-status="accepted"' in page.get(f"/intake/cases/{case_id}").text  # they follow it
    listed = element(window.get("/intake/").text, "recent-cases")
    assert info["number"] in listed and "代办" in listed


def test_an_agent_sees_and_supplies_only_the_cases_they_filed(app, org, agent):
    mine = case_id_of(submit(signed_in(app, "agent"), "id_card", "form", "marriage"))
    other = case_id_of(submit(signed_in(app, "clerk"), "id_card", "form", "marriage",
                              name="王五", id_number="110101199303034565"))
    listed = element(signed_in(app, "agent").get("/intake/").text, "recent-cases")
    assert intake.describe(mine)["number"] in listed and intake.describe(other)["number"] not in listed
    page = signed_in(app, "agent")
    assert page.get(f"/intake/cases/{other}").status_code == 403
    with pytest.raises(Forbidden):
        progress.visible_case(other, agent)
    # The window asks for the missing land certificate once; the agent brings it.
    for case_id in (mine, other):
        corrections.request_correction(case_id, [{"code": "land", "reason": "缺少"}], org["clerk"])
    supply = {"file_land": files("land")["file_land"]}
    assert page.post(f"/intake/cases/{other}/supply", data=supply, content_type="multipart/form-data").status_code == 403
    assert intake.describe(other)["status"] == "correction"
    res = page.post(f"/intake/cases/{mine}/supply", data={"file_land": files("land")["file_land"]},
                    content_type="multipart/form-data")
    assert res.status_code == 303 and intake.describe(mine)["status"] == "submitted"
    with pytest.raises(Forbidden):  # the engine says so too, whatever calls it
        corrections.supply(other, [intake.Upload("land", "land.pdf", b"%PDF land")], agent)
    [land] = [m for m in intake.describe(mine)["materials"] if m["code"] == "land"]
    assert page.get(f"/inbox/materials/{land['material_id']}").status_code == 200
