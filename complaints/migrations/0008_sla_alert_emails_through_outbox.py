"""SLA alert emails are outbox messages now (core.outbox): the alert no longer records its email."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0007_reclassification'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='slaalert',
            name='emailed_at',
        ),
    ]
