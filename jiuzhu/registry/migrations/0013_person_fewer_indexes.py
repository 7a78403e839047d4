"""Fewer indexes on registry_person, each of which every imported row pays for (issue 15, "Speed"):
household_id and region_id lose their own index (person_household and person_region_birth lead with them);
id_number_hash is unique by a named constraint instead of unique=True, which on PostgreSQL also made an
unused varchar_pattern_ops index (a hash is never searched by prefix). The constraint is added before the
old one goes, so the column is never without one."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0012_account_status")]

    operations = [
        migrations.AddConstraint(
            model_name="person",
            constraint=models.UniqueConstraint(fields=("id_number_hash",), name="person_id_number_hash_unique"),
        ),
        migrations.AlterField(
            model_name="person",
            name="id_number_hash",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="person",
            name="household",
            field=models.ForeignKey(blank=True, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="members",
                                    to="registry.household"),
        ),
        migrations.AlterField(
            model_name="person",
            name="region",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="persons", to="core.region"),
        ),
    ]
