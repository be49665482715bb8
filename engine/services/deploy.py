"""Deploying BPMN processes, DMN decisions and JSON Schema task forms.

A changed file becomes a new version of each process or decision it defines; an identical one
changes nothing. Everything in one call is validated first and stored in one transaction, so a
deployment with one bad file stores nothing. What deploys but would get a case stuck (engine/bpmn/lint.py)
comes back beside the result as warnings.
"""
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from engine.bpmn import lint
from engine.bpmn.parser import parse_xml
from engine import silence
from engine.bpmn.runtime import form_of, properties, serialize_specs
from engine.bpmn.validate import NS as BPMN
from engine.bpmn.validate import Problem, ValidationFailed, validate_bpmn
from engine.case_facts import FACTS
from engine.dmn import DmnError, load_dmn
from engine.dmn import lint as dmn_lint
from engine.errors import Invalid, Message, NotFound
from engine.forms import problem as form_problem
from engine.store import session_scope
from engine.store.db import read_session
from engine.store.models import Definition, Deployment, ServiceItem, User

from .events import record
from .lanes import known_groups
from .users import require

SUFFIXES = (".bpmn", ".dmn", ".json")
MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass
class Deployed:
    key: str
    version: int
    name: str | None
    kind: str
    new: bool

    def as_dict(self):
        return {"key": self.key, "version": self.version, "name": self.name, "kind": self.kind,
                "new": self.new}


@dataclass
class Outcome:
    """A deployment: its id (when nothing changed, the deployment that holds those versions; None
    for a dry run), what it holds, and its warnings, each {"file", "element_id", "message"} as the
    details of a refusal."""
    id: int | None
    definitions: list[Deployed]
    warnings: list[dict]

    @property
    def new(self) -> bool:
        """Whether anything became a new version."""
        return any(d.new for d in self.definitions)


def collect_files(paths) -> list[tuple[str, bytes]]:
    """Read files and folders (recursively) of the deployable kinds."""
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files += [(str(p), p.read_bytes()) for p in sorted(path.rglob("*"))
                      if p.suffix in SUFFIXES and p.is_file()]
        elif path.is_file():
            files.append((str(path), path.read_bytes()))
        else:
            missing = Message("not found")  # outside the call: the extractor reads no call within one
            raise Invalid("No such file or folder: %(path)s",
                          [{"file": str(path), "element_id": None, "message": missing}], path=str(path))
    return files


@dataclass
class Checked:
    """Files that passed every check, not yet stored: what they define (candidates, as _store
    takes them), the decision models read from the DMN files by file name (the saved test cases
    are tried on them), and the warnings."""
    candidates: list[tuple]
    filenames: list[str]
    models: dict
    warnings: list[dict]

    def planned(self) -> Outcome:
        """What storing would deploy, every definition as new (a dry run's answer)."""
        return Outcome(None, [Deployed(key, 0, name, kind, True) for kind, key, name, *_ in self.candidates],
                       self.warnings)


def deploy(files: list[tuple[str, bytes]], actor: User | None, *, dry_run: bool = False) -> Outcome:
    """Validate and store; returns the deployment (when nothing changed, the one that holds those
    versions), what it holds and what it warns of.

    With dry_run the checks run and nothing is stored (the designer's "validate" button).
    """
    ready = checked(files, actor)
    return ready.planned() if dry_run else store(ready, actor)


def store(ready: Checked, actor: User | None, failed_tests: list[dict] | None = None) -> Outcome:
    """Store what `checked` passed. failed_tests: the saved test cases the new tables fail,
    deployed so by intent (decision_tests.deploy_tried), named in the deployment's event."""
    return Outcome(*_store(ready.candidates, ready.filenames, actor, failed_tests), ready.warnings)


