"""Start the platform: migrate the database, seed the demo when empty, serve with waitress."""

import sys

from flask_migrate import upgrade
from sqlalchemy import func, select

from lms import create_app
from lms.extensions import db


def prepare_database(app) -> bool:
    """Bring the schema up to date; seed the demo into an empty database. True if seeded."""
    from lms.accounts.models import User
    from lms.demo.services import seed_demo
    from lms.org.services import ensure_default_categories

    with app.app_context():
        upgrade()
        ensure_default_categories()
        seeded = False
        # Never in production: the demo's shared password would be a way in.
        empty = not db.session.scalar(select(func.count(User.id)))
        if empty and app.config["LMS_ENV"] != "production":
            print(seed_demo())
            seeded = True
        db.session.commit()
        return seeded


def main() -> int:
    app = create_app()
    seeded = prepare_database(app)
    host, port = app.config["HOST"], app.config["PORT"]
    print(f"\nCadre Online Learning is running at http://{host}:{port}/")
    if seeded:
        print("Demo logins (password demo1234): admin, supervisor, instructor, cadre1 … cadre20")
    elif app.config["LMS_ENV"] == "production":
        print("Create the first administrator with: flask --app lms create-user NAME --role admin")
    print("Press Ctrl+C to stop.\n", flush=True)

    from waitress import serve

    serve(
        app,
        host=host,
        port=port,
        threads=app.config["THREADS"],
        ident="lms",
        # tus uploads may send a whole lecture in one PATCH (the page sends 16 MiB chunks);
        # waitress spools large bodies to a temporary file, so memory stays flat.
        max_request_body_size=(app.config["MAX_UPLOAD_MB"] + 1) * 1024 * 1024,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
