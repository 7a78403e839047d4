"""The face engine (人脸比对): one face's 128-d embedding from a photo, and an exact 1:N index over all of them.

- `encode_face(data)` checks the bytes' size (core.files.check_size) before anything is decoded, refuses a
  decompression bomb by the pixel count the header declares (before the pixels are decoded), decodes JPEG at a
  reduced scale (`draft`) and downscales any photo to at most DETECT_MAX_SIDE pixels on its long side, so one
  enrolment stays well under a second on a loaded 2-core machine; then detects faces with dlib's HOG detector
  (face_recognition, model from the face_recognition_models package, offline) and encodes the one face. Every
  refusal is a core.errors `invalid(...)` with a Chinese message on the field "photo".
- `FaceIndex`: an (N, 128) float32 matrix memory-mapped from a `.npy` file under the files root, with an (N, 3)
  int64 array of (subject kind, subject id, photo id) and the rows' squared norms beside it. A search is one
  matrix-vector product (squared L2 = |x|² - 2 x·q + |q|²) and `argpartition` for the top k: exact, no
  approximation, so recall against exact search is 1.0 by construction.
- `similarity_label(distance)`: face_recognition's usual same-person threshold is 0.6 (Euclidean distance of
  the embeddings). The label only ranks what a person must check: the engine never identifies anyone.

No Django models here: the index is built from rows the caller (selectors.current_face_index) reads in one query.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jiuzhu.core.errors import DomainError, invalid
from jiuzhu.core.files import check_size

DIMENSIONS = 128
DETECT_MAX_SIDE = 800  # long side in pixels for detection: every shared test photo's face is found at this size
MAX_PIXELS = 40_000_000  # a photo declaring more pixels than a 40-megapixel camera is refused before decoding
SAME_PERSON_THRESHOLD = 0.6  # face_recognition's documented default tolerance
SEARCH_THREADS = max(1, min(4, os.cpu_count() or 1))
SLICE_MIN_ROWS = 65_536  # below this many rows a search is one slice, one thread

NO_FACE = "照片中未检测到人脸，请上传正面清晰照片"
MANY_FACES = "照片中有多张人脸，请裁剪为一人后上传"
NOT_IMAGE = "文件不是可以识别的照片（JPEG 或 PNG），请重新拍摄或选择照片"
TOO_MANY_PIXELS = "照片像素过多（超过 4000 万像素），请缩小后再上传"

# Subject kinds in the index's ids array (FacePhoto.case / FacePhoto.report).
KIND_CASE = 1
KIND_REPORT = 2


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=SEARCH_THREADS, thread_name_prefix="face-index")


def _face_recognition():
    """Imported on first use: loading dlib's models takes about a second, which pages that never encode a face
    should not pay."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # face_recognition_models imports pkg_resources (deprecated)
        import face_recognition
    return face_recognition


@dataclass(frozen=True)
class Encoding:
    vector: np.ndarray  # (128,) float32
    box: tuple[int, int, int, int]  # top, right, bottom, left in the original photo's pixels
    size: tuple[int, int]  # width, height of the original photo


def _decode(data: bytes):
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # refused below, by MAX_PIXELS
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise invalid(TOO_MANY_PIXELS, "photo") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise invalid(NOT_IMAGE, "photo") from None
    if image.format not in ("JPEG", "PNG"):
        raise invalid(NOT_IMAGE, "photo")
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise invalid(TOO_MANY_PIXELS, "photo")
    try:
        orientation = image.getexif().get(0x0112, 1)
        if image.format == "JPEG":
            image.draft("RGB", (DETECT_MAX_SIDE, DETECT_MAX_SIDE))  # decode at 1/2, 1/4 or 1/8 scale: fast
        image = ImageOps.exif_transpose(image)  # a phone's photo stored sideways
        image = image.convert("RGB")
        image.thumbnail((DETECT_MAX_SIDE, DETECT_MAX_SIDE))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise invalid(NOT_IMAGE, "photo") from None
    # EXIF orientations 5-8 turn the photo by a quarter: the box is given in the upright photo's pixels.
    original = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    return np.asarray(image), original


