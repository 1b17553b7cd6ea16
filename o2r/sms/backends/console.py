"""Development backend: one log line per message on the `o2r.sms` logger, nothing sent."""

import logging

from .base import BaseBackend, OutgoingSms

logger = logging.getLogger("o2r.sms")


class ConsoleBackend(BaseBackend):
    def send(self, sms: OutgoingSms) -> str:
        logger.info("SMS to=%s encoding=%s body=%r", sms.to, sms.encoding, sms.body)
        return f"console-{sms.id}"
