"""`run_layer_test`: the checks every layer must pass — output shape (eager and symbolic), weight
counts, a training step that changes the output, and a config round trip that rebuilds the same
layer — so each layer's own test stays short.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

import deepfit


def _random_input(shape: tuple, dtype: torch.dtype, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    if dtype.is_floating_point:
        return torch.randn(shape, generator=generator).to(dtype)
    return torch.randint(0, 10, shape, generator=generator).to(dtype)


def run_layer_test(
    layer_cls: type,
    init_kwargs: dict[str, Any],
    input_shape: tuple,
    expected_output_shape: tuple | list[tuple],
    *,
    expected_trainable_weights: int | None = None,
    expected_non_trainable_weights: int | None = None,
    expected_params: int | None = None,
    input_dtype: torch.dtype = torch.float32,
    run_training_check: bool = True,
    run_symbolic_check: bool = True,
    seed: int = 0,
) -> deepfit.Layer:
    """Check a layer class on one configuration; returns the eagerly built layer.

    Args:
        layer_cls: the layer class.
        init_kwargs: constructor arguments.
        input_shape: a full input shape including the batch axis (or a list of them).
        expected_output_shape: the full output shape for that input (or a list of them).
        expected_trainable_weights / expected_non_trainable_weights: weight counts.
        expected_params: total parameter count (compare with Keras's summary).
        input_dtype: dtype of the generated input.
        run_training_check: backpropagate and check the output changes after an update.
        run_symbolic_check: call the layer on `deepfit.Input` and compare the symbolic shape.
    """
    multi = isinstance(input_shape, list)
    shapes = input_shape if multi else [input_shape]
    inputs = [_random_input(tuple(s), input_dtype, seed + i) for i, s in enumerate(shapes)]
    call_input = inputs if multi else inputs[0]

    layer = layer_cls(**init_kwargs)
    output = layer(call_input)
    _check_shapes(output, expected_output_shape, layer_cls.__name__)

    if expected_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_trainable_weights, (
            f"{layer_cls.__name__}: {len(layer.trainable_weights)} trainable weights, expected "
            f"{expected_trainable_weights}")
    if expected_non_trainable_weights is not None:
        assert len(layer.non_trainable_weights) == expected_non_trainable_weights
    if expected_params is not None:
        assert layer.count_params() == expected_params, (
            f"{layer_cls.__name__}: {layer.count_params()} params, expected {expected_params}")

    _check_config_round_trip(layer, call_input)
    if run_training_check and layer.trainable_weights:
        _check_training_step(layer, call_input)
    if run_symbolic_check:
        symbolic_in = [deepfit.Input(shape=tuple(s[1:]), dtype=_dtype_name(input_dtype))
                       for s in shapes]
        symbolic_out = layer_cls(**init_kwargs)(symbolic_in if multi else symbolic_in[0])
        expected = expected_output_shape if isinstance(expected_output_shape, list) else [
            expected_output_shape]
        got = symbolic_out if isinstance(symbolic_out, (list, tuple)) else [symbolic_out]
        for tensor, shape in zip(got, expected):
            assert tuple(tensor.shape[1:]) == tuple(shape[1:]), (
                f"{layer_cls.__name__}: symbolic shape {tensor.shape}, expected {shape}")
    return layer


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).replace("torch.", "")


def _check_shapes(output: Any, expected: Any, name: str) -> None:
    outputs = output if isinstance(output, (list, tuple)) else [output]
    expected_list = expected if isinstance(expected, list) else [expected]
    assert len(outputs) == len(expected_list), f"{name}: {len(outputs)} outputs"
    for tensor, shape in zip(outputs, expected_list):
        assert tuple(tensor.shape) == tuple(shape), (
            f"{name}: output shape {tuple(tensor.shape)}, expected {tuple(shape)}")


def _first(output: Any) -> torch.Tensor:
    return output[0] if isinstance(output, (list, tuple)) else output


def _check_config_round_trip(layer: deepfit.Layer, call_input: Any) -> None:
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config, "config changed after from_config(get_config())"
    clone(call_input)
    clone.set_weights(layer.get_weights())
    with torch.no_grad():
        expected = _first(layer(call_input, training=False))
        actual = _first(clone(call_input, training=False))
    np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)


def _check_training_step(layer: deepfit.Layer, call_input: Any) -> None:
    with torch.no_grad():
        before = _first(layer(call_input, training=False)).clone()
    output = _first(layer(call_input, training=True))
    loss = (output.float() ** 2).mean()
    loss.backward()
    for weight in layer.trainable_weights:
        assert weight.grad is not None, "a trainable weight received no gradient"
        assert torch.isfinite(weight.grad).all(), "non-finite gradient"
    with torch.no_grad():
        for weight in layer.trainable_weights:
            weight -= 0.1 * weight.grad
            weight.grad = None
        after = _first(layer(call_input, training=False))
    assert not torch.allclose(before, after), "an update did not change the output"
