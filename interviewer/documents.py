"""Source documents: find them, read them to plain text, split them into passages, hash them.

Used by ingest (passages for the knowledge base) and by coverage (a candidate's prep
documents); it depends on nothing else of the package but its errors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from .errors import DocumentError

DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt", ".pdf")
#: Characters per passage and overlap; about 150-200 words, a few sentences of context each.
CHUNK_SIZE = 900
CHUNK_OVERLAP = 120


def file_hash(path: Path, extra: str = "") -> str:
    """SHA-256 of a file's bytes (plus ``extra``, e.g. the taxonomy's hash), hex, 16 chars."""
    return bytes_hash(path.read_bytes(), extra)


def bytes_hash(data: bytes, extra: str = "") -> str:
    """:func:`file_hash` of content not (yet) in a file."""
    h = hashlib.sha256(data)
    h.update(extra.encode())
    return h.hexdigest()[:16]


def read_document(path: Path) -> str:
    """Plain text of a .md, .txt or .pdf file.

    Raises:
        DocumentError: unsupported type, unreadable, not UTF-8 text, or no extractable text.
    """
    suffix = path.suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES:
        raise DocumentError(f"{path}: unsupported file type {suffix!r}; use .md, .txt or .pdf.")
    try:
        if suffix == ".pdf":
            from pypdf import PdfReader

            reader = PdfReader(str(path))
            text = "\n\n".join((page.extract_text() or "") for page in reader.pages)
        else:
            raw = path.read_bytes()
            if b"\x00" in raw[:4096]:
                raise DocumentError(f"{path}: looks like a binary file, not text; convert it to .md, .txt or .pdf.")
            text = raw.decode("utf-8")
    except DocumentError:
        raise
    except UnicodeDecodeError:
        raise DocumentError(f"{path}: is not UTF-8 text; re-save it as UTF-8 and ingest again.") from None
    except Exception as exc:  # pypdf raises a family of its own errors; OSError for permissions
        raise DocumentError(f"{path}: cannot be read ({exc}); check the file, or leave it out of the ingest.") from None
    if not text.strip():
        raise DocumentError(f"{path}: has no extractable text (a scanned PDF?); give a text version instead.")
    return text


def split_document(text: str, suffix: str) -> list[str]:
    """Split a document into passages with langchain-text-splitters (markdown-aware for .md)."""
    from langchain_text_splitters import Language, RecursiveCharacterTextSplitter

    if suffix in (".md", ".markdown"):
        splitter = RecursiveCharacterTextSplitter.from_language(
            Language.MARKDOWN, chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP
        )
    else:
        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    return [c.strip() for c in splitter.split_text(text) if len(c.strip()) >= 40]


def expand_paths(paths: Iterable[Path], suffixes: Sequence[str] = DOCUMENT_SUFFIXES) -> list[Path]:
    """Document files under the given paths (directories are walked for files whose suffix is
    in ``suffixes``; a file named directly is kept whatever its suffix), as absolute paths,
    sorted and de-duplicated.

    Raises:
        DocumentError: a path does not exist.
    """
    out: set[Path] = set()
    for p in paths:
        p = Path(p).expanduser()
        if not p.exists():
            raise DocumentError(f"{p}: no such file or directory; give {', '.join(suffixes)} files or folders of them.")
        if p.is_dir():
            out.update(f.resolve() for f in p.rglob("*") if f.is_file() and f.suffix.lower() in suffixes)
        else:
            out.add(p.resolve())
    return sorted(out)
