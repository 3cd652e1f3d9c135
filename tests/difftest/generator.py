"""Seeded generator of model specs for the differential test against real Keras.

A spec is plain JSON: the model (Sequential, Functional with several inputs/outputs or a
subclassed model with `add_loss`), compile arguments (loss with options, metrics, optimizer with
non-default arguments, schedule, clipping) and fit arguments (sample/class weights, validation
split or data, `shuffle=False`). `build.py` turns it into a model of either library; the data
come from `data.py`, seeded by the spec, so both processes see the same arrays.

Objects inside a spec are written `{"obj": "regularizers.L2", "args": {...}}`.

Example:
    >>> spec = generate(7)
    >>> spec["id"], spec["kind"] in ("sequential", "functional", "subclass")
    ('s7', True)
"""

from __future__ import annotations

import random
from typing import Any

from tests.difftest import new_builtins

ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear", "elu", "selu", "softplus", "softsign",
               "swish", "gelu", "leaky_relu", "hard_sigmoid", "relu6", "silu", "mish"]

# task -> (losses with their options, metrics, head activation, label kind)
TASKS = ("sparse", "categorical", "binary", "regression")


def _obj(name: str, **args: Any) -> dict:
    return {"obj": name, "args": args}


def _maybe(r: random.Random, p: float, value: Any) -> Any:
    return value if r.random() < p else None


def _regularizer(r: random.Random) -> dict | None:
    choice = r.choice(["L1", "L2", "L1L2", None, None, None])
    if choice == "L1":
        return _obj("regularizers.L1", l1=round(r.uniform(1e-4, 1e-2), 5))
    if choice == "L2":
        return _obj("regularizers.L2", l2=round(r.uniform(1e-4, 1e-2), 5))
    if choice == "L1L2":
        return _obj("regularizers.L1L2", l1=round(r.uniform(1e-4, 1e-2), 5),
                    l2=round(r.uniform(1e-4, 1e-2), 5))
    return None


def _constraint(r: random.Random) -> dict | None:
    choice = r.choice(["MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm", None, None, None, None])
    if choice == "MaxNorm":
        return _obj("constraints.MaxNorm", max_value=round(r.uniform(0.5, 2.0), 3),
                    axis=0)
    if choice == "MinMaxNorm":
        return _obj("constraints.MinMaxNorm", min_value=0.2, max_value=1.5,
                    rate=round(r.uniform(0.5, 1.0), 3), axis=0)
    if choice is None:
        return None
    return _obj(f"constraints.{choice}")


def _dense(r: random.Random, units: int | None = None, activation: str | None = None) -> dict:
    config: dict[str, Any] = {"units": units or r.choice([3, 5, 8, 12]),
                              "activation": activation or r.choice(ACTIVATIONS)}
    config["use_bias"] = r.random() > 0.15
    for key, make in (("kernel_regularizer", _regularizer), ("bias_regularizer", _regularizer),
                      ("kernel_constraint", _constraint)):
        value = make(r)
        if value is not None and (config["use_bias"] or not key.startswith("bias")):
            config[key] = value
    if r.random() < 0.1:
        config["activity_regularizer"] = _obj("regularizers.L2", l2=0.01)
    return {"class": "Dense", "config": config}


def _normalization(r: random.Random) -> dict:
    if r.random() < 0.5:
        return {"class": "BatchNormalization",
                "config": {"momentum": r.choice([0.99, 0.9, 0.5]),
                           "epsilon": r.choice([1e-3, 1e-5]),
                           "center": r.random() > 0.2, "scale": r.random() > 0.2}}
    return {"class": "LayerNormalization",
            "config": {"epsilon": r.choice([1e-3, 1e-6]), "center": r.random() > 0.2,
                       "scale": r.random() > 0.2}}


# ------------------------------------------------------------------------------ bodies
# Each returns (input spec, list of layer specs) for a one-input trunk ending in a flat vector.


