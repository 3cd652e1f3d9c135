"""A fused, autograd-free training step for models that are a plain chain of Dense layers.

Why: for the small MLPs of the tutorials an eager step is about 25 kernels plus the autograd
engine's own work (graph building, AccumulateGrad, zeroing); the matrix products are only half
of the time. This step writes the forward and the backward pass out by hand: products go
straight into preallocated buffers and into the optimizer's flat gradient buffer (every
`param.grad` is a view of it), activations run in place, and the last activation is folded
into its crossentropy (the gradient of the logits is `p - y`).

`plan(model)` decides once, when fit prepares, whether the model qualifies; otherwise (or for a
batch it cannot take, e.g. a different input shape) the trainer runs its autograd step. The
loss value, the weights after each step, the metrics and the History equal the autograd
path's up to float32 rounding.

Example:
    >>> step = plan(model)             # None: the model needs the autograd step
    >>> if step is not None and step((x, y, None)):
    ...     pass                       # forward, backward, optimizer step and metrics done
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from deepfit import activations, losses
from deepfit.layers.core import Activation, Dense, Dropout, Flatten, Identity, InputLayer
from deepfit.losses.heads import BY_LOSS, Head
from deepfit.trainer import user_loss

#: Activation functions a hidden layer may use, by name.
_HIDDEN = {activations.linear: "linear", activations.relu: "relu",
           activations.sigmoid: "sigmoid", activations.tanh: "tanh"}
_OUTPUT = {**_HIDDEN, activations.softmax: "softmax"}
_INPLACE = {"relu": torch.relu_, "sigmoid": torch.sigmoid_, "tanh": torch.tanh_}
_DERIVATIVE = {
    "relu": lambda g, out: torch.ops.aten.threshold_backward.grad_input(g, out, 0,
                                                                        grad_input=g),
    "sigmoid": lambda g, out: torch.ops.aten.sigmoid_backward.grad_input(g, out, grad_input=g),
    "tanh": lambda g, out: torch.ops.aten.tanh_backward.grad_input(g, out, grad_input=g),
}
_LOSS_CLASSES = (losses.LossFunctionWrapper, losses.SparseCategoricalCrossentropy,
                 losses.CategoricalCrossentropy, losses.BinaryCrossentropy,
                 losses.MeanSquaredError, losses.MeanAbsoluteError)
_DEFAULT_OPTIONS = {"label_smoothing": 0.0, "axis": -1, "ignore_class": None}
_PASS_THROUGH = (Identity, InputLayer)
_MAX_SHAPES = 8  # batch sizes with their own buffers (a dataset's batches may vary)

#: Set to False to train every model with the autograd step (to compare or to debug).
enabled = True
#: The trainer features (`deepfit.trainer.state.FEATURES`) this step implements: none — it
#: runs only the plain compiled loss, optimizer step and metrics.
SUPPORTED_FEATURES: frozenset[str] = frozenset()


class _Unsupported(Exception):
    """Why a model needs the autograd step (`unsupported_reason` returns the text)."""


class _Link:
    """One Dense layer of the chain and the activation that follows it."""

    __slots__ = ("layer", "kernel", "bias", "activation", "function")

    def __init__(self, layer: Dense) -> None:
        self.layer = layer
        self.kernel = layer.kernel
        self.bias = layer.bias if layer.use_bias else None
        self.function = layer.activation
        self.activation = _OUTPUT.get(layer.activation, "unsupported")

    def set_activation(self, function: Callable) -> None:
        if self.activation != "linear":
            raise _Unsupported("two activations in a row")
        self.function, self.activation = function, _OUTPUT.get(function, "unsupported")


class _Buffers:
    """The preallocated tensors of one batch size: each layer's output and its gradient."""

    def __init__(self, links: list[_Link], rows: int, device: torch.device) -> None:
        like = {"device": device, "dtype": torch.float32}
        self.out = [torch.empty(rows, link.kernel.shape[1], **like) for link in links]
        self.grad = [torch.empty(rows, link.kernel.shape[1], **like) for link in links]
        self.minus_scale = torch.full((rows, 1), -1.0 / rows, **like)  # sparse labels' -1/N


