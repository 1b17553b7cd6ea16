"""The zero-configuration default: one JSON line per message in settings.SMS_FILE_PATH."""

import json
from datetime import UTC, datetime

from django.conf import settings

from .base import BaseBackend, OutgoingSms


class FileBackend(BaseBackend):
    def send(self, sms: OutgoingSms) -> str:
        path = settings.SMS_FILE_PATH
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {
                "id": str(sms.id),
                "to": sms.to,
                "encoding": sms.encoding,
                "body": sms.body,
                "at": datetime.now(UTC).isoformat(),
            },
            ensure_ascii=False,
        )
        # One write of a whole line to a file opened in append mode (O_APPEND): lines written by
        # concurrent workers do not interleave.
        with open(path, "a", encoding="utf-8") as outbox:
            outbox.write(line + "\n")
            outbox.flush()
        return f"file-{sms.id}"
