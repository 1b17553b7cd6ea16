from django.core.management.base import BaseCommand

from o2r import access


class Command(BaseCommand):
    help = "Prints the access table of o2r/access.py as the README shows it (Markdown)."

    def handle(self, *args, **options):
        self.stdout.write(access.markdown_table())
