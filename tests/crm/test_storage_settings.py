"""STORAGE_BACKEND switches the default storage between a folder and an S3-compatible bucket (no network)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT = (
    "import django, json; django.setup(); from django.conf import settings as s;"
    "from django.core.files.storage import storages;"
    "print(json.dumps({'default': s.STORAGES['default'], 'class': type(storages['default']).__name__}))"
)


def _load(**env: str) -> subprocess.CompletedProcess:
    bare = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    bare.update({"DJANGO_SETTINGS_MODULE": "crm.settings", "DEBUG": "1", **env})
    return subprocess.run(
        [sys.executable, "-c", PRINT], cwd=ROOT, env=bare, capture_output=True, text=True, timeout=120
    )


def test_the_default_storage_is_the_media_folder():
    result = _load()
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["class"] == "FileSystemStorage"


def test_storage_backend_s3_uses_the_bucket_and_endpoint():
    result = _load(
        STORAGE_BACKEND="s3",
        AWS_STORAGE_BUCKET_NAME="crm-files",
        AWS_S3_ENDPOINT_URL="http://minio:9000",
        AWS_ACCESS_KEY_ID="minio",
        AWS_SECRET_ACCESS_KEY="minio-secret",
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert loaded["default"]["OPTIONS"]["bucket_name"] == "crm-files"
    assert loaded["default"]["OPTIONS"]["endpoint_url"] == "http://minio:9000"
    assert loaded["class"] == "S3Storage"


def test_s3_without_a_bucket_or_an_unknown_backend_stops_the_start():
    assert "AWS_STORAGE_BUCKET_NAME" in _load(STORAGE_BACKEND="s3").stderr
    assert "STORAGE_BACKEND must be" in _load(STORAGE_BACKEND="ftp").stderr