def checked(files: list[tuple[str, bytes]], actor: User | None) -> Checked:
    """Every check of a deployment, nothing stored: a problem anywhere refuses all of it (Invalid)."""
    if actor is not None:
        require(actor, "designer")
    if not files:
        raise Invalid("No files to deploy")
    problems, bpmn, dmn, forms, seen = [], [], [], {}, set()
    for name, content in files:
        suffix = Path(name).suffix.lower()
        if name in seen:  # chosen twice: the library would say "Duplicate process ID" of its process
            problems.append(Problem(name, None, Message("%(file)s is sent twice: send each file once", file=name)))
            continue
        seen.add(name)
        if len(content) > MAX_FILE_BYTES:
            problems.append(Problem(name, None, Message("file larger than %(limit)s bytes", limit=MAX_FILE_BYTES)))
        elif suffix == ".bpmn":
            bpmn.append((name, content))
        elif suffix == ".dmn":
            dmn.append((name, content))
        elif suffix == ".json":
            _read_form(name, content, forms, problems)
        else:
            problems.append(Problem(name, None, Message("only .bpmn, .dmn and .json form files deploy")))

    # (kind, key, name, filename, content, spec, forms, called): `called` is the source of the
    # processes it calls, whose specs it stores: changing one of them makes it a new version too.
    candidates = []
    models, bundle = {}, None
    for name, content in dmn:
        try:
            model = load_dmn(content, filename=name)
        except DmnError as exc:
            # Its message, not str(exc): the problem names the file and element itself.
            problems.append(Problem(name, exc.element_id, exc.message))
            continue
        models[name] = model
        for decision_id, decision in model.decisions.items():
            candidates.append(("dmn", decision_id, getattr(decision, "name", None) or decision_id,
                               name, content, None, {}, b""))
    if bpmn:
        bpmn = _with_called(bpmn)
        try:
            bundle = validate_bpmn(bpmn)
        except ValidationFailed as exc:
            problems += exc.problems
        else:
            contents = dict(bpmn)
            for proc in bundle.processes:
                used = {}
                for spec in [proc.spec, *proc.subprocess_specs.values()]:
                    for task_spec in spec.task_specs.values():
                        form = form_of(task_spec)
                        if form and form not in forms and (deployed := _deployed_form(form)) is not None:
                            forms[form] = deployed
                        if form and form not in forms:
                            problems.append(Problem(proc.file, task_spec.name, Message(
                                "form %(form)s is neither among the files nor deployed before", form=repr(form))))
                        elif form:
                            used[form] = forms[form]
                        if silence.PROPERTY in properties(task_spec) and not silence.fits(used.get(form)):
                            problems.append(Problem(proc.file, task_spec.bpmn_id, Message(
                                "silenceConsentsExpression: the form %(form)s does not take the consent a silence "
                                "gives (%(consent)s)", form=repr(form), consent=silence.CONSENT)))
                called = sorted({sub.file for sub in proc.subprocess_specs.values()} - {proc.file})
                candidates.append(("bpmn", proc.key, proc.name, proc.file, contents[proc.file],
                                   serialize_specs(proc.spec, proc.subprocess_specs), used,
                                   b"".join(contents[f] for f in called)))
    if problems:
        raise Invalid("%(count)s problem(s) in the deployment", _details(problems), count=len(problems))
    warnings = _details((_warnings(bundle, forms) if bundle else []) + _table_warnings(models))
    return Checked(candidates, [n for n, _ in files], models, warnings)


