"""The specifications a `FeatureSpace` is made of: `Feature` (a dtype, a preprocessing layer and
how its output is encoded) and `Cross` (features crossed by hashing), with the constructors
behind `FeatureSpace.float_normalized()`, `FeatureSpace.integer_categorical()`, ...

Example:
    >>> spec = integer_categorical(num_oov_indices=0, name="sex")
    >>> spec.dtype, type(spec.preprocessor).__name__, spec.output_mode
    ('int32', 'IntegerLookup', 'one_hot')
"""

from __future__ import annotations

from typing import Any

from deepfit import layers
from deepfit.layers.data_identity import TFDIdentity
from deepfit.layers.layer import unique_name


class Cross:
    """Features crossed together by hashing into `crossing_dim` bins.

    Args:
        feature_names: the names of the crossed features.
        crossing_dim: the number of hash bins.
        output_mode: 'one_hot' (default) or 'int'.
    """

    def __init__(self, feature_names: Any, crossing_dim: int, output_mode: str = "one_hot"
                 ) -> None:
        if output_mode not in {"int", "one_hot"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'int', 'one_hot'}}. Received: output_mode={output_mode}")
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self) -> str:
        """The cross's name: its feature names joined by `_X_`."""
        return "_X_".join(self.feature_names)

    def get_config(self) -> dict[str, Any]:
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Cross:
        return cls(**config)


class Feature:
    """One input feature: its dtype, the layer that preprocesses it and how that is encoded.

    Args:
        dtype: the input's dtype ('float32', 'int32', 'string').
        preprocessor: a preprocessing layer (or its serialized config).
        output_mode: 'float' (used as is), 'one_hot' (indices one-hot encoded) or 'int'.
    """

    def __init__(self, dtype: str, preprocessor: Any, output_mode: str) -> None:
        if output_mode not in {"int", "one_hot", "float"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'int', 'one_hot', 'float'}}. Received: output_mode={output_mode}")
        self.dtype = dtype
        if isinstance(preprocessor, dict):
            from deepfit.saving.serialization import deserialize_layer

            preprocessor = deserialize_layer(preprocessor)
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self) -> dict[str, Any]:
        from deepfit.saving.serialization import serialize_layer

        return {"dtype": self.dtype, "preprocessor": serialize_layer(self.preprocessor),
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Feature:
        return cls(**config)


def _name(name: str | None, kind: str) -> str:
    return name or unique_name(kind)


def float_feature(name: str | None = None) -> Feature:
    """A float feature used as is."""
    name = _name(name, "float")
    return Feature("float32", TFDIdentity(name=f"{name}_preprocessor"), "float")


def float_rescaled(scale: float = 1.0, offset: float = 0.0, name: str | None = None) -> Feature:
    """A float feature multiplied by `scale` and shifted by `offset`."""
    name = _name(name, "float_rescaled")
    layer = layers.Rescaling(scale=scale, offset=offset, name=f"{name}_preprocessor")
    return Feature("float32", layer, "float")


def float_normalized(name: str | None = None) -> Feature:
    """A float feature standardized with the mean and variance `adapt` learns."""
    name = _name(name, "float_normalized")
    return Feature("float32", layers.Normalization(axis=-1, name=f"{name}_preprocessor"),
                   "float")


def float_discretized(num_bins: int, bin_boundaries: Any = None, output_mode: str = "one_hot",
                      name: str | None = None) -> Feature:
    """A float feature bucketed into `num_bins` bins (quantiles learned by `adapt`)."""
    name = _name(name, "float_discretized")
    layer = layers.Discretization(num_bins=num_bins, bin_boundaries=bin_boundaries,
                                  name=f"{name}_preprocessor")
    return Feature("float32", layer, output_mode)


def integer_categorical(max_tokens: int | None = None, num_oov_indices: int = 1,
                        output_mode: str = "one_hot", name: str | None = None) -> Feature:
    """An integer category indexed by the vocabulary `adapt` learns."""
    name = _name(name, "integer_categorical")
    layer = layers.IntegerLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                 num_oov_indices=num_oov_indices)
    return Feature("int32", layer, output_mode)


def string_categorical(max_tokens: int | None = None, num_oov_indices: int = 1,
                       output_mode: str = "one_hot", name: str | None = None) -> Feature:
    """A string category indexed by the vocabulary `adapt` learns."""
    name = _name(name, "string_categorical")
    layer = layers.StringLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                num_oov_indices=num_oov_indices)
    return Feature("string", layer, output_mode)


def string_hashed(num_bins: int, output_mode: str = "one_hot", name: str | None = None
                  ) -> Feature:
    """A string category hashed into `num_bins` bins."""
    name = _name(name, "string_hashed")
    return Feature("string", layers.Hashing(name=f"{name}_preprocessor", num_bins=num_bins),
                   output_mode)


def integer_hashed(num_bins: int, output_mode: str = "one_hot", name: str | None = None
                   ) -> Feature:
    """An integer category hashed into `num_bins` bins."""
    name = _name(name, "integer_hashed")
    return Feature("int32", layers.Hashing(name=f"{name}_preprocessor", num_bins=num_bins),
                   output_mode)


def standardize(name: str, feature: Any, defaults: dict[str, int]) -> Feature:
    """A `Feature` from a `Feature`, its serialized dict or a type name ('float_normalized')."""
    if isinstance(feature, Feature):
        return feature
    if isinstance(feature, dict):
        return Feature.from_config(feature.get("config", feature))
    makers = {
        "float": lambda: float_feature(name=name),
        "float_normalized": lambda: float_normalized(name=name),
        "float_rescaled": lambda: float_rescaled(name=name),
        "float_discretized": lambda: float_discretized(defaults["num_discretization_bins"],
                                                       name=name),
        "integer_categorical": lambda: integer_categorical(name=name),
        "string_categorical": lambda: string_categorical(name=name),
        "integer_hashed": lambda: integer_hashed(defaults["hashing_dim"], name=name),
        "string_hashed": lambda: string_hashed(defaults["hashing_dim"], name=name),
    }
    if not isinstance(feature, str) or feature not in makers:
        raise ValueError(f"Invalid feature type: {feature}")
    return makers[feature]()


def cardinality(preprocessor: Any) -> int | None:
    """How many categories a preprocessor's integer output has (None: not known)."""
    if isinstance(preprocessor, (layers.IntegerLookup, layers.StringLookup)):
        return preprocessor.vocabulary_size()
    if isinstance(preprocessor, layers.CategoryEncoding):
        return preprocessor.num_tokens
    if isinstance(preprocessor, layers.Discretization):
        if preprocessor.num_bins is not None:
            return preprocessor.num_bins
        return len(preprocessor.bin_boundaries) + 1
    if isinstance(preprocessor, (layers.HashedCrossing, layers.Hashing)):
        return preprocessor.num_bins
    return None
