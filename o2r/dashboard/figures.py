"""Every figure of the dashboard and of the funder's report, as tables.

Read through the apps' counting QuerySets (residents' stage changes, outreach, employers,
employment, SMS), filtered on the columns each row keeps of its day — the residence, the
organisation and coach, the categories —, never on the resident as she is today. A fixed
number of queries whatever the data size: each table is one to four aggregate queries.

The selection (filters.py) says the period, the residences, and for the job side the
employment organisations and the coach: they filter the accompaniment's figures (the steps
from "accompanied" on, introductions, hires, follow-ups, caseloads, prospecting). Entries
and exits are the programme's, counted by residence. Outreach and
the first steps of the path are the housing organisation's work: residence and period only.
"""

from functools import cached_property

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from employers.enums import ContractType
from employers.models import JobOpening, ProspectingAction
from employment.enums import Milestone, PostExitSituation
from employment.models import Accompaniment, FollowUp, Introduction, Placement
from o2r.accounts.models import User
from o2r.sms.enums import SmsStatus
from o2r.sms.models import SmsMessage, SmsOptOut
from outreach.enums import ActionKind, Channel, Outcome, ReferralSource
from outreach.models import Contact, OutreachAction, Referral
from residents.enums import ExitReason, Sex, Stage
from residents.models import HEALTH_EXIT_REASONS, PATH_STEPS, Residence, StageChange

from .filters import Selection
from .tables import COUNT, DAYS, PERCENT, Row, Table, days, percent

# The steps an employment organisation's (and a coach's) filter applies to: its accompaniments
# and its hires (a stage change keeps the organisation of its day). Entries and exits are the
# programme's, counted by residence like the first steps.
JOB_STAGES = (Stage.ACCOMPANIED, Stage.EMPLOYED)
# Age bands, derived at report time from the age kept on the day (DOMAIN.md §6: the bands
# are not confirmed; change them here).
AGE_BANDS = [
    ("Moins de 26 ans", Q(age__lt=26)),
    ("26 à 44 ans", Q(age__gte=26, age__lt=45)),
    ("45 à 54 ans", Q(age__gte=45, age__lt=55)),
    ("55 ans et plus", Q(age__gte=55)),
    ("Âge non renseigné", Q(age__isnull=True)),
]
SEXES = [(Sex.FEMALE, "Femmes"), (Sex.MALE, "Hommes"), (Sex.UNSPECIFIED, "Non précisé")]
PUBLICS = [
    ("Minimum social", Q(social_minimum=True)),
    ("Protection internationale", Q(international_protection=True)),
    ("Frein santé", Q(health_barrier=True)),
    ("RQTH", Q(rqth=True)),
    ("« Invisible » (sans suivi France Travail)", Q(invisible=True)),
    ("Résidence en quartier prioritaire (QPV)", Q(residence__qpv=True)),
]
# Categories that are health information: aggregates only, never a list of people.
HEALTH_CATEGORIES = {"Frein santé", "RQTH"}
HEALTH_CATEGORY_KEYS = {
    f"public_{i}" for i, (label, _) in enumerate(PUBLICS) if label in HEALTH_CATEGORIES
} | {f"exit_{reason}" for reason in HEALTH_EXIT_REASONS}
BREAKDOWN_STAGES = [
    (Stage.IDENTIFIED, "Repérées"),
    (Stage.ENGAGED, "Entrées (remobilisées)"),
    (Stage.ACCOMPANIED, "Accompagnées (IOD)"),
    (Stage.EMPLOYED, "En emploi"),
    (Stage.EXITED, "Sorties"),
]
STEP_LABELS = {
    Stage.IDENTIFIED: "Repérées",
    Stage.ENGAGED: "Remobilisées (accord d'accompagnement)",
    Stage.ACCOMPANIED: "Accompagnées (IOD)",
    Stage.EMPLOYED: "En emploi",
}
# The actions-by-residence table on the page: the most active residences (all in the exports).
PAGE_RESIDENCES = 25
DURABLE_LABEL = "En emploi durable"
RETAINED_LABEL = "Toujours en emploi 6 mois après l'embauche"


# --- The rows of the selection, app by app ----------------------------------------------------


