"""One granularity per measure and day: segments know their dimensions, and a trigger refuses observations of a
measure and day at a second set of them (a team-only file over cells stored per team and channel would make every
team's sum count the day twice).

PostgreSQL checks once per statement, over the cells it inserted (a transition table), so that an import of a
million cells pays one set-based check, not a million; SQLite, which has row triggers only, checks each row.
Updates change a cell's value, never its segment, so inserts are what can break the rule.
"""

from django.db import migrations, models

_POSTGRESQL = """
CREATE FUNCTION kpis_observation_one_granularity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    clash record;
BEGIN
    SELECT n.measure_id, n.day, MIN(s.dimensions) AS one, MAX(s.dimensions) AS other INTO clash
    FROM (SELECT DISTINCT measure_id, day FROM new_cells) n
    JOIN kpis_observation o ON o.measure_id = n.measure_id AND o.day = n.day
    JOIN kpis_segment s ON s.id = o.segment_id
    GROUP BY n.measure_id, n.day
    HAVING MIN(s.dimensions) <> MAX(s.dimensions)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'measure % on % would be stored at two sets of dimensions: "%" and "%"',
            clash.measure_id, clash.day, clash.one, clash.other
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER kpis_observation_one_granularity AFTER INSERT ON kpis_observation
    REFERENCING NEW TABLE AS new_cells FOR EACH STATEMENT EXECUTE FUNCTION kpis_observation_one_granularity();
"""

_SQLITE = """
CREATE TRIGGER kpis_observation_one_granularity BEFORE INSERT ON kpis_observation
WHEN EXISTS (
    SELECT 1 FROM kpis_observation o JOIN kpis_segment s ON s.id = o.segment_id
    WHERE o.measure_id = NEW.measure_id AND o.day = NEW.day
      AND s.dimensions <> (SELECT dimensions FROM kpis_segment WHERE id = NEW.segment_id)
)
BEGIN
    SELECT RAISE(ABORT, 'a measure and day would be stored at two sets of dimensions');
END;
"""

_DROP = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS kpis_observation_one_granularity ON kpis_observation",
        "DROP FUNCTION IF EXISTS kpis_observation_one_granularity()",
    ],
    "sqlite": ["DROP TRIGGER IF EXISTS kpis_observation_one_granularity"],
}


def _segment_dimensions(apps, schema_editor):
    Segment = apps.get_model("kpis", "Segment")
    SegmentMember = apps.get_model("kpis", "SegmentMember")
    keys: dict[int, list[str]] = {}
    for segment_id, key in SegmentMember.objects.values_list("segment_id", "dimension__key"):
        keys.setdefault(segment_id, []).append(key)
    for segment_id, dimension_keys in keys.items():
        Segment.objects.filter(pk=segment_id).update(dimensions=",".join(sorted(dimension_keys)))


def _trigger_create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # No parameters: the function body's % are its own placeholders, not the driver's.
        schema_editor.execute(_POSTGRESQL, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(_SQLITE)


def _trigger_drop(apps, schema_editor):
    for statement in _DROP.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("kpis", "0003_kpi_recompute_requested_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="cells_replaced",
            field=models.PositiveIntegerField(default=0, help_text="Cells at another set of dimensions deleted"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="replace",
            field=models.BooleanField(
                default=False,
                help_text="Delete the stored cells of the file's measures and days that are at another set of dimensions",
            ),
        ),
        migrations.AddField(
            model_name="segment",
            name="dimensions",
            field=models.CharField(blank=True, help_text="Its dimension keys: channel,team", max_length=1000),
        ),
        migrations.RunPython(_segment_dimensions, migrations.RunPython.noop),
        migrations.RunPython(_trigger_create, _trigger_drop),
    ]
