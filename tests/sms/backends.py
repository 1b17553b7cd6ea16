"""Backends for the outbox's tests."""

import threading
import time

from o2r.sms.backends import locmem
from o2r.sms.backends.file import FileBackend


class BlockingBackend(locmem.LocmemBackend):
    """Records the call, then waits until the test releases it: one send held mid-call."""

    entered = threading.Event()
    release = threading.Event()

    def send(self, sms):
        type(self).entered.set()
        type(self).release.wait(timeout=20)
        return super().send(sms)


class HangingBackend(FileBackend):
    """The provider takes the message (written to SMS_FILE_PATH), then never answers: the
    worker is killed during the wait."""

    def send(self, sms):
        super().send(sms)
        time.sleep(120)
        return "never"
