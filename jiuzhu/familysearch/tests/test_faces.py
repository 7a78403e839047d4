"""The face engine on its own (no database): the shared photos' accuracy, the refusals, the exact index."""

import io

import numpy as np
import pytest
from PIL import Image

from jiuzhu.core.errors import DomainError
from jiuzhu.familysearch import faces

from .conftest import face_rows, photo_bytes

pytestmark = pytest.mark.usefixtures("settings")


def single_face_codes(face_codes) -> dict[str, tuple[str, faces.Encoding]]:
    return {f: (identity, code) for f, (identity, code, _sha) in face_codes.items() if identity != "MULTI"}


def test_every_single_person_photo_has_one_face(face_codes):
    """The issue asks to report any photo with no face: on the shared set there is none (at DETECT_MAX_SIDE)."""
    refused = {f: code for f, (identity, code, _) in face_codes.items()
               if identity != "MULTI" and isinstance(code, str)}
    assert refused == {}
    multi = {f: code for f, (identity, code, _) in face_codes.items() if identity == "MULTI"}
    assert set(multi) == {"fr_two_people.jpg", "fr_obama_and_biden.jpg", "fr_kit_with_rose.jpg",
                          "of_longoria-cooper.jpg"}
    assert set(multi.values()) == {faces.MANY_FACES}


def test_one_photo_enrolled_per_identity_every_other_photo_finds_it_at_rank_1(face_codes, tmp_path):
    """The issue's accuracy target: enrol one photo per identity (as missing reports), search with every other
    photo of the same identity: the same person at rank 1, every time, whichever photo is the enrolled one."""
    codes = single_face_codes(face_codes)
    identities = sorted({identity for identity, _ in codes.values()})
    by_identity = {i: [f for f, (identity, _) in codes.items() if identity == i] for i in identities}
    pairs = misses = 0
    for identity, files in by_identity.items():
        for enrolled in files:
            # the gallery: this photo for this identity, the first photo of every other identity
            gallery = [enrolled] + [by_identity[other][0] for other in identities if other != identity]
            index = faces.FaceIndex.write(tmp_path, "g", np.stack([codes[f][1].vector for f in gallery]),
                                          np.array([(faces.KIND_REPORT, n, n) for n in range(len(gallery))]))
            for probe in files:
                if probe == enrolled:
                    continue
                pairs += 1
                hit = index.search([codes[probe][1].vector], k=1)[0]
                misses += hit.subject_id != 0
    assert pairs == sum(len(f) * (len(f) - 1) for f in by_identity.values()) > 100
    assert misses == 0


def test_same_person_nearer_than_anyone_else_and_labelled(face_codes):
    """Stronger: every same-person pair is nearer than the probe's nearest other person in the whole set, and the
    labels follow the distance."""
    codes = single_face_codes(face_codes)
    files = list(codes)
    x = np.stack([codes[f][1].vector for f in files])
    who = [codes[f][0] for f in files]
    d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    for i in range(len(files)):
        others = min(d[i, k] for k in range(len(files)) if who[k] != who[i])
        same = [d[i, j] for j in range(len(files)) if j != i and who[j] == who[i]]
        assert all(s < others for s in same), files[i]
    assert faces.similarity_label(0.3) == "高度相似"
    assert faces.similarity_label(0.45) == "较为相似"
    assert faces.similarity_label(0.55) == "可能相似"
    assert faces.similarity_label(0.7) == "相似度低"


def test_encoding_is_a_128_float32_vector_with_a_box_in_the_photo(face_codes):
    _identity, code, _ = face_codes["fr_obama-1080p.jpg"]
    assert code.vector.shape == (128,) and code.vector.dtype == np.float32
    assert code.size == (1920, 1080)
    top, right, bottom, left = code.box
    assert 0 <= left < right <= 1920 and 0 <= top < bottom <= 1080
    assert faces.vector_from_bytes(faces.vector_bytes(code.vector)).tolist() == code.vector.tolist()


def _refusal(data: bytes) -> str:
    with pytest.raises(DomainError) as caught:
        faces.encode_face(data)
    assert caught.value.field == "photo"
    return caught.value.message


