"""The encrypted upload store: a file waiting for its owner's review, its preview (validated once), the
column mapping chosen so far; and each user's saved column mappings.

Files live in MEDIA_ROOT/uploads/<namespace>/ (a namespace per kind of import: "imports" for the registry,
a feed's own name for monitoring) under a random id:

    <id>.bin       the file, AES-GCM sealed with the field key (core.crypto): rosters hold ID numbers
    <id>.json      owner, original filename, size, SHA-256 of the content, time of upload, chosen mapping
    <id>.preview   the validation result for the current mapping, sealed the same way; dropped when the
                   mapping changes, so a review page is parsed once per mapping, not once per view

Only the owner gets an upload back (anyone else: Http404, as if it did not exist). An upload nobody
confirmed is deleted after TABULAR_UPLOAD_MAX_AGE_HOURS (24 h): on every new upload, and by the periodic
task `jiuzhu.core.tabular.tasks.purge_uploads`.

Saved mappings (MEDIA_ROOT/uploads/<namespace>/mappings/<user id>.json) remember which field a user chose
for a header the synonyms did not know, so the next file from the same office needs no mapping by hand."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from jiuzhu.core.crypto import decrypt_bytes, encrypt_bytes
from jiuzhu.core.tabular.headers import normalize_header

_UPLOAD_ID = re.compile(r"[A-Za-z0-9_-]{20,64}")
_NAMESPACE = re.compile(r"[a-z][a-z0-9_]{1,40}")
MISSING = "上传的文件不存在、已导入或已过期"


def uploads_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "uploads"


def max_age() -> dt.timedelta:
    return dt.timedelta(hours=getattr(settings, "TABULAR_UPLOAD_MAX_AGE_HOURS", 24))


class Upload:
    """A stored upload: its sidecar metadata, the sealed file and the cached preview."""

    def __init__(self, store: UploadStore, upload_id: str, meta: dict):
        self.store = store
        self.id = upload_id
        self.meta = meta

    @property
    def filename(self) -> str:
        return self.meta["filename"]

    @property
    def sha256(self) -> str:
        return self.meta["sha256"]

    @property
    def mapping(self) -> dict | None:
        return self.meta.get("mapping")

    def _path(self, suffix: str) -> Path:
        return self.store.directory / f"{self.id}{suffix}"

    def data(self) -> bytes:
        return decrypt_bytes(self._path(".bin").read_bytes())

    def save_meta(self) -> None:
        self._path(".json").write_text(json.dumps(self.meta, ensure_ascii=False), encoding="utf-8")

    def set_mapping(self, mapping: dict[str, str] | None) -> None:
        """A new mapping makes the cached preview stale."""
        if mapping != self.mapping:
            self.meta["mapping"] = mapping
            self.save_meta()
            self._path(".preview").unlink(missing_ok=True)

    def drop_preview(self) -> None:
        self._path(".preview").unlink(missing_ok=True)

    def load_preview(self) -> dict | None:
        """The preview saved for the current mapping, or None."""
        path = self._path(".preview")
        if not path.is_file():
            return None
        try:
            cached = json.loads(decrypt_bytes(path.read_bytes()))
        except ValueError:
            return None
        return cached["preview"] if cached.get("mapping") == self.mapping else None

    def save_preview(self, preview: dict) -> None:
        sealed = encrypt_bytes(json.dumps({"mapping": self.mapping, "preview": preview}, ensure_ascii=False,
                                          default=str).encode("utf-8"))
        self._path(".preview").write_bytes(sealed)

    def delete(self) -> None:
        # Personal data should not stay on disk once it is in the registry.
        for suffix in (".bin", ".preview", ".json"):
            self._path(suffix).unlink(missing_ok=True)


class UploadStore:
    def __init__(self, namespace: str):
        if not _NAMESPACE.fullmatch(namespace):
            raise ValueError(f"invalid upload namespace {namespace!r}")
        self.namespace = namespace

    @property
    def directory(self) -> Path:
        return uploads_root() / self.namespace

    def save(self, *, owner, filename: str, data: bytes, extra: dict | None = None) -> Upload:
        """Seals and stores the file; stale uploads of every namespace are purged first."""
        self.directory.mkdir(parents=True, exist_ok=True)
        purge_stale_uploads()
        upload = Upload(self, secrets.token_urlsafe(24), {
            "owner": owner.pk, "filename": Path(filename).name[:200], "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "uploaded_at": timezone.now().isoformat(),
            "mapping": None, **(extra or {})})
        upload._path(".bin").write_bytes(encrypt_bytes(data))
        upload.save_meta()
        return upload

    def get(self, upload_id: str, *, owner) -> Upload:
        """The owner's upload; Http404 for anyone else, a malformed id, or one purged or imported."""
        sidecar = self.directory / f"{upload_id}.json"
        if not _UPLOAD_ID.fullmatch(upload_id or "") or not sidecar.is_file():
            raise Http404(MISSING)
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        if meta.get("owner") != owner.pk:
            raise Http404(MISSING)  # someone else's upload: as if it did not exist
        upload = Upload(self, upload_id, meta)
        if not upload._path(".bin").is_file():
            raise Http404(MISSING)
        return upload

    def purge(self, now=None) -> int:
        cutoff = (now or timezone.now()) - max_age()
        removed = 0
        if not self.directory.is_dir():
            return 0
        for sidecar in self.directory.glob("*.json"):
            try:
                meta = json.loads(sidecar.read_text(encoding="utf-8"))
                stale = dt.datetime.fromisoformat(meta["uploaded_at"]) < cutoff
            except (ValueError, KeyError, OSError):
                stale = True  # a damaged sidecar cannot be reviewed anyway
            if stale:
                Upload(self, sidecar.stem, {}).delete()
                removed += 1
        return removed

    # ---- Saved column mappings ---------------------------------------------------------------

    def _mapping_path(self, owner) -> Path:
        return self.directory / "mappings" / f"{int(owner.pk)}.json"

    def saved_mapping(self, owner) -> dict[str, str]:
        """{normalized header: field or ""} the user chose before."""
        path = self._mapping_path(owner)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def remember_mapping(self, owner, mapping: dict[str, str], detected: dict[str, str]) -> None:
        """Keeps the choices that differ from what the synonyms found (headers, never cell values)."""
        changes = {normalize_header(h): f for h, f in mapping.items() if detected.get(h, "") != f}
        changes.update({normalize_header(h): "" for h in detected if h not in mapping})
        if not changes:
            return
        saved = {**self.saved_mapping(owner), **changes}
        path = self._mapping_path(owner)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")


