from django.urls import path

from .views import accompaniment, orientation, placement

app_name = "employment"

urlpatterns = [
    # The coach's home: her caseload (a manager's: every coach's, ?coach= to narrow).
    path("", accompaniment.caseload, name="caseload"),
    # The insertion officer orients a person from her file.
    path("personnes/<int:resident_pk>/orienter/", orientation.orient, name="orient"),
    # The organisation's inbox of orientations, and one orientation's summary.
    path("orientations/", orientation.inbox, name="orientations"),
    path("orientations/<int:pk>/", orientation.summary, name="orientation"),
    path("orientations/<int:pk>/accepter/", orientation.accept, name="orientation_accept"),
    path("orientations/<int:pk>/refuser/", orientation.decline, name="orientation_decline"),
    # One accompaniment and what the coach does in it.
    path("<int:pk>/", accompaniment.detail, name="accompaniment"),
    path("<int:pk>/souhaits/", accompaniment.wishes, name="wishes"),
    path("<int:pk>/souhaits/historique/", accompaniment.wishes_history, name="wishes_history"),
    path("<int:pk>/contacts/", accompaniment.contact_add, name="contact_add"),
    path("<int:pk>/sortie/", accompaniment.close, name="close"),
    path("<int:pk>/situation-apres-sortie/", accompaniment.post_exit, name="post_exit"),
    path("<int:pk>/suggestions/", placement.suggestions, name="suggestions"),
    path("<int:pk>/propositions/", placement.propose, name="propose"),
    path("<int:pk>/embauche/", placement.placement_add, name="placement_add"),
    path("mises-en-relation/<int:pk>/", placement.introduction, name="introduction"),
    path(
        "mises-en-relation/<int:pk>/etape/", placement.introduction_move, name="introduction_move"
    ),
    path("embauches/<int:pk>/", placement.placement_detail, name="placement"),
    path("embauches/<int:pk>/fin/", placement.placement_end, name="placement_end"),
    path("suivis/<int:pk>/", placement.follow_up, name="follow_up"),
]
