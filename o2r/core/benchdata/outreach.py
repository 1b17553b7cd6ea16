"""The fourth step: three years of outreach and SMS up to today, run when the rows of VERSION
are not there, after the residents, whose ids, stage changes and consents it reads. Written in
SQL: each row's random choices are hashes of its number and the seed (_Window.u), so that the
data is the same on every run. The residents met are those in the programme (a contact
identifies anyone else), between their first stage change (or the start of the three years)
and their moving out. A contact during an action (about half of them) is with a resident of
the action's residence, during the action; when the one drawn was not there then, the contact
is one on its own, at a time of hers. Each SMS campaign is one officer's, to the residents of
her residences living there on the day: an outreach action in each residence, one message per
resident, in French or, for those who prefer it, Arabic — sent, delivered, failed, unknown, or
not sent for no phone, an opt-out made before the launch or a withdrawn SMS consent.
Referrals are filed and taken by the residence's officer (the generated data has no residence
staff accounts). The history triggers stay off while the rows are written; the foreign keys
are checked once, at the end."""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone
from psycopg import sql

from o2r.reminders.models import Reminder
from o2r.sms import text
from o2r.sms.enums import LegalBasis, OptOutScope, OptOutSource, SkipReason, SmsStatus
from o2r.sms.models import SmsMessage, SmsOptOut
from outreach.enums import (
    ActionKind,
    CampaignStatus,
    Channel,
    Outcome,
    ReferralOutcome,
    ReferralSource,
    ReferralStatus,
)
from outreach.models import Contact, OutreachAction, Referral, SmsCampaign, SmsCampaignVariant
from residents.enums import ConsentScope

from .scale import Generation, Scale
from .writing import (
    Timer,
    comment,
    drop_foreign_keys,
    drop_indexes,
    finish_step,
    insert_select,
    pick,
    pick_by_index,
    text_array,
    triggers_off,
    truncate,
    uniform,
    weighted,
)

# Stored as the comment of the contacts table: a generator change means new outreach rows.
VERSION = "o2r-bench-outreach 2"
YEARS = 3
CONTACTS_WITH_ACTION = 0.5

TABLES = {
    "actions d'aller vers": OutreachAction,
    "contacts": Contact,
    "signalements": Referral,
    "campagnes SMS": SmsCampaign,
    "SMS": SmsMessage,
    "oppositions SMS": SmsOptOut,
}
WRITTEN = [
    SmsCampaign,
    SmsCampaign.residences.through,
    SmsCampaignVariant,
    OutreachAction,
    OutreachAction.staff.through,
    Contact,
    Referral,
    SmsOptOut,
    SmsMessage,
]
CONTACT_REMINDER_OWNER = "contact"  # outreach.services.contact_log's reminder_key

FIELD_ACTION_KINDS = {
    ActionKind.HALL_SESSION: 55,
    ActionKind.DOOR_TO_DOOR: 14,
    ActionKind.POSTER: 10,
    ActionKind.TEAM_MEETING: 9,
    ActionKind.INFORMATION_MEETING: 7,
    ActionKind.EVENT: 5,
}
# The actions residents are met at, and the channel of a contact there.
MEETING_CHANNELS = {
    ActionKind.HALL_SESSION: Channel.HALL,
    ActionKind.DOOR_TO_DOOR: Channel.VISIT,
    ActionKind.INFORMATION_MEETING: Channel.MEETING,
    ActionKind.EVENT: Channel.MEETING,
}
LONE_CHANNELS = {
    Channel.PHONE: 45,
    Channel.OFFICE: 25,
    Channel.SMS: 15,
    Channel.RELAY: 10,
    Channel.VISIT: 5,
}
# channel: {outcome: weight}. A reply by SMS is recorded by the application (nobody's).
CHANNEL_OUTCOMES = {
    Channel.HALL: {Outcome.INTERESTED: 30, Outcome.APPOINTMENT_SET: 15, Outcome.NOT_NOW: 40,
                   Outcome.DECLINED: 15},
    Channel.VISIT: {Outcome.INTERESTED: 20, Outcome.APPOINTMENT_SET: 10, Outcome.NOT_NOW: 25,
                    Outcome.DECLINED: 10, Outcome.NO_ANSWER: 35},
    Channel.MEETING: {Outcome.INTERESTED: 35, Outcome.APPOINTMENT_SET: 10,
                      Outcome.NOT_NOW: 45, Outcome.DECLINED: 10},
    Channel.PHONE: {Outcome.INTERESTED: 20, Outcome.APPOINTMENT_SET: 15, Outcome.NOT_NOW: 25,
                    Outcome.DECLINED: 10, Outcome.NO_ANSWER: 30},
    Channel.OFFICE: {Outcome.INTERESTED: 35, Outcome.APPOINTMENT_SET: 30, Outcome.NOT_NOW: 25,
                     Outcome.DECLINED: 10},
    Channel.SMS: {Outcome.REPLIED: 60, Outcome.INTERESTED: 10, Outcome.NO_ANSWER: 30},
    Channel.RELAY: {Outcome.INTERESTED: 30, Outcome.NOT_NOW: 40, Outcome.DECLINED: 10,
                    Outcome.NO_ANSWER: 20},
}  # fmt: skip
CONTACT_SUMMARIES = {
    Outcome.INTERESTED: [
        "Intéressée par l'atelier CV, viendra jeudi.",
        "Cherche un travail dans la propreté, à revoir.",
        "Veut des informations sur l'accompagnement emploi.",
    ],
    Outcome.APPOINTMENT_SET: [
        "Rendez-vous pris au bureau de la résidence.",
        "Rendez-vous fixé avec la chargée d'insertion mardi.",
    ],
    Outcome.NOT_NOW: [
        "Pas disponible en ce moment, à recontacter dans un mois.",
        "Suit une formation jusqu'à l'été.",
        "Travaille en intérim, repassera.",
    ],
    Outcome.DECLINED: ["Ne souhaite pas d'accompagnement.", "Pas intéressé pour l'instant."],
    Outcome.NO_ANSWER: ["Absent.", "Pas de réponse, message laissé.", ""],
    Outcome.REPLIED: ["Réponse au SMS de la campagne."],
}
CONTACT_NEXT_STEP_SHARE = 0.2  # of the appointments set: a next step, and its reminder
ACTION_NOTES = [
    "Permanence calme, quelques nouvelles personnes.",
    "Beaucoup de passage en fin de journée.",
    "Affiches posées dans le hall et aux étages.",
    "Point avec le responsable de résidence sur les personnes à rencontrer.",
    "Présentation du programme et de l'accompagnement emploi.",
]

