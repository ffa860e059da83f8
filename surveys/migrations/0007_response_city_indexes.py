"""The responses list of a city head (Invitation.visible_to: their city company's rows) newest first, whole
or of one recommend score class: one range of a (city company, id) index each."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0006_invitation_recommend_score"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="invitation",
            index=models.Index(
                condition=models.Q(("completed_at__isnull", False), ("project__isnull", False)),
                fields=["city_company", "-id"],
                name="survey_response_city",
            ),
        ),
        migrations.AddIndex(
            model_name="invitation",
            index=models.Index(
                condition=models.Q(
                    ("completed_at__isnull", False), ("project__isnull", False), ("recommend_score__gte", 9)
                ),
                fields=["city_company", "-id"],
                name="survey_response_city_promoter",
            ),
        ),
        migrations.AddIndex(
            model_name="invitation",
            index=models.Index(
                condition=models.Q(
                    ("completed_at__isnull", False),
                    ("project__isnull", False),
                    ("recommend_score__gt", 6),
                    ("recommend_score__lt", 9),
                ),
                fields=["city_company", "-id"],
                name="survey_response_city_passive",
            ),
        ),
        migrations.AddIndex(
            model_name="invitation",
            index=models.Index(
                condition=models.Q(
                    ("completed_at__isnull", False), ("project__isnull", False), ("recommend_score__lte", 6)
                ),
                fields=["city_company", "-id"],
                name="survey_response_city_detractor",
            ),
        ),
    ]
