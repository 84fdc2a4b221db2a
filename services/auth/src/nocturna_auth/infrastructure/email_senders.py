"""Mail transports behind the `EmailSender` port: a JSON-lines file (or the log) for development, SMTP."""

from __future__ import annotations

import asyncio
import json
import logging
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate, parseaddr
from pathlib import Path
from uuid import UUID

import aiosmtplib

from nocturna_auth.domain.emails import EmailMessage
from nocturna_auth.settings import EmailSettings, SmtpSettings

logger = logging.getLogger("nocturna.auth.email")


class FileEmailSender:
    """Appends each message, body included, as one JSON line: the development and end-to-end mailbox."""

    def __init__(self, path: Path) -> None:
        self._path = path

    async def send(self, message: EmailMessage, *, message_id: UUID) -> None:
        line = json.dumps(
            {
                "message_id": str(message_id),
                "to": message.to,
                "subject": message.subject,
                "kind": message.kind.value,
                "body": message.body,
            }
        )
        await asyncio.to_thread(self._append, line)

    def _append(self, line: str) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._path.open("a", encoding="utf-8") as mailbox:
            mailbox.write(line + "\n")


class LogEmailSender:
    """Without a mailbox file, the console adapter only logs that a message went out; never its body."""

    async def send(self, message: EmailMessage, *, message_id: UUID) -> None:
        logger.info(
            "mail (console backend, body withheld)",
            extra={
                "message_id": str(message_id),
                "to": message.to,
                "subject": message.subject,
                "kind": message.kind.value,
            },
        )


class SmtpEmailSender:
    """One SMTP connection per message (mail volume is low); raises when the server does not accept it."""

    def __init__(self, settings: SmtpSettings, from_address: str) -> None:
        self._settings = settings
        self._from = from_address
        domain = parseaddr(from_address)[1].rpartition("@")[2]
        self._id_domain = domain or "nocturna.app"

    async def send(self, message: EmailMessage, *, message_id: UUID) -> None:
        mime = MimeMessage()
        mime["From"] = self._from
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = formatdate(usegmt=True)
        mime["Message-ID"] = f"<{message_id}@{self._id_domain}>"
        mime.set_content(message.body)
        smtp = self._settings
        await aiosmtplib.send(
            mime,
            hostname=smtp.host,
            port=smtp.port,
            username=smtp.username,
            password=smtp.password.get_secret_value() if smtp.password else None,
            use_tls=smtp.security == "tls",
            start_tls=smtp.security == "starttls",
            timeout=smtp.timeout_seconds,
        )


def email_sender(settings: EmailSettings) -> FileEmailSender | LogEmailSender | SmtpEmailSender:
    if settings.backend == "smtp":
        return SmtpEmailSender(settings.smtp, settings.from_address)
    if settings.file_path is not None:
        return FileEmailSender(settings.file_path)
    return LogEmailSender()