def _body_dense(r: random.Random) -> tuple[dict, list]:
    width = r.choice([4, 6, 10])
    layers = [_dense(r)]
    if r.random() < 0.4:
        layers.append(_normalization(r))
    if r.random() < 0.5:
        layers.append(_dense(r))
    if r.random() < 0.2:
        layers.append({"class": "Activation", "config": {"activation": r.choice(ACTIVATIONS)}})
    return {"shape": [width], "kind": "float"}, layers


def _body_conv1d(r: random.Random) -> tuple[dict, list]:
    steps, channels = r.choice([8, 10, 12]), r.choice([1, 2, 3])
    conv = {"filters": r.choice([2, 4]), "kernel_size": r.choice([2, 3]),
            "padding": r.choice(["valid", "same"]), "strides": r.choice([1, 1, 2]),
            "activation": r.choice(ACTIVATIONS)}
    if r.random() < 0.3:
        conv["kernel_regularizer"] = _regularizer(r)
    layers = [{"class": "Conv1D", "config": conv}]
    if r.random() < 0.4:
        layers.append(_normalization(r))
    pool = r.choice(["MaxPooling1D", "AveragePooling1D", None])
    if pool:
        layers.append({"class": pool, "config": {"pool_size": 2,
                                                 "padding": r.choice(["valid", "same"])}})
    # The spatial mean of a batch-normalized map is about beta for every sample: a degenerate
    # model whose tiny gradients adaptive optimizers turn into rounding noise.
    ends = ["Flatten", "GlobalAveragePooling1D", "GlobalMaxPooling1D"]
    if layers[-1]["class"] == "BatchNormalization" or (
            len(layers) > 1 and layers[1]["class"] == "BatchNormalization"):
        ends[1] = "Flatten"
    layers.append({"class": r.choice(ends), "config": {}})
    return {"shape": [steps, channels], "kind": "float"}, layers


def _body_conv2d(r: random.Random) -> tuple[dict, list]:
    side, channels = r.choice([6, 8]), r.choice([1, 3])
    conv = {"filters": r.choice([2, 3]), "kernel_size": r.choice([2, 3]),
            "padding": r.choice(["valid", "same"]), "strides": r.choice([1, 2]),
            "activation": r.choice(ACTIVATIONS)}
    layers = [{"class": "Conv2D", "config": conv}]
    if r.random() < 0.4:
        layers.append({"class": "BatchNormalization", "config": {"momentum": 0.9}})
    pool = r.choice(["MaxPooling2D", "AveragePooling2D", None])
    if pool and side >= 6:
        layers.append({"class": pool, "config": {"pool_size": 2, "padding": "same"}})
    ends = ["Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D"]
    if layers[1:2] and layers[1]["class"] == "BatchNormalization":
        ends[1] = "Flatten"  # as in _body_conv1d
    layers.append({"class": r.choice(ends), "config": {}})
    return {"shape": [side, side, channels], "kind": "float"}, layers


def _rnn(r: random.Random, return_sequences: bool = False) -> dict:
    cls = r.choice(["SimpleRNN", "LSTM", "GRU"])
    config: dict[str, Any] = {"units": r.choice([3, 4, 6]),
                              "return_sequences": return_sequences}
    if cls != "SimpleRNN" and r.random() < 0.3:
        config["recurrent_activation"] = r.choice(["sigmoid", "hard_sigmoid"])
    if r.random() < 0.3:
        config["activation"] = r.choice(["tanh", "relu"])
    if cls == "GRU" and r.random() < 0.3:
        config["reset_after"] = False
    if r.random() < 0.2:
        config["go_backwards"] = True
    layer = {"class": cls, "config": config}
    if r.random() < 0.3:
        return {"class": "Bidirectional", "config": {"merge_mode": r.choice(
            ["concat", "sum", "ave", "mul"])}, "inner": layer}
    return layer


def _body_sequence(r: random.Random) -> tuple[dict, list]:
    vocab, steps = r.choice([10, 20]), r.choice([5, 7])
    mask = r.random() < 0.6
    layers = [{"class": "Embedding", "config": {"input_dim": vocab,
                                                "output_dim": r.choice([3, 4]),
                                                "mask_zero": mask}}]
    tail = r.random()
    if tail < 0.3:
        layers.append({"class": "GlobalAveragePooling1D", "config": {}})
    elif tail < 0.45:
        layers.append(_rnn(r, return_sequences=True))
        layers.append(_rnn(r))
    else:
        layers.append(_rnn(r))
    return {"shape": [steps], "kind": "tokens", "vocab": vocab, "padded": mask}, layers


