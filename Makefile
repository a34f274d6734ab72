# Quick start: `make run` (install, build the knowledge base if missing, serve the app)
# and `make test` (install, then the whole test suite).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 7860
HOST   ?= 127.0.0.1
STAMP  := $(VENV)/.installed

export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1
export HF_HUB_DISABLE_TELEMETRY=1
export GRADIO_ANALYTICS_ENABLED=False
export ANONYMIZED_TELEMETRY=False

.PHONY: install run test test-fast browser llama vectors ingest bench clean

install: $(STAMP)

# torch==2.13.0 first: it is the local CPU wheel; anything unpinned pulls several GB of CUDA.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# `interviewer ui` builds the knowledge base itself on a fresh data directory (while Gradio loads).
run: install
	$(BIN)/interviewer ui --host $(HOST) --port $(PORT)

ingest: install
	$(BIN)/interviewer ingest

# The shipped embeddings of the built-in bank and notes (knowledge/vectors/): rebuild after
# changing knowledge/, then commit them; tests/test_vectors.py fails while they are stale.
vectors: install
	$(BIN)/python -m interviewer.index.ship build

# Debian's chromium drives the browser test; never `playwright install` (no browser downloads here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "could not install chromium: the browser test will be skipped"; }

# llama.cpp's OpenAI-compatible server, for the tests of LLM mode against a server this project did
# not write (tests/test_llama_server.py). Only its source is on the index: the first build takes
# about 7 minutes on 2 cores; pip's wheel cache makes later ones quick. A failed build skips those tests.
LLAMA_STAMP := $(VENV)/.llama
llama: $(LLAMA_STAMP)
$(LLAMA_STAMP): $(STAMP)
	@echo "installing llama-cpp-python[server] (builds llama.cpp from source the first time, about 7 min)"
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" \
	  $(BIN)/python -m pip install --quiet 'llama-cpp-python[server]>=0.3.30' \
	  && touch $(LLAMA_STAMP) \
	  || echo "could not install llama-cpp-python: the llama.cpp server tests will be skipped"

test: install browser llama
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not slow"

# Every benchmark, written as one table into README.md (evals/perf_table.py; about 15 minutes).
bench: install
	$(BIN)/python evals/perf_table.py --write-readme

clean:
	rm -rf $(VENV) dist build .pytest_cache