def _job_side(sel: Selection, *, organisation="organisation", coach="coach") -> Q:
    condition = Q()
    if sel.organisation_ids is not None:
        condition &= Q(**{f"{organisation}_id__in": sel.organisation_ids})
    if sel.coach_id is not None:
        condition &= Q(**{f"{coach}_id": sel.coach_id})
    return condition


def stage_changes(sel: Selection):
    """The period's stage changes in the residences; the job-side steps of the organisations
    and coach chosen."""
    job = _job_side(sel)
    rows = StageChange.objects.in_period(sel.start_at, sel.end_at).filter(
        residence_id__in=sel.residence_ids
    )
    if job:
        rows = rows.filter(~Q(to_stage__in=JOB_STAGES) | job)
    return rows


def placements(sel: Selection):
    return Placement.objects.started_in(sel.start, sel.end).filter(
        _job_side(sel), residence_id__in=sel.residence_ids
    )


def accompaniments(sel: Selection):
    return Accompaniment.objects.filter(_job_side(sel), residence_id__in=sel.residence_ids)


def introductions(sel: Selection):
    return Introduction.objects.filter(
        _job_side(sel, organisation="accompaniment__organisation", coach="accompaniment__coach"),
        accompaniment__residence_id__in=sel.residence_ids,
    )


def follow_ups(sel: Selection):
    return FollowUp.objects.due_in(sel.start, sel.end).filter(
        _job_side(sel, organisation="placement__organisation", coach="placement__coach"),
        placement__residence_id__in=sel.residence_ids,
    )


def prospecting(sel: Selection):
    """Prospecting is by territory (a company is no residence's): those of the residences."""
    return ProspectingAction.objects.in_period(sel.start_at, sel.end_at).filter(
        _job_side(sel, organisation="by__organisation", coach="by"),
        employer__territory__in=sel.territories,
    )


def openings(sel: Selection):
    return JobOpening.objects.captured_in(sel.start, sel.end).filter(
        _job_side(sel, organisation="created_by__organisation", coach="created_by"),
        employer__territory__in=sel.territories,
    )


def contacts(sel: Selection):
    return Contact.objects.in_period(sel.start_at, sel.end_at).filter(
        residence_id__in=sel.residence_ids
    )


def actions(sel: Selection):
    return OutreachAction.objects.in_period(sel.start_at, sel.end_at).filter(
        residence_id__in=sel.residence_ids
    )


# --- Counts several tables share (one query each) ----------------------------------------------


def categories():
    categories = {"all": Q()}
    categories.update({f"sex_{sex}": Q(sex=sex) for sex, _ in SEXES})
    categories.update({f"age_{i}": condition for i, (_, condition) in enumerate(AGE_BANDS)})
    categories.update({f"public_{i}": condition for i, (_, condition) in enumerate(PUBLICS)})
    categories.update({f"exit_{reason}": Q(exit_reason=reason) for reason in ExitReason.values})
    return categories


def category_label(key) -> str:
    labels = {f"sex_{sex}": label for sex, label in SEXES}
    labels.update({f"age_{i}": label for i, (label, _) in enumerate(AGE_BANDS)})
    labels.update({f"public_{i}": label for i, (label, _) in enumerate(PUBLICS)})
    return labels.get(key, "")


class Shared:
    """The selection's stage-change counts by category and its hires' six-month outcomes,
    read by the path, the funder's view and the breakdowns: computed once per page."""

    def __init__(self, sel: Selection, today):
        self.sel = sel
        self.today = today
        self.changes = stage_changes(sel)

    @cached_property
    def by_category(self):
        return self.changes.people_by_category(categories())

    def people(self, stage, category="all"):
        return self.by_category.get(stage, {}).get(category, 0)

    @cached_property
    def outcomes(self):
        return placements(self.sel).six_month_outcomes(self.today)


# --- The path ---------------------------------------------------------------------------------


