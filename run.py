"""Start the platform: migrate the database, seed the demo when empty, serve with waitress
and run the job queue's consumer beside it (each step can be left to other processes: see
deploy/systemd/)."""

import signal
import sys

from lms import create_app
from lms.core.queue import create_consumer, stop_consumer
from lms.startup import prepare_database


def start_job_consumer(app):
    """Run the job queue's consumer in this process beside the web server (None if disabled)."""
    workers = app.config["JOB_WORKERS"]
    if workers <= 0:
        return None
    consumer = create_consumer(app, workers)
    # Consumer.start() spawns the worker and scheduler threads, then installs signal handlers
    # meant for Consumer.run()'s loop, which does not run here: give the signals back to
    # waitress so Ctrl+C and SIGTERM still stop the server.
    signals = [s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s]
    handlers = {signum: signal.getsignal(signum) for signum in signals}
    consumer.start()
    for signum, handler in handlers.items():
        signal.signal(signum, handler)
    return consumer


def stop_job_consumer(consumer) -> None:
    """Stop the consumer without waiting out a long transcode: its job goes back to the queue."""
    if consumer is not None:
        stop_consumer(consumer)


def _stop_on_sigterm(signum, frame):
    # waitress ends its loop on SystemExit as on Ctrl+C's KeyboardInterrupt, so SIGTERM
    # (systemd, docker stop) stops the server and the consumer the same way.
    raise SystemExit(0)


def main() -> int:
    app = create_app()
    # A deployment of several processes migrates once per release (flask --app lms prepare-db)
    # and starts them with LMS_MIGRATE_ON_START=0; with it on, they would take turns anyway.
    seeded = prepare_database(app) if app.config["MIGRATE_ON_START"] else None
    host, port = app.config["HOST"], app.config["PORT"]
    print(f"\nCadre Online Learning is running at http://{host}:{port}/")
    if seeded:
        print(seeded)
        print("Demo logins (password demo1234): admin, supervisor, instructor, cadre1 … cadre20")
    elif app.config["LMS_ENV"] == "production":
        print("Create the first administrator with: flask --app lms create-user NAME --role admin")
    print("Press Ctrl+C to stop.\n", flush=True)

    consumer = start_job_consumer(app)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        serve(app)
    except KeyboardInterrupt:
        pass
    finally:
        stop_job_consumer(consumer)
    print("Stopped.", flush=True)
    return 0


def serve(app) -> None:
    """Serve the app with waitress until Ctrl+C or SIGTERM."""
    from waitress import serve as waitress_serve

    waitress_serve(
        app,
        host=app.config["HOST"],
        port=app.config["PORT"],
        threads=app.config["THREADS"],
        # Every viewer's phone keeps a connection open between heartbeats: waitress's default
        # of 100 would leave the 101st waiting. poll() instead of select() allows more than
        # 1,024 descriptors (the process's open-file limit still applies: see the README).
        connection_limit=app.config["CONNECTION_LIMIT"],
        asyncore_use_poll=True,
        ident="lms",
        # tus uploads may send a whole lecture in one PATCH (the page sends 16 MiB chunks);
        # waitress spools large bodies to a temporary file, so memory stays flat.
        max_request_body_size=(app.config["MAX_UPLOAD_MB"] + 1) * 1024 * 1024,
    )


if __name__ == "__main__":
    sys.exit(main())
