"""The face engine (人脸比对): one face's 128-d embedding from a photo, and an exact 1:N index over all of them.

- `encode_face(data)` checks the bytes' size (core.files.check_size) before anything is decoded, refuses a
  decompression bomb by the pixel count the header declares (before the pixels are decoded), decodes JPEG at a
  reduced scale (`draft`) and downscales any photo to at most DETECT_MAX_SIDE pixels on its long side, so one
  enrolment stays well under a second on a loaded 2-core machine; then detects faces with dlib's HOG detector
  (face_recognition, model from the face_recognition_models package, offline) and encodes the one face. Every
  refusal is a core.errors `invalid(...)` with a Chinese message on the field "photo".
- `FaceIndex`: an (N, 128) float32 matrix memory-mapped from a `.npy` file under the files root, with an (N, 3)
  int64 array of (subject kind, subject id, photo id), and an 8-bit copy of the matrix (one scale for every
  dimension) in faiss files of SHARD_ROWS rows each (faiss's 8-bit direct signed scalar quantizer, memory-mapped
  with IO_FLAG_MMAP_IFC): a quarter of the bytes, scanned by faiss's SIMD code on SEARCH_THREADS threads (faiss
  releases the GIL). The query is rounded to a code too, so faiss's distances are exact integers between codes;
  how far a row and the query can be from their codes is measured (the rows' when written, the query's at each
  search), so the scan only narrows the rows down: the rows that could be among the k nearest are then measured
  in float32 from the full matrix (FaceIndex.top). The answer is exact, the same rows and distances as brute
  force over the float32 matrix (ties by row), not an approximation.
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
# Rows per shard: one faiss index (file) of 8-bit codes each, searched by one thread; 1,000,000 rows are 4 shards,
# two per thread on 2 cores.
SHARD_ROWS = 262_144
# Each shard's nearest codes measured exactly beyond k: enough that the rows left out are provably too far (the
# nearest code left out is further than the k-th distance by more than the codes' error) nearly always.
SHORTLIST_EXTRA = 64
INDEX_FORMAT = 3  # the files' layout: 2 added the 8-bit codes, 3 made them faiss files; others are written again

NO_FACE = "照片中未检测到人脸，请上传正面清晰照片"
MANY_FACES = "照片中有多张人脸，请裁剪为一人后上传"
NOT_IMAGE = "文件不是可以识别的照片（JPEG 或 PNG），请重新拍摄或选择照片"
TOO_MANY_PIXELS = "照片像素过多（超过 4000 万像素），请缩小后再上传"

# Subject kinds in the index's ids array (FacePhoto.case / FacePhoto.report).
KIND_CASE = 1
KIND_REPORT = 2


@functools.cache
def _faiss():
    """Imported on first use (~0.5 s): pages that never search faces should not pay."""
    import faiss

    return faiss


def _one_openmp_thread() -> None:
    # faiss runs a one-query search in the calling thread, but a thread with more OpenMP threads keeps them
    # spinning beside it: one each, on the search threads (the web server runs several threads of its own).
    _faiss().omp_set_num_threads(1)


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=SEARCH_THREADS, thread_name_prefix="face-index",
                              initializer=_one_openmp_thread)


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
    """Exact 1:N search over (N, 128) float32 rows memory-mapped from disk, scanned through 8-bit codes by faiss
    (see the module's docstring)."""

    FILES = ("vectors", "ids", "quant")  # .npy; and one faiss file of codes per shard of SHARD_ROWS rows

    def __init__(self, vectors: np.ndarray, ids: np.ndarray, quant: np.ndarray, shards: list):
        self.vectors = vectors  # (N, 128) float32: the embeddings, read only for the few rows measured exactly
        self.ids = ids  # (N, 3) int64: subject kind, subject id, photo id
        self.quant = np.asarray(quant, dtype=np.float64)  # (scale, row error, shard rows)
        self.shards = shards  # faiss IndexScalarQuantizer (8-bit direct signed) over consecutive rows, in order

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def scale(self) -> float:
        """One step of a code, the same in every dimension (so distances between codes are distances)."""
        return float(self.quant[0])

    @property
    def row_error(self) -> float:
        """The largest distance of any row from its decoded code (measured when written)."""
        return float(self.quant[1])

    @property
    def shard_rows(self) -> int:
        return int(self.quant[2])

    # ---- building ----

    @staticmethod
    def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N, 128) uint8 codes as faiss's 8-bit direct signed codec stores them (round(vector / scale) + 128) and
        (scale, row error). The largest magnitude of any coordinate maps to 127, so nothing is clipped; the row
        error is measured, not assumed: the largest Euclidean distance of a row from scale × its code (float64),
        what exactness rests on. An outlier coarsens every step: searches then measure more rows, still exactly."""
        peak = float(np.abs(vectors).max()) if len(vectors) else 0.0
        scale = peak / 127.0 if peak > 0 else 1.0
        codes = np.empty(vectors.shape, dtype=np.uint8)
        error = 0.0
        for first in range(0, len(vectors), 65_536):  # in slices: no temporary the size of the matrix
            rows = vectors[first:first + 65_536]
            signed = np.rint(rows / np.float64(scale))
            codes[first:first + 65_536] = (signed + 128).astype(np.uint8)
            error = max(error, float(np.sqrt(((rows - signed * scale) ** 2).sum(axis=1)).max()))
        return codes, np.array([scale, error], dtype=np.float64)

    @staticmethod
    def _shard(codes: np.ndarray):
        faiss = _faiss()
        shard = faiss.IndexScalarQuantizer(DIMENSIONS, faiss.ScalarQuantizer.QT_8bit_direct_signed,
                                           faiss.METRIC_L2)
        shard.is_trained = True  # the direct codec has nothing to train
        if len(codes):
            faiss.copy_array_to_vector(np.ascontiguousarray(codes).ravel(), shard.codes)
            shard.ntotal = len(codes)
        return shard

    @classmethod
    def build(cls, vectors: np.ndarray, ids: np.ndarray):
        """The arrays of an index and its shards (faiss indexes over SHARD_ROWS consecutive rows each)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, DIMENSIONS)
        ids = np.ascontiguousarray(ids, dtype=np.int64).reshape(-1, 3)
        codes, (scale, error) = cls.quantise(vectors)
        quant = np.array([scale, error, SHARD_ROWS], dtype=np.float64)
        shards = [cls._shard(codes[a:a + SHARD_ROWS]) for a in range(0, len(vectors), SHARD_ROWS)]
        return vectors, ids, quant, shards

    @classmethod
    def in_memory(cls, vectors: np.ndarray, ids: np.ndarray) -> FaceIndex:
        """A small index kept in memory (the rows enrolled since the files were written)."""
        return cls(*cls.build(vectors, ids))

    # ---- files ----

    @classmethod
    def paths(cls, directory: Path, tag: str) -> list[Path]:
        return [directory / f"{name}-{tag}.npy" for name in cls.FILES]

    @staticmethod
    def shard_path(directory: Path, tag: str, number: int) -> Path:
        return directory / f"codes-{tag}-{number}.faiss"

    @classmethod
    def write(cls, directory: Path, tag: str, vectors: np.ndarray, ids: np.ndarray) -> FaceIndex:
        """Writes the arrays and the shards' faiss files (each to a temporary name, then renamed: a reader never
        sees half a file; `quant`, which tells how many shards there are, last) and opens them memory-mapped.
        Files of other tags in the directory are removed."""
        directory.mkdir(parents=True, exist_ok=True)
        vectors, ids, quant, shards = cls.build(vectors, ids)
        faiss = _faiss()
        keep = []
        for number, shard in enumerate(shards):
            path = cls.shard_path(directory, tag, number)
            partial = path.with_name(path.name + ".part")
            faiss.write_index(shard, str(partial))
            os.replace(partial, path)
            keep.append(path.name)
        del shards
        for path, array in zip(cls.paths(directory, tag), (vectors, ids, quant), strict=True):
            partial = path.with_name(path.name + ".part")
            with open(partial, "wb") as handle:
                np.save(handle, array)
            os.replace(partial, path)
            keep.append(path.name)
        for old in itertools.chain(directory.glob("*.npy"), directory.glob("*.faiss")):
            if old.name not in keep:
                old.unlink(missing_ok=True)
        return cls.open(directory, tag)

    @classmethod
    def open(cls, directory: Path, tag: str) -> FaceIndex | None:
        """The index of this tag, memory-mapped (the faiss files too: IO_FLAG_MMAP_IFC), or None when it has not
        been (completely) written."""
        try:
            vectors, ids, quant = (np.load(path, mmap_mode="r") for path in cls.paths(directory, tag))
        except FileNotFoundError:
            return None
        rows = max(1, int(quant[2]))
        paths = [cls.shard_path(directory, tag, n) for n in range(-(-len(vectors) // rows))]
        if not all(p.exists() for p in paths):
            return None
        faiss = _faiss()
        shards = [faiss.read_index(str(p), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY) for p in paths]
        return cls(vectors, ids, np.array(quant), shards)

    @staticmethod
    def tag_for(*parts) -> str:
        """A short name for the index of one state of the enrolled set (count, last id, last change)."""
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]

    # ---- search ----

    def exact(self, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
        """float32 Euclidean distances of these rows to the query, computed as brute force computes them."""
        return np.linalg.norm(self.vectors[rows] - query, axis=1)

    def _in_shards(self, work, items: list) -> list:
        """work(item) for every item, on the search threads (faiss releases the GIL; each thread runs faiss with
        one OpenMP thread)."""
        if len(items) == 1:
            return [_pool().submit(work, items[0]).result()]
        return list(_pool().map(work, items))

    def top(self, query: np.ndarray, k: int) -> list[tuple[int, int, int, float]]:
        """The k nearest rows, nearest first: (kind, subject id, photo id, distance); ties by row. Exact:

        1. the query is rounded to a code too (`q_code`), `query_error` = |q - scale × q_code|; for every row,
           |‖q - x‖ - scale × ‖q_code - c‖| ≤ query_error + row_error = `bound` (triangle inequality), where
           ‖q_code - c‖² is what faiss computes on integers (exact: a test checks it against brute force);
        2. each shard gives its k + SHORTLIST_EXTRA nearest codes; those rows are measured exactly in float32 and
           the k-th distance among them, `reach`, is at least the true k-th distance;
        3. a row a shard did not give has a code at least as far as that shard's last one: when scale × that
           distance - bound exceeds `reach` (with a margin for float rounding), no such row can be among the k
           nearest; otherwise every row of that shard whose code is within reach + bound is fetched (faiss
           range_search) and measured exactly. The k nearest measured rows are the answer."""
        n = len(self)
        if n == 0 or k <= 0:
            return []
        k = min(k, n)
        q = np.asarray(query, dtype=np.float32).reshape(DIMENSIONS)
        scale = self.scale
        q_code = np.clip(np.rint(q / np.float64(scale)), -127, 127)
        bound = float(np.linalg.norm(q - q_code * scale)) + self.row_error
        q_code = q_code.astype(np.float32).reshape(1, DIMENSIONS)
        want = k + SHORTLIST_EXTRA
        starts = [i * self.shard_rows for i in range(len(self.shards))]

        def nearest(i):
            return self.shards[i].search(q_code, min(want, self.shards[i].ntotal))

        found = self._in_shards(nearest, list(range(len(self.shards))))
        rows = np.concatenate([labels[0][labels[0] >= 0] + start
                               for (_d, labels), start in zip(found, starts, strict=True)])
        distances = self.exact(rows, q)
        reach = float(np.partition(distances, k - 1)[k - 1])
        margin = 1e-4 * (reach + bound) + 1e-6  # float32 rounding of the distances, generously
        # shards whose rows left out could still be as near as `reach`
        unsure = [i for i, (d, _labels) in enumerate(found)
                  if self.shards[i].ntotal > d.shape[1] and scale * np.sqrt(float(d[0, -1])) - bound <= reach + margin]
        if unsure:
            radius = ((reach + bound + margin) / scale) ** 2 + 1  # faiss keeps distances < radius

            def within(i):
                _lims, _d, labels = self.shards[i].range_search(q_code, radius)
                return labels + starts[i]

            more = np.concatenate(self._in_shards(within, unsure))
            more = np.setdiff1d(more, rows)
            rows = np.concatenate([rows, more])
            distances = np.concatenate([distances, self.exact(more, q)])
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
