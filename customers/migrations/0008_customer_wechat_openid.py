"""Customers get a WeChat openid: the address of WeChat template messages (customers.messaging)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0007_import_job'),
    ]

    operations = [
        migrations.AddField(
            model_name='customer',
            name='wechat_openid',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='WeChat openid'),
        ),
    ]
