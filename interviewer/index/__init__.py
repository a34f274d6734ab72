"""The knowledge base in Chroma: takes the bank and documents, gives retrieval to the interview.

- :mod:`.ingest`: bank questions, reference answers, key points and document passages embedded
  into Chroma, incrementally;
- :mod:`.records`: what a question or passage becomes in Chroma, and the one way records are written;
- :mod:`.imported`: storing an imported bank, all or nothing;
- :mod:`.retrieval`: the Chroma client and the reads the engine and scorer need (candidates,
  a question's reference and rubric, passages, the reference index);
- :mod:`.vectors`: the embeddings shipped for the built-in knowledge, looked up by text;
- :mod:`.ship`: builds and checks those shipped vectors (``make vectors``).

Below it: :mod:`interviewer.bank`, :mod:`interviewer.documents`, :mod:`interviewer.scoring`
(the reference index and the vocabulary kept beside the store).
"""
