"""The similarity model behind the taxonomy's second step: character n-gram TF-IDF over each code's
labelled examples, compared by cosine, and the check that the taxonomy knows a text's words."""

from __future__ import annotations

import re
from collections import Counter


class SimilarityModel:
    """Character n-gram TF-IDF over the taxonomy's labelled examples, compared by cosine.

    Character n-grams (1–3 for Chinese characters, 2–4 within Latin words) suit both scripts:
    Chinese needs no word segmentation, and an English typo ("memroy") still shares most of its
    n-grams with the word. A code's score is its best example's cosine similarity (0–1)."""

    def __init__(self, examples: list[tuple[str, str]]):
        import numpy as np
        from scipy import sparse

        self.codes = sorted({code for code, _ in examples})
        self._code_index = {c: i for i, c in enumerate(self.codes)}
        self._vocabulary: dict[str, int] = {}
        grams = [self._grams(text, grow=True) for _, text in examples]
        df = np.zeros(len(self._vocabulary))
        for g in grams:
            df[list(set(g))] += 1
        self._idf = np.log((1 + len(grams)) / (1 + df)) + 1
        self._examples = self._matrix(grams, sparse)
        self._example_code = np.array([self._code_index[c] for c, _ in examples])
        self._words = sorted({w for _, text in examples for w in _content_words(text)})
        self._word_set = frozenset(self._words)
        self._known: dict[str, bool] = {}

    def known_share(self, key: str) -> float:
        """The share of the text's Latin content words that the examples have, allowing a typo
        (``rapidfuzz`` ratio ≥ 75: "memroy" is "memory"); 1 for a text without Latin words.

        Character n-grams of English are shared by unrelated words ("missing" in "bolt missing from
        cylinder head" is close to "disk missing"), so a text from outside the field could be near
        a code through one word; a text most of whose words the taxonomy does not know is not
        coded by similarity."""
        from rapidfuzz import fuzz, process

        words = _content_words(key)
        if not words:
            return 1.0
        for w in words:
            # remembered per word: an export repeats its vocabulary across thousands of distinct texts
            if w not in self._known:
                self._known[w] = w in self._word_set or process.extractOne(
                    w, self._words, scorer=fuzz.ratio, score_cutoff=75) is not None
        return sum(self._known[w] for w in words) / len(words)

    def _grams(self, key: str, grow: bool = False, unseen: list | None = None) -> list[int]:
        out = []
        for word in key.split(" "):
            if word.isascii():
                w = f" {word} "
                sizes = (2, 3, 4)
            else:
                w = word
                sizes = (1, 2, 3)
            for n in sizes:
                for i in range(len(w) - n + 1):
                    g = w[i:i + n]
                    j = self._vocabulary.get(g)
                    if j is None and grow:
                        j = self._vocabulary[g] = len(self._vocabulary)
                    if j is not None:
                        out.append(j)
                    elif unseen is not None:
                        unseen.append(g)
        return out

    def _matrix(self, grams: list[list[int]], sparse, unseen: list[list[str]] | None = None):
        import numpy as np

        rows = np.repeat(np.arange(len(grams)), [len(g) for g in grams])
        cols = np.fromiter((j for g in grams for j in g), dtype=np.int64, count=len(rows))
        m = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(grams), len(self._vocabulary)))
        m.sum_duplicates()
        m = m.multiply(self._idf).tocsr()
        squares = m.multiply(m).sum(axis=1).A.ravel()
        if unseen is not None:
            # n-grams no example has still belong to the text: counted at the highest weight, they
            # lower its similarity to everything ("天知道" shares one character with the
            # examples, and must not look like them)
            top = self._idf.max() if len(self._idf) else 1.0
            squares = squares + np.array([sum(c * c for c in Counter(u).values()) for u in unseen]) * top ** 2
        norms = np.sqrt(squares)
        norms[norms == 0] = 1
        return sparse.diags(1 / norms) @ m

    def scores(self, keys: list[str]):
        """A (texts × codes) array: each code's best cosine similarity to each text."""
        import numpy as np
        from scipy import sparse

        unseen: list[list[str]] = [[] for _ in keys]
        grams = [self._grams(k, unseen=u) for k, u in zip(keys, unseen)]
        sims = (self._matrix(grams, sparse, unseen) @ self._examples.T).toarray()
        out = np.zeros((len(keys), len(self.codes)))
        for c in range(len(self.codes)):
            cols = self._example_code == c
            if cols.any():
                out[:, c] = sims[:, cols].max(axis=1)
        return out

    def nearest(self, key: str) -> tuple[str | None, float, float]:
        """(best code, its similarity, the margin over the next code)."""
        s = self.scores([key])[0]
        if not len(s):
            return None, 0.0, 0.0
        order = s.argsort()[::-1]
        second = s[order[1]] if len(order) > 1 else 0.0
        return self.codes[order[0]], float(s[order[0]]), float(s[order[0]] - second)


# English words that say nothing about a fault: not counted when asking whether the taxonomy knows a text's words
_FUNCTION_WORDS = frozenset(
    "the a an of on in at to from for by with and or is was are were be been after before during when while "
    "it its this that all any some not no yes has have had our their his her per via into out up".split())


def _content_words(key: str) -> list[str]:
    return [w for w in re.findall(r"[a-z]{3,}", key) if w not in _FUNCTION_WORDS]
