"""The gibberish screen's vocabulary: the field's jargon is words, keyboard mashing is not."""

from __future__ import annotations

import json

import pytest

from interviewer.scoring.vocabulary import Vocabulary, domain_words, load_domain_words, save_domain_words, tokens

JARGON = ("ReLU GELU SwiGLU XGBoost LightGBM CatBoost LSTMs GRUs MLM NSP R-CNN YOLO SSD DETR int8 NDCG@k k8s fp16 "
          "bf16 p99 torch.no_grad max_depth C++ t-SNE ResNet-50 GPT-4 don't PyTorch numpy embeddings "
          "FlashAttention DeepSpeed BM25 tf-idf one-hot k-means++ L1 AdamW ONNX TensorRT").split()
MASHING = "asdkjh qwoeiu zxcmnb lkjasd poiqwe mnbvc hjkl fdsa qwer zxcv sdfsdf blorptic".split()


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary()


@pytest.mark.parametrize("token", JARGON)
def test_the_fields_terms_are_words(vocab, token):
    assert vocab.is_word(token), token


@pytest.mark.parametrize("token", MASHING)
def test_keyboard_mashing_is_not(vocab, token):
    assert not vocab.is_word(token), token


def test_tokens_keep_compound_names_whole():
    assert tokens("Use R-CNN, NDCG@10 and torch.no_grad() in C++; 42 = 6*7") == [
        "Use", "R-CNN", "NDCG@10", "and", "torch.no_grad", "in", "C++"]


def test_a_term_of_the_knowledge_base_and_its_typo_are_words():
    plain = Vocabulary()
    assert not plain.is_word("dequeu") and not plain.is_word("xgbooost")
    assert not plain.is_word("Kubeflow") and not plain.is_word("sklearn's")
    kb = Vocabulary(domain_words(["Enqueue and dequeue; XGBoost trees.", "Kubeflow pipelines, sklearn"]))
    assert kb.is_word("dequeue") and kb.is_word("dequeu") and kb.is_word("xgbooost")
    assert kb.is_word("Kubeflow") and kb.is_word("sklearn's") and kb.is_word("Kubeflw")
    assert not kb.is_word("qwoeiu")


def test_a_questions_own_words_count_for_its_answer():
    vocab = Vocabulary()
    extra = frozenset(domain_words(["What does the zorblax layer do?"]))
    assert not vocab.is_word("zorblax")
    assert vocab.is_word("zorblax", extra) and vocab.is_word("zorblaxs", extra)
    assert not vocab.is_word("zorblax")  # the question's words do not stay


def test_share_of_words(vocab):
    assert vocab.share(tokens("XGBoost, LightGBM and CatBoost")) == 1.0
    assert vocab.share(tokens("asdkjh qwoeiu zxcmnb")) == 0.0
    assert vocab.share([]) == 1.0


def test_the_store_vocabulary_file_round_trips_and_a_damaged_one_is_none(tmp_path):
    path = tmp_path / "chroma" / "vocabulary.json"
    save_domain_words(path, {"xgboost", "dequeue"}, model="m")
    assert load_domain_words(path) == {"xgboost", "dequeue"}
    assert json.loads(path.read_text())["embedding_model"] == "m"
    assert not list(path.parent.glob(".*.tmp"))
    path.write_text("{not json")
    assert load_domain_words(path) is None
    path.write_text(json.dumps({"words": "xgboost"}))
    assert load_domain_words(path) is None
    assert load_domain_words(tmp_path / "missing.json") is None