def unsupported_reason(model: Any) -> str | None:
    """Why `model` must train with the autograd step, or None when the fused step applies.

    Args:
        model: a compiled, built model whose trainer has prepared (`_prepare`) for fit.

    Returns:
        A short reason, or None.

    Example:
        >>> unsupported_reason(model)
        'layer dropout (Dropout) is not a Dense chain layer'
    """
    try:
        _analyse(model)
    except _Unsupported as reason:
        return str(reason)
    return None


def plan(model: Any) -> FusedDenseStep | None:
    """The fused step for `model`, or None when it needs the autograd step.

    Args:
        model: a compiled, built model whose trainer has prepared (`_prepare`) for fit.

    Returns:
        A `FusedDenseStep`, or None.
    """
    if not enabled:
        return None
    try:
        links, head, flatten = _analyse(model)
    except _Unsupported:
        return None
    step = FusedDenseStep(model, links, head, flatten)
    previous = model._trainer_state.fused
    if isinstance(previous, FusedDenseStep) and len(previous.params) == len(step.params) and all(
        a is b for a, b in zip(previous.params, step.params)
    ):
        step.buffers = previous.buffers  # e.g. train_on_batch in a loop: no new buffers
    return step


# --------------------------------------------------------------------------- applicability


def _analyse(model: Any) -> tuple[list[_Link], _Head, bool]:
    _check_trainer(model)
    layers = _chain_layers(model)
    links, flatten = _links_of(layers)
    _check_weights(model, links)
    _check_hooks(model)
    head = _Head.of(model, links[-1])
    return links, head, flatten


def _check_trainer(model: Any) -> None:
    state = model._trainer_state
    if state is None or model.optimizer is None:
        raise _Unsupported("not compiled")
    if user_loss.overrides_compute_loss(model):
        raise _Unsupported("a custom compute_loss")
    if getattr(model.optimizer, "_scales_loss", False):
        raise _Unsupported("loss scaling by the optimizer")
    unsupported = state.active_features() - SUPPORTED_FEATURES
    if unsupported:
        raise _Unsupported(", ".join(name.replace("_", " ") for name in sorted(unsupported)))


def _chain_layers(model: Any) -> list[Any]:
    from deepfit.models.functional import Functional
    from deepfit.models.sequential import Sequential

    if isinstance(model, Sequential) and type(model).call is Sequential.call:
        return list(model._stack)
    if isinstance(model, Functional) and type(model).call is Functional.call:
        return _functional_chain(model)
    raise _Unsupported(f"{type(model).__name__} is neither a Sequential nor a Functional chain")


def _functional_chain(model: Any) -> list[Any]:
    from deepfit.layers.symbolic import KerasTensor

    if not isinstance(model._outputs_struct, KerasTensor) or len(model._input_tensors) != 1:
        raise _Unsupported("not one input and one output")
    if model._input_tensors[0].dtype != torch.float32:
        raise _Unsupported("the input is not float32")
    current, layers = model._input_tensors[0], []
    for node in model._nodes:
        chained = len(node.args) == 1 and node.args[0] is current and not node.kwargs
        if not chained or not isinstance(node.outputs, KerasTensor) or node.layer in layers:
            raise _Unsupported("the graph is not a chain")
        current = node.outputs
        layers.append(node.layer)
    if current is not model._outputs_struct:
        raise _Unsupported("the graph is not a chain")
    return layers


def _links_of(layers: list[Any]) -> tuple[list[_Link], bool]:
    links: list[_Link] = []
    flatten = False
    for layer in layers:
        kind = type(layer)
        if kind is Dense and layer.built:
            links.append(_Link(layer))
        elif kind is Activation and links:
            links[-1].set_activation(layer.activation)
        elif kind is Flatten and not links and not flatten:
            if layer.data_format != "channels_last":
                raise _Unsupported("Flatten with channels_first")
            flatten = True
        elif kind in _PASS_THROUGH or (kind is Dropout and layer.rate == 0):
            continue
        else:
            raise _Unsupported(f"layer {layer.name} ({kind.__name__}) is not a Dense chain layer")
    if not links:
        raise _Unsupported("no Dense layer")
    for link in links[:-1]:
        if link.activation not in _HIDDEN.values():
            raise _Unsupported(f"hidden activation of {link.layer.name} is not supported")
    if links[-1].activation == "unsupported":
        raise _Unsupported(f"output activation of {links[-1].layer.name} is not supported")
    return links, flatten


