"""Wiring: build the engine and its parts (knowledge base, scorer, voice, store, LLM judge) from settings."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from .bank.loading import load_taxonomy
from .config import BUILTIN_BANK, Settings
from .embeddings import SentenceEmbeddings, get_embeddings
from .index.ingest import Ingestor, IngestResult
from .index.retrieval import KnowledgeBase, mark_store_changed, open_client
from .index.vectors import VectorCache
from .interview.engine import InterviewEngine
from .interview.store import SessionStore
from .interview.voice import OfflineVoice
from .llm.probe import check_model, probe_structured
from .llm.providers import ModelChoice, resolve_model
from .models import Taxonomy
from .scoring.offline import OfflineScorer
from .scoring.vocabulary import Vocabulary, load_domain_words, save_domain_words


@dataclass
class Runtime:
    """The parts of a running interviewer, built lazily from :class:`Settings`.

    Nothing heavy happens at construction: the embedding model loads on the first answer
    (or ingest), the store opens on first use.

    ``model`` is ``--model`` from the command line: None reads ``INTERVIEWER_MODEL`` and the
    ``OPENAI_*`` variables (see :func:`interviewer.llm.providers.resolve_model`); ``"offline"`` forces
    the offline interviewer.
    """

    settings: Settings
    model: str | None = None
    #: The start-up probe's requests, one line each (see :func:`interviewer.llm.probe.probe_structured`).
    probe_log: list[str] = field(default_factory=list)

    @cached_property
    def llm(self) -> ModelChoice | None:
        """The resolved model, or None offline. Raises ConfigError naming the fix."""
        return resolve_model(self.model)

    def check_model(self) -> None:
        """At start: fail now, with the fix, if the model is misconfigured or its server unreachable
        (one ``GET /models``), then :meth:`prepare_model`."""
        if self.llm is not None:
            check_model(self.llm)
        self.prepare_model()

    def prepare_model(self) -> None:
        """Once the server is known to answer: learn which structured output it accepts (unless
        set), once, before the first answer, and build the judge (a broken prompt file fails here
        too). Nothing offline. Raises ConfigError naming the fix."""
        if self.llm is None:
            return
        if not self.llm.structured_given:
            mode, stream, self.probe_log = probe_structured(self.llm)
            self.__dict__["llm"] = replace(self.llm, structured=mode, stream=stream, structured_given=False)
            self.__dict__.pop("judge", None)
        self.judge  # noqa: B018 - builds the judge

    @cached_property
    def judge(self) -> Any:
        """The LLM judge (grades and words each turn), or None offline."""
        if self.llm is None:
            return None
        from .llm.judge import LLMJudge
        from .llm.providers import build_chat_model

        return LLMJudge(build_chat_model(self.llm), self.llm)

    @property
    def model_label(self) -> str:
        """Who interviews and grades, in one line for the UI and terminal."""
        if self.llm is None:
            return f"offline interviewer and scorer (embeddings: {self.embedder.name})"
        return f"LLM {self.llm.label()}; offline scorer as a check"

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
        client = open_client(self.settings)
        version = self.settings.store_version_path
        if version is not None and not version.exists():  # a store written before version files
            mark_store_changed(self.settings)
        return KnowledgeBase(client, version_file=version)

    @cached_property
    def vocabulary(self) -> Vocabulary:
        """The knowledge base's words for the gibberish screen: the file ingest keeps beside the
        store, or (a store built before that file existed, or a damaged file) collected from the
        store now and saved."""
        words = load_domain_words(self.settings.vocabulary_path)
        if words is None:
            words = self.kb.vocabulary_words()
            try:
                save_domain_words(self.settings.vocabulary_path, words, model=self.kb.embedding_model)
            except OSError:  # a read-only data directory: use the words without keeping them
                pass
        return Vocabulary(words)

    @cached_property
    def engine(self) -> InterviewEngine:
        return InterviewEngine(
            kb=self.kb,
            scorer=OfflineScorer(self.embedder, index=self.kb.reference_index(BUILTIN_BANK), vocabulary=self.vocabulary,
                                 shipped=shipped.vectors_for if (shipped := VectorCache.for_model(self.embedder.name)) else None),
            voice=OfflineVoice(),
            store=self.store,
            topic_name=self.taxonomy.topic_name,
            judge=self.judge,
        )

    def ingest(self, documents=(), *, rebuild: bool = False, progress: bool = True) -> IngestResult:
        """Run an ingest with this runtime's embedder; the knowledge base is reopened afterwards."""
        result = Ingestor(self.settings, self.embedder, progress=progress).run(documents, rebuild=rebuild)
        for cached in ("kb", "engine", "vocabulary"):
            self.__dict__.pop(cached, None)
        return result