def path(sel: Selection, today=None, shared=None) -> list[Table]:
    shared = shared or Shared(sel, today)
    changes = shared.changes
    conversions = changes.conversions()
    delays = changes.median_days_from_previous_step()
    hires = placements(sel)
    hired = hires.values("resident").distinct().count()
    durable = hires.durable().values("resident").distinct().count()
    outcomes = shared.outcomes
    due = outcomes["confirmed"] + outcomes["ended"] + outcomes["unknown"]

    rows = []
    for step in PATH_STEPS:
        reached, converted = conversions.get(str(step), (None, None))
        rows.append(
            Row(
                STEP_LABELS[step],
                [shared.people(step), percent(converted, reached), days(delays.get(step))],
                links=[f"stage:{step}", None, None],
            )
        )
    rows.append(
        Row(DURABLE_LABEL, [durable, percent(durable, hired), None], ["durable", None, None])
    )
    rows.append(
        Row(
            RETAINED_LABEL,
            [outcomes["confirmed"], percent(outcomes["confirmed"], due), None],
            ["retained", None, None],
        )
    )
    funnel = {
        "type": "funnel",
        "labels": [row.label for row in rows],
        "datasets": [{"label": "Personnes", "data": [row.values[0] for row in rows]}],
        "unit": "",
    }
    path_table = Table(
        key="parcours",
        section="path",
        title="Le parcours",
        definition=(
            "Personnes arrivées à chaque étape pendant la période (une personne compte une fois "
            "par étape), d'après le journal des changements d'étape : un mois passé ne change "
            "plus quand la personne avance ensuite. Taux de passage : parmi les personnes "
            "arrivées à l'étape précédente pendant la période, la part arrivée à celle-ci "
            "avant la fin de la période. Délai médian : jours passés à l'étape précédente par "
            "les personnes arrivées à celle-ci pendant la période. Emploi durable : CDI, ou CDD "
            "et intérim de 6 mois et plus, commencés pendant la période (sur les embauches). "
            "6 mois après : embauches de la période que le suivi M+6 confirme, sur celles dont "
            "le M+6 est échu ou qui ont pris fin (des embauches, non des personnes)."
        ),
        label_header="Étape",
        columns=["Personnes", "Taux de passage (%)", "Délai médian (jours)"],
        kinds=[COUNT, PERCENT, DAYS],
        rows=rows,
        chart=funnel,
    )
    return [path_table, trends(sel, changes)]


def trends(sel: Selection, changes) -> Table:
    by_month = changes.people_by_month()
    stages = BREAKDOWN_STAGES
    rows = []
    for month in sel.months():
        rows.append(
            Row(
                f"{month:%m/%Y}",
                [by_month.get((month, stage), 0) for stage, _ in stages],
            )
        )
    return Table(
        key="tendances",
        section="path",
        title="Mois par mois",
        definition=(
            "Personnes arrivées à chaque étape, mois par mois (une personne compte une fois par "
            "mois et par étape)."
        ),
        label_header="Mois",
        columns=[label for _, label in stages],
        kinds=[COUNT] * len(stages),
        rows=rows,
        chart={
            "type": "line",
            "labels": [row.label for row in rows],
            "datasets": [
                {"label": label, "data": [row.values[i] for row in rows]}
                for i, (_, label) in enumerate(stages)
            ],
            "unit": "",
        },
    )


# --- Outreach ---------------------------------------------------------------------------------


