"""The shipped procedures' limits fit together: each department's review, and the lead's decision
after it, end within the case's promised limit. A review given the whole limit turned the case
yellow with every department on time."""
from pathlib import Path

import pytest
import yaml
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
DMN = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"


def review_days(rules: str) -> list[int]:
    """The `days` column of a rules table: each review's promised working days."""
    table = etree.parse(str(ROOT / "rules" / f"{rules}.dmn")).find(f".//{DMN}decisionTable")
    column = [o.get("name") for o in table.findall(f"{DMN}output")].index("days")
    entries = (rule.findall(f"{DMN}outputEntry")[column].findtext(f"{DMN}text") for rule in table.findall(f"{DMN}rule"))
    return [int(text) for text in entries if text and text.strip()]


def decision_days(process: str) -> int:
    """The lead's decision step: the procedure's one promised limit written as a number."""
    tree = etree.parse(str(ROOT / "processes" / f"{process}.bpmn"))
    [days] = [p.get("value") for p in tree.iter("{*}property")
              if p.get("name") == "promisedDaysExpression" and p.get("value").isdigit()]
    return int(days)


@pytest.mark.parametrize("process, rules, item", [
    ("merged_assessments", "assessments_required", "investment_assessment"),
    ("joint_drawing_review", "drawing_reviews", "drawing_review"),
])
def test_every_review_and_the_leads_decision_fit_the_promised_limit(process, rules, item):
    promised = yaml.safe_load((ROOT / "processes" / "items" / f"{item}.yaml").read_text())["promised_days"]
    days = review_days(rules)
    assert days and max(days) + decision_days(process) <= promised
