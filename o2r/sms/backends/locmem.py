"""Test backend: messages are kept in memory, in the module-level `outbox`.

- `outbox`: the messages accepted, in order;
- `calls`: every message passed to send(), whatever the outcome (to count provider calls);
- `script`: what the next sends do, for tests: each send pops the first item and raises it when
  it is an exception; None, or an empty script, means accepted.
"""

from .base import BaseBackend, OutgoingSms

outbox: list[OutgoingSms] = []
calls: list[OutgoingSms] = []
script: list[BaseException | None] = []


def reset() -> None:
    outbox.clear()
    calls.clear()
    script.clear()


class LocmemBackend(BaseBackend):
    def send(self, sms: OutgoingSms) -> str:
        calls.append(sms)
        if script and (outcome := script.pop(0)) is not None:
            raise outcome
        outbox.append(sms)
        return f"locmem-{sms.id}"