def outreach(sel: Selection) -> list[Table]:
    acts = actions(sel)
    met = acts.people_met_by_kind()
    kinds_table = Table(
        key="actions",
        section="outreach",
        title="Actions d'aller vers",
        definition=(
            "Actions commencées pendant la période, par type. Personnes rencontrées : les "
            "résidents nommés rencontrés pendant l'action (une fois par action, une porte "
            "fermée ne compte pas) et les personnes rencontrées sans nom. L'affichage et les "
            "campagnes SMS touchent les résidents sans les rencontrer."
        ),
        label_header="Type d'action",
        columns=["Actions", "Personnes nommées rencontrées", "Personnes rencontrées sans nom"],
        kinds=[COUNT, COUNT, COUNT],
        rows=[
            Row(
                label,
                [
                    met.get(kind, {}).get("actions", 0),
                    met.get(kind, {}).get("named", 0),
                    met.get(kind, {}).get("unnamed", 0),
                ],
                links=[f"actions:{kind}", None, None],
            )
            for kind, label in ActionKind.choices
        ],
        total_row=True,
    )
    _add_total_row(kinds_table)
    kinds_table.chart = _bars(kinds_table, columns=[0])

    by_residence = acts.by_residence_and_kind()
    names = dict(
        Residence.objects.filter(pk__in={r for r, _ in by_residence}).values_list("pk", "name")
    )
    residence_rows = []
    for residence_id, name in sorted(names.items(), key=lambda item: item[1]):
        values = [by_residence.get((residence_id, kind), 0) for kind, _ in ActionKind.choices]
        residence_rows.append(Row(name, [*values, sum(values)]))
    residences_table = Table(
        key="actions_residences",
        section="outreach",
        title="Actions par résidence",
        definition="Actions commencées pendant la période, par résidence et par type.",
        label_header="Résidence",
        columns=[*[label for _, label in ActionKind.choices], "Total"],
        kinds=[COUNT] * (len(ActionKind.choices) + 1),
        rows=residence_rows,
        total_column=True,
        total_row=True,
        page_rows=PAGE_RESIDENCES,
    )
    _add_total_row(residences_table)

    period_contacts = contacts(sel)
    reached = period_contacts.people_reached_count()
    crossed = period_contacts.by_channel_and_outcome()
    replies = sum(n for (_, outcome), n in crossed.items() if outcome == Outcome.REPLIED)
    people_table = Table(
        key="personnes",
        section="outreach",
        title="Personnes jointes et contacts",
        definition=(
            "Personnes jointes : résidents distincts avec au moins un échange dans les deux "
            "sens pendant la période (rencontre, appel répondu, réponse à un SMS ; un relais "
            "ou un appel sans réponse ne compte pas). Contacts : tous les contacts notés "
            "pendant la période. Les personnes rencontrées sont dans le tableau des actions."
        ),
        label_header="Indicateur",
        columns=["Nombre"],
        kinds=[COUNT],
        rows=[
            Row("Personnes jointes", [reached], links=["reached"]),
            Row("Contacts notés", [sum(crossed.values())]),
        ],
    )

    outcomes = Outcome.choices
    channel_rows = _crossed_rows(crossed, Channel.choices, outcomes, "contacts")
    contacts_table = Table(
        key="contacts",
        section="outreach",
        title="Contacts par canal et par suite",
        definition="Contacts notés pendant la période, par canal (lignes) et par suite (colonnes).",
        label_header="Canal",
        columns=[*[label for _, label in outcomes], "Total"],
        kinds=[COUNT] * (len(outcomes) + 1),
        rows=channel_rows,
        total_row=True,
        total_column=True,
    )
    _add_total_row(contacts_table)
    contacts_table.chart = _bars(
        contacts_table, columns=range(len(outcomes)), stacked=True, horizontal=True
    )

    taking = (
        Referral.objects.filed_in(sel.start_at, sel.end_at)
        .filter(residence_id__in=sel.residence_ids)
        .taking_by_source()
    )
    referral_rows = [
        Row(
            label,
            [
                taking.get(source, {}).get("filed", 0),
                taking.get(source, {}).get("taken", 0),
                days(taking.get(source, {}).get("median_days")),
            ],
        )
        for source, label in ReferralSource.choices
    ]
    referrals_table = Table(
        key="signalements",
        section="outreach",
        title="Signalements par origine",
        definition=(
            "Signalements déposés pendant la période, par qui a signalé ; pris en charge : "
            "ceux qu'une chargée d'insertion a pris ; délai médian en jours entre le dépôt et "
            "la prise en charge."
        ),
        label_header="Signalé par",
        columns=["Signalements", "Pris en charge", "Délai médian (jours)"],
        kinds=[COUNT, COUNT, DAYS],
        rows=referral_rows,
    )

    messages = SmsMessage.objects.in_period(sel.start_at, sel.end_at).filter(
        residence_id__in=sel.residence_ids
    )
    status = messages.status_counts()
    opt_outs = SmsOptOut.objects.filter(
        created_at__gte=sel.start_at, created_at__lt=sel.end_at, residence_id__in=sel.residence_ids
    ).count()
    waiting = status[SmsStatus.PENDING] + status[SmsStatus.QUEUED] + status[SmsStatus.SENDING]
    sms_table = Table(
        key="sms",
        section="outreach",
        title="SMS",
        definition=(
            "SMS écrits pendant la période (campagnes et rappels), selon où ils en sont. "
            "Reçus : l'opérateur a confirmé la réception ; envoyés : remis à l'opérateur, "
            "réception pas encore confirmée ; échecs : refusés par l'opérateur ; incertains : "
            "envoi non confirmé, à vérifier ; non envoyés : opposition, accord retiré, "
            "campagne annulée."
        ),
        label_header="Où ils en sont",
        columns=["SMS"],
        kinds=[COUNT],
        rows=[
            Row("Reçus par la personne", [status[SmsStatus.DELIVERED]]),
            Row("Envoyés (réception non confirmée)", [status[SmsStatus.SENT]]),
            Row("Échecs", [status[SmsStatus.FAILED]]),
            Row("Incertains", [status[SmsStatus.UNKNOWN]]),
            Row(
                "Non envoyés ou annulés",
                [status[SmsStatus.SKIPPED] + status[SmsStatus.CANCELLED]],
            ),
            Row("En attente d'envoi", [waiting]),
        ],
        total_row=True,
    )
    _add_total_row(sms_table, label="SMS écrits")
    answers_table = Table(
        key="reponses",
        section="outreach",
        title="Réponses et oppositions",
        definition=(
            "Réponses : SMS reçus des résidents pendant la période et rattachés à leur "
            "dossier. Oppositions : numéros qui ont demandé pendant la période à ne plus "
            "recevoir de SMS (ou de campagnes)."
        ),
        label_header="Indicateur",
        columns=["Nombre"],
        kinds=[COUNT],
        rows=[Row("Réponses reçues", [replies]), Row("Oppositions", [opt_outs])],
    )
    return [
        kinds_table,
        residences_table,
        people_table,
        contacts_table,
        referrals_table,
        sms_table,
        answers_table,
    ]