def _check_weights(model: Any, links: list[_Link]) -> None:
    params = [p for link in links for p in (link.kernel, link.bias) if p is not None]
    device = params[0].device
    if device.type not in ("cpu", "cuda"):
        raise _Unsupported(f"device {device.type}")
    for link in links:
        if not link.layer.trainable or link.layer.activity_regularizer is not None:
            raise _Unsupported(f"layer {link.layer.name} is frozen or regularized")
    for p in params:
        if p.dtype != torch.float32 or p.device != device or not p.requires_grad:
            raise _Unsupported("weights are not trainable float32 on one device")
    if {id(p) for p in model.trainable_weights} != {id(p) for p in params}:
        raise _Unsupported("the model has other trainable weights")


def _check_hooks(model: Any) -> None:
    for module in model.modules():
        if _hooked(module):
            raise _Unsupported(f"hooks on {type(module).__name__}")
    for p in model.parameters():
        if getattr(p, "_backward_hooks", None) or getattr(p, "_post_accumulate_grad_hooks",
                                                          None):
            raise _Unsupported("gradient hooks on a weight")


def _hooked(module: torch.nn.Module) -> bool:
    return bool(module._forward_hooks or module._forward_pre_hooks or module._backward_hooks
                or module._backward_pre_hooks)


class _Head:
    """The loss on the last layer's output: its head (`deepfit.losses.heads`), whether it
    reads logits, and the output activation it follows."""

    __slots__ = ("loss", "head", "logits", "activation")

    def __init__(self, loss: Any, head: Head, logits: bool, activation: str) -> None:
        self.loss, self.head, self.logits, self.activation = loss, head, logits, activation

    @classmethod
    def of(cls, model: Any, last: _Link) -> _Head:
        compiled = model.compiled_loss
        if len(compiled.losses) != 1 or compiled.weights != [1.0]:
            raise _Unsupported("several outputs or loss weights")
        loss = compiled.losses[0]
        if type(loss) not in _LOSS_CLASSES or loss.fn not in BY_LOSS:
            raise _Unsupported(f"loss {getattr(loss, 'name', loss)!r}")
        options = dict(loss._fn_kwargs)
        from_logits = bool(options.pop("from_logits", False))
        if any(_DEFAULT_OPTIONS.get(k, object()) != v for k, v in options.items()):
            raise _Unsupported(f"loss options {options}")
        if loss.reduction != "sum_over_batch_size" or loss._dtype != torch.float32:
            raise _Unsupported("loss reduction or dtype")
        head, activation = BY_LOSS[loss.fn], last.activation
        # A head that folds no activation needs the activation's derivative (_DERIVATIVE).
        derivable = head.folds is not None or activation in _HIDDEN.values()
        if not derivable or not head.pairs(activation, from_logits):
            raise _Unsupported(f"{head.name} loss after a {activation} output "
                              f"(from_logits={from_logits})")
        return cls(loss, head, from_logits, activation)


# --------------------------------------------------------------------------- the step


