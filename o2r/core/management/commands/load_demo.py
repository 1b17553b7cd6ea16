from django.core.management.base import BaseCommand, CommandError

from o2r.core.demo import DemoRefused, demo_load


class Command(BaseCommand):
    help = "Charge les données de démonstration (idempotent) et affiche les identifiants."

    def handle(self, *args, **options):
        try:
            logins = demo_load()
        except DemoRefused as error:
            raise CommandError(str(error)) from error
        self.stdout.write("Identifiants de démonstration :")
        for user, password in logins:
            self.stdout.write(
                f"  - {user.get_role_display()} ({user.organisation}) : "
                f"{user.email}  mot de passe : {password}"
            )
