"""`clone_model`: a new model with the same architecture and freshly initialized weights.

Example:
    >>> twin = clone_model(model)
    >>> twin.get_config() == model.get_config()
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deepfit import tree


def clone_layer(layer: Any) -> Any:
    """A new, unbuilt layer with `layer`'s configuration (Keras's default `clone_function`)."""
    from deepfit.layers import Lambda
    from deepfit.models.model import Model

    if isinstance(layer, Model):
        return clone_model(layer)
    if isinstance(layer, Lambda):
        return Lambda(layer.function, output_shape=layer.output_shape_arg, mask=layer.mask,
                      arguments=layer.arguments, name=layer.name, trainable=layer.trainable)
    return type(layer).from_config(layer.get_config())


def clone_model(model: Any, input_tensors: Any = None,
                clone_function: Callable[[Any], Any] | None = None,
                call_function: Callable[..., Any] | None = None, recursive: bool = False,
                **kwargs: Any) -> Any:
    """Clone a Sequential, Functional or subclassed model (weights are not copied).

    Args:
        model: the model to clone.
        input_tensors: new inputs (KerasTensors from `deepfit.Input`) for a Functional or
            Sequential model.
        clone_function: layer → the layer to use in the clone (default: a fresh layer from the
            layer's config).
        call_function: `(layer, *args, **kwargs)` → outputs, to change how layers are called
            when a Functional graph is rebuilt (default: call the layer).
        recursive: also apply `clone_function` inside nested models.

    Returns:
        The new model (same layer names, new weights), compiled as `model` was (a fresh
        optimizer of the same settings) when `model` was compiled, as in Keras 3.

    Raises:
        TypeError: a subclassed model without `get_config`/`from_config`, or unknown kwargs.

    Example:
        >>> fresh = clone_model(model)       # compiled like `model`, new weights
        >>> fresh.fit(x, y)
    """
    from deepfit.models.functional import Functional
    from deepfit.models.sequential import Sequential

    if kwargs:
        raise TypeError(f"clone_model: unexpected keyword argument(s) {sorted(kwargs)}")
    make = clone_function or clone_layer
    if recursive and clone_function is not None:
        def make(layer: Any) -> Any:  # noqa: F811 - deliberately wraps the given function
            from deepfit.models.model import Model

            if isinstance(layer, Model):
                return clone_model(layer, clone_function=clone_function, recursive=True)
            return clone_function(layer)
    if isinstance(model, Sequential):
        clone = _clone_sequential(model, input_tensors, make)
    elif type(model) is Functional:
        clone = _clone_functional(model, input_tensors, make, call_function)
    else:
        try:
            clone = type(model).from_config(model.get_config())
        except (NotImplementedError, TypeError) as err:
            raise TypeError(f"clone_model: '{type(model).__name__}' is a subclassed model; it "
                            f"can be cloned only if it implements get_config/from_config "
                            f"({err})") from err
    if getattr(model, "compiled", False) and hasattr(clone, "compile_from_config"):
        clone.compile_from_config(model.get_compile_config())  # Keras 3 clones compile too
    return clone


def _clone_sequential(model: Any, input_tensors: Any, make: Callable) -> Any:
    from deepfit.layers.core import InputLayer
    from deepfit.models.sequential import Sequential

    layers: list[Any] = []
    if input_tensors is not None:
        layers.append(tree.flatten(input_tensors)[0])
    elif model._input_layer is not None:
        layers.append(InputLayer.from_config(model._input_layer.get_config()))
    layers += [make(layer) for layer in model.layers]
    clone = Sequential(layers, name=model.name, trainable=model.trainable)
    if not clone.built and model.built and model._build_input_shape is not None:
        clone.build(model._build_input_shape)
    return clone


def _clone_functional(model: Any, input_tensors: Any, make: Callable,
                      call_function: Callable | None) -> Any:
    from deepfit.layers.core import InputLayer
    from deepfit.layers.symbolic import KerasTensor
    from deepfit.models.functional import Functional
    from deepfit.saving.functional_config import input_tensor

    given = tree.flatten(input_tensors) if input_tensors is not None else None
    if given is not None and len(given) != len(model._input_tensors):
        raise ValueError(f"clone_model: input_tensors must hold {len(model._input_tensors)} "
                         f"tensor(s), received {len(given)}")
    mapped: dict[int, Any] = {}
    for k, (tensor, layer) in enumerate(zip(model._input_tensors, model._input_layers)):
        new = given[k] if given is not None else input_tensor(
            InputLayer.from_config(layer.get_config()))
        mapped[id(tensor)] = new
    clones: dict[int, Any] = {}

    def swap(value: Any) -> Any:
        return mapped[id(value)] if isinstance(value, KerasTensor) else value

    for node in model._nodes:
        layer = clones.get(id(node.layer))
        if layer is None:
            layer = clones[id(node.layer)] = make(node.layer)
        args = tree.map_structure(swap, node.args)
        kwargs = tree.map_structure(swap, node.kwargs)
        outputs = (call_function(layer, *args, **kwargs) if call_function
                   else layer(*args, **kwargs))
        for old, new in zip(tree.flatten(node.outputs), tree.flatten(outputs)):
            mapped[id(old)] = new
    inputs = tree.map_structure(lambda t: mapped[id(t)], model._inputs_struct)
    outputs = tree.map_structure(lambda t: mapped[id(t)], model._outputs_struct)
    return Functional(inputs, outputs, name=model.name, trainable=model.trainable)
