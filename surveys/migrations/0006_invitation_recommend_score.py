"""The completed invitations keep their final recommend score (written by the submit from now on), filled
here from their final answers; one partial index per score class serves the responses list."""

from django.db import migrations, models
from django.db.models import Max, OuterRef, Subquery


def fill_recommend_scores(apps, schema_editor):
    Answer = apps.get_model("surveys", "Answer")
    Invitation = apps.get_model("surveys", "Invitation")
    top = (
        Answer.objects.filter(invitation=OuterRef("pk"), role="recommend", is_final=True, score__isnull=False)
        .order_by()
        .values("invitation")
        .annotate(top=Max("score"))
        .values("top")
    )
    Invitation.objects.filter(completed_at__isnull=False).update(recommend_score=Subquery(top))


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0005_dashboard_day_tallies"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="recommend_score",
            field=models.SmallIntegerField(blank=True, editable=False, null=True, verbose_name="recommend score"),
        ),
        migrations.RunPython(fill_recommend_scores, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="invitation",
            index=models.Index(
                condition=models.Q(
                    ("completed_at__isnull", False), ("project__isnull", False), ("recommend_score__gte", 9)
                ),
                fields=["-id"],
                include=("project", "city_company"),
                name="survey_response_promoter",
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
                fields=["-id"],
                include=("project", "city_company"),
                name="survey_response_passive",
            ),
        ),
        migrations.AddIndex(
            model_name="invitation",
            index=models.Index(
                condition=models.Q(
                    ("completed_at__isnull", False), ("project__isnull", False), ("recommend_score__lte", 6)
                ),
                fields=["-id"],
                include=("project", "city_company"),
                name="survey_response_detractor",
            ),
        ),
    ]
