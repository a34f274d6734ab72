"""Ingest into a Chroma store on disk with the real embedding model: incremental, robust to bad files."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from interviewer.config import KNOWLEDGE_DIR, Settings
from interviewer.documents import read_document
from interviewer.errors import DocumentError, StoreMissingError
from interviewer.index.ingest import Ingestor
from interviewer.index.retrieval import KnowledgeBase, open_client, texts_of

from .conftest import SEEDS


def make_pdf(path: Path, text: str) -> None:
    """Write a one-page PDF whose page shows ``text`` (enough for text extraction)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))


@pytest.fixture
def knowledge(tmp_path) -> Path:
    """A small knowledge folder: the taxonomy, one real bank file, one note."""
    k = tmp_path / "knowledge"
    (k / "bank" / "screening").mkdir(parents=True)
    (k / "notes").mkdir()
    shutil.copy(KNOWLEDGE_DIR / "taxonomy.yaml", k)
    shutil.copy(KNOWLEDGE_DIR / "bank" / "screening" / "tools_frameworks.yaml", k / "bank" / "screening")
    (k / "notes" / "metrics.md").write_text(
        "# Metrics\n\nPrecision is the share of predicted positives that are correct. Recall is the share of "
        "actual positives that are found. F1 is their harmonic mean, 2PR/(P+R).\n", encoding="utf-8")
    return k


def test_ingest_is_incremental(tmp_path, knowledge, embedder):
    settings = Settings(home=tmp_path / "home", knowledge_dir=knowledge)
    ing = Ingestor(settings, embedder, progress=False)
    first = ing.run()
    assert len(first.added) == 2 and first.records["questions"] > 5 and first.records["passages"] >= 1
    kb = KnowledgeBase(open_client(settings))
    before = kb.stats()

    t = time.perf_counter()
    again = ing.run()
    assert not again.changed and len(again.unchanged) == 2 and not again.records
    assert time.perf_counter() - t < 5
    assert KnowledgeBase(open_client(settings)).stats() == before

    note = knowledge / "notes" / "metrics.md"
    note.write_text(note.read_text() + "\nROC-AUC is threshold free and measures ranking quality.\n")
    extra = tmp_path / "extra.txt"
    extra.write_text("Feature stores serve the same feature values to training and online inference. " * 5)
    changed = ing.run([extra])
    assert changed.updated == [str(note.resolve())] and changed.added == [str(extra.resolve())]
    passages = KnowledgeBase(open_client(settings)).passages.get(include=["documents", "metadatas"])
    assert any("ROC-AUC" in d for d in texts_of(passages))
    assert all(m["topic"] and m["stage"] for m in passages["metadatas"])

    extra.unlink()
    removed = ing.run()
    assert removed.removed == [str(extra.resolve())]
    docs = texts_of(KnowledgeBase(open_client(settings)).passages.get(include=["documents", "metadatas"]))
    assert not any("Feature stores" in d for d in docs)


def test_bad_documents_are_reported_and_skipped(tmp_path, knowledge, embedder):
    settings = Settings(home=tmp_path / "home", knowledge_dir=knowledge)
    binary = tmp_path / "garbage.txt"
    binary.write_bytes(b"\x00\x01\x02" * 1000)
    latin = tmp_path / "latin.md"
    latin.write_bytes("caf\xe9 na\xefve r\xe9sum\xe9".encode("latin-1") * 10)
    broken_pdf = tmp_path / "broken.pdf"
    broken_pdf.write_bytes(b"%PDF-1.4 this is not really a pdf")
    good_pdf = tmp_path / "good.pdf"
    make_pdf(good_pdf, "Dropout randomly zeroes activations during training to regularize a network.")
    result = Ingestor(settings, embedder, progress=False).run([binary, latin, broken_pdf, good_pdf])
    assert set(result.failed) == {str(binary.resolve()), str(latin.resolve()), str(broken_pdf.resolve())}
    assert "binary" in result.failed[str(binary.resolve())]
    assert "UTF-8" in result.failed[str(latin.resolve())]
    assert str(good_pdf.resolve()) in result.added
    docs = texts_of(KnowledgeBase(open_client(settings)).passages.get(include=["documents", "metadatas"]))
    assert any("Dropout randomly zeroes" in d for d in docs)


def test_missing_path_and_missing_store_name_the_fix(tmp_path, knowledge, embedder):
    settings = Settings(home=tmp_path / "home", knowledge_dir=knowledge)
    with pytest.raises(DocumentError, match="no such file"):
        Ingestor(settings, embedder, progress=False).run([tmp_path / "nope.md"])
    with pytest.raises(StoreMissingError, match="interviewer ingest"):
        KnowledgeBase(open_client(settings))


