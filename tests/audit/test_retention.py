import datetime

from django.db import connection

from o2r.audit.models import AccessLog
from o2r.audit.services import access_log, access_log_purge
from o2r.audit.tasks import purge_access_log


def _age(log, days):
    # The trigger forbids UPDATE: age the row by disabling it for this one statement.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks
        cursor.execute("ALTER TABLE audit_accesslog DISABLE TRIGGER audit_accesslog_append_only")
        cursor.execute(
            "UPDATE audit_accesslog SET at = at - %s WHERE id = %s",
            [datetime.timedelta(days=days), log.pk],
        )
        cursor.execute("ALTER TABLE audit_accesslog ENABLE TRIGGER audit_accesslog_append_only")


def test_purge_keeps_a_year_and_deletes_what_is_older(officer):
    for page in ("recent", "eleven months", "thirteen months"):
        access_log(user=officer, action="read", page=page, resident=1)
    logs = {log.page: log for log in AccessLog.objects.all()}
    _age(logs["eleven months"], 335)
    _age(logs["thirteen months"], 400)
    assert access_log_purge() == 1
    assert set(AccessLog.objects.values_list("page", flat=True)) == {"recent", "eleven months"}
    purge_access_log.run()  # twice is harmless
    assert AccessLog.objects.count() == 2
