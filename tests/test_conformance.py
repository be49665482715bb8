"""The BPMN MIWG reference models: each deploys and starts, or is refused naming element and id."""
import time

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow

from engine.bpmn.runtime import run_engine
from engine.bpmn.scripting import make_script_engine
from engine.bpmn.validate import ValidationFailed, validate_bpmn
from tests.conftest import SHARED

MIWG = SHARED / "conformance" / "bpmn-miwg"
FILES = sorted(MIWG.glob("*.bpmn"))


def test_the_corpus_is_there():
    assert len(FILES) == 21, f"expected the 21 MIWG files under {MIWG}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_deploys_and_starts_or_is_refused_clearly(path):
    started = time.monotonic()
    try:
        bundle = validate_bpmn([(path.name, path.read_bytes())])
    except ValidationFailed as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == path.name and problem.message
            assert problem.element_id, problem  # names the element it refuses
    else:
        assert bundle.processes
        for process in bundle.processes:
            workflow = BpmnWorkflow(process.spec, process.subprocess_specs, script_engine=make_script_engine())
            run_engine(workflow)  # starts without error
    assert time.monotonic() - started < 10
