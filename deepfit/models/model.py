"""`Model`: a Layer that trains. Subclass it (layers in `__init__`, the computation in `call`),
or call `Model(inputs, outputs)` for the Functional API.

Example:
    >>> class Net(deepfit.Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = deepfit.layers.Dense(32, activation="relu")
    ...         self.out = deepfit.layers.Dense(10, activation="softmax")
    ...     def call(self, inputs, training=False):
    ...         return self.out(self.hidden(inputs))
"""

from __future__ import annotations

from typing import Any

import torch

from deepfit.io_utils import print_msg
from deepfit.layers.layer import Layer
from deepfit.trainer.trainer import Trainer


class Model(Trainer, Layer):
    """A trainable model: compile/fit/evaluate/predict plus summary, layers and saving.

    Args:
        inputs, outputs: for the Functional API, the graph's input and output KerasTensors.
        name: the model's name.
        trainable: whether its weights train.
    """

    autocast_inputs = False

    def __new__(cls, *args: Any, **kwargs: Any) -> Model:
        if cls is Model and _functional_arguments(args, kwargs):
            from deepfit.models.functional import Functional

            return Functional.__new__(Functional)
        instance = super().__new__(cls)
        if cls.get_config is Model.get_config and not cls.__module__.startswith("deepfit."):
            from deepfit.layers.auto_config import capture

            object.__setattr__(instance, "_auto_config", capture(cls, args, kwargs))
        return instance

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from deepfit.models.functional import Functional

        if _functional_arguments(args, kwargs) and not isinstance(self, Functional):
            # `class CustomModel(keras.Model)` whose __init__ hands (inputs, outputs) on to
            # Model: a Functional graph with the subclass's methods (train_step, ...), as in
            # Keras. Decided by what reaches Model.__init__, not by the subclass's own
            # constructor arguments (`Autoencoder(latent_dim, shape)` is no graph).
            self.__class__ = _functional_variant(type(self), Functional)
            Functional.__init__(self, *args, **kwargs)
            return
        name = kwargs.pop("name", None)
        trainable = kwargs.pop("trainable", True)
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)
        self._init_trainer()

    def build(self, input_shape: Any = None) -> None:
        """Subclassed models build their layers on the first call."""
        self.built = True

    @property
    def layers(self) -> list[Layer]:
        """The model's layers, in the order they were assigned."""
        return self._sublayers()

    @property
    def output_names(self) -> list[str]:
        """Names of the outputs (the last layer's name for one output)."""
        layers = self.layers
        return [layers[-1].name] if layers else ["output"]

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by name or by index.

        Raises:
            ValueError: no such layer (the message lists the model's layer names).
        """
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"get_layer: index {index} is out of range for a model with "
                                 f"{len(layers)} layers")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: "
                         f"{[layer.name for layer in layers]}")

    def summary(self, line_length: int | None = None, positions: Any = None,
                print_fn: Any = None, expand_nested: bool = False,
                show_trainable: bool = False, layer_range: Any = None) -> None:
        """Print a table of layers, output shapes and parameter counts, with totals, as Keras.

        Args:
            line_length: total width of the table (default: Keras's, at most the terminal's).
            positions: the columns' right ends as fractions of `line_length`.
            print_fn: called with the whole text (ending with a newline, as Keras's
                `print_fn` gets it) instead of printing it.
            expand_nested: list nested models' layers under them.
            show_trainable: add a column saying whether each layer trains.
            layer_range: (first, last) layer names or regexes: show only those layers.

        Example:
            >>> model.summary(expand_nested=True, show_trainable=True)
        """
        from deepfit.models.summary import format_summary

        text = format_summary(self, line_length=line_length, positions=positions,
                              expand_nested=expand_nested, show_trainable=show_trainable,
                              layer_range=layer_range)
        if print_fn is None:
            print_msg(text)
        else:
            print_fn(text + "\n")

    def explain_step(self, x: Any, y: Any = None, apply: bool = True,
                     verbose: bool = True) -> Any:
        """Run one training step on one batch and show it: each layer's output statistics,
        the loss, each weight's gradient norm and update; see `deepfit.insight.explain`.

        Args:
            x, y: one batch of inputs and targets.
            apply: keep the update (True) or restore weights and optimizer state (False).
            verbose: print the table.

        Returns:
            A `deepfit.insight.StepExplanation`.

        Example:
            >>> model.explain_step(x_train[:32], y_train[:32], apply=False)
        """
        from deepfit.insight.explain import explain_step

        return explain_step(self, x, y, apply=apply, verbose=verbose)

    def find_learning_rate(self, x: Any = None, y: Any = None, batch_size: int | None = None,
                           start_lr: float = 1e-7, end_lr: float = 10.0, num_steps: int = 100,
                           **kwargs: Any) -> Any:
        """Run a learning-rate range test on a copy of this model; see
        `deepfit.insight.lr_finder`. The model and its optimizer are left unchanged.

        Args:
            x, y, batch_size: the training data, as for `fit`.
            start_lr, end_lr: the range of rates tried, growing exponentially.
            num_steps: the most training steps taken.
            **kwargs: `sample_weight`, `class_weight`, `shuffle`, `verbose`.

        Returns:
            A `deepfit.insight.LearningRateFinderResult` (`.suggestion`, `.plot()`).

        Example:
            >>> rate = model.find_learning_rate(x_train, y_train).suggestion
        """
        from deepfit.insight.lr_finder import find_learning_rate

        return find_learning_rate(self, x, y, batch_size=batch_size, start_lr=start_lr,
                                  end_lr=end_lr, num_steps=num_steps, **kwargs)

    def find_batch_size(self, x: Any, y: Any = None, max_batch_size: int | None = None,
                        **kwargs: Any) -> Any:
        """The largest power-of-two batch whose training step fits in memory with a safety
        margin, measured on a copy of this model; see `deepfit.insight.batch_size`.

        Args:
            x, y: training arrays (a sample is enough).
            max_batch_size: never suggest more.
            **kwargs: `safety` (fraction of the memory to use, 0.8), `memory_budget` (bytes),
                `verbose`.

        Returns:
            A `deepfit.insight.BatchSizeResult` (`.batch_size`).

        Example:
            >>> model.fit(x, y, batch_size=model.find_batch_size(x, y).batch_size)
        """
        from deepfit.insight.batch_size import find_batch_size

        return find_batch_size(self, x, y, max_batch_size=max_batch_size, **kwargs)

    def get_config(self) -> dict[str, Any]:
        """`name` and `trainable`; for a subclass that does not write its own `get_config`,
        also the arguments its constructor was called with, when they are plain values
        (Keras's automatic config, `deepfit.layers.auto_config`)."""
        config = {"name": self.name, "trainable": self.trainable}
        auto = getattr(self, "_auto_config", None)
        if auto is None or type(self).get_config is not Model.get_config:
            return config
        from deepfit.layers.auto_config import accepts

        config = {"name": self.name, **auto, "trainable": self.trainable}
        return {k: v for k, v in config.items() if k in auto or accepts(type(self), k)}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Model:
        """A model from `get_config()`: a Functional graph config builds a Functional model."""
        if "input_layers" in config and "layers" in config:
            from deepfit.models.functional import Functional

            return Functional.from_config(config, custom_objects)
        return cls(**config)

    def to_json(self, **kwargs: Any) -> str:
        """The architecture as Keras's JSON string (no weights); `keras.models.model_from_json`
        rebuilds it. `**kwargs` go to `json.dumps`."""
        from deepfit.saving.model_config import model_to_json

        return model_to_json(self, **kwargs)

    def get_compile_config(self) -> dict[str, Any]:
        """What the model was compiled with (optimizer, loss, metrics, ...) in Keras's
        serialized layout; `{}` when it was never compiled.

        Returns:
            The `compile_config` a `.keras` file stores.

        Example:
            >>> other.compile_from_config(model.get_compile_config())
        """
        from deepfit.saving.model_config import serialize_compile

        return serialize_compile(self) or {}

    def compile_from_config(self, config: dict[str, Any]) -> None:
        """Compile with a `get_compile_config()` result: a fresh optimizer of the same class and
        settings, the same losses and metrics. A model whose class overrides `compile` is left
        uncompiled, with a warning, as in Keras (its `compile` may take other arguments).

        Args:
            config: a compile config; an empty one does nothing.
        """
        if not config:
            return
        if type(self).compile is not Trainer.compile:
            import warnings

            warnings.warn(f"{type(self).__name__}.compile_from_config: the class overrides "
                          f"compile(), so the model was not compiled from the config; "
                          f"override get_compile_config()/compile_from_config() too, or call "
                          f"compile() yourself", stacklevel=2)
            return
        from deepfit.saving.model_config import compile_from_config

        compile_from_config(self, config)

    def save(self, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
        """Save architecture, weights, optimizer state and compile config to a `.keras` file
        (Keras 3's format), or to an `.h5` file (Keras's legacy HDF5 format); atomic. See
        `deepfit.saving.save_model`."""
        from deepfit.saving import save_model

        save_model(self, filepath, overwrite=overwrite, **kwargs)

    def export(self, filepath: Any, format: str = "tf_saved_model", verbose: bool = True,
               **kwargs: Any) -> None:
        """Keras's `model.export`: for `format='tf_saved_model'`, the model in a folder in
        deepfit's format (its `.keras` archive; `tf.saved_model.load` under deepfit gives
        `serve(x)` and `signatures['serving_default']`). It is not a TensorFlow SavedModel:
        TensorFlow cannot read it. See `deepfit.saving.saved_model`.

        Args:
            filepath: the folder.
            format: 'tf_saved_model' (ONNX and OpenVINO are not provided).
            verbose: print the endpoints, as Keras does.
            **kwargs: Keras's `input_signature`, ... (accepted; the model's own inputs serve).

        Raises:
            NotImplementedError: another `format`.
        """
        if format != "tf_saved_model":
            raise NotImplementedError(
                f"model.export(format={format!r}) is not provided by deepfit: for ONNX use "
                "torch.onnx.export(model, example_input, 'model.onnx'), or torch.export.export")
        from deepfit.saving.saved_model import save

        save(self, filepath, endpoints=("serve", "serving_default"))
        if verbose:
            print(f"Saved artifact at '{filepath}' (deepfit's format: a .keras archive in a "
                  "folder, read back with tf.saved_model.load under deepfit; not readable by "
                  "TensorFlow). The following endpoints are available:\n\n* Endpoint 'serve'")

    def save_weights(self, filepath: Any, overwrite: bool = True) -> None:
        """Save the weights (and optimizer variables) to a `.weights.h5` file (Keras 3's
        layout; atomic). See `deepfit.saving.save_weights`."""
        from deepfit.saving import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: Any, skip_mismatch: bool = False, by_name: bool = False
                     ) -> None:
        """Load weights from a `.weights.h5`, `.keras` or legacy `.h5` file, matching layers by
        position as Keras does (by name with `by_name=True`, legacy `.h5` only). See
        `deepfit.saving.load_weights`."""
        from deepfit.saving import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name)

    def to_device(self, device: str | torch.device) -> Model:
        """Move the weights (and optimizer state on next build) to `device`."""
        self.to(torch.device(device))
        return self


_FUNCTIONAL_VARIANTS: dict[type, type] = {}


def check_layer_name(layer: Layer, where: str) -> None:
    """A layer joining a Sequential or Functional model is registered (as a torch module) under
    its name, which must then be non-empty; Keras allows `name=''` on a model of its own."""
    if not layer.name:
        raise ValueError(f"{where}: layer {type(layer).__name__} has the empty name ''; a layer "
                         f"inside a Sequential or Functional model needs a name (its weights are "
                         f"registered under it): pass name=... or leave name unset")


def _functional_arguments(args: tuple, kwargs: dict) -> bool:
    """Whether Model's arguments are a graph's: (inputs, outputs) by position or keyword."""
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


def _functional_variant(cls: type, functional: type) -> type:
    """`cls` with Functional's graph behaviour mixed in after it (one class per subclass)."""
    variant = _FUNCTIONAL_VARIANTS.get(cls)
    if variant is None:
        variant = type(cls.__name__, (cls, functional), {"__module__": cls.__module__,
                                                         "__qualname__": cls.__qualname__})
        _FUNCTIONAL_VARIANTS[cls] = variant
    return variant
