from django.conf import settings
from django.core.management.base import BaseCommand

from o2r import access

START = "<!-- access table: python manage.py access_table -->"
END = "<!-- end of the access table -->"


class Command(BaseCommand):
    help = (
        "Prints the access table of o2r/access.py as the README shows it (Markdown); "
        "--readme writes it into README.md between its markers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--readme", action="store_true", help="rewrite README.md's table")

    def handle(self, *args, readme=False, **options):
        table = access.markdown_table()
        if not readme:
            self.stdout.write(table)
            return
        path = settings.BASE_DIR / "README.md"
        text = path.read_text()
        before, rest = text.split(START, 1)
        _, after = rest.split(END, 1)
        path.write_text(f"{before}{START}\n{table}\n{END}{after}")
        self.stdout.write(f"Écrit : {path}")
