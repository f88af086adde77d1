"""Make the event log append-only in the database itself: an UPDATE of an event is refused whatever the caller.

DELETE stays possible so that test tear-down (and a deliberate purge) can empty the table.
"""

from django.db import migrations


def create_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            """
            CREATE OR REPLACE FUNCTION problems_event_no_update() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'problem events are append-only';
            END;
            $$ LANGUAGE plpgsql;
            """
        )
        schema_editor.execute(
            "CREATE TRIGGER problems_event_no_update BEFORE UPDATE ON problems_problemevent "
            "FOR EACH ROW EXECUTE FUNCTION problems_event_no_update();"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER problems_event_no_update BEFORE UPDATE ON problems_problemevent "
            "BEGIN SELECT RAISE(ABORT, 'problem events are append-only'); END;"
        )


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS problems_event_no_update ON problems_problemevent;")
        schema_editor.execute("DROP FUNCTION IF EXISTS problems_event_no_update();")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS problems_event_no_update;")


class Migration(migrations.Migration):
    dependencies = [("problems", "0001_initial")]
    operations = [migrations.RunPython(create_trigger, drop_trigger)]