REFERRAL_SOURCES = {
    ReferralSource.RESIDENCE_MANAGER: 35,
    ReferralSource.SOCIAL_INSERTION_MANAGER: 25,
    ReferralSource.MAINTENANCE_WORKER: 10,
    ReferralSource.NEIGHBOUR: 10,
    ReferralSource.PARTNER: 15,
    ReferralSource.SELF: 5,
}
REFERRAL_SOURCE_NAMES = [
    "M. Girard", "Mme Benali", "M. Traoré", "Mme Le Goff", "M. Haddad", "Mme Moreau",
    "M. Diallo", "Mme Perrin",
]  # fmt: skip
REFERRAL_REASONS = [
    "Cherche du travail, ne sait pas par où commencer.",
    "A perdu son emploi le mois dernier.",
    "Souhaite apprendre le français pour travailler.",
    "Jeune arrivé dans la résidence, sans activité.",
    "A demandé à l'accueil s'il y avait des offres d'emploi.",
]
REFERRAL_HOW_TO_REACH = ["Le soir, au logement", "Par l'accueil de la résidence", ""]
# Filed in the last 30 days: many still open; older: nearly all closed.
RECENT_REFERRAL_STATUSES = {
    ReferralStatus.NEW: 45,
    ReferralStatus.IN_PROGRESS: 35,
    ReferralStatus.CLOSED: 20,
}
OLD_REFERRAL_STATUSES = {
    ReferralStatus.NEW: 2,
    ReferralStatus.IN_PROGRESS: 8,
    ReferralStatus.CLOSED: 90,
}
REFERRAL_OUTCOMES = {
    ReferralOutcome.CONTACTED: 50,
    ReferralOutcome.NOT_REACHABLE: 15,
    ReferralOutcome.NOT_INTERESTED: 15,
    ReferralOutcome.ALREADY_KNOWN: 15,
    ReferralOutcome.OUT_OF_SCOPE: 5,
}

# Campaign texts: (name, {language: template}); {prenom} only, so that a body depends on the
# campaign's text and the person's first name.
SMS_TEMPLATES = [
    ("Permanence emploi dans le hall", {
        "fra": "Bonjour {prenom}, permanence emploi jeudi à 14h dans le hall de votre "
               "résidence. Venez sans rendez-vous !",
        "ara": "مرحبا {prenom}، لقاء حول العمل يوم الخميس الساعة 14 في بهو الإقامة.",
    }),
    ("Atelier CV", {
        "fra": "Bonjour {prenom}, atelier CV et numérique mercredi à 14h dans la salle commune. "
               "Gratuit, sans inscription.",
        "ara": "مرحبا {prenom}، ورشة السيرة الذاتية يوم الأربعاء الساعة 14 في القاعة المشتركة.",
    }),
    ("Réunion d'information", {
        "fra": "{prenom}, des entreprises recrutent près de chez vous. Réunion d'information "
               "lundi à 17h dans la salle commune.",
        "ara": "{prenom}، شركات توظف قرب سكنك. اجتماع إعلامي يوم الاثنين الساعة 17.",
    }),
]  # fmt: skip
SMS_STATUSES = {
    SmsStatus.DELIVERED: 90,
    SmsStatus.SENT: 5,
    SmsStatus.FAILED: 3.5,
    SmsStatus.UNKNOWN: 1.5,
}
SMS_ERRORS = {
    SmsStatus.FAILED: "Numéro non attribué (400).",
    SmsStatus.UNKNOWN: "Pas de réponse de l'opérateur dans le délai.",
}
OPT_OUT_SCOPES = {OptOutScope.ALL: 75, OptOutScope.CAMPAIGNS: 25}
OPT_OUT_SOURCES = {
    OptOutSource.STOP_REPLY: 60,
    OptOutSource.STAFF: 20,
    OptOutSource.HARD_BOUNCE: 10,
    OptOutSource.PROVIDER: 10,
}


