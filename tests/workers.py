"""Code that tests run in separate OS processes (spawned, so each has its own engine and caches)."""
import os


def _as(login):
    from engine.services.users import get_user
    return get_user(login)


def claim_race(url, login, task_ids, barrier, results):
    os.environ["DATABASE_URL"] = url
    from engine.errors import Conflict
    from engine.services import tasks
    me = _as(login)
    for task_id in task_ids:
        barrier.wait()
        try:
            tasks.claim(task_id, me)
            results.put((task_id, login, "won"))
        except Conflict:
            results.put((task_id, login, "lost"))


def complete_branches(url, login, task_ids, barrier, results):
    """Complete the given tasks (parallel branches of shared instances), retrying on conflict."""
    os.environ["DATABASE_URL"] = url
    from engine.errors import Conflict
    from engine.services import tasks
    me = _as(login)
    for task_id in task_ids:
        barrier.wait()
        for _attempt in range(50):
            try:
                tasks.claim(task_id, me)
                tasks.complete(task_id, me, {f"t{task_id}": login})
                results.put((task_id, "done"))
                break
            except Conflict as exc:
                if "claimed by you" in exc.message or "held by" in exc.message:
                    raise
        else:
            results.put((task_id, "gave up"))


def silence_race(url, role, task_ids, moment, barrier, results):
    """Per step, at once with the other process: the timer tick fires one due consent timer
    (role "tick", at `moment`), or its holder completes it (a login)."""
    os.environ["DATABASE_URL"] = url
    from datetime import datetime

    from engine import timers
    from engine.errors import Conflict
    from engine.services import tasks
    me = None if role == "tick" else _as(role)
    for task_id in task_ids:
        barrier.wait()
        if me is None:
            timers.tick(now=datetime.fromisoformat(moment), limit=1)
            continue
        try:
            tasks.complete(task_id, me, {"opinion": "approve", "comment": "同意"})
            results.put((task_id, "answered"))
        except Conflict:
            results.put((task_id, "too late"))