class FusedDenseStep:
    """Forward, loss, backward into the flat gradient buffer, optimizer step, metrics.

    Args:
        model: the model (its trainer supplies the optimizer, loss tracker and metrics).
        links: the Dense layers in order.
        head: the loss on the output.
        flatten: whether a Flatten layer comes first.
    """

    def __init__(self, model: Any, links: list[_Link], head: _Head, flatten: bool) -> None:
        self.model = model
        self.links = links
        self.head = head
        self.flatten = flatten
        self.device = links[0].kernel.device
        self.in_features = links[0].kernel.size(0)
        self.out_features = links[-1].kernel.size(1)
        self.params = tuple(p for link in links for p in (link.kernel, link.bias)
                            if p is not None)
        self.watched = tuple(model.modules())
        from deepfit.models.sequential import Sequential, adjust_input_rank

        declared = model._declared_input() if isinstance(model, Sequential) else None
        # Sequential adds or drops a trailing axis of 1 to match a declared (..., 1) input.
        self.declared = declared if declared is not None and declared[-1] == 1 else None
        self.adjust_rank = adjust_input_rank
        self.buffers: dict[int, _Buffers] = {}
        self.compiled_loss = model.compiled_loss

    def __call__(self, batch: tuple) -> bool:
        """Run one training step on `(x, y, sample_weight)`.

        Returns:
            False, having done nothing, when this batch needs the autograd step.
        """
        x, y, sample_weight = batch
        inputs = self._inputs(x)
        if inputs is None or not self._ready(inputs.shape[0], y, sample_weight):
            return False
        with torch.no_grad():
            buffers = self._buffers(inputs.shape[0])
            y_pred = self._forward(inputs, buffers)
            loss = self.head.loss(y, y_pred, sample_weight=sample_weight)
            self._output_gradient(y, y_pred, sample_weight, buffers)
            self._backward(inputs, buffers)
            self.model.optimizer.step()
            self.model._trainer_state.loss_tracker.update_state(loss, inputs.shape[0])
            self.model._update_metrics(y, y_pred, sample_weight)
        return True

    # ----------------------------------------------------------------- checks
    def _inputs(self, x: Any) -> torch.Tensor | None:
        """`x` as the first Dense layer sees it, or None when it needs the general path."""
        if not isinstance(x, torch.Tensor) or x.device != self.device:
            return None
        if x.dtype != torch.float32:
            if x.dtype in (torch.float16, torch.bfloat16):
                return None
            x = x.float()
        if self.declared is not None:
            x = self.adjust_rank(x, self.declared)
        if self.flatten and x.dim() != 2 and x.dim() > 0:
            x = x.reshape(x.shape[0], -1)
        if x.dim() != 2 or x.shape[1] != self.in_features or x.shape[0] == 0:
            return None
        return x

    def _ready(self, rows: int, y: Any, sample_weight: Any) -> bool:
        """Whether labels, weights, gradients and hooks allow the fused step for this batch."""
        if not isinstance(y, torch.Tensor) or y.device != self.device:
            return False
        if self.model.compiled_loss is not self.compiled_loss:  # recompiled since fit prepared
            return False
        if sample_weight is not None and not (
            isinstance(sample_weight, torch.Tensor) and sample_weight.numel() == rows
        ):
            return False
        if not self._labels_fit(rows, y):
            return False
        for p in self.params:
            if p.grad is None or not p.requires_grad:
                return False
        for module in self.watched:  # e.g. explain_step's hooks, added after fit prepared
            if module._forward_hooks or module._forward_pre_hooks:
                return False
        return True

    def _labels_fit(self, rows: int, y: torch.Tensor) -> bool:
        return self.head.head.labels_fit(y, rows, self.out_features)

    def _buffers(self, rows: int) -> _Buffers:
        found = self.buffers.get(rows)
        if found is None:
            if len(self.buffers) >= _MAX_SHAPES:
                self.buffers.clear()
            found = self.buffers[rows] = _Buffers(self.links, rows, self.device)
        return found

    # ----------------------------------------------------------------- the math
    def _forward(self, x: torch.Tensor, buffers: _Buffers) -> torch.Tensor:
        """Every layer's output into its buffer (hidden activations in place); returns y_pred,
        which carries `_keras_logits` after softmax/sigmoid exactly as the layers attach it."""
        last = len(self.links) - 1
        for index, link in enumerate(self.links):
            out = buffers.out[index]
            if link.bias is not None:
                torch.addmm(link.bias, x, link.kernel, out=out)
            else:
                torch.mm(x, link.kernel, out=out)
            if index < last and link.activation != "linear":
                _INPLACE[link.activation](out)
            x = out
        link = self.links[last]
        return x if link.activation == "linear" else link.function(x)

    def _output_gradient(self, y: torch.Tensor, y_pred: torch.Tensor, sample_weight: Any,
                         buffers: _Buffers) -> None:
        """d loss / d (last layer's pre-activation) into the last gradient buffer."""
        output, grad = self.head, buffers.grad[-1]
        output.head.gradient(y, y_pred, output.logits, sample_weight, grad, buffers.minus_scale)
        if output.head.folds is None and output.activation != "linear":
            _DERIVATIVE[output.activation](grad, y_pred)

    def _backward(self, x: torch.Tensor, buffers: _Buffers) -> None:
        """Each layer's kernel and bias gradient, straight into `param.grad`."""
        for index in range(len(self.links) - 1, -1, -1):
            link, grad = self.links[index], buffers.grad[index]
            below = buffers.out[index - 1] if index else x
            torch.mm(below.t(), grad, out=link.kernel.grad)
            if link.bias is not None:
                torch.sum(grad, 0, out=link.bias.grad)
            if index:
                previous = buffers.grad[index - 1]
                torch.mm(grad, link.kernel.t(), out=previous)
                activation = self.links[index - 1].activation
                if activation != "linear":
                    _DERIVATIVE[activation](previous, below)
