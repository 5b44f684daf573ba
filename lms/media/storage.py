"""Where finished media lives: the local (or shared, NFS) media folder, or an S3-compatible bucket.

``LMS_MEDIA_STORAGE`` chooses: ``local`` (default) keeps renditions and captions under
MEDIA_ROOT as before; ``s3`` pushes them to a bucket (MinIO, Ceph RGW, Alibaba OSS, AWS) through
boto3. Either way uploads are assembled and probed, and ffmpeg writes, in MEDIA_ROOT (a local
scratch then); only finished files are published.

Files are named by *keys*: the same relative paths the rows keep (``media/42/master.m3u8``,
``captions/7/<token>.vtt``). The local store maps a key to MEDIA_ROOT/key, the bucket to
LMS_S3_PREFIX + key. The interface knows nothing of URLs the player sees or of who may see what:
the views authorize, then ask the store for the bytes (or a short-lived URL).
"""

import contextlib
import logging
import mimetypes
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)

# What the pipeline writes into an asset's output folder; nothing else is ever served.
SERVED_TYPES = {
    "m3u8": "application/vnd.apple.mpegurl",
    "ts": "video/mp2t",
    "m4s": "video/iso.segment",
    "mp4": "video/mp4",
    "m4a": "audio/mp4",
    "jpg": "image/jpeg",
    "json": "application/json",
    "vtt": "text/vtt",
}
KINDS = ("local", "s3")
CHUNK_BYTES = 256 * 1024
PUSH_THREADS = 8  # files uploaded at once when renditions are published
# Renditions never change once published (a new upload gets a new folder).
OBJECT_CACHE_CONTROL = "private, max-age=3600"


class StorageError(Exception):
    """The store could not do what was asked (unreachable, refused, misconfigured)."""


@dataclass(frozen=True)
class StoredFile:
    """What the store knows of one file: enough to answer conditional and range requests."""

    key: str
    size: int
    etag: str | None = None
    last_modified: datetime | None = None


def content_type(key: str) -> str:
    extension = key.rsplit(".", 1)[-1].lower() if "." in key else ""
    return SERVED_TYPES.get(extension) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def clean_key(key: str) -> str | None:
    """``key`` when it is a plain relative POSIX path (no ``..``, ``.``, empty or absolute
    parts, no backslash or NUL); else None."""
    if not key or "\\" in key or "\x00" in key:
        return None
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    return key


def _files_under(folder: Path) -> list[Path]:
    """Every file under ``folder``, playlists last (a reader never finds one before its parts)."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sorted(files, key=lambda p: (p.suffix == ".m3u8", p.name == "master.m3u8", str(p)))


@dataclass
class ObjectRead:
    """One GET of an object: what to answer (200, 206, 304 or 416) and the bytes to stream."""

    status: int
    size: int | None = None  # the whole object's length, when known
    length: int | None = None  # the bytes in ``body``
    content_range: str | None = None
    etag: str | None = None
    last_modified: datetime | None = None
    body: Iterator[bytes] | None = None


class LocalStorage:
    """MEDIA_ROOT on this machine's disk, or a shared filesystem (NFS) mounted there."""

    kind = "local"

    def __init__(self, root: str):
        self.root = Path(root)

    def path(self, key: str) -> Path | None:
        """The file's path under MEDIA_ROOT, or None for a key that would leave it."""
        key = clean_key(key)
        return self.root / key if key else None

    def publish_dir(self, folder: Path, prefix: str, on_file: Callable[[], None] | None = None):
        """Make ``folder`` the files under ``prefix``: one rename (old outputs replaced whole)."""
        final_dir = self.path(prefix)
        final_dir.parent.mkdir(parents=True, exist_ok=True)
        # Renames within one folder are atomic: players see the old outputs or the new, never half.
        if final_dir.exists():
            trash = final_dir.with_name(f".{final_dir.name}.old.{secrets.token_hex(4)}.tmp")
            os.replace(final_dir, trash)
            os.replace(folder, final_dir)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(folder, final_dir)

    def publish_file(self, local_path: Path, key: str) -> None:
        """Make ``local_path`` the file ``key`` (nothing to do when it is already there)."""
        target = self.path(key)
        if Path(local_path).resolve() != target.resolve():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(local_path, target)

    def stat(self, key: str) -> StoredFile | None:
        path = self.path(key)
        if path is None or not path.is_file():
            return None
        return StoredFile(key=key, size=path.stat().st_size)

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes ``start``..``end`` (inclusive; None: to the end), in chunks."""
        path = self.path(key)
        if path is None:
            raise FileNotFoundError(key)
        with open(path, "rb") as fh:
            fh.seek(start)
            left = None if end is None else end - start + 1
            while left is None or left > 0:
                data = fh.read(CHUNK_BYTES if left is None else min(CHUNK_BYTES, left))
                if not data:
                    return
                if left is not None:
                    left -= len(data)
                yield data

    def read_bytes(self, key: str) -> bytes | None:
        """A small file's bytes (a playlist, a caption track), or None when there is none."""
        path = self.path(key)
        try:
            return path.read_bytes() if path is not None else None
        except (FileNotFoundError, IsADirectoryError):
            return None

    def presigned_url(self, key: str, seconds: int | None = None) -> str | None:
        return None  # files on disk have no URL of their own: the app or nginx serves them

    def delete(self, key: str) -> None:
        path = self.path(key)
        if path is not None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def delete_prefix(self, prefix: str) -> None:
        path = self.path(prefix)
        if path is not None:
            shutil.rmtree(path, ignore_errors=True)

    def check(self) -> dict:
        return {"status": "ok", "kind": self.kind}


