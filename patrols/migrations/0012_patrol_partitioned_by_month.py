"""patrols_patrol becomes a table partitioned by month of ``started_on`` (issue #18: a province
files about 10 million patrols a year; periods and reports read one month or a few).

PostgreSQL only; on SQLite (``make run``) the database side does nothing. The SQL is written out
here rather than imported from patrols.partitions, so that later changes there never change what
this migration did.

- The partition key must be in every unique key: the primary key is (id, started_on) in the
  database while the ORM keeps ``id`` as its pk (ids still come from one sequence, so they stay
  unique). PostgreSQL 15 refuses identity columns on a partitioned table: ``id`` takes its value
  from a sequence owned by the column (Django's flush and sequence resets find it through
  pg_get_serial_sequence, as for an identity).
- The client's uuid must stay unique across months (a resubmission whose start was corrected
  lands in another partition): patrols_patrol_uuid holds every uuid once, kept by triggers on the
  patrols; its primary key is named as the old unique constraint, so a duplicate raises the same
  unique violation (IntegrityError) patrols.services.patrol_submit relies on.
- Foreign keys cannot point at (id) alone any more: those of findings and issues are dropped here
  and the models say db_constraint=False (Django still cascades and nulls them in Python).
- Partitions: with pg_partman (when the extension can be created) create_parent native monthly,
  12 months ahead and a default partition; otherwise the same partitions natively (and
  ``manage.py check`` says partman is missing). Every month from January of last year to 12
  months ahead has a partition, and every older month that has patrols; a patrol of an older
  month without one lands in patrols_patrol_default.

Reversible: going back copies the rows into a plain table again (and gives back the foreign keys).
"""

from django.db import migrations, models

PARENT = "patrols_patrol"
KEYS = "patrols_patrol_uuid"

# The foreign keys that pointed at patrols_patrol(id), as 0001 of each app made them.
REFERENCING = [
    ("patrols_finding", "patrol_id", "patrols_finding_patrol_id_9efe4e5f_fk_patrols_patrol_id"),
    ("issues_issue", "patrol_id", "issues_issue_patrol_id_125a7c3c_fk_patrols_patrol_id"),
]

UUID_SYNC = f"""
CREATE FUNCTION {KEYS}_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE {KEYS};
        RETURN NULL;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') AND (TG_OP = 'DELETE' OR OLD.uuid <> NEW.uuid) THEN
        DELETE FROM {KEYS} WHERE uuid = OLD.uuid AND patrol_id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        -- Idempotent for the same patrol (a row moving to another month is deleted and inserted
        -- again); another patrol holding the uuid is refused as a unique key would.
        INSERT INTO {KEYS} (uuid, patrol_id) VALUES (NEW.uuid, NEW.id)
            ON CONFLICT (uuid) DO UPDATE SET patrol_id = EXCLUDED.patrol_id
            WHERE {KEYS}.patrol_id = EXCLUDED.patrol_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'duplicate key value violates unique constraint "{KEYS}_key"'
                USING ERRCODE = 'unique_violation', CONSTRAINT = '{KEYS}_key',
                      DETAIL = format('Key (uuid)=(%s) already exists.', NEW.uuid);
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END
$$;
-- BEFORE triggers: a row moved to another month fires BEFORE DELETE on its old partition, then
-- BEFORE INSERT on the new one (PostgreSQL fires no AFTER UPDATE for it).
CREATE TRIGGER {KEYS}_insert BEFORE INSERT ON {PARENT}
    FOR EACH ROW EXECUTE FUNCTION {KEYS}_sync();
CREATE TRIGGER {KEYS}_update BEFORE UPDATE ON {PARENT}
    FOR EACH ROW WHEN (OLD.uuid IS DISTINCT FROM NEW.uuid OR OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION {KEYS}_sync();
CREATE TRIGGER {KEYS}_delete BEFORE DELETE ON {PARENT}
    FOR EACH ROW EXECUTE FUNCTION {KEYS}_sync();
-- The test suite's flush truncates the patrols: their uuids go with them.
CREATE TRIGGER {KEYS}_truncate AFTER TRUNCATE ON {PARENT}
    FOR EACH STATEMENT EXECUTE FUNCTION {KEYS}_sync();
"""


