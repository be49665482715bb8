from flask import Blueprint

bp = Blueprint("designer", __name__, url_prefix="/designer")


@bp.get("/")
def index():
    return "建设中", 200