def _body_rnn(r: random.Random) -> tuple[dict, list]:
    steps, channels = r.choice([4, 6]), r.choice([2, 3])
    return {"shape": [steps, channels], "kind": "float"}, [_rnn(r)]


def _body_reshape(r: random.Random) -> tuple[dict, list]:
    layers = [{"class": "Reshape", "config": {"target_shape": [3, 4]}},
              {"class": "Permute", "config": {"dims": [2, 1]}},
              {"class": "Flatten", "config": {}}]
    if r.random() < 0.5:
        layers = [{"class": "RepeatVector", "config": {"n": 2}},
                  {"class": "Flatten", "config": {}}] if r.random() < 0.5 else layers
    return {"shape": [12], "kind": "float"}, layers


BODIES = {"dense": _body_dense, "conv1d": _body_conv1d, "conv2d": _body_conv2d,
          "sequence": _body_sequence, "rnn": _body_rnn, "reshape": _body_reshape}


# ------------------------------------------------------------------------------ heads


def _head(r: random.Random, task: str, name: str) -> tuple[dict, dict, list, dict]:
    """(head layer, output description, metrics, loss) for one output."""
    classes = r.choice([2, 3, 4])
    logits = r.random() < 0.25
    if task == "sparse":
        activation = "linear" if logits else "softmax"
        loss = r.choice([
            "sparse_categorical_crossentropy",
            _obj("losses.SparseCategoricalCrossentropy", from_logits=logits,
                 reduction=r.choice(["sum_over_batch_size", "sum"])),
        ]) if not logits else _obj("losses.SparseCategoricalCrossentropy", from_logits=True)
        metrics = r.sample(["accuracy", "sparse_categorical_accuracy",
                            _obj("metrics.SparseTopKCategoricalAccuracy", k=2),
                            "sparse_categorical_crossentropy"], 2)
        if logits:
            metrics = [m for m in metrics if m != "sparse_categorical_crossentropy"]
    elif task == "categorical":
        activation = "softmax"
        loss = r.choice([
            _obj("losses.CategoricalCrossentropy", label_smoothing=r.choice([0.0, 0.1])),
            "categorical_crossentropy", "kl_divergence", "categorical_hinge", "poisson",
            _obj("losses.CategoricalHinge"), _obj("losses.KLDivergence"),
        ])
        metrics = r.sample(["categorical_accuracy", _obj("metrics.TopKCategoricalAccuracy", k=2),
                            "categorical_crossentropy", _obj("metrics.KLDivergence"),
                            _obj("metrics.CategoricalHinge"), _obj("metrics.Poisson")], 2)
    elif task == "binary":
        classes = 1
        activation = "linear" if logits else "sigmoid"
        if logits:
            loss = _obj("losses.BinaryCrossentropy", from_logits=True,
                        label_smoothing=r.choice([0.0, 0.2]))
        else:
            loss = r.choice([
                "binary_crossentropy", "hinge", "squared_hinge",
                _obj("losses.BinaryCrossentropy", label_smoothing=r.choice([0.0, 0.1])),
                _obj("losses.Hinge"), _obj("losses.SquaredHinge"),
            ])
        metrics = r.sample(["binary_accuracy", _obj("metrics.AUC"),
                            _obj("metrics.AUC", curve="PR", num_thresholds=50),
                            _obj("metrics.Precision"), _obj("metrics.Recall"),
                            _obj("metrics.TruePositives"), _obj("metrics.FalseNegatives"),
                            _obj("metrics.BinaryAccuracy", threshold=0.3),
                            _obj("metrics.Hinge"), _obj("metrics.SquaredHinge"),
                            _obj("metrics.BinaryCrossentropy")], 2)
        if logits:
            metrics = [_obj("metrics.BinaryAccuracy", threshold=0.0)]
    else:
        classes = r.choice([1, 2, 3])
        activation = r.choice(["linear", "linear", "softplus"])
        loss = r.choice([
            "mse", "mae", "huber", "log_cosh", "msle", "mean_absolute_percentage_error",
            _obj("losses.Huber", delta=r.choice([0.5, 2.0])),
            _obj("losses.MeanSquaredError", reduction="sum"),
            _obj("losses.CosineSimilarity"), _obj("losses.LogCosh"),
        ])
        if activation != "softplus" and loss in ("msle",):
            activation = "softplus"
        if loss == _obj("losses.CosineSimilarity") and classes == 1:
            classes = 2  # one unit: the loss is constant and its gradient pure rounding noise
        metrics = r.sample(["mae", "mse", _obj("metrics.RootMeanSquaredError"),
                            _obj("metrics.MeanAbsolutePercentageError"),
                            _obj("metrics.LogCoshError"), _obj("metrics.CosineSimilarity"),
                            _obj("metrics.MeanSquaredLogarithmicError")], 2)
    head = {"class": "Dense", "config": {"units": classes, "activation": activation,
                                         "name": name}}
    return head, {"name": name, "task": task, "classes": classes}, metrics, loss


