"""试算用例: inputs of a decision and the result it is expected to give on them, kept by the
decision's key (a case belongs to no version: each deployment of the key is tried on it).

Every deployment (the designer's, the administration page's, the API's, `run.py deploy`) runs every
case of each decision its DMN files define on the new XML before storing it (deploy_tried): a case
that fails stops it, unless the caller says the change is intended, and the deployment's event then
names the cases that failed. `run.py rules test`
runs them on the newest deployed versions; the shipped tables' cases are in rules/tests/*.yaml,
which `run.py demo` loads (adding those the database lacks: a designer's edits stay).
"""
import json
from datetime import datetime, timezone
from pathlib import Path

import yaml
from sqlalchemy import select

from engine.errors import Invalid, Message, NotFound
from engine.store import session_scope
from engine.store.db import flush_unique, read_session
from engine.store.models import DecisionTest, User
from engine.versioned import SAFE_LOADER

from . import deploy, trials
from .events import record
from .users import require

MAX_NAME = 200
MAX_JSON = 64 * 1024  # a case's inputs and expected result, as JSON: far above any real table's


class CasesFailed(Invalid):
    """The deployment would break saved test cases: each failed one a detail; `results` all of them."""

    def __init__(self, results: list[dict]):
        failed = [r for r in results if not r["passed"]]
        super().__init__(Message("%(failed)s of %(total)s test case(s) fail on the new table: deploy it only if the "
                                 "change is intended", failed=len(failed), total=len(results)),
                         [_failure(r) for r in failed])
        self.results = results


def cases_of(keys: list[str], actor: User) -> list[dict]:
    """The saved cases of these decision keys, by key and name."""
    require(actor, "designer")
    return _saved(keys)


def _saved(keys=None) -> list[dict]:
    """The saved cases, of these keys (None: all), by key and name."""
    query = select(DecisionTest).order_by(DecisionTest.key, DecisionTest.name)
    with read_session() as session:
        return [describe(case) for case in session.scalars(
            query if keys is None else query.where(DecisionTest.key.in_(keys)))]


def save(key: str, name: str, inputs, expected, actor: User, case_id: int | None = None) -> dict:
    """A new case of the decision `key`, or (case_id) a change to one: its name, inputs or expected result."""
    require(actor, "designer")
    name = _checked(key, name, inputs, expected)
    now = datetime.now(timezone.utc)
    with session_scope() as session:
        named = Invalid("Decision %(key)s already has a test case named %(name)s", key=key, name=name)
        taken = session.scalar(select(DecisionTest.id).where(DecisionTest.key == key, DecisionTest.name == name))
        if taken is not None and taken != case_id:
            raise named
        if case_id is None:
            case = DecisionTest(key=key, name=name, inputs=inputs, expected=expected, created_by=actor.id,
                                created_at=now, updated_by=actor.id, updated_at=now)
            session.add(case)
            flush_unique(session, named)  # saved at the same moment
            record(session, "decision_test_saved", actor=actor, key=key, name=name, test_id=case.id)
            return describe(case)
        case = _found(session, case_id, key)
        before = {"name": case.name, "inputs": case.inputs, "expected": case.expected}
        case.name, case.inputs, case.expected, case.updated_by, case.updated_at = name, inputs, expected, actor.id, now
        flush_unique(session, named)  # saved at the same moment
        record(session, "decision_test_changed", actor=actor, key=key, name=name, test_id=case.id, before=before)
        return describe(case)


def delete(case_id: int, actor: User, key: str | None = None) -> None:
    """Delete a case; its event keeps what it held."""
    require(actor, "designer")
    with session_scope() as session:
        case = _found(session, case_id, key)
        record(session, "decision_test_deleted", actor=actor, key=case.key, name=case.name, test_id=case.id,
               inputs=case.inputs, expected=case.expected)
        session.delete(case)


def describe(case) -> dict:
    return {"id": case.id, "key": case.key, "name": case.name, "inputs": case.inputs, "expected": case.expected}


def run(model, case: dict) -> dict:
    """The case tried on the model: {"id", "key", "name", "passed", "expected", "actual", "error"},
    `error` what stopped the evaluation (the actual result is then None)."""
    try:
        actual = trials.tried(model, case["key"], case["inputs"])["result"]
    except Invalid as refused:
        return _result(case, None, _said(refused))
    return _result(case, actual, None)


def deploy_tried(files: list[tuple[str, bytes]], actor: User | None, *, intended: bool = False,
                 dry_run: bool = False) -> tuple[deploy.Outcome, list[dict]]:
    """deploy.deploy with the saved cases of every decision the DMN files define tried on the
    tables it read (what is wrong with the files is said first). A failing case refuses the
    deployment (CasesFailed) unless `intended`: it then deploys, its event naming the cases that
    failed. A dry run (the designer's 校验) deploys nothing and refuses nothing for them.
    No actor: the command line's, as deploy.deploy's."""
    ready = deploy.checked(files, actor)
    models = {key: model for model in ready.models.values() for key in model.decisions}
    results = [run(models[case["key"]], case) for case in _saved(list(models))]
    failed = [{"id": r["id"], "key": r["key"], "name": r["name"]} for r in results if not r["passed"]]
    if dry_run:
        return ready.planned(), results
    if failed and not intended:
        raise CasesFailed(results)
    return deploy.store(ready, actor, failed_tests=failed or None), results