def ready(cursor, scale: Scale) -> bool:
    """True when the rows of VERSION are there (written in one transaction, with the comment
    last; the measured file's long history adds some contacts)."""
    if comment(cursor, Contact) != VERSION:
        return False
    cursor.execute("SELECT count(*) FROM outreach_contact")
    return cursor.fetchone()[0] >= scale.outreach_contacts


def clear(cursor):
    """Empties the outreach and SMS tables, their history and the contacts' reminders (before
    generate writes them again)."""
    truncate(cursor, WRITTEN, [CONTACT_REMINDER_OWNER], Contact)


def generate(cursor, gen: Generation, *, log):
    """Replaces three years of outreach and SMS through `cursor`; the caller holds the
    transaction and has checked the database. Returns {part: seconds}."""
    window = _Window(gen, YEARS)
    timer = Timer(log)
    clear(cursor)
    # Dropped at the commit; a second run in one transaction (the tests) makes them again.
    cursor.execute(
        "DROP TABLE IF EXISTS pg_temp.bench_people, pg_temp.bench_residence_people, "
        "pg_temp.bench_templates, pg_temp.bench_sms_bodies, pg_temp.bench_actions"
    )
    tracked = triggers_off(cursor, WRITTEN)
    foreign_keys = drop_foreign_keys(cursor, WRITTEN)
    indexes = drop_indexes(cursor, [Contact, SmsMessage])  # millions of rows, nationally
    timer.rows("personnes", lambda: _outreach_people(cursor, window))
    timer.rows("campagnes SMS", lambda: _campaigns(cursor, window))
    timer.rows("actions", lambda: _outreach_actions(cursor, window))
    timer.rows("contacts", lambda: _outreach_contacts(cursor, window))
    timer.rows("rappels contacts", lambda: _contact_reminders(cursor, window))
    timer.rows("signalements", lambda: _referrals(cursor, window))
    timer.rows("oppositions SMS", lambda: _opt_outs(cursor, window))
    timer.rows("SMS", lambda: _sms_messages(cursor, window))
    return finish_step(
        cursor,
        timer,
        indexes=indexes,
        foreign_keys=foreign_keys,
        sequences=WRITTEN,
        tracked=tracked,
        marked=Contact,
        version=VERSION,
    )


class _Window:
    """The outreach step's period, as SQL literals: [start, now), the days from the first to
    yesterday, and the local time zone; and the scale and seed its rows are drawn with."""

    def __init__(self, gen, years):
        now, today = gen.now, gen.today
        self.scale, self.seed = gen.scale, gen.seed
        start = now - relativedelta(years=years)
        self.now = sql.Literal(now)
        self.start = sql.Literal(start)
        self.first_day = sql.Literal(timezone.localtime(start).date())
        self.days = sql.Literal((today - timezone.localtime(start).date()).days)
        self.tz = sql.Literal(timezone.get_current_timezone_name())

    def u(self, number, salt):
        """SQL for a number in [0, 1) drawn from the SQL integer expression `number` (uniform),
        unrelated across salts and seeds."""
        return uniform(number, self.seed * 1000 + salt)

    def working_day(self, u):
        """SQL for a weekday between the first day and yesterday, drawn by the column `u` (a
        Saturday or Sunday becomes the Friday before, or the Monday after at the start)."""
        day = sql.SQL("({} + floor({} * {})::int)").format(self.first_day, sql.SQL(u), self.days)
        back = sql.SQL("(CASE extract(isodow FROM {d}) WHEN 6 THEN 1 WHEN 7 THEN 2 ELSE 0 END)")
        back = back.format(d=day)
        return sql.SQL("({d} - {b} + CASE WHEN {d} - {b} < {first} THEN 3 ELSE 0 END)").format(
            d=day, b=back, first=self.first_day
        )

    def at(self, day, hour, slots_of_30_min):
        """SQL for the moment `slots_of_30_min` (SQL) half hours after `hour` o'clock, local
        time, on `day` (SQL date)."""
        return sql.SQL("(({} + {} + ({}) * interval '30 minutes') AT TIME ZONE {})").format(
            day, sql.Literal(datetime.time(hour)), slots_of_30_min, self.tz
        )


def _outreach_people(cursor, window):
    """Temporary tables of who can be met: the generated residents in the programme, numbered
    residence by residence (n), with the span in which they can be met (from_at, to_at); and
    per residence, the first number and how many."""
    cursor.execute(
        sql.SQL(
            """
            CREATE TEMPORARY TABLE bench_people ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY r.residence_id, r.id) AS n, r.id, r.residence_id,
                   r.first_name, r.housing_unit, r.phone, p.from_at, p.to_at
            FROM residents_resident r
            JOIN (SELECT resident_id, min(changed_at) AS first_at FROM residents_stagechange
                  GROUP BY resident_id) f ON f.resident_id = r.id
            CROSS JOIN LATERAL (
                SELECT greatest(f.first_at, {start}) AS from_at,
                       least(coalesce((r.moved_out_on + time '18:00') AT TIME ZONE {tz},
                                      {now}), {now}) - interval '1 hour' AS to_at
            ) p
            WHERE r.residence_id <= {residences} AND p.from_at < p.to_at
            """
        ).format(
            start=window.start,
            now=window.now,
            tz=window.tz,
            residences=sql.Literal(window.scale.residences),
        )
    )
    count = cursor.rowcount
    cursor.execute("CREATE UNIQUE INDEX ON bench_people (n)")
    cursor.execute(
        "CREATE TEMPORARY TABLE bench_residence_people ON COMMIT DROP AS SELECT residence_id, "
        "min(n) AS first_n, count(*) AS people FROM bench_people GROUP BY residence_id"
    )
    cursor.execute("ANALYZE bench_people")
    cursor.execute("ANALYZE bench_residence_people")
    if not count:
        raise ValueError("Aucun résident dans le programme : générez d'abord les résidents.")
    return count


