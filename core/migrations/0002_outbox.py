"""The outbox (core.models.outbox): every message to a person is a row here before it is sent."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel', models.CharField(choices=[('email', 'Email'), ('sms', 'SMS'), ('wechat', 'WeChat template message')], max_length=10, verbose_name='channel')),
                ('recipient', models.CharField(max_length=254, verbose_name='recipient')),
                ('subject', models.CharField(blank=True, max_length=200, verbose_name='subject')),
                ('body', models.TextField(blank=True, verbose_name='text')),
                ('template_code', models.CharField(blank=True, max_length=64, verbose_name='template')),
                ('template_params', models.JSONField(blank=True, default=dict, verbose_name='template parameters')),
                ('kind', models.CharField(help_text='What the message is about, e.g. sla_escalation_2.', max_length=50, verbose_name='kind')),
                ('idempotency_key', models.CharField(max_length=200, unique=True, verbose_name='idempotency key')),
                ('is_secret', models.BooleanField(default=False, verbose_name='secret')),
                ('status', models.CharField(choices=[('pending', 'Waiting to be sent'), ('sent', 'Sent'), ('failed', 'Failed')], default='pending', max_length=10, verbose_name='status')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='next attempt at')),
                ('last_error', models.TextField(blank=True, verbose_name='last error')),
                ('provider_message_id', models.CharField(blank=True, max_length=200, verbose_name="provider's message id")),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                ('recipient_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recipient (staff)')),
            ],
            options={
                'verbose_name': 'outgoing message',
                'verbose_name_plural': 'outbox',
                'ordering': ['-id'],
                'indexes': [models.Index(condition=models.Q(('status', 'pending')), fields=['channel', 'next_attempt_at', 'id'], name='outbox_pending_due'), models.Index(condition=models.Q(('status', 'failed')), fields=['-id'], name='outbox_failed')],
                'constraints': [models.CheckConstraint(condition=models.Q(('channel__in', ['email', 'sms', 'wechat'])), name='outbox_channel_valid'), models.CheckConstraint(condition=models.Q(('status__in', ['pending', 'sent', 'failed'])), name='outbox_status_valid')],
            },
        ),
    ]
