"""Wiring: build the engine and its parts (knowledge base, scorer, voice, store) from settings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .bank import load_taxonomy
from .config import Settings
from .embeddings import SentenceEmbeddings, get_embeddings
from .engine import InterviewEngine
from .ingest import Ingestor, IngestResult
from .models import Taxonomy
from .retrieval import KnowledgeBase, open_client
from .scoring import OfflineScorer
from .store import SessionStore
from .voice import OfflineVoice


@dataclass
class Runtime:
    """The parts of a running interviewer, built lazily from :class:`Settings`.

    Nothing heavy happens at construction: the embedding model loads on the first answer
    (or ingest), the store opens on first use.
    """

    settings: Settings

    @cached_property
    def embedder(self) -> SentenceEmbeddings:
        return get_embeddings(self.settings.embedding_model)

    @cached_property
    def taxonomy(self) -> Taxonomy:
        return load_taxonomy(self.settings.taxonomy_path)

    @cached_property
    def store(self) -> SessionStore:
        return SessionStore(self.settings.db_path)

    @cached_property
    def kb(self) -> KnowledgeBase:
        return KnowledgeBase(open_client(self.settings))

    @cached_property
    def engine(self) -> InterviewEngine:
        return InterviewEngine(
            kb=self.kb,
            scorer=OfflineScorer(self.embedder),
            voice=OfflineVoice(),
            store=self.store,
            topic_name=self.taxonomy.topic_name,
        )

    def ingest(self, documents=(), *, rebuild: bool = False, progress: bool = True) -> IngestResult:
        """Run an ingest with this runtime's embedder; the knowledge base is reopened afterwards."""
        result = Ingestor(self.settings, self.embedder, progress=progress).run(documents, rebuild=rebuild)
        self.__dict__.pop("kb", None)
        self.__dict__.pop("engine", None)
        return result