# --- Employment (IOD) -------------------------------------------------------------------------


def employment(sel: Selection, today=None) -> list[Table]:
    steps = prospecting(sel)
    captured = openings(sel).captured_counts()
    hires = placements(sel)
    hired = hires.count()
    cdi = hires.cdi().count()
    full_time = hires.full_time().count()
    intros = introductions(sel)
    activity = Table(
        key="emploi",
        section="employment",
        title="Prospection, mises en relation, embauches",
        definition=(
            "Entreprises prospectées : entreprises distinctes avec au moins une démarche "
            "pendant la période ; rencontres : démarches en face à face où la chargée de "
            "mission a rencontré l'entreprise. Offres captées : offres saisies pendant la "
            "période, dont celles du marché caché (jamais publiées). Mises en relation : "
            "proposées pendant la période ; rencontres sur le lieu de travail : tenues pendant "
            "la période. Embauches : contrats commencés pendant la période ; temps plein : "
            f"{settings.O2R_FULL_TIME_HOURS} h par semaine et plus. La prospection et les "
            "offres sont comptées sur les territoires des résidences choisies."
        ),
        label_header="Indicateur",
        columns=["Nombre", "Part (%)"],
        kinds=[COUNT, PERCENT],
        rows=[
            Row("Entreprises prospectées", [steps.companies_prospected(), None]),
            Row("Démarches de prospection", [steps.count(), None]),
            Row("Rencontres avec une entreprise", [steps.meetings().count(), None]),
            Row("Offres captées", [captured["openings"], None]),
            Row("Postes offerts", [captured["positions"], None]),
            Row(
                "Offres du marché caché",
                [
                    captured["hidden_market"],
                    percent(captured["hidden_market"], captured["openings"]),
                ],
            ),
            Row(
                "Mises en relation proposées",
                [intros.proposed_in(sel.start_at, sel.end_at).count(), None],
            ),
            Row(
                "Rencontres sur le lieu de travail",
                [intros.interviews_held_in(sel.start, sel.end).count(), None],
            ),
            Row("Embauches", [hired, None], links=["hires", None]),
            Row("dont CDI", [cdi, percent(cdi, hired)]),
            Row("dont temps plein", [full_time, percent(full_time, hired)]),
        ],
    )

    milestones = follow_ups(sel).by_milestone(today)
    nothing = dict.fromkeys(
        ("due", "on_time", "late", "not_done", "upcoming", "in_post", "not_in_post"), 0
    )
    follow_rows = []
    retention_rows = []
    for milestone, label in Milestone.choices:
        counts = milestones.get(milestone)
        if milestone == Milestone.OTHER and not counts:
            continue
        counts = counts or nothing
        past = counts["due"] - counts["upcoming"]
        follow_rows.append(
            Row(
                label,
                [
                    counts["on_time"],
                    counts["late"],
                    counts["not_done"],
                    counts["upcoming"],
                    counts["due"],
                    percent(counts["on_time"], past),
                ],
            )
        )
        if milestone in (Milestone.M1, Milestone.M3, Milestone.M6):
            told = counts["in_post"] + counts["not_in_post"]
            retention_rows.append(
                Row(
                    f"à {label.replace('M+', '')} mois",
                    [
                        counts["in_post"],
                        counts["not_in_post"],
                        past - told,
                        counts["upcoming"],
                        counts["due"],
                        percent(counts["in_post"], told),
                    ],
                )
            )
    follow_table = Table(
        key="suivis",
        section="employment",
        title="Suivis dans l'emploi",
        definition=(
            "Suivis prévus pendant la période (J+7, M+1, M+3, M+6 après l'embauche), ceux "
            "annulés par une sortie mis à part. À temps : faits au plus tard "
            f"{settings.O2R_FOLLOW_UP_GRACE_DAYS} jours après la date prévue ; pas faits : "
            "ce délai est passé ; à venir : pas encore faits, encore dans le délai. La part à "
            "temps se calcule sur les suivis dont le délai est passé ou qui sont faits."
        ),
        label_header="Suivi",
        columns=[
            "Faits à temps",
            "Faits en retard",
            "Pas faits",
            "À venir",
            "Prévus",
            "À temps (%)",
        ],
        kinds=[COUNT, COUNT, COUNT, COUNT, COUNT, PERCENT],
        rows=follow_rows,
        total_column=True,
    )
    retention_table = Table(
        key="maintien",
        section="employment",
        title="Maintien dans l'emploi à 1, 3 et 6 mois",
        definition=(
            "Suivis M+1, M+3 et M+6 prévus pendant la période : la personne est-elle toujours "
            "en poste ? Taux de maintien : toujours en poste, sur les suivis qui le disent. "
            "Inconnu : suivi dont le délai est passé, pas fait (ou fait sans le dire) ; à "
            "venir : encore dans le délai."
        ),
        label_header="Échéance",
        columns=[
            "Toujours en poste",
            "Plus en poste",
            "Inconnu",
            "À venir",
            "Prévus",
            "Maintien (%)",
        ],
        kinds=[COUNT, COUNT, COUNT, COUNT, COUNT, PERCENT],
        rows=retention_rows,
        total_column=True,
    )

    ceiling = settings.O2R_CASELOAD_CEILING
    load = accompaniments(sel).load_by_coach_on(sel.last_day)
    coaches = User.objects.filter(pk__in=list(load)).order_by("last_name", "first_name")
    caseload_table = Table(
        key="portefeuilles",
        section="employment",
        title=f"Portefeuilles des chargées de mission (repère : {ceiling})",
        definition=(
            "Accompagnements en cours le dernier jour de la période, par chargée de mission, "
            f"face au repère de {ceiling} personnes au plus par chargée de mission."
        ),
        label_header="Chargée de mission",
        columns=["Accompagnements en cours", "Charge (%)"],
        kinds=[COUNT, PERCENT],
        rows=[
            Row(coach.get_full_name(), [load[coach.pk], percent(load[coach.pk], ceiling)])
            for coach in coaches
        ],
    )
    caseload_table.chart = {
        **_bars(caseload_table, columns=[0], horizontal=True),
        "ceiling": ceiling,
    }
    return [activity, follow_table, retention_table, caseload_table]


