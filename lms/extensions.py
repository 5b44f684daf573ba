"""Flask extensions, created unbound and bound to an app by ``create_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Database(SQLAlchemy):
    """Flask-SQLAlchemy whose ``paginate`` reads ``?page=`` and ``?per_page=`` within
    bounds: its own reading takes any integer, and an OFFSET no database can hold failed."""

    MAX_PER_PAGE = 100

    def paginate(self, select, *, page=None, per_page=None, max_per_page=None, **kwargs):
        from flask import has_request_context, request

        from lms.core.inputs import INT_MAX

        if has_request_context():
            # A bounded ``type=int`` (lms.core.inputs.CheckedArgs): out of range is page 1.
            page = page or request.args.get("page", 1, type=int)
            per_page = per_page or request.args.get("per_page", 20, type=int)
        page = min(max(page or 1, 1), INT_MAX // self.MAX_PER_PAGE)
        max_per_page = min(max_per_page or self.MAX_PER_PAGE, self.MAX_PER_PAGE)
        return super().paginate(
            select, page=page, per_page=per_page, max_per_page=max_per_page, **kwargs
        )


db = Database(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Limits are declared per view; no default limit applies to every request.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
