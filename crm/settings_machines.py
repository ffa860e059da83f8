"""Running on more than one machine: files in a shared storage, the metrics endpoint.

Part of the one settings module (crm/settings.py imports everything here), split off to keep each file
readable and apart from the database and broker blocks; read from the same environment variables
(README, "Deployment").
"""

import ipaddress

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()  # crm/settings.py has read .env already (into the process environment)

# --- Files every machine shares ---------------------------------------------------------------
# Uploads (photos, signatures, attachments), import and export workbooks go through Django's default
# storage (core/storage.py), never a local path: with STORAGE_BACKEND=filesystem (the default) a folder,
# MEDIA_ROOT, which several machines must then share (NFS); with STORAGE_BACKEND=s3 a bucket of an
# S3-compatible store (AWS S3, MinIO, Tencent COS, Aliyun OSS), through django-storages (the optional
# extra: pip install ".[s3]"). The files stay private: the app's /media/ view checks the rights and
# streams them; the bucket needs no public access.
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="filesystem")
if STORAGE_BACKEND == "filesystem":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif STORAGE_BACKEND == "s3":
    AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            # Unset: AWS itself; a MinIO or another provider's address otherwise.
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            # Unset: boto3 finds them (an instance role, ~/.aws, AWS_* of the process environment).
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("AWS_LOCATION", default=""),  # a folder in the bucket
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,  # "path": MinIO
            "default_acl": None,  # the bucket's own (private)
            "querystring_auth": True,
            "file_overwrite": False,  # like the folder: a name taken gets a suffix, nothing is replaced
        },
    }
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be filesystem or s3, not {STORAGE_BACKEND!r}.")

# --- Metrics (crm/metrics.py, /metrics in Prometheus's text format) -------------------------------
# Not public: a scrape must carry "Authorization: Bearer <METRICS_TOKEN>" or come from an address of
# METRICS_ALLOWED_IPS (addresses or networks); with neither set the endpoint answers 404 to everyone.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_IPS: {_network!r} is not an IP address or network."
        ) from None
# The figures read from the database (sweep lag, escalations) are kept this many seconds in the cache,
# so that frequent scrapes by several Prometheus servers cost one read.
METRICS_DB_SECONDS = env.int("METRICS_DB_SECONDS", default=30)