def test_not_an_image():
    assert _refusal(b"%PDF-1.4 this is a scanned form") == faces.NOT_IMAGE
    assert _refusal(b"\xff\xd8\xff" + b"broken jpeg" * 50) == faces.NOT_IMAGE


def test_no_face(blank_jpeg):
    assert _refusal(blank_jpeg) == "照片中未检测到人脸，请上传正面清晰照片"


def test_two_faces_side_by_side():
    """Two single-person photos composed side by side with Pillow: refused as several faces."""
    left = Image.open(io.BytesIO(photo_bytes("of_clapton-2.jpg"))).convert("RGB")
    right = Image.open(io.BytesIO(photo_bytes("df_img25.jpg"))).convert("RGB").resize(left.size)
    both = Image.new("RGB", (left.width * 2, left.height))
    both.paste(left, (0, 0))
    both.paste(right, (left.width, 0))
    out = io.BytesIO()
    both.save(out, format="JPEG")
    assert _refusal(out.getvalue()) == "照片中有多张人脸，请裁剪为一人后上传"


def test_oversized_refused_before_decoding(settings, monkeypatch):
    settings.STORED_FILE_MAX_BYTES = 100_000
    monkeypatch.setattr(faces, "_decode", lambda data: pytest.fail("decoded an oversized file"))
    message = _refusal(photo_bytes("df_img13.jpg"))  # 523 KB
    assert message.startswith("文件大小为 510.8 KB，超过了 97.7 KB 的上限")


@pytest.mark.parametrize("side", [7_000, 20_000])
def test_decompression_bomb_refused_by_its_declared_size(side):
    """A small PNG declaring 7,000² (over our 40-megapixel cap, under Pillow's own limit) or 20,000² pixels (over
    Pillow's) is refused from its header, before a pixel is decoded."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, format="PNG")  # compresses to a few tens of KB
    data = out.getvalue()
    assert len(data) < 200_000
    assert _refusal(data) == faces.TOO_MANY_PIXELS


def test_every_shared_photo_is_in_the_provenance_list():
    assert len(face_rows()) == 57


# ---- the index ----

@pytest.mark.parametrize("shard_rows", [262_144, 600])  # one shard; nine shards merged across threads
def test_index_is_exact_top_k_nearest_first(tmp_path, monkeypatch, shard_rows):
    monkeypatch.setattr(faces, "SHARD_ROWS", shard_rows)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(5000, 128)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    ids = np.array([(faces.KIND_CASE, n, n) for n in range(5000)])
    index = faces.FaceIndex.write(tmp_path, "t1", x, ids)
    assert isinstance(index.vectors, np.memmap) and len(index) == 5000
    for q in rng.normal(size=(20, 128)).astype(np.float32):
        exact = np.argsort(np.linalg.norm(x - q, axis=1), kind="stable")[:10]
        got = index.top(q, 10)
        assert [g[1] for g in got] == exact.tolist()
        assert np.allclose([g[3] for g in got], np.linalg.norm(x[exact] - q, axis=1), atol=1e-4)
    # a new tag replaces the old files; an unknown tag is not there
    assert len(index.shards) == (1 if shard_rows > 5000 else 9)
    faces.FaceIndex.write(tmp_path, "t2", x[:10], ids[:10])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "codes-t2-0.faiss", "ids-t2.npy", "quant-t2.npy", "vectors-t2.npy"]
    assert faces.FaceIndex.open(tmp_path, "t1") is None
    reopened = faces.FaceIndex.open(tmp_path, "t2")
    assert [g[2] for g in reopened.top(x[3], 3)] == _brute_force(x[:10], x[3], 3)
    (tmp_path / "codes-t2-0.faiss").unlink()  # a shard missing: not (completely) written
    assert faces.FaceIndex.open(tmp_path, "t2") is None


def _brute_force(x: np.ndarray, q: np.ndarray, k: int) -> list[int]:
    return np.argsort(np.linalg.norm(x - q, axis=1), kind="stable")[:k].tolist()


def test_code_scan_and_exact_rerank_is_brute_force_even_at_near_ties(tmp_path, monkeypatch):
    """The 8-bit scan only narrows the rows down: with duplicates, near-ties closer than one code step (rows with
    the same codes), a dense cluster, and one outlier that coarsens every code step of its dimension, the answer
    is brute force's, rows and order (ties by row), in one slice and across threads."""
    rng = np.random.default_rng(11)
    x = rng.normal(0, 0.09, size=(2000, 128)).astype(np.float32)
    x[100:112] = x[7]  # exact duplicates of row 7
    x[200:240] = x[9] + rng.normal(0, 1e-4, size=(40, 128)).astype(np.float32)  # within one code step of row 9
    x[300:340] = x[11] + rng.normal(0, 0.01, size=(40, 128)).astype(np.float32)  # a dense cluster
    ids = np.array([(faces.KIND_CASE, n, n) for n in range(len(x))])
    queries = [x[7], x[9], x[11], x[9] + 2e-4, *(x[rng.integers(2000, size=2)] + 0.03)]
    # one shard; five shards across threads, with no rows beyond k in a shortlist (the range search decides)
    for tag, shard_rows, extra in (("one", 262_144, 64), ("threads", 400, 0)):
        monkeypatch.setattr(faces, "SHARD_ROWS", shard_rows)
        monkeypatch.setattr(faces, "SHORTLIST_EXTRA", extra)
        index = faces.FaceIndex.write(tmp_path, tag, x, ids)
        for q in queries:
            for k in (1, 10, 30):
                assert [g[2] for g in index.top(q, k)] == _brute_force(x, q, k)
    x[0, 0] = 3.0  # one outlier row: every code step of dimension 0 thirty times coarser; still exact
    index = faces.FaceIndex.write(tmp_path, "outlier", x, ids)
    for q in queries:
        assert [g[2] for g in index.top(q, 10)] == _brute_force(x, q, 10)


