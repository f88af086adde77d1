"""A published month is frozen in the database itself: its scores and lines cannot be changed or deleted, and the
run can only go from published to superseded. Drafts stay free to be replaced."""

from django.db import migrations

CHILDREN = ("assessment_unitscore", "assessment_scoreline", "assessment_staffscore")
RUN = "assessment_assessmentrun"
FROZEN = "('published', 'superseded')"


def create(apps, schema_editor):
    pg = schema_editor.connection.vendor == "postgresql"
    if pg:
        schema_editor.execute(f"""
            CREATE OR REPLACE FUNCTION assessment_child_frozen() RETURNS trigger AS $$
            BEGIN
              IF TG_OP = 'UPDATE' OR (SELECT status FROM {RUN} WHERE id = OLD.run_id) IN {FROZEN} THEN
                RAISE EXCEPTION 'assessment results of a published run cannot be changed';
              END IF;
              RETURN OLD;
            END $$ LANGUAGE plpgsql;""")
        schema_editor.execute(f"""
            CREATE OR REPLACE FUNCTION assessment_run_frozen() RETURNS trigger AS $$
            BEGIN
              IF TG_OP = 'DELETE' AND OLD.status IN {FROZEN} THEN
                RAISE EXCEPTION 'a published assessment run cannot be deleted';
              END IF;
              IF TG_OP = 'UPDATE' AND OLD.status IN {FROZEN} AND NOT (OLD.status = 'published'
                  AND NEW.status = 'superseded' AND NEW.period = OLD.period AND NEW.version = OLD.version) THEN
                RAISE EXCEPTION 'a published assessment run can only be superseded';
              END IF;
              RETURN COALESCE(NEW, OLD);
            END $$ LANGUAGE plpgsql;""")
        for table in CHILDREN:
            schema_editor.execute(f"CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table} "
                                  f"FOR EACH ROW EXECUTE FUNCTION assessment_child_frozen();")
        schema_editor.execute(f"CREATE TRIGGER {RUN}_frozen BEFORE UPDATE OR DELETE ON {RUN} "
                              f"FOR EACH ROW EXECUTE FUNCTION assessment_run_frozen();")
        return
    for table in CHILDREN:
        schema_editor.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN "
                              f"SELECT RAISE(ABORT, 'assessment results of a published run cannot be changed'); END;")
        schema_editor.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                              f"WHEN (SELECT status FROM {RUN} WHERE id = OLD.run_id) IN {FROZEN} BEGIN "
                              f"SELECT RAISE(ABORT, 'assessment results of a published run cannot be changed'); END;")
    schema_editor.execute(f"CREATE TRIGGER {RUN}_no_delete BEFORE DELETE ON {RUN} WHEN OLD.status IN {FROZEN} "
                          f"BEGIN SELECT RAISE(ABORT, 'a published assessment run cannot be deleted'); END;")
    schema_editor.execute(f"CREATE TRIGGER {RUN}_superseded_only BEFORE UPDATE ON {RUN} WHEN OLD.status IN {FROZEN} "
                          f"AND NOT (OLD.status = 'published' AND NEW.status = 'superseded' "
                          f"AND NEW.period = OLD.period AND NEW.version = OLD.version) "
                          f"BEGIN SELECT RAISE(ABORT, 'a published assessment run can only be superseded'); END;")


def drop(apps, schema_editor):
    pg = schema_editor.connection.vendor == "postgresql"
    if pg:
        for table in (*CHILDREN, RUN):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table};")
        schema_editor.execute("DROP FUNCTION IF EXISTS assessment_child_frozen(); "
                              "DROP FUNCTION IF EXISTS assessment_run_frozen();")
        return
    for table in CHILDREN:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update;")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete;")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {RUN}_no_delete;")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {RUN}_superseded_only;")


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
