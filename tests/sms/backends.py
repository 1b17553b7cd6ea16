"""Backends for the outbox's tests."""

import threading

from o2r.sms.backends import locmem


class BlockingBackend(locmem.LocmemBackend):
    """Records the call, then waits until the test releases it: one send held mid-call."""

    entered = threading.Event()
    release = threading.Event()

    def send(self, sms):
        type(self).entered.set()
        type(self).release.wait(timeout=20)
        return super().send(sms)