# --- The funder's view ------------------------------------------------------------------------


def funder(sel: Selection, today=None, shared=None) -> list[Table]:
    shared = shared or Shared(sel, today)
    entries_table = Table(
        key="entrees_sorties",
        section="funder",
        title="Entrées et sorties",
        definition=(
            "Entrées : personnes entrées dans le programme pendant la période (accord "
            "d'accompagnement donné, étape « remobilisée »). Sorties : personnes sorties du "
            "programme pendant la période, quel qu'en soit le motif. Entrées et sorties sont "
            "celles du programme dans les résidences choisies : la structure emploi et la "
            "chargée de mission ne les filtrent pas."
        ),
        label_header="Mouvement",
        columns=["Personnes"],
        kinds=[COUNT],
        rows=[
            Row("Entrées", [shared.people(Stage.ENGAGED)], [f"stage:{Stage.ENGAGED}"]),
            Row("Sorties", [shared.people(Stage.EXITED)], [f"stage:{Stage.EXITED}"]),
        ],
    )
    exits_table = Table(
        key="sorties_par_motif",
        section="funder",
        title="Sorties par motif",
        definition=(
            "Personnes sorties pendant la période, par motif codé ; le relais vers le droit "
            "commun (France Travail, Département, Cap emploi, Mission locale) est un motif de "
            "sortie. Une personne sortie deux fois pour deux motifs compte dans chacun."
        ),
        label_header="Motif",
        columns=["Personnes"],
        kinds=[COUNT],
        rows=[
            Row(
                label,
                [shared.people(Stage.EXITED, f"exit_{reason}")],
                links=[None if reason in HEALTH_EXIT_REASONS else f"exit:{reason}"],
                health_of=[shared.people(Stage.EXITED)] if reason in HEALTH_EXIT_REASONS else None,
            )
            for reason, label in ExitReason.choices
        ],
        total_row=True,
    )
    _add_total_row(exits_table)
    exits_table.chart = _bars(exits_table, columns=[0], horizontal=True)

    situations = (
        accompaniments(sel).six_months_after_exit_in(sel.start, sel.end).by_post_exit_situation()
    )
    situation_rows = [
        Row(label, [situations.get(situation, 0)]) for situation, label in PostExitSituation.choices
    ]
    situation_rows.append(Row("Pas encore relevée", [situations.get("", 0)]))
    after_exit = Table(
        key="situation_6_mois",
        section="funder",
        title="Situation 6 mois après la sortie",
        definition=(
            f"Accompagnements terminés {settings.O2R_POST_EXIT_MONTHS} mois avant la période "
            "(leurs six mois tombent dans la période), par situation relevée."
        ),
        label_header="Situation",
        columns=["Personnes"],
        kinds=[COUNT],
        rows=situation_rows,
        total_row=True,
    )
    _add_total_row(after_exit)

    outcomes = shared.outcomes
    retention = Table(
        key="maintien_6_mois",
        section="funder",
        title="Maintien en emploi à 6 mois",
        definition=(
            "Embauches commencées pendant la période. Confirmé : le suivi M+6 dit que la "
            "personne est toujours en poste. Terminé : fin anticipée notée, ou le M+6 dit "
            "qu'elle n'est plus en poste. Inconnu : M+6 échu et pas fait, aucune fin notée. "
            "Pas encore échu : le sixième mois n'est pas atteint."
        ),
        label_header="À 6 mois",
        columns=["Embauches"],
        kinds=[COUNT],
        rows=[
            Row("Confirmé en poste", [outcomes["confirmed"]], ["retained"]),
            Row("Terminé", [outcomes["ended"]]),
            Row("Inconnu", [outcomes["unknown"]]),
            Row("Pas encore échu", [outcomes["not_due"]]),
        ],
        total_row=True,
    )
    _add_total_row(retention)
    return [entries_table, exits_table, after_exit, retention, *breakdowns(sel, shared)]


