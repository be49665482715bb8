from flask import Blueprint

bp = Blueprint("supervision", __name__, url_prefix="/supervision")


@bp.get("/")
def index():
    return "建设中", 200
