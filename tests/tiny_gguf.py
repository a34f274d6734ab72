"""Write a tiny random-weight llama model as a GGUF file, for running llama.cpp's server in tests.

No model can be downloaded here, so the test setup writes one with the ``gguf`` package: the
"llama" architecture, a character-level SentencePiece-style vocabulary (``<unk>``, ``<s>``,
``</s>``, the 256 ``<0xNN>`` byte tokens and the printable ASCII characters), 2 blocks of width
64, random float32 weights and a ChatML-like Jinja chat template. Its text is noise, but
llama.cpp's grammar-constrained output (json_object with a schema, forced tool calls) is valid
JSON, which is all an end-to-end test of the client needs. About 0.5 MB, written in well under
a second.

Purely random weights never finish a reply under a JSON grammar: greedy decoding (temperature 0)
keeps picking one of the 256 byte tokens inside a string until the token cap. So one channel of
the model is a fixed prior over tokens: every token embedding carries 1.0 in dimension 0 (the
other weights are small), RMS normalisation keeps that dimension dominant, and column 0 of the
output matrix is the prior: ``"`` and ``]`` first (strings and arrays close), then JSON
punctuation, then printable characters, with byte tokens last. The reply is then short, valid
JSON with empty strings, as a tiny real model might give.

    python tests/tiny_gguf.py OUT.gguf
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

WIDTH, BLOCKS, HEADS, FFN, CONTEXT = 64, 2, 4, 128, 32768
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def vocabulary() -> tuple[list[str], list[float], list[int]]:
    """(tokens, scores, token types): control tokens, byte tokens, printable characters."""
    import gguf

    tokens = ["<unk>", "<s>", "</s>"]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    types += [gguf.TokenType.BYTE] * 256
    printable = ["\u2581"] + [chr(c) for c in range(33, 127)]  # "▁" is SentencePiece's space
    tokens += printable
    types += [gguf.TokenType.NORMAL] * len(printable)
    scores = [0.0] * 3 + [-1000.0] * 256 + [-float(i) for i in range(len(printable))]
    return tokens, scores, [int(t) for t in types]


def prior(tokens: list[str]) -> np.ndarray:
    """Column 0 of the output matrix: how much the model favours each token whatever the context."""
    rank = {'"': 3.0, "]": 2.8, "}": 2.6, ",": 2.4, "f": 2.2, "0": 2.0, "</s>": 3.5}
    values = []
    for t in tokens:
        if t in rank:
            values.append(rank[t])
        elif t.startswith("<0x") or t in ("<unk>", "<s>"):
            values.append(-3.0)
        else:
            values.append(0.5)
    return np.asarray(values, dtype=np.float32)


def write(path: Path, seed: int = 0) -> Path:
    """Write the model to ``path``; returns it."""
    import gguf

    rng = np.random.default_rng(seed)
    tokens, scores, types = vocabulary()
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("interviewer-tiny-test")
    w.add_context_length(CONTEXT)
    w.add_embedding_length(WIDTH)
    w.add_block_count(BLOCKS)
    w.add_feed_forward_length(FFN)
    w.add_head_count(HEADS)
    w.add_head_count_kv(HEADS)
    w.add_rope_dimension_count(WIDTH // HEADS)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_add_bos_token(True)
    w.add_chat_template(CHAT_TEMPLATE)

    def tensor(name: str, *shape: int, ones: bool = False) -> None:
        data = np.ones(shape, dtype=np.float32) if ones else (rng.standard_normal(shape) * 0.02).astype(np.float32)
        w.add_tensor(name, data)

    n = len(tokens)
    embd = (rng.standard_normal((n, WIDTH)) * 0.02).astype(np.float32)
    embd[:, 0] = 1.0  # the prior channel (see the module docstring)
    w.add_tensor("token_embd.weight", embd)
    for b in range(BLOCKS):
        tensor(f"blk.{b}.attn_norm.weight", WIDTH, ones=True)
        for part in ("q", "k", "v", "output"):
            tensor(f"blk.{b}.attn_{part}.weight", WIDTH, WIDTH)
        tensor(f"blk.{b}.ffn_norm.weight", WIDTH, ones=True)
        tensor(f"blk.{b}.ffn_gate.weight", FFN, WIDTH)
        tensor(f"blk.{b}.ffn_up.weight", FFN, WIDTH)
        tensor(f"blk.{b}.ffn_down.weight", WIDTH, FFN)
    tensor("output_norm.weight", WIDTH, ones=True)
    out = (rng.standard_normal((n, WIDTH)) * 0.02).astype(np.float32)
    out[:, 0] = prior(tokens)
    w.add_tensor("output.weight", out)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


if __name__ == "__main__":
    print(write(Path(sys.argv[1] if len(sys.argv) > 1 else "tiny.gguf")))
