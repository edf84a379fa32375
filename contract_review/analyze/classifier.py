"""The trained clause classifier: a scikit-learn Pipeline (TF-IDF word + character n-grams ->
one-vs-rest logistic regression) loaded from models/ with skops, plus the corpus index used to show
"similar known clauses". Training lives in contract_review/training.py.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np

from contract_review.analyze.rules import _data_dir
from contract_review.model import ClauseScore, SimilarClause, TermWeight

MODEL_FILE = "clause_classifier.skops"
META_FILE = "metrics.json"

_WORD = re.compile(r"\w+", re.UNICODE)


def prepare_text(text: str) -> str:
    """What the vectorizers see: normalized, lower-cased, numbers folded (amounts and days vary
    endlessly; their presence matters, not their value)."""
    t = text.lower()
    t = re.sub(r"\d+(?:[.,]\d+)*", "0", t)
    return " ".join(t.split())


def pack_pipeline(pipeline) -> str:
    """Make a fitted pipeline small to store: each vectorizer's vocabulary leaves the object as one JSON
    string of its terms in column order (skops would write every dict entry into its schema, tens of
    MB), and the linear weights become float32. `unpack_pipeline` restores the vocabularies."""
    terms = {}
    for name, vec in pipeline.named_steps["features"].transformer_list:
        terms[name] = vec.get_feature_names_out().tolist()
        vec.vocabulary_ = {}
    for est in pipeline.named_steps["clf"].estimators_:
        est.coef_ = est.coef_.astype(np.float32)
        est.intercept_ = est.intercept_.astype(np.float32)
    return json.dumps(terms, ensure_ascii=False)


def unpack_pipeline(pipeline, packed: str) -> None:
    terms = json.loads(packed)
    for name, vec in pipeline.named_steps["features"].transformer_list:
        vec.vocabulary_ = {term: i for i, term in enumerate(terms[name])}


def models_dir() -> Path:
    return _data_dir().parent / "models"


def trusted_types() -> list[str]:
    """Types skops may load from our own model file (everything in it is produced by training.py)."""
    return [
        "contract_review.analyze.classifier.prepare_text",
        "sklearn.multiclass.OneVsRestClassifier",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.feature_extraction.text.TfidfVectorizer",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "sklearn.pipeline.FeatureUnion",
        "sklearn.pipeline.Pipeline",
        "sklearn.preprocessing._label.MultiLabelBinarizer",
        "scipy.sparse._csr.csr_matrix",
        "scipy.sparse._csr.csr_array",
        "numpy.float64", "numpy.int64", "numpy.int32", "numpy.float32", "numpy.dtype",
        "builtins.str", "builtins.dict", "builtins.list", "builtins.tuple",
        "collections.defaultdict", "builtins.float", "builtins.int",
        "numpy.ndarray", "numpy.core.multiarray._reconstruct", "builtins.slice",
    ]


class ClauseClassifier:
    """Scores clauses per code; explains scores by the terms that weighed most; finds similar
    labeled clauses in the corpus."""

    def __init__(self, bundle: dict, version: str) -> None:
        self.pipeline = bundle["pipeline"]
        self.codes: list[str] = list(bundle["codes"])
        self.thresholds: dict[str, dict[str, float]] = bundle["thresholds"]
        self.corpus_sha256: str = bundle.get("corpus_sha256", "")
        self._index_matrix = bundle.get("index_matrix")  # models up to 2026-11-28 stored it
        self.index_ids: list[str] = list(bundle.get("index_ids", []))
        self.index_texts: list[str] = list(bundle.get("index_texts", []))
        self.index_labels: list[list[str]] = [list(x) for x in bundle.get("index_labels", [])]
        self.version = version
        union = self.pipeline.named_steps["features"]
        self._vectorizers = [(name, vec) for name, vec in union.transformer_list]
        names = []
        for name, vec in self._vectorizers:
            names += [f"{name}:{f}" for f in vec.get_feature_names_out()]
        self.feature_names = np.array(names, dtype=object)
        clf = self.pipeline.named_steps["clf"]
        self._coef = np.vstack([est.coef_[0] for est in clf.estimators_])  # (codes, features)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, directory: str | Path | None = None) -> "ClauseClassifier | None":
        d = Path(directory) if directory else models_dir()
        path = d / MODEL_FILE
        if not path.exists():
            return None
        import skops.io as sio

        t = time.perf_counter()
        # only the types our own training writes are allowed; skops refuses anything else
        bundle = sio.load(str(path), trusted=trusted_types())
        if isinstance(bundle.get("vocabularies"), str):
            unpack_pipeline(bundle["pipeline"], bundle["vocabularies"])
        if isinstance(bundle.get("index_meta"), str):  # ids, texts and labels stored as one JSON string
            meta_rows = json.loads(bundle["index_meta"])
            bundle["index_ids"] = [r[0] for r in meta_rows]
            bundle["index_texts"] = [r[1] for r in meta_rows]
            bundle["index_labels"] = [r[2] for r in meta_rows]
        meta = {}
        if (d / META_FILE).exists():
            meta = json.loads((d / META_FILE).read_text("utf-8"))
        version = meta.get("version") or bundle.get("version", "unknown")
        obj = cls(bundle, version)
        obj.load_seconds = round(time.perf_counter() - t, 3)
        return obj

    def thresholds_for(self, profile: str) -> dict[str, float]:
        return dict(self.thresholds.get(profile) or self.thresholds["business"])

    # ------------------------------------------------------------------ scoring
    def _features(self, texts: list[str]):
        return self.pipeline.named_steps["features"].transform(texts)

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.codes)))
        return self.pipeline.predict_proba(texts)

    def score(self, texts: list[str], explain: bool = True, top_terms: int = 6) -> list[ClauseScore]:
        if not texts:
            return []
        X = self._features(texts)
        clf = self.pipeline.named_steps["clf"]
        proba = clf.predict_proba(X)
        out = []
        for i in range(len(texts)):
            scores = {c: float(proba[i, j]) for j, c in enumerate(self.codes)}
            terms: dict[str, list[TermWeight]] = {}
            if explain:
                row = X.getrow(i)
                idx, vals = row.indices, row.data
                for j, code in enumerate(self.codes):
                    if scores[code] < 0.2 or idx.size == 0:
                        continue
                    contrib = self._coef[j, idx] * vals
                    order = np.argsort(-contrib)[: top_terms * 3]
                    picked: list[TermWeight] = []
                    for k in order:
                        if contrib[k] <= 0:
                            break
                        name = str(self.feature_names[idx[k]])
                        kind, term = name.split(":", 1)
                        if kind != "w":
                            continue  # character n-grams are not readable evidence
                        picked.append(TermWeight(term=term, weight=round(float(contrib[k]), 4)))
                        if len(picked) >= top_terms:
                            break
                    terms[code] = picked
            out.append(ClauseScore(clause_id="", scores=scores, terms=terms))
        return out

    # ------------------------------------------------------------------ similar clauses
    @property
    def index_matrix(self):
        """Feature rows of the labeled corpus, built on first use (~0.5 s) rather than stored (3 MB)."""
        if self._index_matrix is None and self.index_texts:
            self._index_matrix = self._features(self.index_texts).tocsr().astype(np.float32)
        return self._index_matrix

    def similar(self, texts: list[str], k: int = 3) -> list[list[SimilarClause]]:
        if self.index_matrix is None or not texts:
            return [[] for _ in texts]
        X = self._features(texts)
        # each vectorizer block is L2-normalised: the mean over blocks is a cosine in [0, 1]
        sims = (X @ self.index_matrix.T).toarray() / len(self._vectorizers)
        out = []
        for i in range(len(texts)):
            order = np.argsort(-sims[i])[:k]
            out.append([
                SimilarClause(id=self.index_ids[j], text=self.index_texts[j], labels=self.index_labels[j],
                              similarity=round(float(sims[i, j]), 3))
                for j in order if sims[i, j] > 0.2
            ])
        return out