# ------------------------------------------------------------------------------ compile/fit


def _schedule(r: random.Random, lr: float) -> Any:
    choice = r.choice(["ExponentialDecay", "PiecewiseConstantDecay", "CosineDecay",
                       "InverseTimeDecay", "PolynomialDecay", "CosineDecayRestarts"])
    if choice == "ExponentialDecay":
        return _obj("optimizers.schedules.ExponentialDecay", initial_learning_rate=lr,
                    decay_steps=3, decay_rate=0.8, staircase=r.random() < 0.5)
    if choice == "PiecewiseConstantDecay":
        return _obj("optimizers.schedules.PiecewiseConstantDecay", boundaries=[2, 5],
                    values=[lr, lr / 2, lr / 5])
    if choice == "CosineDecay":
        return _obj("optimizers.schedules.CosineDecay", initial_learning_rate=lr,
                    decay_steps=8, alpha=0.1)
    if choice == "InverseTimeDecay":
        return _obj("optimizers.schedules.InverseTimeDecay", initial_learning_rate=lr,
                    decay_steps=2, decay_rate=0.5)
    if choice == "PolynomialDecay":
        return _obj("optimizers.schedules.PolynomialDecay", initial_learning_rate=lr,
                    decay_steps=6, end_learning_rate=lr / 10, power=2.0)
    return _obj("optimizers.schedules.CosineDecayRestarts", initial_learning_rate=lr,
                first_decay_steps=3, t_mul=2.0, m_mul=0.9)


def _optimizer(r: random.Random) -> dict:
    name = r.choice(["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam"])
    lr = r.choice([0.001, 0.01, 0.05])
    if name == "Adadelta":
        lr = r.choice([0.5, 1.0])
    args: dict[str, Any] = {"learning_rate": lr}
    if name == "SGD":
        args.update(momentum=r.choice([0.0, 0.5, 0.9]), nesterov=r.random() < 0.4)
    elif name in ("Adam", "AdamW"):
        args.update(beta_1=r.choice([0.9, 0.8]), beta_2=r.choice([0.999, 0.99]),
                    epsilon=r.choice([1e-7, 1e-4]), amsgrad=r.random() < 0.3)
        if name == "AdamW":
            args["weight_decay"] = r.choice([0.004, 0.05])
    elif name == "RMSprop":
        args.update(rho=r.choice([0.9, 0.8]), momentum=r.choice([0.0, 0.5]),
                    centered=r.random() < 0.4, epsilon=r.choice([1e-7, 1e-5]))
    elif name == "Adagrad":
        args.update(initial_accumulator_value=r.choice([0.1, 0.01]), epsilon=1e-6)
    elif name == "Adadelta":
        args.update(rho=r.choice([0.95, 0.8]), epsilon=r.choice([1e-7, 1e-5]))
    elif name in ("Adamax", "Nadam"):
        args.update(beta_1=r.choice([0.9, 0.85]), beta_2=0.999)
    if name not in ("AdamW",) and r.random() < 0.15:
        args["weight_decay"] = 0.01
    clip = r.choice([None, None, "clipnorm", "clipvalue", "global_clipnorm"])
    if clip:
        args[clip] = r.choice([0.1, 1.0])
    if r.random() < 0.25:
        args["learning_rate"] = _schedule(r, lr)
    return _obj(f"optimizers.{name}", **args)