def breakdowns(sel: Selection, shared) -> list[Table]:
    columns = [label for _, label in BREAKDOWN_STAGES]

    def row(label, key):
        values = [shared.people(stage, key) for stage, _ in BREAKDOWN_STAGES]
        links = [
            None
            if key in HEALTH_CATEGORY_KEYS
            else f"stage:{stage}"
            if key == "all"
            else f"cat:{stage}:{key}"
            for stage, _ in BREAKDOWN_STAGES
        ]
        health_of = None
        if key in HEALTH_CATEGORY_KEYS:
            health_of = [shared.people(stage) for stage, _ in BREAKDOWN_STAGES]
        return Row(label, values, links, health_of=health_of)

    definition = (
        "Personnes arrivées à chaque étape pendant la période, selon ce qu'elles étaient ce "
        "jour-là (sexe, âge, publics), d'après le journal des changements d'étape."
    )
    by_sex = Table(
        key="par_sexe",
        section="funder",
        title="Par sexe",
        definition=definition,
        label_header="Sexe",
        columns=columns,
        kinds=[COUNT] * len(columns),
        rows=[*[row(label, f"sex_{sex}") for sex, label in SEXES], row("Ensemble", "all")],
        total_row=True,
    )
    by_sex.rows[-1].total = True
    by_sex.chart = _bars(by_sex, columns=range(len(columns)), rows=slice(0, 2))
    by_age = Table(
        key="par_age",
        section="funder",
        title="Par âge",
        definition=definition + " Âge à la date du changement d'étape.",
        label_header="Âge",
        columns=columns,
        kinds=[COUNT] * len(columns),
        rows=[
            *[row(label, f"age_{i}") for i, (label, _) in enumerate(AGE_BANDS)],
            row("Ensemble", "all"),
        ],
        total_row=True,
    )
    by_age.rows[-1].total = True
    by_public = Table(
        key="par_public",
        section="funder",
        title="Par public",
        definition=definition
        + " Une personne peut relever de plusieurs publics : les lignes ne s'additionnent "
        "pas. Chiffres agrégés seulement (le frein santé et la RQTH ne sont jamais listés).",
        label_header="Public",
        columns=columns,
        kinds=[COUNT] * len(columns),
        rows=[row(label, f"public_{i}") for i, (label, _) in enumerate(PUBLICS)],
    )
    by_contract = contracts_by_sex(sel)
    return [by_sex, by_age, by_public, by_contract]


