"""Configuration comes from the environment (README, "Configuration")."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_settings_are_read_from_the_environment(db, monkeypatch):
    from web import create_app
    monkeypatch.setenv("SESSION_MINUTES", "45")
    monkeypatch.setenv("BOARD_REFRESH_SECONDS", "15")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = create_app({"TESTING": True})
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 45 * 60
    assert app.config["BOARD_REFRESH_SECONDS"] == 15
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not app.config["SESSION_COOKIE_SECURE"]
    res = app.test_client().get("/login")
    assert res.headers["X-Frame-Options"] == "DENY" and res.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in res.headers["Content-Security-Policy"]
    monkeypatch.setenv("SECURE_COOKIES", "1")
    cookie = create_app({"TESTING": True}).test_client().get("/login").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_the_instance_folder_holds_the_secret_key_and_files(tmp_path):
    """Two servers sharing SHENPI_INSTANCE_DIR (here relative to where they start) share their
    sessions' key; nothing is left behind but the key and the files folder."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "SHENPI_FILES_DIR", "DATABASE_URL")}
    env.update(SHENPI_INSTANCE_DIR="here", PYTHONPATH=str(ROOT))
    code = ("from web import create_app; from engine import files; "
            "print(create_app().config['SECRET_KEY']); print(files.root())")
    runs = [subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                           text=True, check=True).stdout.split() for _ in range(2)]
    assert runs[0] == runs[1]  # the same key on a second start
    instance = tmp_path / "here"
    assert (instance / "secret_key").read_text().strip() == runs[0][0]
    assert runs[0][1] == str(instance / "files")
    assert sorted(p.name for p in instance.iterdir()) == ["files", "secret_key"]


def _run(*args, **env):
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SESSION_MINUTES")}
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], capture_output=True, text=True,
                          env={**base, **env}, timeout=120)


def test_the_command_line_says_what_is_wrong_with_the_setup_instead_of_a_traceback(tmp_path):
    empty = f"sqlite:///{tmp_path / 'never-migrated.db'}"
    for args, env, says in (
            (("serve", "--port", "5391"), {"DATABASE_URL": empty}, "run `python run.py migrate` first"),
            (("worker",), {"DATABASE_URL": empty}, "run `python run.py migrate` first"),
            (("token", "clerk"), {"DATABASE_URL": empty}, "python run.py migrate"),
            (("token", "clerk"), {"DATABASE_URL": "mysql://someone@somewhere/db"}, "sqlite:/// or postgresql://"),
            (("token", "clerk"), {"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none"}, "the database:")):
        answer = _run(*args, **env)
        assert answer.returncode == 1 and says in answer.stderr and "Traceback" not in answer.stderr, args
    assert _run("migrate", DATABASE_URL=empty).returncode == 0
    answer = _run("serve", "--port", "5391", DATABASE_URL=empty, SESSION_MINUTES="abc")
    assert answer.returncode == 1 and "SESSION_MINUTES" in answer.stderr and "Traceback" not in answer.stderr
    answer = _run("serve", "--port", "70000", DATABASE_URL=empty)
    assert answer.returncode == 2 and "1 to 65535" in answer.stderr


def test_serve_says_a_port_in_use_and_runs_a_production_server(tmp_path):
    import socket
    database = f"sqlite:///{tmp_path / 'shenpi.db'}"
    assert _run("migrate", DATABASE_URL=database).returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        answer = _run("serve", "--port", str(port), "--no-scheduler", DATABASE_URL=database)
    assert answer.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in answer.stderr
    assert "serving on" not in answer.stdout
    import urllib.request
    from tests.server import free_port, start_server
    port = free_port()
    server = start_server(database, port, "--no-scheduler")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=30) as page:
            assert page.status == 200 and page.headers["Server"] == "Shenpi"  # waitress, not Werkzeug's
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_make_runs_demo_step_sets_up_an_empty_database_and_is_repeatable(tmp_path):
    """`make run` runs `run.py demo`: schema, procedures, the demo organisation, then the service
    items, which name its departments; a second run changes nothing."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = _run("demo", DATABASE_URL=url, SHENPI_INSTANCE_DIR=str(tmp_path))
    assert first.returncode == 0, first.stderr
    items = sorted(path.stem for path in (ROOT / "processes" / "items").glob("*.yaml"))
    assert first.stdout.count("service item ") == len(items) and "(unchanged)" not in first.stdout
    assert "demo logins (password shenpi-demo)" in first.stdout and "realestate" in first.stdout
    again = _run("demo", DATABASE_URL=url, SHENPI_INSTANCE_DIR=str(tmp_path))
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("(unchanged)") == sum(again.stdout.count(kind) for kind in ("service item ", "thing ", "deployed "))
    assert "demo logins" not in again.stdout