class NamedMappings:
    """Column mappings saved by name ("民政系统低保名册"), shared by everyone importing into the namespace: a
    mapping confirmed once is chosen by name on the page, with `--mapping NAME` on the command line and in the
    API. Only headers and field names are kept (normalized header -> field, "" = not imported), never values."""

    NAME = re.compile(r"^[^\s/\\]{1,40}$")

    def __init__(self, store: UploadStore):
        self.store = store

    @property
    def path(self) -> Path:
        return self.store.directory / "mappings" / "named.json"  # MEDIA_ROOT read when used, not when imported

    def all(self) -> dict[str, dict]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def names(self) -> list[str]:
        return sorted(self.all())

    def get(self, name: str) -> dict[str, str] | None:
        entry = self.all().get(name)
        return None if entry is None else dict(entry["mapping"])

    def save(self, name: str, mapping: dict[str, str], headers: list[str], *, owner) -> None:
        """Saves {file header: field} under `name` (headers of the file left unmapped are saved as "")."""
        from jiuzhu.core.errors import DomainError

        name = (name or "").strip()
        if not self.NAME.fullmatch(name):
            raise DomainError("方案名称须为 1 至 40 个字，不含空格和斜杠", code="validation_error",
                              field="mapping_name")
        entry = {normalize_header(h): "" for h in headers}
        entry.update({normalize_header(h): f for h, f in mapping.items() if f})
        saved = self.all()
        saved[name] = {"mapping": entry, "owner": owner.pk, "saved_at": timezone.now().isoformat()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")


def purge_stale_uploads(now=None) -> int:
    """Deletes every namespace's uploads older than the limit; returns how many."""
    root = uploads_root()
    if not root.is_dir():
        return 0
    return sum(UploadStore(d.name).purge(now) for d in root.iterdir()
               if d.is_dir() and _NAMESPACE.fullmatch(d.name))