def _with_called(bpmn: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The BPMN files, and the newest deployed version of each process they call (at any depth)
    but do not hold, as a form is taken from a deployed procedure: a revised caller deploys on
    its own. A callee taken so is unchanged and makes no new version."""
    files, own, called, read = list(bpmn), set(), set(), 0
    while read < len(files):
        for _name, content in files[read:]:
            try:
                root = parse_xml(content)
            except Invalid:
                continue  # validate_bpmn says what is wrong with it
            own |= {el.get("id") for el in root.iter(f"{{{BPMN}}}process")}
            called |= {el.get("calledElement") for el in root.iter(f"{{{BPMN}}}callActivity")}
        read = len(files)
        names = {name for name, _content in files}
        with read_session() as session:
            for key in sorted(called - own - {None}):
                own.add(key)  # taken now, or left for the validation to name as missing
                deployed = session.scalar(select(Definition).where(Definition.kind == "bpmn", Definition.key == key)
                                          .order_by(Definition.id.desc()).limit(1))
                if deployed is not None and deployed.filename not in names:
                    files.append((deployed.filename, deployed.source.encode("utf-8")))
    return files


def _details(problems: list[Problem]) -> list[dict]:
    return [{"file": p.file, "element_id": p.element_id, "message": p.message} for p in problems]


def _warnings(bundle, forms: dict) -> list[Problem]:
    """Lanes no one could work in, user tasks left out of the lanes, elements cut off from the flow,
    and names read that nothing provides (engine/bpmn/lint.py)."""
    return lint.unknown_lanes(bundle, known_groups()) + lint.laneless_tasks(bundle) + lint.unconnected(bundle) + \
        lint.unprovided_names(bundle, forms, set(FACTS), _application_forms([proc.key for proc in bundle.processes]))


def _table_warnings(models: dict) -> list[Problem]:
    """Rows of decision tables naming what none of their inputs is (engine/dmn/lint.py)."""
    return [Problem(filename, decision_id, Message(
                "%(table)s, row %(row)s: %(names)s is none of the table's inputs; a case reaching this row "
                "fails unless its procedure passes it", table=name or decision_id, row=row, names=", ".join(names)))
            for filename, model in models.items() for decision_id, name, row, names in dmn_lint.unknown_names(model)]


def _application_forms(keys: list[str]) -> dict[str, list[dict]]:
    """Process key -> the application forms of the service items it runs (any version): a case
    of the item starts with the form's fields."""
    found: dict[str, list[dict]] = {}
    with read_session() as session:
        for key, item in session.execute(select(ServiceItem.process_key, ServiceItem.data)
                                         .where(ServiceItem.process_key.in_(keys))):
            if item.get("form"):
                found.setdefault(key, []).append(item["form"])
    return found


def _deployed_form(name: str) -> dict | None:
    """The newest deployed copy of a form by its file name: a procedure may use a form that
    another deployed (the designer draws a procedure; its forms need not travel with it)."""
    with read_session() as session:
        for forms in session.scalars(select(Definition.forms).where(Definition.kind == "bpmn")
                                     .order_by(Definition.id.desc())):
            if forms and name in forms:
                return forms[name]
    return None


def _read_form(name, content, forms, problems):
    try:
        schema = json.loads(content)
        wrong = form_problem(schema)
    except ValueError as exc:
        wrong = str(exc)[:470]
    except RecursionError:
        wrong = "nested too deeply"
    if wrong:
        # At most 500 characters: the sentence's 30, then at most 470 of the error's text.
        problems.append(Problem(name, None, Message("not a valid JSON Schema form: %(error)s", error=wrong)))
        return
    forms[Path(name).name] = schema


def _store(candidates, filenames, actor, failed_tests):
    with session_scope() as session:
        deployment, results, held_by = None, [], set()
        for kind, key, name, filename, content, spec, forms, called in candidates:
            checksum = hashlib.sha256(content + json.dumps(forms, sort_keys=True).encode() + called).hexdigest()
            latest = session.scalar(select(Definition).where(Definition.kind == kind, Definition.key == key)
                                    .order_by(Definition.version.desc()).limit(1))
            if latest is not None and latest.checksum == checksum:
                results.append(Deployed(key, latest.version, latest.name, kind, False))
                held_by.add(latest.deployment_id)
                continue
            if deployment is None:
                deployment = Deployment(deployed_by=actor.id if actor else None, files=filenames)
                session.add(deployment)
                session.flush()
            version = (latest.version + 1) if latest else 1
            session.add(Definition(kind=kind, key=key, version=version, name=name,
                                   filename=Path(filename).name, checksum=checksum,
                                   source=content.decode("utf-8"), spec=spec, forms=forms,
                                   deployment_id=deployment.id))
            results.append(Deployed(key, version, name, kind, True))
        if deployment is not None:
            record(session, "deployed", actor=actor, deployment_id=deployment.id,
                   definitions=[r.as_dict() for r in results if r.new],
                   **({"failed_tests": failed_tests} if failed_tests else {}))
        # Nothing new: the answer names the (latest) deployment that holds these versions.
        return (deployment.id if deployment else max(held_by, default=None)), results


# A listing needs neither a version's source nor its parsed spec, the two heavy columns.
_LISTED = select(Definition.id, Definition.kind, Definition.key, Definition.version, Definition.name,
                 Definition.deployed_at, Definition.suspended)


def all_versions(kind: str = "bpmn", key: str | None = None) -> dict[str, list]:
    """Process (or decision) key -> its deployed versions, oldest first, without their sources."""
    query = _LISTED.where(Definition.kind == kind)
    if key is not None:
        query = query.where(Definition.key == key)
    with read_session() as session:
        by_key: dict[str, list] = {}
        for row in session.execute(query.order_by(Definition.key, Definition.version)):
            by_key.setdefault(row.key, []).append(row)
        return by_key


def latest_definitions(kind: str = "bpmn") -> list:
    return [versions[-1] for versions in all_versions(kind).values()]


def find_definition(session, key: str, version: int | None = None, kind: str = "bpmn") -> Definition:
    """One deployed version of a process (or decision): the newest when no version is named."""
    query = select(Definition).where(Definition.kind == kind, Definition.key == key)
    if version is not None:
        query = query.where(Definition.version == version)
    definition = session.scalar(query.order_by(Definition.version.desc()).limit(1))
    if definition is None:
        if kind == "bpmn":
            if version is not None:
                raise NotFound("No process %(key)s version %(version)s", key=repr(key), version=version)
            raise NotFound("No process %(key)s", key=repr(key))
        if version is not None:
            raise NotFound("No decision %(key)s version %(version)s", key=repr(key), version=version)
        raise NotFound("No decision %(key)s", key=repr(key))
    return definition


def versions(key: str, kind: str = "bpmn") -> list:
    return all_versions(kind, key).get(key, [])


def describe(definition) -> dict:
    """A Definition, or a row of the listings above."""
    return {"key": definition.key, "version": definition.version, "name": definition.name,
            "kind": definition.kind, "deployed_at": definition.deployed_at.isoformat(),
            "suspended": definition.suspended}
