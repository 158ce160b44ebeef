"""The artifact store by key, as the TypeScript side lays it out: a local folder (default <VAR_DIR>) or S3/MinIO.

Reads the same settings: ARTIFACT_STORE (s3://bucket/prefix or a folder), VAR_DIR, PROJECT_ROOT, S3_ENDPOINT,
AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, STORE_CACHE_DIR (see src/config/env.ts and src/store).
"""
from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

_SEGMENT = re.compile(r"^[A-Za-z0-9_=+@,~-][A-Za-z0-9._=+@,~-]*$")
_S3 = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?$")


class StoreKeyError(ValueError):
    pass


class ObjectMissing(KeyError):
    pass


def check_key(key: str) -> str:
    """Same rule as src/store/keys.ts: relative, '/'-separated safe segments, never '.' or '..'."""
    if not isinstance(key, str) or not key:
        raise StoreKeyError("a store key must be a non-empty string")
    if key.startswith("/") or re.match(r"^[A-Za-z]:", key):
        raise StoreKeyError(f"store key {key!r} must be relative, not an absolute path")
    for segment in key.split("/"):
        if segment in (".", "..") or not _SEGMENT.match(segment):
            raise StoreKeyError(f"store key {key!r} has a bad segment {segment!r}")
    return key


@dataclass
class LocalStore:
    root: Path

    def file_of(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def fetch_file(self, key: str) -> Path:
        path = self.file_of(key)
        if not path.is_file():
            raise ObjectMissing(key)
        return path

    def get(self, key: str) -> bytes:
        return self.fetch_file(key).read_bytes()

    def put(self, key: str, data: bytes) -> None:
        # temp name in the store's dot-folder (keys never start with "."), then an atomic rename, as local.ts does
        target = self.file_of(key)
        tmp_dir = self.root / ".store-tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        tmp = tmp_dir / f"py-{secrets.token_hex(8)}"
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)

    def describe(self) -> str:
        return self.root.as_uri()


class S3Store:
    def __init__(self, bucket: str, prefix: str, cache_dir: Path):
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix
        self.cache_dir = cache_dir
        endpoint = os.environ.get("S3_ENDPOINT") or None
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=os.environ.get("AWS_REGION") or "us-east-1",
            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID") or None,
            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            # path-style like the TypeScript client (MinIO needs it); checksums only where S3 requires them
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 5, "mode": "standard"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def _object(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._object(key))["Body"].read()
        except self.client.exceptions.NoSuchKey as err:
            raise ObjectMissing(key) from err

    def fetch_file(self, key: str) -> Path:
        """A local copy for pyarrow, cached by the object's ETag (objects under a key are written once per run)."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except Exception as err:  # botocore reports a 404 head as ClientError
            if getattr(err, "response", {}).get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise ObjectMissing(key) from err
            raise
        etag = head["ETag"].strip('"').replace("/", "_")
        path = self.cache_dir / "python" / f"{etag}-{key.replace('/', '_')[-100:]}"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
            self.client.download_file(self.bucket, self._object(key), str(tmp))
            os.replace(tmp, path)
        return path

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._object(key), Body=data)

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


Store = LocalStore | S3Store


def store_from_env(environ: dict[str, str] | None = None) -> Store:
    e = dict(os.environ if environ is None else environ)
    root = Path(e.get("PROJECT_ROOT") or Path(__file__).resolve().parents[2])
    var_dir = (root / (e.get("VAR_DIR") or "var")).resolve()
    location = e.get("ARTIFACT_STORE") or str(var_dir)
    m = _S3.match(location)
    if m:
        cache = Path(e["STORE_CACHE_DIR"]) if e.get("STORE_CACHE_DIR") else var_dir / "cache" / "store"
        return S3Store(m.group(1), (m.group(2) or "").strip("/"), (root / cache).resolve())
    if re.match(r"^[a-z0-9]+://", location, re.I) and not location.startswith("file://"):
        raise ValueError(f"ARTIFACT_STORE {location}: use s3://bucket/prefix or a folder")
    return LocalStore((root / location.removeprefix("file://")).resolve())


def get_json(store: Store, key: str) -> object:
    return json.loads(store.get(key))