def encode_face(data: bytes) -> Encoding:
    """The one face of a photo: its 128-d embedding (float32) and box. Raises DomainError (field "photo") with a
    Chinese message: empty or too large, not an image, too many pixels, no face, several faces."""
    try:
        check_size(len(data or b""))
    except DomainError as exc:
        raise invalid(exc.message, "photo") from None
    pixels, (width, height) = _decode(data)
    fr = _face_recognition()
    boxes = fr.face_locations(pixels, number_of_times_to_upsample=1, model="hog")
    if not boxes:
        raise invalid(NO_FACE, "photo")
    if len(boxes) > 1:
        raise invalid(MANY_FACES, "photo")
    vectors = fr.face_encodings(pixels, boxes, num_jitters=1, model="small")
    if not vectors:
        raise invalid(NO_FACE, "photo")
    scale = width / pixels.shape[1]
    top, right, bottom, left = boxes[0]
    box = tuple(round(v * scale) for v in (top, right, bottom, left))
    return Encoding(vector=np.asarray(vectors[0], dtype=np.float32), box=box, size=(width, height))


def vector_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def vector_from_bytes(blob: bytes) -> np.ndarray:
    vector = np.frombuffer(bytes(blob), dtype="<f4")
    if vector.shape != (DIMENSIONS,):
        raise ValueError("人脸特征数据长度不正确")
    return vector


def similarity_label(distance: float) -> str:
    """A Chinese label for a distance. Never an identification: every candidate is checked by a person."""
    if distance < 0.40:
        return "高度相似"
    if distance < 0.50:
        return "较为相似"
    if distance < SAME_PERSON_THRESHOLD:
        return "可能相似"
    return "相似度低"


@dataclass(frozen=True)
class Hit:
    kind: int  # KIND_CASE or KIND_REPORT
    subject_id: int
    photo_id: int
    distance: float  # Euclidean distance of the embeddings (face_recognition's face_distance)

    @property
    def label(self) -> str:
        return similarity_label(self.distance)


class _Subjects:
    """Turns rows into subjects: what FaceIndex and IndexSet share (each gives `top` and `__len__`)."""

    def top(self, query: np.ndarray, k: int) -> list[tuple[int, int, int, float]]:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def search(self, queries: list[np.ndarray], *, k: int = 10, exclude: tuple[int, int] | None = None) -> list[Hit]:
        """The k nearest subjects (a subject with several photos counts once, at its best distance), nearest
        first. `queries`: the probe subject's embeddings (its best distance to each candidate counts); `exclude`:
        (kind, id) of the probe subject itself."""
        best: dict[tuple[int, int], Hit] = {}
        want = k
        while True:
            best.clear()
            for query in queries:
                for kind, subject, photo, distance in self.top(query, want):
                    key = (kind, subject)
                    if key == exclude:
                        continue
                    if key not in best or distance < best[key].distance:
                        best[key] = Hit(kind=kind, subject_id=subject, photo_id=photo, distance=distance)
            # Several photos of one subject can fill the top rows: widen until k subjects or the whole index.
            if len(best) >= k or want >= len(self):
                break
            want = min(len(self), want * 4)
        return sorted(best.values(), key=lambda h: (h.distance, h.kind, h.subject_id))[:k]


