"""The DMN TCK compliance-level-2 cases, one pytest case per expected result (resultNode)."""
import os
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import etree

from engine.dmn import load_dmn

SHARED = Path(os.environ.get("SHENPI_SHARED", Path(__file__).resolve().parents[2] / "shared"))
CORPUS = SHARED / "conformance" / "dmn-tck" / "compliance-level-2"
TC = "{http://www.omg.org/spec/DMN/20160719/testcase}"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
# Some expected numbers in the corpus (0008, 0009) were computed with doubles, whose rounding
# through ** drifts by a few units in the 14th digit, while FEEL computes with 34 digits.
RELATIVE_TOLERANCE = Decimal("1e-12")


def tck_test_files() -> list[Path]:
    return sorted(CORPUS.glob("*/*-test-01.xml"))


def parse_value(node):
    """A TCK valueType element (inputNode, expected, item, component) as a FEEL-like Python value."""
    value = node.find(f"{TC}value")
    if value is not None:
        if value.get(f"{XSI}nil") == "true":
            return None
        text, kind = value.text or "", value.get(f"{XSI}type", "")
        if kind.endswith("decimal"):
            return Decimal(text)
        if kind.endswith("boolean"):
            return text == "true"
        return text
    items = node.find(f"{TC}list")
    if items is not None:
        return [parse_value(item) for item in items.findall(f"{TC}item")]
    return {component.get("name"): parse_value(component) for component in node.findall(f"{TC}component")}


def cases() -> list:
    return list(_cases())


def _cases():
    for path in tck_test_files():
        root = etree.parse(str(path)).getroot()
        model_file = path.parent / root.findtext(f"{TC}modelName")
        for index, case in enumerate(root.findall(f"{TC}testCase"), 1):
            inputs = {node.get("name"): parse_value(node) for node in case.findall(f"{TC}inputNode")}
            for result in case.findall(f"{TC}resultNode"):
                case_id = f"{path.parent.name}-{case.get('id', index)}-{result.get('name')}"
                yield pytest.param(model_file, inputs, result.get("name"), parse_value(result.find(f"{TC}expected")),
                                   id=case_id)


def same(actual, expected) -> bool:
    if isinstance(expected, bool) or expected is None:
        return actual is expected
    if isinstance(expected, Decimal):
        if not isinstance(actual, Decimal):
            return False
        return actual == expected or abs(actual - expected) <= abs(expected) * RELATIVE_TOLERANCE
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(map(same, actual, expected))
    if isinstance(expected, dict):
        return isinstance(actual, dict) and actual.keys() == expected.keys() and all(
            same(actual[key], expected[key]) for key in expected)
    return actual == expected


@lru_cache(maxsize=None)
def model(path: Path):
    return load_dmn(path)


def test_corpus_is_present_and_complete():
    files = tck_test_files()
    assert CORPUS.is_dir(), f"DMN TCK corpus missing at {CORPUS} (set SHENPI_SHARED)"
    assert len(files) == 28
    roots = [etree.parse(str(path)).getroot() for path in files]
    # The corpus README counts 116 test cases; some cases check several decisions, giving 126 results.
    assert sum(len(root.findall(f"{TC}testCase")) for root in roots) == 116
    assert len(cases()) == 126


@pytest.mark.parametrize("model_file, inputs, decision, expected", cases())
def test_tck_result(model_file, inputs, decision, expected):
    actual = model(model_file).evaluate(decision, inputs)
    assert same(actual, expected), f"{decision}: got {actual!r}, expected {expected!r}"


@pytest.mark.parametrize("actual, expected, verdict", [
    (Decimal("2778.693549432766768088520383236299"), Decimal("2778.69354943277"), True),
    (Decimal("2778.6935494"), Decimal("2778.69354943277"), False),
    (Decimal("120000.0"), Decimal("120000"), True),
    (True, Decimal("1"), False),
    (None, False, False),
    ([{"a": Decimal("1")}], [{"a": Decimal("1.0")}], True),
    ([{"a": "x"}], [{"a": "x", "b": None}], False),
])
def test_comparison_rules(actual, expected, verdict):
    assert same(actual, expected) is verdict
