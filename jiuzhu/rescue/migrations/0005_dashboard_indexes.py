# The station dashboard's census (bench/station_dashboard.py): a station's clients not discharged, or discharged
# within the last days (the balance and departures), and its arrivals, each read from one index range per
# station with every column the counts need (status covered: the arrivals index without it lost to the other).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("rescue", "0004_termination"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="rescuecase", name="rescue_case_census"),
        migrations.AddIndex(
            model_name="rescuecase",
            index=models.Index(fields=["station", "admitted_on", "discharged_on", "status"],
                               name="rescue_case_census"),
        ),
        migrations.AddIndex(
            model_name="rescuecase",
            index=models.Index(fields=["station", "discharged_on", "admitted_on", "status"],
                               name="rescue_case_departures"),
        ),
    ]
