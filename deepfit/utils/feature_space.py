"""`FeatureSpace`: preprocess and encode a dict of structured (tabular) features in one step,
with the semantics of Keras's `keras.utils.FeatureSpace`.

Each feature gets a preprocessing layer (Normalization, Discretization, IntegerLookup, ...),
`adapt` fits them on a `Dataset` of feature dicts, crosses hash combinations of preprocessed
features (`HashedCrossing`, in Keras's bins), and calling the space on a dict returns one
concatenated float32 vector per sample ('concat') or a dict of encoded features ('dict').
`get_inputs()` and `get_encoded_features()` give the symbolic graph, so a functional model can
take raw feature dicts.

Example:
    >>> data = {"x": [0.0, 1.0, 2.0, 3.0], "c": ["a", "b", "a", "c"]}
    >>> space = FeatureSpace({"x": "float_normalized", "c": "string_categorical"})
    >>> space.adapt(data, verbose=0)
    >>> tuple(space(data).shape)
    (4, 5)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from deepfit import layers
from deepfit.data import Dataset
from deepfit.data.strings import STRING, is_text
from deepfit.layers.core import Input
from deepfit.layers.layer import Layer
from deepfit.utils import feature_space_spec as spec
from deepfit.utils.feature_space_spec import Cross, Feature

_MODULE = "keras.src.layers.preprocessing.feature_space"


def _dtype_name(value: Any) -> str:
    dtype = value.dtype
    if dtype is STRING or (isinstance(value, np.ndarray) and dtype.kind in "OUS"):
        return "string"
    return str(dtype).replace("torch.", "")


def _serialized(obj: Any) -> dict[str, Any]:
    return {"module": _MODULE, "class_name": type(obj).__name__, "config": obj.get_config(),
            "registered_name": None}


class FeatureSpace(Layer):
    """Preprocess, cross and encode a dict of features (Keras's `keras.utils.FeatureSpace`).

    Args:
        features: a dict mapping each feature name to its type: a name ('float',
            'float_rescaled', 'float_normalized', 'float_discretized', 'integer_categorical',
            'string_categorical', 'integer_hashed', 'string_hashed') or a spec from
            `FeatureSpace.float_normalized()`, `FeatureSpace.integer_categorical(...)`, ...
        output_mode: 'concat' (one float32 vector per sample) or 'dict'.
        crosses: features to cross: tuples of names or `FeatureSpace.cross(...)` specs.
        crossing_dim: the hash bins of crosses given as tuples (default 32).
        hashing_dim: the hash bins of 'integer_hashed'/'string_hashed' names (default 32).
        num_discretization_bins: the bins of 'float_discretized' names (default 32).
        name: the layer's name.

    Example:
        >>> space = FeatureSpace({"a": "integer_categorical", "b": "integer_categorical"},
        ...                      crosses=[("a", "b")], crossing_dim=8)
        >>> space.adapt({"a": [1, 2, 1], "b": [5, 5, 6]}, verbose=0)
        >>> tuple(space({"a": [1], "b": [6]}).shape)
        (1, 14)
    """

    cross = staticmethod(Cross)
    feature = staticmethod(Feature)
    float = staticmethod(spec.float_feature)
    float_rescaled = staticmethod(spec.float_rescaled)
    float_normalized = staticmethod(spec.float_normalized)
    float_discretized = staticmethod(spec.float_discretized)
    integer_categorical = staticmethod(spec.integer_categorical)
    string_categorical = staticmethod(spec.string_categorical)
    string_hashed = staticmethod(spec.string_hashed)
    integer_hashed = staticmethod(spec.integer_hashed)

    def __init__(self, features: dict[str, Any], output_mode: str = "concat",
                 crosses: Any = None, crossing_dim: int = 32, hashing_dim: int = 32,
                 num_discretization_bins: int = 32, name: str | None = None) -> None:
        super().__init__(name=name)
        if not features:
            raise ValueError("The `features` argument cannot be None or empty.")
        if output_mode not in {"dict", "concat"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'dict', 'concat'}}. Received: output_mode={output_mode}")
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        defaults = {"hashing_dim": hashing_dim,
                    "num_discretization_bins": num_discretization_bins}
        self.features = {key: spec.standardize(key, value, defaults)
                         for key, value in features.items()}
        self.crosses = [self._standardize_cross(c, set(features), crossing_dim)
                        for c in (crosses or [])]
        self.crosses_by_name = {c.name: c for c in self.crosses}
        self.output_mode = output_mode
        self.inputs = {key: Input(shape=(1,), dtype=f.dtype, name=key)
                       for key, f in self.features.items()}
        self.preprocessors = {key: f.preprocessor for key, f in self.features.items()}
        self.crossers = {c.name: layers.HashedCrossing(c.crossing_dim, name=c.name)
                         for c in self.crosses}
        self.one_hot_encoders: dict[str, Layer] = {}
        self.encoded_features = None
        self.concat = None
        self._is_adapted = False
        self._sublayers_built = False

    @staticmethod
    def _standardize_cross(cross: Any, known: set[str], crossing_dim: int) -> Cross:
        if isinstance(cross, dict):
            return Cross.from_config(cross.get("config", cross))
        if isinstance(cross, Cross):
            return cross
        if not crossing_dim:
            raise ValueError("When specifying `crosses`, the argument `crossing_dim` "
                             "(dimensionality of the crossing space) should be specified as well.")
        if any(key not in known for key in cross):
            raise ValueError("All features referenced in the `crosses` argument should be "
                             f"present in the `features` dict. Received unknown features: {cross}")
        return Cross(cross, crossing_dim=crossing_dim)

    # ----------------------------------------------------------------- adapt
    def _adaptable(self) -> list[str]:
        names = []
        for key, layer in self.preprocessors.items():
            if isinstance(layer, layers.Normalization) and layer.input_mean is not None:
                continue
            if getattr(layer, "_has_input_vocabulary", False):
                continue
            if hasattr(layer, "adapt"):
                names.append(key)
        return names

    def adapt(self, dataset: Any, verbose: int = 0) -> None:
        """Fit the preprocessors (vocabularies, mean and variance, bin boundaries) to the data.

        Args:
            dataset: a `Dataset` of feature dicts (no labels), or a dict of arrays/lists.
            verbose: 1 shows a progress bar over the batches (an option of Keras after 3.15;
                Keras 3.15 prints nothing, hence the default 0).
        """
        if not isinstance(dataset, Dataset):
            if not isinstance(dataset, dict):
                raise ValueError("`adapt()` can only be called on a tf.data.Dataset or a dict of "
                                 f"arrays/lists. Received instead: {dataset} (of type "
                                 f"{type(dataset)})")
            dataset = Dataset.from_tensor_slices(dataset)
        names = self._adaptable()
        if names:
            self._adapt_on(dataset, names, verbose)
        self._is_adapted = True
        self.get_encoded_features()
        self.built = True
        self._sublayers_built = True

    def _adapt_on(self, dataset: Dataset, names: list[str], verbose: int) -> None:
        first = next(iter(dataset))
        if not isinstance(first, dict):
            raise ValueError("FeatureSpace.adapt: the dataset must yield dicts of features "
                             f"(no labels); received elements of type {type(first).__name__}")
        if np.ndim(np.asarray(first[names[0]])) == 0:
            dataset = dataset.batch(32)
        steps = dataset.cardinality()
        steps = int(steps) if steps is not None and int(steps) >= 0 else None
        progbar = None
        if verbose:
            from deepfit.trainer.progress import Progbar

            progbar = Progbar(target=steps, unit_name="step")
        batches: dict[str, list[np.ndarray]] = {key: [] for key in names}
        count = 0
        for count, batch in enumerate(dataset, start=1):
            for key in names:
                batches[key].append(self._column(key, batch[key]))
            if progbar is not None:
                progbar.update(count)
        if progbar is not None:
            progbar.update(steps if steps is not None else count, finalize=True)
        for key in names:
            self.preprocessors[key].adapt(iter(batches[key]))

    def _column(self, key: str, value: Any) -> np.ndarray:
        """One feature's batch as a `(batch, 1)` array of the feature's dtype."""
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy()
        array = np.asarray(value, dtype=object) if is_text(value) and not isinstance(
            value, np.ndarray) else np.asarray(value)
        if array.ndim < 2:
            array = array.reshape(-1, 1)
        if self.features[key].dtype == "float32" and array.dtype.kind in "iubf":
            array = array.astype(np.float32)
        return array

    # ----------------------------------------------------------------- the graph
    def get_inputs(self) -> dict[str, Any]:
        """The dict of symbolic inputs (`Input(shape=(1,))` per feature) of the graph."""
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self) -> Any:
        """The symbolic encoded features (a tensor in 'concat' mode, else a dict)."""
        self._check_if_adapted()
        if self.encoded_features is None:
            preprocessed = self._preprocess(self.inputs)
            self.encoded_features = self._merge(preprocessed, self._cross(preprocessed))
        return self.encoded_features

    def _preprocess(self, features: dict[str, Any]) -> dict[str, Any]:
        return {key: self.preprocessors[key](features[key]) for key in features}

    def _cross(self, features: dict[str, Any]) -> dict[str, Any]:
        return {c.name: self.crossers[c.name]([features[k] for k in c.feature_names])
                for c in self.crosses}

    def _ordered(self, preprocessed: dict, crossed: dict) -> list[tuple[str, Any, Any]]:
        names = sorted(preprocessed)
        crosses = sorted(crossed)
        return ([(k, preprocessed[k], self.features[k]) for k in names]
                + [(k, crossed[k], self.crosses_by_name[k]) for k in crosses])

    def _merge(self, preprocessed: dict, crossed: dict) -> Any:
        first = not self._sublayers_built and not self.one_hot_encoders and self.concat is None
        out: dict[str, Any] = {}
        for key, feature, feature_spec in self._ordered(preprocessed, crossed):
            if first and feature_spec.output_mode == "one_hot":
                self._make_encoder(key, feature)
            encoder = self.one_hot_encoders.get(key)
            out[key] = encoder(feature) if encoder is not None else feature
            if first and self.output_mode == "concat":
                dtype = _dtype_name(out[key])
                if dtype.startswith("int") or dtype == "string":
                    raise ValueError(f"Cannot concatenate features because feature '{key}' has "
                                     f"not been encoded (it has dtype {dtype}). Consider using "
                                     "`output_mode='dict'`.")
        if self.output_mode == "dict":
            return out
        if self.concat is None:
            self.concat = layers.Concatenate(axis=-1)
        return self.concat(list(out.values()))

    def _make_encoder(self, key: str, feature: Any) -> None:
        dtype = _dtype_name(feature)
        if not dtype.startswith("int"):
            raise ValueError(f"Feature '{key}' has `output_mode='one_hot'`. Thus its "
                             "preprocessor should return an integer dtype. Instead it returns a "
                             f"{dtype} dtype.")
        preprocessor = self.preprocessors.get(key) or self.crossers.get(key)
        depth = spec.cardinality(preprocessor)
        if depth is None:
            raise ValueError(f"Feature '{key}' has `output_mode='one_hot'`. However it isn't a "
                             "standard feature and the dimensionality of its output space is "
                             "not known, thus it cannot be one-hot encoded. Try using "
                             "`output_mode='int'`.")
        self.one_hot_encoders[key] = layers.CategoryEncoding(num_tokens=depth,
                                                             output_mode="multi_hot")

    def _check_if_adapted(self) -> None:
        if not self._is_adapted:
            if self._adaptable():
                raise ValueError("You need to call `.adapt(dataset)` on the FeatureSpace before "
                                 "you can start using it.")
            self._is_adapted = True

    def _check_if_built(self) -> None:
        if not self._sublayers_built:
            self._check_if_adapted()
            self.get_encoded_features()
            self._sublayers_built = True

    # ----------------------------------------------------------------- calling
    def __call__(self, data: Any) -> Any:
        """Encode a dict of feature values (a batch, or one sample of scalars).

        Args:
            data: a dict of tensors, arrays, lists or Python scalars, one entry per feature.

        Returns:
            A float32 tensor `(batch, dim)` ('concat'; `(dim,)` for a dict of scalars) or a dict
            of encoded tensors ('dict').
        """
        self._check_if_built()
        if not isinstance(data, dict):
            raise ValueError("A FeatureSpace can only be called with a dict. "
                             f"Received: data={data} (of type {type(data)}")
        missing = sorted(set(self.features) - set(data))
        if missing:
            raise ValueError(f"FeatureSpace: the dict misses the feature(s) {missing}; "
                             f"expected keys {sorted(self.features)}")
        rebatched = any(np.ndim(np.asarray(v) if not isinstance(v, torch.Tensor) else v) == 0
                        for v in data.values())
        columns = {key: self._column(key, data[key]) for key in self.features}
        preprocessed = self._preprocess(columns)
        merged = self._merge(preprocessed, self._cross(preprocessed))
        if not rebatched:
            return merged
        if self.output_mode == "concat":
            if merged.shape[0] != 1:
                raise ValueError("Expected rebatched data to have batch size 1. "
                                 f"Received: shape={tuple(merged.shape)}")
            return merged[0]
        return {key: x[0] if x.dim() == 2 and x.shape[0] == 1 else x
                for key, x in merged.items()}

    def call(self, inputs: Any) -> Any:
        return self(inputs)

    def save(self, filepath: Any) -> None:
        """Not provided: Keras writes the FeatureSpace itself to a `.keras` file; deepfit saves
        the model built on `get_inputs()` / `get_encoded_features()` instead, which holds every
        adapted preprocessor (vocabularies, means, bin boundaries) and the crossings.

        Raises:
            NotImplementedError: always, naming what to save instead.
        """
        raise NotImplementedError(
            "FeatureSpace.save is not provided by deepfit: build a model from "
            "feature_space.get_inputs() and get_encoded_features() (e.g. "
            "deepfit.Model(feature_space.get_inputs(), feature_space.get_encoded_features())) "
            f"and save that model instead (received filepath={filepath!r})")

    # ----------------------------------------------------------------- config
    def get_config(self) -> dict[str, Any]:
        return {
            "features": {key: _serialized(f) for key, f in self.features.items()},
            "output_mode": self.output_mode,
            "crosses": [_serialized(c) for c in self.crosses],
            "crossing_dim": self.crossing_dim,
            "hashing_dim": self.hashing_dim,
            "num_discretization_bins": self.num_discretization_bins,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> FeatureSpace:
        return cls(**config)
