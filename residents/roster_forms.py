from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import Residence
from .roster import MAX_BYTES, RosterFileError, parse_roster


class RosterUploadForm(forms.Form):
    """A residence of the officer's and the file; the file is read and checked here, so that
    every refusal is a French message beside the field."""

    residence = forms.ModelChoiceField(
        label="Résidence",
        queryset=Residence.objects.none(),
        empty_label="Choisissez la résidence",
        error_messages={
            "required": "Choisissez la résidence de cette liste.",
            "invalid_choice": "Choisissez une de vos résidences.",
        },
    )
    file = forms.FileField(
        label="Fichier",
        help_text="CSV (séparateur point-virgule, virgule ou tabulation) ou Excel .xlsx "
        "(première feuille) ; 5 Mo et 5 000 lignes au plus.",
        widget=forms.FileInput(
            attrs={"accept": ".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-"
                   "officedocument.spreadsheetml.sheet"}
        ),
        error_messages={
            "required": "Choisissez le fichier à importer.",
            "empty": "Le fichier est vide.",
            "invalid": "Aucun fichier reçu : choisissez-le à nouveau.",
            "missing": "Aucun fichier reçu : choisissez-le à nouveau.",
        },
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        residences = Residence.objects.for_user(user).active().order_by("name")
        self.fields["residence"].queryset = residences
        self.rows = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            megabytes = f"{upload.size / (1024 * 1024):.1f}".replace(".", ",")
            raise ValidationError(
                f"Le fichier pèse {megabytes} Mo : 5 Mo au plus. Découpez la liste en "
                "plusieurs fichiers, ou enlevez les colonnes inutiles."
            )
        upload.seek(0)
        data = upload.read(MAX_BYTES + 1)
        try:
            self.rows = parse_roster(data, upload.name or "", today=timezone.localdate())
        except RosterFileError as error:
            raise ValidationError(error.message) from None
        return upload