def contracts_by_sex(sel: Selection) -> Table:
    counts = placements(sel).by_contract_and_sex()
    rows = _crossed_rows(counts, ContractType.choices, SEXES, "contract")
    table = Table(
        key="contrats_par_sexe",
        section="funder",
        title="Femmes et hommes par type de contrat",
        definition="Embauches commencées pendant la période, par contrat et par sexe ce jour-là.",
        label_header="Contrat",
        columns=[*[label for _, label in SEXES], "Total"],
        kinds=[COUNT] * (len(SEXES) + 1),
        rows=rows,
        total_row=True,
        total_column=True,
    )
    _add_total_row(table)
    table.chart = _bars(table, columns=[0, 1], stacked=True, horizontal=True)
    return table


# --- All of it --------------------------------------------------------------------------------


SECTIONS = [
    ("path", "Le parcours"),
    ("outreach", "Aller vers"),
    ("employment", "Emploi (IOD)"),
    ("funder", "Rapport au financeur"),
]


def all_tables(sel: Selection, today=None) -> list[Table]:
    today = today or timezone.localdate()
    shared = Shared(sel, today)
    return [
        *path(sel, today, shared),
        *outreach(sel),
        *employment(sel, today),
        *funder(sel, today, shared),
    ]


# --- Helpers ----------------------------------------------------------------------------------


def _crossed_rows(counts, rows, columns, indicator):
    """A cross-table's rows from {(row, column): n}, with their total column, each cell linked
    to its list ("indicator:row:column")."""
    crossed = []
    for key, label in rows:
        values = [counts.get((key, column), 0) for column, _ in columns]
        links = [f"{indicator}:{key}:{column}" for column, _ in columns]
        crossed.append(Row(label, [*values, sum(values)], [*links, None]))
    return crossed


def _add_total_row(table: Table, label="Total"):
    totals = []
    for i, kind in enumerate(table.kinds):
        totals.append(sum(row.values[i] or 0 for row in table.rows) if kind == COUNT else None)
    table.rows.append(Row(label, totals, total=True))


def _bars(table: Table, *, columns, horizontal=False, stacked=False, rows=None):
    body = [row for row in table.rows if not row.total]
    if rows is not None:
        body = body[rows]
    return {
        "type": "bar",
        "labels": [row.label for row in body],
        "datasets": [
            {
                "label": table.columns[i],
                # A health cell hidden in the table is no bar either.
                "data": [None if row.health_hidden()[i] else row.values[i] for row in body],
            }
            for i in columns
        ],
        "horizontal": horizontal,
        "stacked": stacked,
        "unit": "",
    }
