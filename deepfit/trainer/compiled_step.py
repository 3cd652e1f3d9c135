"""`jit_compile`: the training step's forward pass under `torch.compile`, with an automatic
fallback to eager when compilation fails.

What is compiled: the model's call inside the autograd training step (torch.compile's
AOTAutograd compiles its backward too); the loss, the optimizer's flat-buffer update and the
metrics stay as they are. The hand-written fused step of Dense chains
(`deepfit.trainer.fused_dense`) is kept under `jit_compile=True`: it is already a compiled
step and is faster than torch.compile's on this CPU (benchmarks/NOTES.md, "Compiled steps").

`jit_compile="auto"` (the default) runs eagerly — as Keras's torch backend resolves it — since
torch.compile did not pay off on any CPU workload measured (the numbers are in
benchmarks/NOTES.md): the first step costs tens of seconds of compilation and the steady steps
were not faster.

On a CUDA device the compiled forward and backward graphs are also captured as CUDA graphs
(inductor's CUDA graph trees, what `torch.compile(mode="reduce-overhead")` turns on): each step
replays them with one launch instead of one per kernel, which is what small steps on a GPU
lose their time to. Each step starts a new graph generation, so the previous step's outputs
may be overwritten once the next step runs, never while fit still reads them.

The forward pass compiles as one whole graph (`fullgraph=True`) or not at all. When
torch.compile cannot compile it (no C++ compiler, an operation it does not support, Python
reading a tensor's value or printing inside `call`, ...), one warning says why and where (the
line of the layer's code) and the step runs eagerly from then on, the failed step included:
the History is the eager one. (Letting torch.compile split the graph instead bought nothing
here: in torch 2.13 resuming after a break inside a nested layer call failed anyway, with a
misleading error about the next layer's `training` argument.) A compiled step gives the
eager History up to float32 rounding (fused kernels sum in another order); dropout draws the
same random numbers as eagerly (`fallback_random`).

Example:
    >>> model.compile(optimizer="adam", loss="mse", jit_compile=True)
    >>> model.fit(x, y)                      # the forward pass runs as a compiled graph
"""

from __future__ import annotations

import types
import warnings
from typing import Any

import torch

#: torch.compile options (inductor's, for this compilation only): dropout masks from torch's
#: own generator, so a compiled fit draws the same masks as an eager one.
_OPTIONS = {"fallback_random": True}


def compile_options(device: torch.device) -> dict[str, Any]:
    """Inductor's options for a step on `device`: CUDA graph capture on a GPU."""
    if device.type == "cuda":
        return {**_OPTIONS, "triton.cudagraphs": True}
    return dict(_OPTIONS)


def resolve_jit_compile(value: Any, run_eagerly: bool) -> bool:
    """Whether fit compiles its steps, from compile's `jit_compile` and `run_eagerly`.

    Args:
        value: True, False or "auto" (None: "auto", as Keras reads it).
        run_eagerly: compile's `run_eagerly`.

    Returns:
        True to compile the training step.

    Raises:
        ValueError: for any other value.
    """
    if not (isinstance(value, bool) or value is None or value == "auto"):
        raise ValueError(f"compile(jit_compile=...): expected True, False or 'auto', "
                         f"received {value!r}")
    if value is True and run_eagerly:
        warnings.warn("If `run_eagerly` is True, then `jit_compile` cannot also be True. "
                      "Disabling `jit_compile`.", stacklevel=3)
        return False
    return value is True  # "auto": eager, measured faster on CPU (benchmarks/NOTES.md)


class CompiledCall:
    """`model(x, training=True)` through torch.compile, falling back to eager for good on
    the first failure to compile.

    Args:
        model: the model whose call is compiled.

    Attributes:
        compiled_calls: calls that ran the compiled graph.
        failure: why compilation failed (None while it has not).
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self.compiled_calls = 0
        self.failure: str | None = None
        device = model._device()
        self.cuda_graphs = device.type == "cuda"

        def call(x: Any, training: bool = True) -> Any:
            return model(x, training=training)

        # torch.compile keeps its graphs, recompilation limit and "this shape changed, go
        # dynamic" memory per code object: each model gets its own copy of the code, and
        # static shapes (a last, smaller batch is a second graph, not a dynamic one).
        own = types.FunctionType(call.__code__.replace(), call.__globals__, call.__name__,
                                 call.__defaults__, call.__closure__)
        self._compiled = torch.compile(own, dynamic=False, fullgraph=True,
                                       options=compile_options(device))

    def __call__(self, x: Any, training: bool = True) -> Any:
        if self.failure is None:
            try:
                if self.cuda_graphs:
                    torch.compiler.cudagraph_mark_step_begin()
                outputs = self._compiled(x, training=training)
            except Exception as error:  # noqa: BLE001 - any compiler failure: run eagerly
                self._fall_back(error)
            else:
                self.compiled_calls += 1
                return outputs
        return self.model(x, training=training)

    def _fall_back(self, error: Exception) -> None:
        # The compiled graph runs only once compiled: nothing was changed yet, and a model
        # error (a wrong shape, ...) is raised again, plainly, by the eager call.
        self.failure = describe_failure(error)
        warnings.warn(f"jit_compile=True: torch.compile could not compile the training step "
                      f"of {self.model.name!r} ({self.failure}); it runs eagerly instead, with "
                      f"the same results.", stacklevel=4)


def describe_failure(error: Exception) -> str:
    """One line from a compiler error: its first line, dynamo's explanation, and the last line
    of the user's code it points at (`File "...", line N, in call`)."""
    lines = [line.strip() for line in str(error).strip().splitlines()]
    parts = [f"{type(error).__name__}: {(lines or [''])[0][:200]}"]
    parts += [line[:300] for line in lines if line.startswith("Explanation:")][:1]
    frames = [line for line in lines if line.startswith("File ")]
    if frames:
        parts.append(f"at {frames[-1]}")
    return "; ".join(parts)


def attach(model: Any) -> None:
    """Route the coming training steps through the compiled call when `model.jit_compile`
    is on and the step is the autograd one (no fused Dense step, not distributed).

    Args:
        model: a model whose trainer has just prepared (`_prepare`).
    """
    state = model._trainer_state
    if not getattr(model, "jit_compile", False) or state.fused is not None:
        return
    if state.step_module is not model:  # DistributedDataParallel: left eager
        return
    if state.compiled_call is None:
        state.compiled_call = CompiledCall(model)
    state.step_module = state.compiled_call
