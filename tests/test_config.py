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
