from django import forms


class ErasureForm(forms.Form):
    """The erasure's confirmation: a box ticked by the user, after the French warning."""

    confirm = forms.BooleanField(
        label="Je confirme l'effacement définitif des données personnelles de cette personne.",
        error_messages={"required": "Cochez la case pour confirmer l'effacement."},
    )