def run_deployed(key: str | None = None, cases: list[dict] | None = None) -> list[dict]:
    """The saved cases (those of `key`), or the cases given (read_files), each tried on the newest
    deployed version of its key: results as run's, with "version" (None: the key is not deployed)."""
    if cases is None:
        cases = _saved([key] if key else None)
    elif key:
        cases = [case for case in cases if case["key"] == key]
    models, results = {}, []
    for case in cases:
        if case["key"] not in models:
            models[case["key"]] = _deployed(case["key"])
        version, model = models[case["key"]]
        if model is None:
            results.append(dict(_result(case, None, Message("No decision %(key)s is deployed", key=repr(case["key"]))),
                                version=None))
        else:
            results.append(dict(run(model, case), version=version))
    return results


def read_files(paths) -> list[dict]:
    """Test cases from YAML files (or folders of them): each a mapping of decision keys to lists of
    {name, inputs, expected}."""
    cases = []
    for path in map(Path, paths):
        for file in sorted(path.glob("*.yaml")) if path.is_dir() else [path]:
            if not file.is_file():
                raise NotFound("No such file or folder: %(path)s", path=str(file))
            try:
                by_key = yaml.load(file.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
            except yaml.YAMLError as exc:
                raise Invalid("%(file)s is not YAML: %(error)s", file=file.name, error=str(exc)) from exc
            if not isinstance(by_key, dict) or not all(isinstance(v, list) for v in by_key.values()):
                raise Invalid("%(file)s: a test file maps decision keys to lists of {name, inputs, expected}",
                              file=file.name)
            for key, listed in by_key.items():
                for entry in listed:
                    if not isinstance(entry, dict) or set(entry) != {"name", "inputs", "expected"}:
                        raise Invalid("%(file)s: each test case of %(key)s has a name, inputs and expected, and "
                                      "nothing else", file=file.name, key=key)
                    _checked(str(key), entry["name"], entry["inputs"], entry["expected"])
                    cases.append({"id": None, "key": str(key), "name": str(entry["name"]).strip(),
                                  "inputs": entry["inputs"], "expected": entry["expected"]})
    return cases


def load_files(paths, actor: User | None = None) -> list[tuple[str, str, bool]]:
    """Save the files' cases the database lacks (by key and name), leaving those it has as they
    are (a designer may have changed them): (key, name, whether added) for each."""
    cases, loaded = read_files(paths), []
    with session_scope() as session:
        known = {(key, name) for key, name in session.execute(select(DecisionTest.key, DecisionTest.name).where(
            DecisionTest.key.in_({case["key"] for case in cases})))}
        for case in cases:
            new = (case["key"], case["name"]) not in known
            if new:
                known.add((case["key"], case["name"]))
                session.add(DecisionTest(key=case["key"], name=case["name"], inputs=case["inputs"],
                                         expected=case["expected"], created_by=actor and actor.id,
                                         updated_by=actor and actor.id))
            loaded.append((case["key"], case["name"], new))
        if any(added for *_, added in loaded):
            record(session, "decision_tests_loaded", actor=actor, count=sum(added for *_, added in loaded),
                   keys=sorted({key for key, _, added in loaded if added}))
    return loaded


def same(actual, expected) -> bool:
    """Whether a result is the one expected, as JSON values: 1 and 1.0 alike, true never 1."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(actual, (int, float)) and isinstance(expected, (int, float)):
        return actual == expected
    if isinstance(actual, list) and isinstance(expected, list):
        return len(actual) == len(expected) and all(map(same, actual, expected))
    if isinstance(actual, dict) and isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(same(actual[k], expected[k]) for k in actual)
    return type(actual) is type(expected) and actual == expected


def _checked(key: str, name, inputs, expected) -> str:
    if not key or len(key) > 200 or "/" in key:
        raise Invalid("A decision key is required (no slashes, at most 200 characters)")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
        raise Invalid("A test case needs a name of at most %(max)s characters", max=MAX_NAME)
    if not isinstance(inputs, dict) or not all(isinstance(k, str) for k in inputs):
        raise Invalid("A test case's inputs are an object of input names and values")
    if len(json.dumps([inputs, expected], ensure_ascii=False)) > MAX_JSON:
        raise Invalid("A test case's inputs and expected result take at most %(max)s characters", max=MAX_JSON)
    return name.strip()


def _found(session, case_id: int, key: str | None) -> DecisionTest:
    case = session.get(DecisionTest, case_id)
    if case is None or (key is not None and case.key != key):
        raise NotFound("No test case %(id)s", id=case_id)
    return case


def _deployed(key: str):
    """(version, model) of the key's newest deployed version; (None, None) when there is none."""
    try:
        return trials.deployed(key)
    except NotFound:
        return None, None


def _result(case: dict, actual, error) -> dict:
    return {"id": case.get("id"), "key": case["key"], "name": case["name"], "expected": case["expected"],
            "actual": actual, "error": error, "passed": error is None and same(actual, case["expected"])}


def _said(refused: Invalid) -> str:
    """What stopped a case's evaluation: the refusal's first detail (an input missing, a cell
    that failed), else the refusal."""
    return next((d["message"] for d in refused.details if isinstance(d, dict)), refused.message)


def _failure(result: dict) -> dict:
    if result["error"] is not None:
        message = Message("test case %(name)s: %(error)s", name=result["name"], error=result["error"])
    else:
        message = Message("test case %(name)s: expected %(expected)s, got %(actual)s", name=result["name"],
                          expected=_json(result["expected"]), actual=_json(result["actual"]))
    return {"file": None, "element_id": result["key"], "message": message}


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)
