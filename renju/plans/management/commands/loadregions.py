from django.core.management.base import BaseCommand, CommandError

from renju.plans.errors import LoadError
from renju.plans.region_loader import regions_load


class Command(BaseCommand):
    help = "Load or update regions from a GeoJSON file (geometry and nesting validated; nothing written on error)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")

    def handle(self, *args, path: str, **options) -> None:
        try:
            r = regions_load(path)
        except LoadError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{path}: {r.created} created, {r.updated} updated, {r.unchanged} unchanged")