def _campaigns(cursor, window):
    """The scale's launched SMS campaigns (ids 1..), each to the residences of an officer, in
    French and Arabic, with their texts; and the temporary table of every message's body by
    (text, language, first name), rendered and measured as o2r.sms would."""
    per_officer = window.scale.residences_per_officer
    launched = window.at(
        window.working_day("u_day"), 10, sql.SQL("floor(u_time * 12)::int")
    )  # 10:00 to 15:30
    names = [name for name, _ in SMS_TEMPLATES]
    count = insert_select(
        cursor,
        SmsCampaign,
        {
            "id": "c",
            "name": sql.SQL("{} || ' — ' || to_char(({}) AT TIME ZONE {}, 'DD/MM/YYYY')").format(
                pick_by_index(f"(c - 1) % {len(names)}", names), launched, window.tz
            ),
            "stages": "ARRAY[]::varchar[]",
            "categories": "ARRAY[]::varchar[]",
            "languages": "ARRAY[]::varchar[]",
            "session_at": sql.SQL("{} + (2 + floor(u_day * 5)::int) * interval '1 day'").format(
                launched
            ),
            "session_place": "'Hall de la résidence'",
            "scheduled_at": "NULL",
            "legal_basis": sql.Literal(settings.O2R_SMS_CAMPAIGN_LEGAL_BASIS),
            "status": sql.Literal(CampaignStatus.LAUNCHED.value),
            "created_by_id": f"1 + (c - 1) % {window.scale.officers}",
            "created_at": sql.SQL("{} - interval '1 day'").format(launched),
            "launched_by_id": f"1 + (c - 1) % {window.scale.officers}",
            "launched_at": launched,
            "cancelled_by_id": "NULL",
            "cancelled_at": "NULL",
            "token": "NULL",
        },
        sql.SQL(
            "FROM (SELECT c, {} AS u_day, {} AS u_time FROM generate_series(1, {}) c) d"
        ).format(window.u("c", 101), window.u("c", 102), sql.Literal(window.scale.sms_campaigns)),
    )
    insert_select(
        cursor,
        SmsCampaign.residences.through,
        {
            "smscampaign_id": "c.id",
            "residence_id": f"(c.created_by_id - 1) * {per_officer} + k",
        },
        f"FROM outreach_smscampaign c CROSS JOIN generate_series(1, {per_officer}) k "
        "ORDER BY c.id, k",
    )
    variants = [
        (index, language, template)
        for index, (_, templates) in enumerate(SMS_TEMPLATES)
        for language, template in templates.items()
    ]
    cursor.execute(
        "CREATE TEMPORARY TABLE bench_templates (template int, language text, body text) "
        "ON COMMIT DROP"
    )
    with cursor.copy("COPY bench_templates FROM STDIN") as copy:
        for row in variants:
            copy.write_row(row)
    insert_select(
        cursor,
        SmsCampaignVariant,
        {"campaign_id": "c.id", "language": "t.language", "body": "t.body"},
        f"FROM outreach_smscampaign c JOIN bench_templates t ON t.template = (c.id - 1) % "
        f"{len(SMS_TEMPLATES)} ORDER BY c.id, t.language",
    )
    cursor.execute(
        "SELECT DISTINCT first_name FROM residents_resident WHERE residence_id <= %s",
        [window.scale.residences],
    )
    first_names = [name for (name,) in cursor.fetchall()]
    cursor.execute(
        "CREATE TEMPORARY TABLE bench_sms_bodies (template int, language text, first_name text, "
        "body text, encoding text, segments int, PRIMARY KEY (template, language, first_name)) "
        "ON COMMIT DROP"
    )
    with cursor.copy("COPY bench_sms_bodies FROM STDIN") as copy:
        for index, language, template in variants:
            for first_name in first_names:
                body = text.with_signature(text.render(template, {"prenom": first_name}))
                measure = text.measure(body)
                copy.write_row(
                    (index, language, first_name, body, measure.encoding, measure.segments)
                )
    cursor.execute("ANALYZE bench_sms_bodies")
    return count