class S3Storage:
    """A bucket of an S3-compatible object store, through boto3."""

    kind = "s3"

    def __init__(self, config):
        try:
            import boto3
            from botocore.config import Config as BotoConfig
        except ImportError as exc:  # pragma: no cover - boto3 is a dependency
            raise StorageError("LMS_MEDIA_STORAGE=s3 needs boto3 (pip install boto3)") from exc
        self.bucket = config.get("S3_BUCKET")
        if not self.bucket:
            raise StorageError("LMS_MEDIA_STORAGE=s3 needs LMS_S3_BUCKET")
        prefix = (config.get("S3_PREFIX") or "").strip("/")
        self.prefix = f"{prefix}/" if prefix else ""
        self.url_seconds = int(config.get("S3_URL_SECONDS") or 300)
        style = config.get("S3_ADDRESSING_STYLE") or "path"
        if style not in ("path", "virtual", "auto"):
            raise StorageError("LMS_S3_ADDRESSING_STYLE must be path, virtual or auto")
        boto_config = BotoConfig(
            signature_version="s3v4",
            s3={"addressing_style": style},
            connect_timeout=5,
            read_timeout=60,
            retries={"max_attempts": 3, "mode": "standard"},
            # Checksums only where the protocol requires them: many S3-compatible stores
            # (Alibaba OSS, older Ceph RGW and MinIO) refuse boto3's newer default trailers.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            max_pool_connections=32,
        )
        session = boto3.session.Session()
        arguments = {
            "endpoint_url": config.get("S3_ENDPOINT_URL") or None,
            "region_name": config.get("S3_REGION") or "us-east-1",
            "aws_access_key_id": config.get("S3_ACCESS_KEY") or None,
            "aws_secret_access_key": config.get("S3_SECRET_KEY") or None,
        }
        self.client = session.client("s3", config=boto_config, **arguments)
        # Health checks answer fast: one try, short timeouts (a monitor polls again anyway).
        quick = boto_config.merge(
            BotoConfig(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1})
        )
        self.check_client = session.client("s3", config=quick, **arguments)

    # -- names ---------------------------------------------------------------------------------

    def object_key(self, key: str) -> str:
        cleaned = clean_key(key)
        if cleaned is None:
            raise StorageError(f"not a media key: {key!r}")
        return self.prefix + cleaned

    def _call(self, what: str, method, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return method(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            raise StorageError(f"{what}: {code or exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"{what}: {exc}") from exc

    # -- writing -------------------------------------------------------------------------------

    def publish_file(self, local_path: Path, key: str) -> None:
        """Upload one file with its Content-Type, then remove the local copy."""
        self._upload(Path(local_path), self.object_key(key))
        Path(local_path).unlink(missing_ok=True)

    def _upload(self, path: Path, object_key: str) -> None:
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.upload_file(
                str(path),
                self.bucket,
                object_key,
                ExtraArgs={
                    "ContentType": content_type(object_key),
                    "CacheControl": OBJECT_CACHE_CONTROL,
                },
                Config=TransferConfig(use_threads=False, multipart_threshold=64 * 1024 * 1024),
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"upload {object_key}: {exc}") from exc

    def publish_dir(self, folder: Path, prefix: str, on_file: Callable[[], None] | None = None):
        """Push every file of ``folder`` under ``prefix`` (playlists last), drop objects of an
        earlier run that this one did not make, then remove the local folder.

        Safe to run again after a crash half-way: objects are overwritten with the same bytes.
        """
        base = self.object_key(prefix) + "/"
        files = _files_under(folder)
        parts = [p for p in files if p.suffix != ".m3u8"]
        playlists = [p for p in files if p.suffix == ".m3u8"]
        pushed = set()
        # Segments in parallel (boto3's client is thread-safe), then the playlists; ``on_file``
        # runs in the calling thread (it may use the database session).
        for batch in (parts, playlists):
            with ThreadPoolExecutor(max_workers=PUSH_THREADS) as pool:
                futures = {
                    pool.submit(
                        self._upload, path, base + path.relative_to(folder).as_posix()
                    ): path
                    for path in batch
                }
                try:
                    for future in as_completed(futures):
                        future.result()
                        pushed.add(base + futures[future].relative_to(folder).as_posix())
                        if on_file:
                            on_file()
                finally:
                    for future in futures:
                        future.cancel()
        for object_key in self._list(base):
            if object_key not in pushed:
                self._call("delete", self.client.delete_object, Key=object_key)
        shutil.rmtree(folder, ignore_errors=True)

    # -- reading -------------------------------------------------------------------------------

    def _list(self, base: str) -> list[str]:
        keys, token = [], None
        while True:
            extra = {"ContinuationToken": token} if token else {}
            page = self._call("list", self.client.list_objects_v2, Prefix=base, **extra)
            keys += [item["Key"] for item in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return keys
            token = page.get("NextContinuationToken")

    def keys(self, prefix: str = "") -> list[str]:
        """The media keys under ``prefix`` (without LMS_S3_PREFIX)."""
        base = self.object_key(prefix) + "/" if prefix else self.prefix
        return [key[len(self.prefix) :] for key in self._list(base)]

    def stat(self, key: str) -> StoredFile | None:
        from botocore.exceptions import ClientError

        if clean_key(key) is None:
            return None
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 404 or exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                return None
            raise StorageError(f"head {key}: {exc}") from exc
        except Exception as exc:  # botocore's connection errors
            raise StorageError(f"head {key}: {exc}") from exc
        return StoredFile(
            key=key,
            size=int(head["ContentLength"]),
            etag=_etag(head.get("ETag")),
            last_modified=head.get("LastModified"),
        )

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes ``start``..``end`` (inclusive; None: to the end), streamed from the bucket."""
        byte_range = f"bytes={start}-{'' if end is None else end}"
        response = self._call(
            "get", self.client.get_object, Key=self.object_key(key), Range=byte_range
        )
        body = response["Body"]
        return _stream(body)

    def read(
        self, key: str, byte_range: str | None = None, if_none_match: str | None = None
    ) -> ObjectRead | None:
        """One request to the store: the object (or ``byte_range``, an HTTP Range value with one
        range), 304 when ``if_none_match`` matches, 416 past the end; None when there is none."""
        from botocore.exceptions import BotoCoreError, ClientError

        extra = {}
        if byte_range:
            extra["Range"] = byte_range
        if if_none_match:
            extra["IfNoneMatch"] = if_none_match
        try:
            got = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key), **extra)
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = exc.response.get("Error", {}).get("Code")
            if status == 304 or code == "304":
                single = if_none_match if "," not in if_none_match else None
                return ObjectRead(status=304, etag=_etag(single))
            if status == 404 or code in ("NoSuchKey", "404"):
                return None
            if status == 416 or code == "InvalidRange":
                stored = self.stat(key)
                return None if stored is None else ObjectRead(status=416, size=stored.size)
            raise StorageError(f"get {key}: {code or exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"get {key}: {exc}") from exc
        content_range = got.get("ContentRange")
        length = int(got["ContentLength"])
        size = int(content_range.rsplit("/", 1)[1]) if content_range else length
        return ObjectRead(
            status=206 if content_range else 200,
            size=size,
            length=length,
            content_range=content_range,
            etag=_etag(got.get("ETag")),
            last_modified=got.get("LastModified"),
            body=_stream(got["Body"]),
        )

    def read_bytes(self, key: str) -> bytes | None:
        """A small file's bytes (a playlist, a caption track), or None when there is none."""
        read = self.read(key)
        return None if read is None else b"".join(read.body)

    def presigned_url(self, key: str, seconds: int | None = None) -> str:
        """A GET URL for the object, valid ``seconds`` (LMS_S3_URL_SECONDS by default)."""
        return self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": self.object_key(key)},
            ExpiresIn=seconds or self.url_seconds,
        )

    # -- removing ------------------------------------------------------------------------------

    def delete(self, key: str) -> None:
        self._call("delete", self.client.delete_object, Key=self.object_key(key))

    def delete_prefix(self, prefix: str) -> None:
        keys = self._list(self.object_key(prefix) + "/")
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            self._call(
                "delete", self.client.delete_objects, Delete={"Objects": batch, "Quiet": True}
            )

    # -- health --------------------------------------------------------------------------------

    def check(self, write: bool = False) -> dict:
        """The bucket answers (HEAD); with ``write``, an object is also written, read, removed."""
        client = self.check_client
        try:
            self._call("head bucket", client.head_bucket)
            if write:
                key = self.object_key(f".lms-check/{secrets.token_hex(8)}")
                self._call("put", client.put_object, Key=key, Body=b"ok")
                got = self._call("get", client.get_object, Key=key)["Body"].read()
                self._call("delete", client.delete_object, Key=key)
                if got != b"ok":
                    raise StorageError("read back other bytes than written")
        except StorageError as exc:
            return {"status": "down", "kind": self.kind, "bucket": self.bucket, "error": str(exc)}
        return {"status": "ok", "kind": self.kind, "bucket": self.bucket}


def _etag(value: str | None) -> str | None:
    return (value or "").strip().removeprefix("W/").strip('"') or None


def _stream(body) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(CHUNK_BYTES)
    finally:
        body.close()


def check_settings(config) -> None:
    """Refuse to start with a storage choice that cannot work (RuntimeError names the setting)."""
    kind = (config.get("MEDIA_STORAGE") or "local").strip().lower()
    if kind not in KINDS:
        raise RuntimeError(f"LMS_MEDIA_STORAGE must be one of {', '.join(KINDS)}, not {kind!r}")
    if kind == "s3" and not config.get("S3_BUCKET"):
        raise RuntimeError("LMS_MEDIA_STORAGE=s3 needs LMS_S3_BUCKET (and the LMS_S3_* settings)")
    seconds = config.get("MEDIA_LINK_SECONDS")
    if not isinstance(seconds, int) or not LINK_SECONDS[0] <= seconds <= LINK_SECONDS[1]:
        # 0 would hand out links already expired; longer than a day, a revoked viewer
        # (unpublished course, deactivated account) would keep watching for days.
        raise RuntimeError(
            f"LMS_MEDIA_LINK_SECONDS must be between {LINK_SECONDS[0]} and {LINK_SECONDS[1]} "
            f"seconds, not {seconds!r}"
        )


#: The shortest and longest lifetime of signed media links, in seconds (at most a day).
LINK_SECONDS = (1, 86400)


def build_storage(config) -> LocalStorage | S3Storage:
    kind = (config.get("MEDIA_STORAGE") or "local").strip().lower()
    if kind == "local":
        return LocalStorage(config["MEDIA_ROOT"])
    if kind == "s3":
        return S3Storage(config)
    raise StorageError(f"LMS_MEDIA_STORAGE must be one of {', '.join(KINDS)}, not {kind!r}")


def get_storage() -> LocalStorage | S3Storage:
    """The app's store, made once per app (a boto3 client is thread-safe and keeps connections)."""
    app = current_app._get_current_object()
    cached = app.extensions.get("media_storage")
    signature = (
        app.config.get("MEDIA_STORAGE"),
        app.config.get("MEDIA_ROOT"),
        app.config.get("S3_ENDPOINT_URL"),
        app.config.get("S3_BUCKET"),
        app.config.get("S3_PREFIX"),
    )
    if cached is None or cached[0] != signature:
        cached = (signature, build_storage(app.config))
        app.extensions["media_storage"] = cached
    return cached[1]


def uses_bucket() -> bool:
    return get_storage().kind == "s3"


def delete_quietly(key: str, prefix: bool = False) -> None:
    """Remove a file (or a folder of them) after the rows that named it are gone; a failure
    leaves an orphan in the store, which is logged, never an error for the user."""
    try:
        storage = get_storage()
        storage.delete_prefix(key) if prefix else storage.delete(key)
    except StorageError as exc:
        log.warning("media store: could not remove %s: %s", key, exc)


def media_store_health(write: bool = False) -> dict | None:
    """For /healthz and ``flask media check``: the bucket's state, or None with local storage
    (the disk check covers MEDIA_ROOT)."""
    if (current_app.config.get("MEDIA_STORAGE") or "local").strip().lower() == "local":
        return None
    try:
        storage = get_storage()
    except StorageError as exc:
        return {
            "status": "down",
            "kind": current_app.config.get("MEDIA_STORAGE"),
            "error": str(exc),
        }
    return storage.check(write=write) if storage.kind == "s3" else storage.check()


def remove_media_files(folders=(), files=(), sources=()) -> None:
    """Remove what deleted lessons left: rendition folders and caption tracks from the store,
    uploaded originals from MEDIA_ROOT. Run after the deletion commits; failures are logged."""
    for folder in folders:
        if "/" in folder:  # an asset's own folder (media/<id>), never a whole top folder
            delete_quietly(folder, prefix=True)
    for key in files:
        delete_quietly(key)
    local = LocalStorage(current_app.config["MEDIA_ROOT"])
    for key in sources:
        local.delete(key)
        path = local.path(key)
        if path is not None and path.parent != local.root:
            with contextlib.suppress(OSError):
                path.parent.rmdir()  # sources/<random>/ held only this file
