"""Townships and villages loaded from the statistical code table keep its urban-rural code (issue 15)."""
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0008_tabular")]
    operations = [
        migrations.AddField(model_name="region", name="urban_rural_code",
                            field=models.CharField(blank=True, max_length=3, verbose_name="城乡分类代码")),
    ]
