from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UserBackend(ModelBackend):
    """Django's backend, loading the user's organisation with her: it decides her profile
    (o2r/access.py) on every request, without a query of its own."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("organisation")
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
