"""What the catalogue's service items (catalogue.py) and its 一件事 (things.py) share: each is written
in YAML, a file of a folder or an administrator's upload, and stored as a new version only when it
changed (its checksum differs from the latest's)."""
import hashlib
import json
from pathlib import Path
from typing import Callable

import yaml
from sqlalchemy import select

from engine.errors import Invalid
from engine.services.events import record
from engine.store.models import Department, User


# libyaml's safe loader when PyYAML was built with it: the same documents, ten times quicker.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str, source: str):
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise Invalid("%(file)s: not valid YAML: %(error)s", file=source, error=str(exc)[:400]) from exc


def load_folder(folder: Path, load_text: Callable, actor: User | None) -> list[tuple[str, int, bool]]:
    """load_text(text, file name, actor) for every YAML file of the folder, in name order."""
    return [load_text(path.read_text(encoding="utf-8"), path.name, actor)
            for path in sorted(Path(folder).glob("*.yaml"))]


def latest(session, model, code: str):
    return session.scalar(select(model).where(model.code == code).order_by(model.version.desc()).limit(1))


def check_department(session, data: dict) -> None:
    if not session.scalar(select(Department.id).where(Department.code == data["department"])):
        raise Invalid("%(code)s: department %(department)s does not exist; add it under 用户与部门 first",
                      code=data["code"], department=repr(data["department"]))


def save_version(session, model, data: dict, actor: User | None, event: str, **columns) -> tuple[str, int, bool]:
    """Add data as the next version of its code unless the latest is the same; returns (code,
    version, new). The row's code, version, name, department, data, checksum and created_by come
    from here; columns are the model's others."""
    checksum = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
                              .encode()).hexdigest()
    last = latest(session, model, data["code"])
    if last is not None and last.checksum == checksum:
        return data["code"], last.version, False
    version = last.version + 1 if last else 1
    session.add(model(code=data["code"], version=version, name=data["name"], department=data["department"],
                      data=json.loads(json.dumps(data, default=str)), checksum=checksum,
                      created_by=actor.id if actor else None, **columns))
    record(session, event, actor=actor, code=data["code"], version=version)
    return data["code"], version, True