def _rows(cursor, sql: str, params=()) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


def _try_partman(cursor) -> bool:
    """Create the extension if the server has it and we may; False leaves native partitions."""
    if not _rows(cursor, "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_partman'"):
        return False
    cursor.execute("SAVEPOINT patrols_partman")
    try:
        cursor.execute("CREATE SCHEMA IF NOT EXISTS partman")
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman")
    except Exception:  # noqa: BLE001 - no right to create it: native partitions, check warns
        cursor.execute("ROLLBACK TO SAVEPOINT patrols_partman")
        return False
    cursor.execute("RELEASE SAVEPOINT patrols_partman")
    return True


def _native_month(cursor, month_sql: str) -> None:
    """One month's partition, named as pg_partman names them (patrols_patrol_pYYYY_MM)."""
    cursor.execute(
        f"""
        DO $$
        DECLARE first date := date_trunc('month', {month_sql})::date;
        BEGIN
            EXECUTE format(
                'CREATE TABLE IF NOT EXISTS %I PARTITION OF {PARENT} FOR VALUES FROM (%L) TO (%L)',
                '{PARENT}_p' || to_char(first, 'YYYY_MM'), first, (first + interval '1 month')::date
            );
        END
        $$
        """
    )


def forward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        [(sequence,)] = _rows(cursor, f"SELECT pg_get_serial_sequence('{PARENT}', 'id')")
        [(last_value, is_called)] = _rows(cursor, f"SELECT last_value, is_called FROM {sequence}")
        # The indexes Django made (constraints' own indexes aside), to make again on the parent.
        indexes = _rows(
            cursor,
            """
            SELECT c.relname, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = %s::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
            ORDER BY c.relname
            """,
            [PARENT],
        )
        outgoing = _rows(
            cursor,
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [PARENT],
        )
        for table, name in _rows(
            cursor,
            "SELECT conrelid::regclass::text, conname FROM pg_constraint "
            "WHERE confrelid = %s::regclass AND contype = 'f'",
            [PARENT],
        ):
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')

        cursor.execute(f"ALTER TABLE {PARENT} RENAME TO {PARENT}_old")
        cursor.execute(f"ALTER TABLE {PARENT}_old ALTER COLUMN id DROP IDENTITY")
        for (name,) in _rows(
            cursor,
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass",
            [f"{PARENT}_old"],
        ):
            cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{name}_old"')

        cursor.execute(
            f"CREATE TABLE {PARENT} (LIKE {PARENT}_old INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            "INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE (started_on)"
        )
        cursor.execute(f"CREATE SEQUENCE {PARENT}_id_seq OWNED BY {PARENT}.id")
        cursor.execute(f"SELECT setval('{PARENT}_id_seq', %s, %s)", [last_value, is_called])
        cursor.execute(
            f"ALTER TABLE {PARENT} ALTER COLUMN id SET DEFAULT nextval('{PARENT}_id_seq')"
        )
        months = [
            row[0]
            for row in _rows(
                cursor,
                f"SELECT DISTINCT date_trunc('month', started_on)::date FROM {PARENT}_old "
                "WHERE started_on < date_trunc('year', current_date) - interval '1 year' "
                "ORDER BY 1",
            )
        ]
        if _try_partman(cursor):
            cursor.execute(
                "SELECT partman.create_parent(%s, 'started_on', 'native', 'monthly', "
                "p_premake := 12, p_start_partition := "
                "to_char(date_trunc('year', current_date) - interval '1 year', 'YYYY-MM-DD'))",
                [f"public.{PARENT}"],
            )
            # Future months are made whether or not patrols keep coming in.
            cursor.execute(
                "UPDATE partman.part_config SET infinite_time_partitions = true "
                "WHERE parent_table = %s",
                [f"public.{PARENT}"],
            )
            if months:
                cursor.execute(
                    "SELECT partman.create_partition_time(%s, %s::timestamptz[])",
                    [f"public.{PARENT}", [m.isoformat() for m in months]],
                )
        else:
            cursor.execute(
                "SELECT m::date FROM generate_series("
                "date_trunc('year', current_date) - interval '1 year', "
                "date_trunc('month', current_date) + interval '12 months', interval '1 month') m"
            )
            months += [row[0] for row in cursor.fetchall()]
            for month in months:
                _native_month(cursor, f"'{month.isoformat()}'::date")
            cursor.execute(f"CREATE TABLE {PARENT}_default PARTITION OF {PARENT} DEFAULT")

        cursor.execute(f"CREATE TABLE {KEYS} (uuid uuid NOT NULL, patrol_id bigint NOT NULL)")
        cursor.execute(f"INSERT INTO {KEYS} (uuid, patrol_id) SELECT uuid, id FROM {PARENT}_old")
        cursor.execute(f"ALTER TABLE {KEYS} ADD CONSTRAINT {KEYS}_key PRIMARY KEY (uuid)")
        cursor.execute(f"INSERT INTO {PARENT} SELECT * FROM {PARENT}_old")
        # Keys, indexes and foreign keys after the rows: one build (or check) per partition
        # instead of an index entry and a deferred check per row.
        cursor.execute(
            f"ALTER TABLE {PARENT} ADD CONSTRAINT {PARENT}_pkey PRIMARY KEY (id, started_on)"
        )
        for _name, definition in indexes:
            cursor.execute(definition)  # names the parent: the old table is renamed by now
        # Finding a patrol by its uuid (resubmissions) probes each partition's index.
        cursor.execute(f"CREATE INDEX patrol_uuid ON {PARENT} (uuid)")
        for name, definition in outgoing:
            cursor.execute(f'ALTER TABLE {PARENT} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(UUID_SYNC)
        cursor.execute(f"DROP TABLE {PARENT}_old")
        cursor.execute(f"ANALYZE {PARENT}")


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        [(last_value, is_called)] = _rows(
            cursor, f"SELECT last_value, is_called FROM {PARENT}_id_seq"
        )
        indexes = _rows(
            cursor,
            """
            SELECT c.relname, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = %s::regclass AND c.relname <> 'patrol_uuid'
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
            """,
            [PARENT],
        )
        outgoing = _rows(
            cursor,
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [PARENT],
        )
        if _rows(cursor, "SELECT 1 FROM pg_extension WHERE extname = 'pg_partman'"):
            cursor.execute(
                "DELETE FROM partman.part_config WHERE parent_table = %s", [f"public.{PARENT}"]
            )
            cursor.execute(f"DROP TABLE IF EXISTS partman.template_public_{PARENT}")
        cursor.execute(f"ALTER TABLE {PARENT} RENAME TO {PARENT}_parted")
        for (name,) in _rows(
            cursor,
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass",
            [f"{PARENT}_parted"],
        ):
            cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{name}_parted"')
        cursor.execute(
            f"CREATE TABLE {PARENT} (LIKE {PARENT}_parted INCLUDING CONSTRAINTS "
            "INCLUDING STORAGE INCLUDING COMMENTS)"
        )
        cursor.execute(f"INSERT INTO {PARENT} SELECT * FROM {PARENT}_parted")
        cursor.execute(f"DROP TABLE {PARENT}_parted CASCADE")
        cursor.execute(f"DROP TABLE {KEYS}")
        cursor.execute(f"DROP FUNCTION {KEYS}_sync()")
        cursor.execute(f"ALTER TABLE {PARENT} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY")
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{PARENT}', 'id'), %s, %s)",
            [last_value, is_called],
        )
        cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT {PARENT}_pkey PRIMARY KEY (id)")
        cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT {PARENT}_uuid_key UNIQUE (uuid)")
        for name, definition in outgoing:
            cursor.execute(f'ALTER TABLE {PARENT} ADD CONSTRAINT "{name}" {definition}')
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, column, name in REFERENCING:
            cursor.execute(
                f'ALTER TABLE {table} ADD CONSTRAINT "{name}" FOREIGN KEY ({column}) '
                f"REFERENCES {PARENT} (id) DEFERRABLE INITIALLY DEFERRED"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("patrols", "0011_patrol_list_order_index"),
        ("issues", "0010_issue_deadline_provisional"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        # The database's foreign key is gone (forward, above); the model says so.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="finding",
                    name="patrol",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=models.deletion.CASCADE,
                        related_name="findings",
                        to="patrols.patrol",
                        verbose_name="巡河记录",
                    ),
                ),
            ]
        ),
    ]
