"""Running ffmpeg: a time limit, progress from its output, and a stop at the shutdown."""

import subprocess
import tempfile
import threading

from flask_babel import gettext as _

from lms.media import ffmpeg

STDERR_TAIL_CHARS = 1500


class JobFailed(Exception):
    """The job cannot finish; the message is stored on the asset as the reason."""


class JobInterrupted(Exception):
    """The process is shutting down (Ctrl+C, SIGTERM): the job goes back to the queue."""


# ffmpeg processes of this process's jobs, so that a shutdown can stop them (an orphaned
# ffmpeg would go on writing into a folder the next attempt removes).
_running: set[subprocess.Popen] = set()
_running_lock = threading.Lock()
_interrupted = threading.Event()
# ffmpeg exits with 255 when a signal stops it; a Ctrl+C in the terminal reaches ffmpeg and
# this process at the same moment, so give the shutdown this long to say it was the cause.
SIGNAL_EXIT_CODES = (255,)
INTERRUPT_GRACE_SECONDS = 2.0


def interrupt_running_jobs() -> None:
    """Stop every ffmpeg this process runs; their jobs return to the queue (see the sweep)."""
    _interrupted.set()
    with _running_lock:
        procs = list(_running)
    for proc in procs:
        proc.kill()


def run_ffmpeg(cmd, limit_seconds, on_progress=None, on_stdout_chunk=None) -> None:
    """Run one ffmpeg command with a time limit; progress lines or raw stdout go to callbacks."""
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors
        )
        with _running_lock:
            _running.add(proc)
        if _interrupted.is_set():  # the shutdown began while this one was starting
            proc.kill()
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            proc.kill()

        timer = threading.Timer(limit_seconds, kill)
        timer.daemon = True
        timer.start()
        try:
            if on_stdout_chunk is not None:
                while chunk := proc.stdout.read(65536):
                    on_stdout_chunk(chunk)
            else:
                for raw in proc.stdout:
                    seconds = ffmpeg.parse_progress_line(raw.decode("ascii", "replace"))
                    if seconds is not None and on_progress is not None:
                        on_progress(seconds)
            proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            timer.cancel()
            proc.stdout.close()
            with _running_lock:
                _running.discard(proc)
        stopped_by_signal = proc.returncode < 0 or proc.returncode in SIGNAL_EXIT_CODES
        if _interrupted.is_set() or (
            stopped_by_signal
            and not timed_out.is_set()
            and _interrupted.wait(INTERRUPT_GRACE_SECONDS)
        ):
            raise JobInterrupted
        if timed_out.is_set():
            raise JobFailed(
                _("Processing timed out after %(seconds)d seconds.", seconds=int(limit_seconds))
            )
        if proc.returncode != 0:
            errors.seek(0)
            tail = errors.read().decode("utf-8", "replace")[-STDERR_TAIL_CHARS:].strip()
            raise JobFailed(
                _(
                    "ffmpeg failed (exit code %(code)s): %(details)s",
                    code=proc.returncode,
                    details=tail or "-",
                )
            )