def test_faiss_measures_integer_codes_exactly():
    """What the index's exactness rests on: with the query rounded to a code, faiss's 8-bit direct signed L2
    distance is the integer ‖q - c‖², and its k nearest (and range search) are brute force's over the codes."""
    rng = np.random.default_rng(3)
    codes = rng.integers(-127, 128, size=(20_000, 128))
    codes[0], codes[1] = 127, -127  # the extremes
    shard = faces.FaceIndex._shard((codes + 128).astype(np.uint8))
    for q in (np.full(128, -127), np.full(128, 127), *np.clip(np.rint(rng.normal(0, 60, (5, 128))), -127, 127)):
        full = ((codes - q) ** 2).sum(axis=1)
        d, labels = shard.search(q.astype(np.float32)[None], 40)
        assert d[0].astype(np.int64).tolist() == full[labels[0]].tolist() == np.sort(full)[:40].tolist()
        _lims, _d, within = shard.range_search(q.astype(np.float32)[None], float(np.sort(full)[40]))
        assert sorted(within.tolist()) == np.flatnonzero(full < np.sort(full)[40]).tolist()


def test_index_counts_a_subject_once_and_leaves_out_the_probe(tmp_path):
    base = np.zeros(128, dtype=np.float32)
    rows = []
    vectors = []
    for photo, (subject, offset) in enumerate([(1, 0.0), (1, 0.01), (1, 0.02), (2, 0.1), (3, 0.2), (4, 0.3)]):
        v = base.copy()
        v[0] = offset
        vectors.append(v)
        rows.append((faces.KIND_REPORT, subject, photo))
    index = faces.FaceIndex.write(tmp_path, "s", np.stack(vectors), np.array(rows))
    hits = index.search([base], k=3)
    assert [(h.subject_id, h.photo_id) for h in hits] == [(1, 0), (2, 3), (3, 4)]
    hits = index.search([base], k=3, exclude=(faces.KIND_REPORT, 1))
    assert [h.subject_id for h in hits] == [2, 3, 4]
    assert faces.FaceIndex.write(tmp_path, "e", np.empty((0, 128)), np.empty((0, 3))).search([base], k=3) == []
