import pytest

from tests.sms import owner


@pytest.fixture(autouse=True)
def _test_owner(settings):
    settings.O2R_SMS_OWNERS = {**settings.O2R_SMS_OWNERS, "test": "tests.sms.owner"}
    owner.answer = None
    owner.replies.clear()