def _outreach_actions(cursor, window):
    """The field actions (each in a residence, on a weekday in working hours, by its officer)
    and the campaigns' (one per campaign and residence, at the launch), in time order; the
    officer is in each one's staff."""
    scale = window.scale
    fields = scale.outreach_actions - scale.sms_campaigns * scale.residences_per_officer
    started = window.at(window.working_day("u_day"), 9, sql.SQL("floor(u_time * 15)::int"))
    field = sql.SQL(
        """
        SELECT kind, residence, started_at,
               started_at + (1 + floor(u_length * 6)::int) * interval '30 minutes' AS ended_at,
               CASE WHEN kind = {hall} THEN floor(u_unnamed * 9)::int ELSE 0 END AS unnamed,
               CASE WHEN u_notes < 0.3 THEN {notes} ELSE '' END AS notes,
               NULL::bigint AS campaign
        FROM (
            SELECT d.*, {kind} AS kind, 1 + floor(u_residence * {residences})::int AS residence,
                   {started} AS started_at
            FROM (
                SELECT {u1} AS u_residence, {u2} AS u_kind, {u3} AS u_day, {u4} AS u_time,
                       {u5} AS u_length, {u6} AS u_unnamed, {u7} AS u_notes
                FROM generate_series(1, {fields}) g
            ) d
        ) a
        """
    ).format(
        hall=sql.Literal(ActionKind.HALL_SESSION.value),
        notes=pick("u_notes / 0.3", ACTION_NOTES),
        kind=weighted("u_kind", FIELD_ACTION_KINDS),
        residences=sql.Literal(window.scale.residences),
        started=started,
        **{f"u{salt}": window.u("g", 200 + salt) for salt in range(1, 8)},
        fields=sql.Literal(fields),
    )
    campaigns = sql.SQL(
        "SELECT {kind}, cr.residence_id, c.launched_at, c.launched_at, 0, c.name, c.id "
        "FROM outreach_smscampaign c "
        "JOIN outreach_smscampaign_residences cr ON cr.smscampaign_id = c.id"
    ).format(kind=sql.Literal(ActionKind.SMS_CAMPAIGN.value))
    count = insert_select(
        cursor,
        OutreachAction,
        {
            "kind": "a.kind",
            "residence_id": "a.residence",
            "started_at": "a.started_at",
            "ended_at": "a.ended_at",
            "unnamed_count": "a.unnamed",
            "notes": "a.notes",
            "created_by_id": window.scale.officer_sql("a.residence"),
            "campaign_id": "a.campaign",
            "token": "NULL",
        },
        sql.SQL(
            "FROM ({} UNION ALL {}) AS a (kind, residence, started_at, ended_at, unnamed, notes, "
            "campaign) ORDER BY a.started_at, a.residence"
        ).format(field, campaigns),
    )
    insert_select(
        cursor,
        OutreachAction.staff.through,
        {"outreachaction_id": "a.id", "user_id": "a.created_by_id"},
        "FROM outreach_outreachaction a ORDER BY a.id",
    )
    cursor.execute(
        sql.SQL(
            "CREATE TEMPORARY TABLE bench_actions ON COMMIT DROP AS SELECT row_number() OVER "
            "(ORDER BY id) AS n, id, residence_id, kind, started_at, ended_at "
            "FROM outreach_outreachaction WHERE kind = ANY({})"
        ).format(text_array(MEETING_CHANNELS))
    )
    cursor.execute("CREATE UNIQUE INDEX ON bench_actions (n)")
    cursor.execute("ANALYZE bench_actions")
    return count


def _outreach_contacts(cursor, window):
    cursor.execute("SELECT count(*) FROM bench_people")
    people = cursor.fetchone()[0]
    cursor.execute("SELECT count(*) FROM bench_actions")
    actions = cursor.fetchone()[0]
    meeting_channel = sql.SQL("CASE a.kind {} END").format(
        sql.SQL(" ").join(
            sql.SQL("WHEN {} THEN {}").format(sql.Literal(str(kind)), sql.Literal(str(channel)))
            for kind, channel in MEETING_CHANNELS.items()
        )
    )
    outcome = sql.SQL("CASE ch.channel {} END").format(
        sql.SQL(" ").join(
            sql.SQL("WHEN {} THEN {}").format(
                sql.Literal(str(channel)), weighted("d.u_outcome", weights)
            )
            for channel, weights in CHANNEL_OUTCOMES.items()
        )
    )
    summary = sql.SQL("CASE oc.outcome {} END").format(
        sql.SQL(" ").join(
            sql.SQL("WHEN {} THEN {}").format(sql.Literal(str(o)), pick("d.u_summary", texts))
            for o, texts in CONTACT_SUMMARIES.items()
        )
    )
    source = sql.SQL(
        """
        FROM (
            SELECT g, {u1} AS u_with, {u2} AS u_action, {u3} AS u_who, {u4} AS u_at,
                   {u5} AS u_alone, {u6} AS u_channel, {u7} AS u_outcome, {u8} AS u_summary,
                   {u9} AS u_next
            FROM generate_series(1, {contacts}) g
        ) d
        LEFT JOIN bench_actions a
            ON a.n = CASE WHEN d.u_with < {share} THEN 1 + floor(d.u_action * {actions})::int END
        LEFT JOIN bench_residence_people rp ON rp.residence_id = a.residence_id
        JOIN bench_people p ON p.n = coalesce(rp.first_n + floor(d.u_who * rp.people)::int,
                                              1 + floor(d.u_who * {people})::int)
        CROSS JOIN LATERAL (
            SELECT a.started_at + d.u_at * (a.ended_at - a.started_at) AS at
        ) during
        CROSS JOIN LATERAL (
            SELECT coalesce(p.residence_id = a.residence_id
                            AND during.at BETWEEN p.from_at AND p.to_at, false) AS met
        ) m
        CROSS JOIN LATERAL (
            SELECT CASE WHEN m.met THEN during.at
                        ELSE p.from_at + d.u_alone * (p.to_at - p.from_at) END AS at,
                   CASE WHEN m.met THEN {meeting_channel} ELSE {lone_channel} END AS channel
        ) ch
        CROSS JOIN LATERAL (SELECT {outcome} AS outcome) oc
        ORDER BY ch.at, p.id
        """
    ).format(
        **{f"u{salt}": window.u("g", 300 + salt) for salt in range(1, 10)},
        contacts=sql.Literal(window.scale.outreach_contacts),
        share=sql.Literal(CONTACTS_WITH_ACTION),
        actions=sql.Literal(actions),
        people=sql.Literal(people),
        meeting_channel=meeting_channel,
        lone_channel=weighted("d.u_channel", LONE_CHANNELS),
        outcome=outcome,
    )
    next_step = sql.SQL(
        "CASE WHEN oc.outcome = {} AND d.u_next < {} THEN (ch.at AT TIME ZONE {})::date + 3 "
        "+ floor(d.u_next / {} * 12)::int END"
    ).format(
        sql.Literal(Outcome.APPOINTMENT_SET.value),
        sql.Literal(CONTACT_NEXT_STEP_SHARE),
        window.tz,
        sql.Literal(CONTACT_NEXT_STEP_SHARE),
    )
    return insert_select(
        cursor,
        Contact,
        {
            "resident_id": "p.id",
            "action_id": "CASE WHEN m.met THEN a.id END",
            "residence_id": "p.residence_id",
            "channel": "ch.channel",
            "at": "ch.at",
            "by_id": sql.SQL("CASE WHEN oc.outcome <> {} THEN {} END").format(
                sql.Literal(Outcome.REPLIED.value),
                sql.SQL(window.scale.officer_sql("p.residence_id")),
            ),
            "outcome": "oc.outcome",
            "summary": summary,
            "next_step_on": next_step,
            "token": "NULL",
        },
        source,
    )


