"""Building and sending one e-mail over SMTP; no database, no Flask."""

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "none", "starttls" or "ssl"
    username: str | None
    password: str | None
    sender: str
    timeout: float

    @classmethod
    def from_config(cls, config) -> "SmtpSettings | None":
        """The settings from a Flask config, or None when no SMTP host is set (mail is off)."""
        if not config.get("SMTP_HOST"):
            return None
        security = (config.get("SMTP_SECURITY") or "none").lower()
        if security not in {"none", "starttls", "ssl"}:
            raise ValueError(f"LMS_SMTP_SECURITY must be none, starttls or ssl, not {security!r}")
        return cls(
            host=config["SMTP_HOST"],
            port=int(config.get("SMTP_PORT") or (465 if security == "ssl" else 25)),
            security=security,
            username=config.get("SMTP_USERNAME") or None,
            password=config.get("SMTP_PASSWORD") or None,
            sender=config["MAIL_FROM"],
            timeout=float(config.get("SMTP_TIMEOUT") or 30),
        )


def build_message(sender: str, to: str, subject: str, body: str, message_id: str) -> EmailMessage:
    """A plain-text UTF-8 message; the Message-ID is stable so a retried send can be spotted."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    message.set_content(body)
    return message


def new_message_id(outbox_id: int, sender: str) -> str:
    domain = sender.rpartition("@")[2].strip("> ") or "localhost"
    return make_msgid(idstring=f"outbox{outbox_id}", domain=domain)


class SmtpConnection:
    """One SMTP session reused for a batch of messages."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> None:
        """Connect, secure and log in; raises OSError (or an SMTPException) on failure."""
        s = self.settings
        if s.security == "ssl":
            self.smtp = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            self.smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                self.smtp.starttls(context=ssl.create_default_context())
        if s.username:
            self.smtp.login(s.username, s.password or "")

    def __enter__(self) -> "SmtpConnection":
        if self.smtp is None:
            self.open()
        return self

    def send(self, message: EmailMessage) -> None:
        assert self.smtp is not None
        self.smtp.send_message(message)

    def __exit__(self, *exc) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError):  # SMTPException is an OSError
                self.smtp.quit()