class FaceIndex(_Subjects):
    """Exact 1:N search over (N, 128) float32 rows memory-mapped from disk (see the module's docstring)."""

    def __init__(self, vectors: np.ndarray, ids: np.ndarray, norms: np.ndarray):
        self.vectors = vectors
        self.ids = ids
        self.norms = norms

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    # ---- files ----

    @staticmethod
    def paths(directory: Path, tag: str) -> tuple[Path, Path, Path]:
        return (directory / f"vectors-{tag}.npy", directory / f"ids-{tag}.npy", directory / f"norms-{tag}.npy")

    @classmethod
    def write(cls, directory: Path, tag: str, vectors: np.ndarray, ids: np.ndarray) -> FaceIndex:
        """Writes the three arrays (each to a temporary name, then renamed: a reader never sees half a file)
        and opens them memory-mapped. Files of other tags in the directory are removed."""
        directory.mkdir(parents=True, exist_ok=True)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, DIMENSIONS)
        ids = np.ascontiguousarray(ids, dtype=np.int64).reshape(-1, 3)
        norms = np.einsum("ij,ij->i", vectors, vectors).astype(np.float32)
        for path, array in zip(cls.paths(directory, tag), (vectors, ids, norms), strict=True):
            partial = path.with_name(path.name + ".part")
            with open(partial, "wb") as handle:
                np.save(handle, array)
            os.replace(partial, path)
        keep = {p.name for p in cls.paths(directory, tag)}
        for old in directory.glob("*.npy"):
            if old.name not in keep:
                old.unlink(missing_ok=True)
        return cls.open(directory, tag)

    @classmethod
    def open(cls, directory: Path, tag: str) -> FaceIndex | None:
        """The index of this tag, memory-mapped, or None when it has not been written."""
        vectors_path, ids_path, norms_path = cls.paths(directory, tag)
        try:
            return cls(np.load(vectors_path, mmap_mode="r"), np.load(ids_path, mmap_mode="r"),
                       np.load(norms_path, mmap_mode="r"))
        except FileNotFoundError:
            return None

    @staticmethod
    def tag_for(*parts) -> str:
        """A short name for the index of one state of the enrolled set (count, last id, last change)."""
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]

    # ---- search ----

    def distances(self, query: np.ndarray, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Squared L2 distance of rows [start, stop) to the query."""
        q = np.asarray(query, dtype=np.float32).reshape(DIMENSIONS)
        return self._ranking(q * -2.0, start, stop) + float(q @ q)

    def _ranking(self, minus_2q: np.ndarray, start: int, stop: int | None) -> np.ndarray:
        """|x|² - 2 x·q for rows [start, stop): the squared distance less |q|², which is the same for every row, so
        it orders them alike; one matrix-vector product and one addition. einsum's own loop, not BLAS: BLAS's sgemv
        starts its own threads inside each of ours and, on a shared 2-core machine, 1M rows took 125-180 ms p50
        that way against 40-80 ms here (bench/face_search.py)."""
        d2 = np.einsum("ij,j->i", self.vectors[start:stop], minus_2q)
        d2 += self.norms[start:stop]
        return d2

    def _top_rows(self, minus_2q: np.ndarray, k: int, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        d2 = self._ranking(minus_2q, start, stop)
        if k < len(d2):
            part = np.argpartition(d2, k - 1)[:k]
            return part + start, d2[part]
        return np.arange(start, stop), d2

    def top(self, query: np.ndarray, k: int) -> list[tuple[int, int, int, float]]:
        """The k nearest rows, nearest first: (kind, subject id, photo id, distance). A large index is scanned in
        slices by SEARCH_THREADS threads (NumPy releases the GIL in the product and the partition); each slice
        gives its own k nearest and the merge keeps the k nearest of those: still exact."""
        n = len(self)
        if n == 0 or k <= 0:
            return []
        k = min(k, n)
        q = np.asarray(query, dtype=np.float32).reshape(DIMENSIONS)
        query = q * -2.0
        slices = max(1, min(SEARCH_THREADS * 4, n // SLICE_MIN_ROWS))
        if slices == 1:
            rows, d2 = self._top_rows(query, k, 0, n)
        else:
            bounds = np.linspace(0, n, slices + 1, dtype=np.int64)
            parts = list(_pool().map(lambda b: self._top_rows(query, k, int(b[0]), int(b[1])),
                                     itertools.pairwise(bounds)))
            rows = np.concatenate([p[0] for p in parts])
            d2 = np.concatenate([p[1] for p in parts])
        order = np.lexsort((rows, d2))[:k]  # nearest first; ties by row, so the answer does not depend on slicing
        picked = self.ids[rows[order]]
        dist = np.sqrt(np.maximum(d2[order] + float(q @ q), 0.0))
        return [(int(r[0]), int(r[1]), int(r[2]), float(x)) for r, x in zip(picked, dist, strict=True)]

    @classmethod
    def in_memory(cls, vectors: np.ndarray, ids: np.ndarray) -> FaceIndex:
        """A small index kept in memory (the rows enrolled since the files were written)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, DIMENSIONS)
        return cls(vectors, np.ascontiguousarray(ids, dtype=np.int64).reshape(-1, 3),
                   np.einsum("ij,ij->i", vectors, vectors).astype(np.float32))


class IndexSet(_Subjects):
    """Several indexes searched as one (the files and the rows enrolled since): each part's k nearest, merged. Exact,
    as each part is."""

    def __init__(self, *parts: FaceIndex):
        self.parts = [p for p in parts if p is not None]

    def __len__(self) -> int:
        return sum(len(p) for p in self.parts)

    def top(self, query: np.ndarray, k: int) -> list[tuple[int, int, int, float]]:
        rows = [row for part in self.parts for row in part.top(query, k)]
        return sorted(rows, key=lambda r: (r[3], r[2]))[:k]