def _contact_reminders(cursor, window):
    """The officer's reminder of each contact's next step (outreach.services.contact_log),
    done two hours after it was due when that is past."""
    due = sql.SQL("((c.next_step_on + {}) AT TIME ZONE {})").format(
        sql.Literal(datetime.time(9)), window.tz
    )
    return insert_select(
        cursor,
        Reminder,
        {
            "kind": "'staff_task'",
            "assignee_id": "c.by_id",
            "resident_id": "c.resident_id",
            "employer_id": "NULL",
            "title": "'Prochaine étape après un contact d''aller vers'",
            "due_at": due,
            "done_at": sql.SQL(
                "CASE WHEN {due} + interval '2 hours' < {now} THEN {due} + interval '2 hours' END"
            ).format(due=due, now=window.now),
            "dedup_key": sql.SQL("{} || ':' || c.id").format(sql.Literal(CONTACT_REMINDER_OWNER)),
            "source": "'automatic'",
            "created_at": "c.at",
        },
        "FROM outreach_contact c WHERE c.next_step_on IS NOT NULL ORDER BY c.id",
    )


def _referrals(cursor, window):
    """Referrals of people in the programme, filed in their span by the residence's officer;
    a new one names a person not yet linked to her file half the time; taken within 10 days,
    closed within 30 with an outcome."""
    cursor.execute("SELECT count(*) FROM bench_people")
    people = cursor.fetchone()[0]
    officer = sql.SQL(window.scale.officer_sql("p.residence_id"))
    status = sql.SQL("CASE WHEN f.filed_at > {now} - interval '30 days' THEN {recent} "
                     "ELSE {old} END").format(
        now=window.now,
        recent=weighted("d.u_status", RECENT_REFERRAL_STATUSES),
        old=weighted("d.u_status", OLD_REFERRAL_STATUSES),
    )  # fmt: skip
    unlinked = sql.SQL("(s.status = {} AND d.u_unlinked < 0.5)").format(
        sql.Literal(ReferralStatus.NEW.value)
    )
    source = sql.SQL(
        """
        FROM (
            SELECT g, {u1} AS u_who, {u2} AS u_filed, {u3} AS u_status, {u4} AS u_unlinked,
                   {u5} AS u_source, {u6} AS u_name, {u7} AS u_reason, {u8} AS u_taken,
                   {u9} AS u_closed, {u10} AS u_outcome, {u11} AS u_reach
            FROM generate_series(1, {referrals}) g
        ) d
        JOIN bench_people p ON p.n = 1 + floor(d.u_who * {people})::int
        CROSS JOIN LATERAL (SELECT p.from_at + d.u_filed * (p.to_at - p.from_at) AS filed_at) f
        CROSS JOIN LATERAL (SELECT {status} AS status) s
        CROSS JOIN LATERAL (
            SELECT CASE WHEN s.status <> {new} THEN least(
                f.filed_at + (1 + d.u_taken * 9) * interval '1 day', {now} - interval '1 minute'
            ) END AS taken_at
        ) t
        ORDER BY f.filed_at, p.id
        """
    ).format(
        **{f"u{salt}": window.u("g", 400 + salt) for salt in range(1, 12)},
        referrals=sql.Literal(window.scale.referrals),
        people=sql.Literal(people),
        status=status,
        new=sql.Literal(ReferralStatus.NEW.value),
        now=window.now,
    )
    closed = sql.SQL("s.status = {}").format(sql.Literal(ReferralStatus.CLOSED.value))
    return insert_select(
        cursor,
        Referral,
        {
            "residence_id": "p.residence_id",
            "resident_id": sql.SQL("CASE WHEN {} THEN NULL ELSE p.id END").format(unlinked),
            "first_name": sql.SQL("CASE WHEN {} THEN p.first_name ELSE '' END").format(unlinked),
            "housing_unit": sql.SQL("CASE WHEN {} THEN p.housing_unit ELSE '' END").format(
                unlinked
            ),
            "how_to_reach": sql.SQL("CASE WHEN {} THEN {} ELSE '' END").format(
                unlinked, pick("d.u_reach", REFERRAL_HOW_TO_REACH)
            ),
            "source": weighted("d.u_source", REFERRAL_SOURCES),
            "source_name": pick("d.u_name", REFERRAL_SOURCE_NAMES),
            "reason": pick("d.u_reason", REFERRAL_REASONS),
            "status": "s.status",
            "outcome": sql.SQL("CASE WHEN {} THEN {} ELSE '' END").format(
                closed, weighted("d.u_outcome", REFERRAL_OUTCOMES)
            ),
            "filed_by_id": officer,
            "filed_at": "f.filed_at",
            "taken_by_id": sql.SQL("CASE WHEN t.taken_at IS NOT NULL THEN {} END").format(officer),
            "taken_at": "t.taken_at",
            "closed_at": sql.SQL(
                "CASE WHEN {} THEN least(t.taken_at + d.u_closed * interval '30 days', {}) END"
            ).format(closed, window.now),
            "token": "NULL",
        },
        source,
    )