def _fit(r: random.Random, outputs: list[dict], n: int) -> dict:
    fit: dict[str, Any] = {"epochs": r.choice([1, 2, 3]), "batch_size": r.choice([8, 16, 32]),
                           "shuffle": False}
    validation = r.choice([None, "split", "data"])
    if validation == "split":
        fit["validation_split"] = r.choice([0.2, 0.25])
    elif validation == "data":
        fit["validation_data"] = True
    if r.random() < 0.25:
        fit["sample_weight"] = True
    elif len(outputs) == 1 and outputs[0]["task"] == "sparse" and r.random() < 0.3:
        classes = outputs[0]["classes"]
        fit["class_weight"] = {str(c): round(r.uniform(0.5, 3.0), 3)
                               for c in range(classes) if r.random() < 0.8}
    return fit


def generate(seed: int) -> dict:
    """One spec from `seed` (the same seed gives the same spec on any machine).

    Args:
        seed: the spec's seed.

    Returns:
        A JSON-serializable spec.
    """
    r = random.Random(seed)
    roll = r.random()
    kind = "sequential" if roll < 0.55 else "functional" if roll < 0.85 else "subclass"
    n = r.choice([40, 48, 64])
    spec: dict[str, Any] = {"id": f"s{seed}", "seed": seed, "kind": kind, "n": n}
    if kind == "sequential":
        body = r.choice(list(BODIES))
        inp, layers = BODIES[body](r)
        task = r.choice(TASKS)
        head, out, metrics, loss = _head(r, task, "out")
        spec.update(body=body, inputs=[inp], layers=layers + [head], outputs=[out],
                    compile={"loss": loss, "metrics": metrics})
    elif kind == "functional":
        n_in, n_out = r.choice([1, 2, 2]), r.choice([1, 2, 2])
        branches = []
        for i in range(n_in):
            body = r.choice(["dense", "dense", "conv1d", "sequence", "rnn"])
            inp, layers = BODIES[body](r)
            inp["name"] = f"in{i}"
            branches.append({"input": inp, "layers": layers})
        merge = r.choice(["Concatenate", "Add", "Average", "Maximum", "Multiply", "Subtract"])
        if n_in > 2 and merge == "Subtract":
            merge = "Add"
        width = r.choice([4, 6])
        heads, outs, metrics, losses = [], [], {}, {}
        for j in range(n_out):
            task = r.choice(TASKS)
            head, out, m, loss = _head(r, task, f"out{j}")
            heads.append(head)
            outs.append(out)
            metrics[out["name"]] = m
            losses[out["name"]] = loss
        compile_args: dict[str, Any] = {"loss": losses, "metrics": metrics}
        if n_out > 1 and r.random() < 0.4:
            compile_args["loss_weights"] = {o["name"]: r.choice([0.5, 1.0, 2.0]) for o in outs}
        spec.update(branches=branches, merge=merge, merge_width=width,
                    inputs=[b["input"] for b in branches], heads=heads, outputs=outs,
                    compile=compile_args)
    else:
        inp, layers = _body_dense(r)
        task = r.choice(TASKS)
        head, out, metrics, loss = _head(r, task, "out")
        spec.update(inputs=[inp], layers=[_dense(r)] + [head], outputs=[out],
                    add_loss=round(r.uniform(0.01, 0.5), 3),
                    compile={"loss": loss, "metrics": metrics})
    spec["compile"]["optimizer"] = _optimizer(r)
    spec["fit"] = _fit(r, spec["outputs"], n)
    if seed >= new_builtins.FIRST_SEED:
        new_builtins.extend(spec)
    return spec


def generate_many(start: int, count: int) -> list[dict]:
    """Specs for the seeds `start .. start + count - 1`."""
    return [generate(seed) for seed in range(start, start + count)]
