"""The Flask application factory."""
import os

from flask import Flask

from engine.store import get_engine


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY") or _instance_secret(app),
        MAX_CONTENT_LENGTH=50 * 1024 * 1024,
        JSON_AS_ASCII=False,
    )
    if config:
        app.config.update(config)
    app.json.ensure_ascii = False
    get_engine(app.config.get("DATABASE_URL"))

    from .api import bp as api_bp, json_errors_for_api_paths
    app.register_blueprint(api_bp)
    json_errors_for_api_paths(app)
    return app


def _instance_secret(app: Flask) -> str:
    """A per-installation secret kept under instance/, so sessions survive a restart."""
    os.makedirs(app.instance_path, exist_ok=True)
    path = os.path.join(app.instance_path, "secret_key")
    if not os.path.exists(path):
        with open(path, "w") as fh:
            fh.write(os.urandom(32).hex())
    with open(path) as fh:
        return fh.read().strip()