def _opt_outs(cursor, window):
    """The scale's SMS opt-outs: numbers of generated residents, one each, at a moment of the
    three years; the officer wrote down the ones the person asked her for."""
    return insert_select(
        cursor,
        SmsOptOut,
        {
            "phone": "r.phone",
            "scope": weighted("r.u_scope", OPT_OUT_SCOPES),
            "source": "r.source",
            "residence_id": "r.residence_id",
            "created_at": "r.created_at",
            "created_by_id": sql.SQL("CASE WHEN r.source = {} THEN {} END").format(
                sql.Literal(OptOutSource.STAFF.value),
                sql.SQL(window.scale.officer_sql("r.residence_id")),
            ),
        },
        sql.SQL(
            """
            FROM (
                SELECT r.*, {source} AS source, {start} + r.u_at * ({now} - {start}) AS created_at
                FROM (
                    SELECT id, phone, residence_id, {u1} AS u_pick, {u2} AS u_scope,
                           {u3} AS u_source, {u4} AS u_at
                    FROM residents_resident WHERE phone <> '' AND residence_id <= {residences}
                    ORDER BY u_pick LIMIT {opt_outs}
                ) r
            ) r
            ORDER BY r.created_at, r.id
            """
        ).format(
            source=weighted("r.u_source", OPT_OUT_SOURCES),
            start=window.start,
            now=window.now,
            **{f"u{salt}": window.u("id", 500 + salt) for salt in range(1, 5)},
            residences=sql.Literal(window.scale.residences),
            opt_outs=sql.Literal(window.scale.sms_opt_outs),
        ),
    )


