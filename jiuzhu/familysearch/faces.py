"""The face engine (人脸比对): one face's 128-d embedding from a photo, and an exact 1:N index over all of them.

- `encode_face(data)` checks the bytes' size (core.files.check_size) before anything is decoded, refuses a
  decompression bomb by the pixel count the header declares (before the pixels are decoded), decodes JPEG at a
  reduced scale (`draft`) and downscales any photo to at most DETECT_MAX_SIDE pixels on its long side, so one
  enrolment stays well under a second on a loaded 2-core machine; then detects faces with dlib's HOG detector
  (face_recognition, model from the face_recognition_models package, offline) and encodes the one face. Every
  refusal is a core.errors `invalid(...)` with a Chinese message on the field "photo".
- `FaceIndex`: an (N, 128) float32 matrix memory-mapped from a `.npy` file under the files root, with an (N, 3)
  int64 array of (subject kind, subject id, photo id), and an 8-bit copy of the matrix (one scale per dimension)
  that a search scans: a quarter of the bytes, which is what a scan of 1,000,000 rows is bound by. The copy's
  rounding error has a known bound per row, so the scan only narrows the rows down; the rows that could be among
  the k nearest are then measured in float32 from the full matrix (FaceIndex.top). The answer is exact, the same
  rows and distances as brute force over the float32 matrix (ties by row), not an approximation.
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
# Rows turned from int8 to float32 at a time: 1,024 × 128 floats (512 KB) stay in a core's cache, and a product
# this size runs in the calling thread (OpenBLAS threads a matrix-vector product only from 115,200 × 4 elements;
# with BLAS's threads inside the index's own, 4,096-row blocks took ten times as long on the 2-core machine).
SCAN_BLOCK = 1024
INDEX_FORMAT = 2  # the files' layout: 2 added the 8-bit codes; files of another format are written again

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
    """Exact 1:N search over (N, 128) float32 rows memory-mapped from disk, scanned through 8-bit codes (see the
    module's docstring)."""

    FILES = ("vectors", "ids", "codes", "code-norms", "scale")

    def __init__(self, vectors: np.ndarray, ids: np.ndarray, codes: np.ndarray, code_norms: np.ndarray,
                 scale: np.ndarray):
        self.vectors = vectors  # (N, 128) float32: the embeddings, read only for the few rows re-ranked
        self.ids = ids  # (N, 3) int64: subject kind, subject id, photo id
        self.codes = codes  # (N, 128) int8: round(vector / scale), what a search scans
        self.code_norms = code_norms  # (N,) float32: |codes × scale|²
        self.scale = scale  # (128,) float32: one step of a code, per dimension

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    # ---- building ----

    @staticmethod
    def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """8-bit codes of the rows, their decoded squared norms, and the scale. Per dimension the largest magnitude
        maps to 127, so no code is clipped and each coordinate is off by at most half a step: every row lies within
        half the scale's length of its decoded code, whatever the data (what `_error_bound` gives, and exactness
        rests on). An outlier coarsens its dimensions' steps: searches then measure more rows, still exactly."""
        scale = np.abs(vectors).max(axis=0) / 127.0 if len(vectors) else np.zeros(DIMENSIONS)
        scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
        codes = np.empty(vectors.shape, dtype=np.int8)
        norms = np.empty(len(vectors), dtype=np.float32)
        for first in range(0, len(vectors), SLICE_MIN_ROWS):  # in slices: no temporary the size of the matrix
            rows = slice(first, first + SLICE_MIN_ROWS)
            codes[rows] = np.clip(np.rint(vectors[rows] / scale), -127, 127)
            decoded = codes[rows] * scale.astype(np.float64)
            norms[rows] = np.einsum("ij,ij->i", decoded, decoded)
        return codes, norms, scale

    @classmethod
    def build(cls, vectors: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, ...]:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, DIMENSIONS)
        ids = np.ascontiguousarray(ids, dtype=np.int64).reshape(-1, 3)
        return (vectors, ids, *cls.quantise(vectors))

    @classmethod
    def in_memory(cls, vectors: np.ndarray, ids: np.ndarray) -> FaceIndex:
        """A small index kept in memory (the rows enrolled since the files were written)."""
        return cls(*cls.build(vectors, ids))

    # ---- files ----

    @classmethod
    def paths(cls, directory: Path, tag: str) -> list[Path]:
        return [directory / f"{name}-{tag}.npy" for name in cls.FILES]

    @classmethod
    def write(cls, directory: Path, tag: str, vectors: np.ndarray, ids: np.ndarray) -> FaceIndex:
        """Writes the arrays (each to a temporary name, then renamed: a reader never sees half a file) and opens
        them memory-mapped. Files of other tags in the directory are removed."""
        directory.mkdir(parents=True, exist_ok=True)
        for path, array in zip(cls.paths(directory, tag), cls.build(vectors, ids), strict=True):
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
        """The index of this tag, memory-mapped, or None when it has not been (completely) written."""
        try:
            return cls(*(np.load(path, mmap_mode="r") for path in cls.paths(directory, tag)))
        except FileNotFoundError:
            return None

    @staticmethod
    def tag_for(*parts) -> str:
        """A short name for the index of one state of the enrolled set (count, last id, last change)."""
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]

    # ---- search ----

    def _error_bound(self) -> float:
        """No row is further than this from its decoded code (half a step in every dimension), with a margin for
        the rounding of float32 arithmetic."""
        return 0.5 * float(np.linalg.norm(self.scale.astype(np.float64))) * (1 + 1e-4) + 1e-6

    def _scan(self, step_q: np.ndarray, out: np.ndarray, start: int, stop: int, k: int) -> np.ndarray:
        """Fills out[start:stop] with |c|² - 2 c·q for the decoded codes c of those rows (the squared distance to
        the code less |q|²) and gives k rows of small values. The int8 codes are turned into float32 a block of
        SCAN_BLOCK rows at a time, in a buffer that stays in the core's cache, and multiplied there by BLAS: memory
        carries a quarter of the float32 matrix's bytes."""
        codes = np.asarray(self.codes)  # a plain view: slicing a np.memmap runs Python code, ~1,000 times here
        buffer = np.empty((SCAN_BLOCK, DIMENSIONS), dtype=np.float32)
        for first in range(start, stop, SCAN_BLOCK):
            last = min(first + SCAN_BLOCK, stop)
            block = buffer[:last - first]
            block[...] = codes[first:last]
            np.matmul(block, step_q, out=out[first:last])
        part = out[start:stop]
        part += self.code_norms[start:stop]
        if k >= len(part):
            return np.arange(start, stop)
        blocks = len(part) // SCAN_BLOCK
        if blocks < k:
            return np.argpartition(part, k - 1)[:k] + start
        # Any k rows would do (`top` measures them to bound the k-th distance); near ones bound it tightly. Each
        # block's nearest, then the k nearest of those: a tenth of the work of an argpartition over the slice.
        best = part[:blocks * SCAN_BLOCK].reshape(blocks, SCAN_BLOCK).argmin(axis=1)
        best += np.arange(0, blocks * SCAN_BLOCK, SCAN_BLOCK)
        return best[np.argpartition(part[best], k - 1)[:k]] + start

    def exact(self, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
        """float32 Euclidean distances of these rows to the query, computed as brute force computes them."""
        return np.linalg.norm(self.vectors[rows] - query, axis=1)

    def top(self, query: np.ndarray, k: int) -> list[tuple[int, int, int, float]]:
        """The k nearest rows, nearest first: (kind, subject id, photo id, distance); ties by row. Exact:

        1. scan every row's code (`approx`: the squared distance from the query to the decoded code, less |q|²);
           a row's true distance differs from its code's by at most `_error_bound()`;
        2. measure exactly k rows of small `approx` (see `_scan`): the k-th distance among them, `reach`, is at least
           the true k-th distance;
        3. so only a row whose code is within `reach + bound` of the query can be among the k nearest: all such
           rows (a few dozen at 1,000,000 random rows) are measured exactly in float32 and the k nearest kept.
        A large index is scanned in slices by SEARCH_THREADS threads (NumPy and BLAS release the GIL)."""
        n = len(self)
        if n == 0 or k <= 0:
            return []
        k = min(k, n)
        q = np.asarray(query, dtype=np.float32).reshape(DIMENSIONS)
        q2 = float(q.astype(np.float64) @ q)
        step_q = (q * self.scale) * np.float32(-2.0)
        approx = np.empty(n, dtype=np.float32)  # squared distance to each row's code, less |q|²
        slices = max(1, min(SEARCH_THREADS * 4, n // SLICE_MIN_ROWS))
        bounds = np.linspace(0, n, slices + 1, dtype=np.int64)
        scans = [(approx, int(a), int(b), k) for a, b in itertools.pairwise(bounds)]
        if slices == 1:
            shortlist = self._scan(step_q, *scans[0])
        else:
            shortlist = np.concatenate(list(_pool().map(lambda s: self._scan(step_q, *s), scans)))
        reach = float(np.sort(self.exact(shortlist, q))[k - 1])
        within = (reach + self._error_bound()) ** 2
        rows = np.flatnonzero(approx <= within - q2 + 1e-4 * (within + q2))  # the margin: float32 rounding
        distances = self.exact(rows, q)
        order = np.lexsort((rows, distances))[:k]
        picked = self.ids[rows[order]]
        return [(int(r[0]), int(r[1]), int(r[2]), float(x)) for r, x in zip(picked, distances[order], strict=True)]


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