def test_unsupported_type_is_refused(tmp_path):
    f = tmp_path / "slides.pptx"
    f.write_bytes(b"PK\x03\x04")
    with pytest.raises(DocumentError, match="unsupported file type"):
        read_document(f)


@pytest.mark.slow
def test_ingest_the_real_source_documents(tmp_path, embedder):
    if not SEEDS.is_dir():
        pytest.skip(f"source documents not found at {SEEDS} (they live in the shared folder beside the repo)")
    settings = Settings(home=tmp_path / "home")
    result = Ingestor(settings, embedder, progress=False).run([SEEDS])
    seeds = sorted(str(p.resolve()) for p in SEEDS.glob("*.txt"))
    assert set(seeds) <= set(result.added) and not result.failed
    kb = KnowledgeBase(open_client(settings))
    hits = kb.passages_for(embedder.embed_query("How do you detect model drift in production?"), k=5)
    assert any(h["source"] in seeds for h in hits)
    stats = kb.stats()
    assert stats["passages"] > 50 and stats["questions"] >= 80


def test_rebuild_recovers_a_corrupted_store(tmp_path, knowledge, embedder):
    settings = Settings(home=tmp_path / "home", knowledge_dir=knowledge)
    settings.chroma_dir.mkdir(parents=True)
    (settings.chroma_dir / "chroma.sqlite3").write_bytes(b"garbage" * 5000)
    from interviewer.errors import StoreCorruptError

    with pytest.raises(StoreCorruptError, match="ingest --rebuild"):
        KnowledgeBase(open_client(settings))
    with pytest.raises(StoreCorruptError):
        Ingestor(settings, embedder, progress=False).run()
    Ingestor(settings, embedder, progress=False).run(rebuild=True)
    assert KnowledgeBase(open_client(settings)).stats()["questions"] > 5
    kept = list((tmp_path / "home").glob("chroma.broken-*"))
    assert len(kept) == 1 and (kept[0] / "chroma.sqlite3").read_bytes().startswith(b"garbage")


def test_ingest_keeps_the_vocabulary_of_what_it_stores_and_the_runtime_rebuilds_a_lost_one(tmp_path, knowledge, embedder):
    """The gibberish screen knows the words of every ingested document, and a deleted or damaged
    vocabulary file is collected again from the store."""
    from interviewer.runtime import Runtime
    from interviewer.scoring.vocabulary import load_domain_words

    settings = Settings(home=tmp_path / "home", knowledge_dir=knowledge)
    doc = tmp_path / "notes.md"
    doc.write_text("# Our stack\n\nWe serve models with Zorblaxify behind a Quuxgate proxy.\n", encoding="utf-8")
    Ingestor(settings, embedder, progress=False).run([doc])
    words = load_domain_words(settings.vocabulary_path)
    assert {"zorblaxify", "quuxgate", "precision"} <= words

    settings.vocabulary_path.write_text("{damaged", encoding="utf-8")
    rt = Runtime(settings)
    rt.__dict__["embedder"] = embedder
    assert rt.vocabulary.is_word("Zorblaxify") and rt.vocabulary.is_word("zorblaxfy")  # a typo of it too
    assert "zorblaxify" in load_domain_words(settings.vocabulary_path)  # saved again

    doc.unlink()  # a removed document's words go with it
    Ingestor(settings, embedder, progress=False).run()
    assert "zorblaxify" not in load_domain_words(settings.vocabulary_path)


def test_an_ingest_cut_off_midway_is_completed_by_the_next(tmp_path, knowledge, embedder):
    """A kill mid-write leaves some of a file's records: the next ingest (and `ingest --if-missing`,
    which `make run` uses) sees the file as incomplete and writes it again, not as unchanged."""
    from interviewer.index.ingest import completion_marker, store_exists

    settings = Settings(home=tmp_path / "home", knowledge_dir=knowledge)
    ing = Ingestor(settings, embedder, progress=False)
    ing.run()
    assert store_exists(settings)
    full = KnowledgeBase(open_client(settings)).stats()
    # what a kill after the first upserts leaves: part of the bank file's key points, no marker
    kb = KnowledgeBase(open_client(settings))
    ids = kb.key_points.get(include=[])["ids"]
    kb.key_points.delete(ids=ids[: len(ids) // 2])
    completion_marker(settings).unlink()
    assert not store_exists(settings), "--if-missing must not skip a store whose last ingest did not finish"
    again = ing.run()
    bank_file = str((knowledge / "bank" / "screening" / "tools_frameworks.yaml").resolve())
    assert again.updated == [bank_file], again
    assert KnowledgeBase(open_client(settings)).stats() == full
    assert store_exists(settings)