def _sms_messages(cursor, window):
    """One message per campaign and resident of its residences living there that day (what
    outreach.campaigns.campaign_launch hands to the outbox), each with the timestamps of its
    status."""
    launched_on = sql.SQL("(c.launched_at AT TIME ZONE {})::date").format(window.tz)
    # The order of outreach.campaigns.campaign_audience: phone, opt-out, SMS consent.
    skip = sql.SQL(
        """
        CASE WHEN r.phone = '' THEN {no_phone}
             WHEN NOT r.phone_is_mobile THEN {not_mobile}
             WHEN EXISTS (SELECT 1 FROM sms_smsoptout o WHERE o.phone = r.phone
                          AND o.created_at < c.launched_at) THEN {opted_out}
             WHEN k.withdrawn AND NOT k.standing THEN {withdrawn}
             WHEN c.legal_basis = {consent} AND NOT k.standing THEN {no_consent}
             ELSE '' END
        """
    ).format(
        no_phone=sql.Literal(SkipReason.NO_PHONE.value),
        not_mobile=sql.Literal(SkipReason.NOT_MOBILE.value),
        opted_out=sql.Literal(SkipReason.OPTED_OUT.value),
        withdrawn=sql.Literal(SkipReason.CONSENT_WITHDRAWN.value),
        consent=sql.Literal(LegalBasis.CONSENT.value),
        no_consent=sql.Literal(SkipReason.NO_CONSENT.value),
    )
    # o2r.sms.services.sms_consent_checks on the day of the launch.
    consent = sql.SQL(
        """
        SELECT coalesce(bool_or(k.given_on <= {day} AND (k.withdrawn_on IS NULL
                                                          OR k.withdrawn_on > {day})), false)
                   AS standing,
               coalesce(bool_or(k.withdrawn_on <= {day}), false) AS withdrawn
        FROM residents_consent k WHERE k.resident_id = r.id AND k.scope = {sms}
        """
    ).format(day=launched_on, sms=sql.Literal(ConsentScope.SMS.value))
    number = "(m.campaign::bigint * 100000000 + m.resident)"
    status = sql.SQL("CASE WHEN m.skip_reason <> '' THEN {} ELSE {} END").format(
        sql.Literal(SmsStatus.SKIPPED.value), weighted("m.u_status", SMS_STATUSES)
    )
    went = sql.SQL("s.status <> {}").format(sql.Literal(SmsStatus.SKIPPED.value))
    sent = sql.SQL("s.status IN ({}, {})").format(
        sql.Literal(SmsStatus.SENT.value), sql.Literal(SmsStatus.DELIVERED.value)
    )
    delivered = sql.SQL("s.status = {}").format(sql.Literal(SmsStatus.DELIVERED.value))
    error = sql.SQL("CASE s.status {} ELSE '' END").format(
        sql.SQL(" ").join(
            sql.SQL("WHEN {} THEN {}").format(sql.Literal(str(k)), sql.Literal(v))
            for k, v in SMS_ERRORS.items()
        )
    )
    source = sql.SQL(
        """
        FROM (
            SELECT c.id AS campaign, c.launched_at, c.created_by_id, c.legal_basis,
                   r.id AS resident, r.residence_id, r.phone, r.first_name,
                   CASE WHEN r.preferred_language = 'ara' THEN 'ara' ELSE 'fra' END AS language,
                   {skip} AS skip_reason,
                   {u1} AS u_status, {u2} AS u_queued, {u3} AS u_claimed, {u4} AS u_delivered
            FROM outreach_smscampaign c
            JOIN outreach_smscampaign_residences cr ON cr.smscampaign_id = c.id
            JOIN residents_resident r ON r.residence_id = cr.residence_id
            CROSS JOIN LATERAL ({consent}) k
            WHERE r.moved_out_on IS NULL OR r.moved_out_on > {launched_on}
        ) m
        JOIN bench_sms_bodies b ON b.template = (m.campaign - 1) % {templates}
            AND b.language = m.language AND b.first_name = m.first_name
        CROSS JOIN LATERAL (SELECT {status} AS status) s
        CROSS JOIN LATERAL (
            SELECT m.launched_at + floor(m.u_queued * 300) * interval '1 second' AS queued_at
        ) q
        CROSS JOIN LATERAL (
            SELECT q.queued_at + (1 + floor(m.u_claimed * 30)) * interval '1 second' AS claimed_at
        ) cl
        ORDER BY m.launched_at, m.campaign, m.resident
        """
    ).format(
        skip=skip,
        consent=consent,
        **{
            f"u{salt}": window.u("c.id::bigint * 100000000 + r.id", 600 + salt)
            for salt in range(1, 5)
        },
        launched_on=launched_on,
        templates=sql.Literal(len(SMS_TEMPLATES)),
        status=status,
    )
    return insert_select(
        cursor,
        SmsMessage,
        {
            "id": sql.SQL("md5({} || m.campaign || ':' || m.resident)::uuid").format(
                sql.Literal("o2r-bench-sms:")
            ),
            "resident_id": "m.resident",
            "owner_kind": "'campaign'",
            "owner_id": "m.campaign",
            "to": "m.phone",
            "body": sql.SQL("CASE WHEN {} THEN b.body ELSE '' END").format(went),
            "language": "m.language",
            "encoding": sql.SQL("CASE WHEN {} THEN b.encoding ELSE {} END").format(
                went, sql.Literal(text.measure("").encoding)
            ),
            "segments": sql.SQL("CASE WHEN {} THEN b.segments ELSE 0 END").format(went),
            "legal_basis": "m.legal_basis",
            "status": "s.status",
            "skip_reason": "m.skip_reason",
            "error": error,
            "not_before": "m.launched_at",
            "attempts": sql.SQL("CASE WHEN {} THEN 1 ELSE 0 END").format(went),
            "provider_id": sql.SQL("CASE WHEN {} THEN 'bench-' || {} ELSE '' END").format(
                sent, sql.SQL(number)
            ),
            "dedup_key": "'campaign:' || m.campaign || ':resident:' || m.resident",
            "residence_id": "m.residence_id",
            "created_at": "m.launched_at",
            "created_by_id": "m.created_by_id",
            "queued_at": sql.SQL("CASE WHEN {} THEN q.queued_at END").format(went),
            "claimed_at": sql.SQL("CASE WHEN {} THEN cl.claimed_at END").format(went),
            "sent_at": sql.SQL("CASE WHEN {} THEN cl.claimed_at + interval '1 second' END").format(
                sent
            ),
            "delivered_at": sql.SQL(
                "CASE WHEN {} THEN cl.claimed_at + (6 + floor(m.u_delivered * 115)) "
                "* interval '1 second' END"
            ).format(delivered),
            "reported_at": sql.SQL(
                "CASE WHEN {} THEN cl.claimed_at + (6 + floor(m.u_delivered * 115)) "
                "* interval '1 second' END"
            ).format(delivered),
            "resent_by_id": "NULL",
            "resent_at": "NULL",
            "resend_reason": "''",
        },
        source,
    )
