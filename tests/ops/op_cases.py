"""The op table of the differential test: each case is a function of (ops, x) where `ops` is
`keras.ops` or `deepfit.ops` and `x` an input of one dtype. Imported by both processes (this
file must not import deepfit or keras)."""

from __future__ import annotations

import numpy as np

DTYPES = ("bool", "int32", "int64", "float16", "float32", "float64")

_FLOATS = np.array([[0.5, -1.5, 2.25], [3.0, 0.0, -2.5]])
_INTS = np.array([[1, -2, 3], [4, 0, -5]])
_BOOLS = np.array([[True, False, True], [False, False, True]])
_POSITIVE = np.array([[0.5, 1.5, 2.25], [3.0, 0.25, 0.75]])
_UNIT = np.array([[0.5, -0.25, 0.75], [0.0, 0.125, -0.5]])


def make_input(dtype: str, kind: str = "signed") -> np.ndarray:
    """The test array of one dtype ('signed', 'positive' or 'unit' values)."""
    if dtype == "bool":
        return _BOOLS.copy()
    if "int" in dtype:
        base = {"signed": _INTS, "positive": np.abs(_INTS) + 1, "unit": _INTS % 2}[kind]
        return base.astype(dtype)
    base = {"signed": _FLOATS, "positive": _POSITIVE, "unit": _UNIT}[kind]
    return base.astype(dtype)


UNARY = [
    "abs", "absolute", "negative", "square", "sign", "floor", "ceil", "trunc", "round",
    "sqrt", "exp", "exp2", "expm1", "log1p", "sin", "cos", "tan", "arctan", "sinh", "cosh",
    "tanh", "arcsinh", "erf", "sinc", "cbrt", "isnan", "isinf", "isfinite", "logical_not",
    "deg2rad", "rad2deg", "fabs", "signbit", "relu", "sigmoid", "softplus", "softsign", "silu",
    "gelu", "elu", "selu", "relu6", "leaky_relu", "log_sigmoid", "hard_sigmoid", "hard_silu",
    "softmax", "log_softmax", "transpose", "ravel", "copy", "flip", "fliplr", "flipud",
    "nan_to_num", "zeros_like", "ones_like", "real", "tril", "triu", "diagonal", "trace",
    "sort", "argsort", "celu", "tanh_shrink", "hard_tanh", "squareplus", "sparse_plus",
    "mish", "count_nonzero", "conj", "conjugate", "imag", "isneginf", "isposinf", "i0",
    "glu", "hard_shrink", "soft_shrink", "hard_swish", "swish", "sparse_sigmoid", "sparsemax",
    "bitwise_not", "diag",
]
POSITIVE = ["log", "log2", "log10", "rsqrt", "reciprocal", "arccosh"]
UNIT = ["arcsin", "arccos", "arctanh", "erfinv"]
BINARY = [
    "add", "subtract", "multiply", "divide", "true_divide", "maximum", "minimum", "power",
    "floor_divide", "mod", "equal", "not_equal", "greater", "greater_equal", "less",
    "less_equal", "logical_and", "logical_or", "logical_xor", "arctan2", "hypot",
    "logaddexp", "divide_no_nan", "fmod", "isclose", "heaviside", "fmax", "fmin",
    "logaddexp2", "bitwise_or", "bitwise_xor", "allclose",
]
REDUCTIONS = ["sum", "mean", "max", "min", "prod", "any", "all", "var", "std", "argmax",
              "argmin", "amax", "amin", "ptp", "median", "logsumexp", "cumsum", "cumprod"]


def _square(ops, x):
    """A symmetric positive-definite 2×2 float matrix made from `x`."""
    m = ops.cast(x, "float32")
    return ops.add(ops.matmul(m, ops.transpose(m)), ops.multiply(ops.eye(2), 3.0))


def _steps(ops, x):
    """The (2, 3) test array as a batch of 2 sequences of 3 one-channel steps."""
    return ops.reshape(ops.cast(x, "float32"), (2, 3, 1))


def _cases() -> dict:
    cases = {}
    for name in UNARY:
        cases[name] = lambda ops, x, n=name: getattr(ops, n)(x)
    for name in POSITIVE:
        cases[name] = (lambda ops, x, n=name: getattr(ops, n)(x), "positive")
    for name in UNIT:
        cases[name] = (lambda ops, x, n=name: getattr(ops, n)(x), "unit")
    for name in BINARY:
        cases[name] = lambda ops, x, n=name: getattr(ops, n)(x, ops.flip(x, axis=1))
        cases[f"{name}(x, 2)"] = lambda ops, x, n=name: getattr(ops, n)(x, 2)
        cases[f"{name}(x, 1.5)"] = lambda ops, x, n=name: getattr(ops, n)(x, 1.5)
    for name in REDUCTIONS:
        cases[name] = lambda ops, x, n=name: getattr(ops, n)(x)
        cases[f"{name}(axis=1)"] = lambda ops, x, n=name: getattr(ops, n)(x, axis=1)
    for name in ("sum", "mean", "max", "min", "any", "all", "var", "std"):
        cases[f"{name}(axis=0, keepdims)"] = (
            lambda ops, x, n=name: getattr(ops, n)(x, axis=0, keepdims=True))
    cases.update({
        "cast(int)": lambda ops, x: ops.cast(x, "int"),
        "cast(float)": lambda ops, x: ops.cast(x, "float"),
        "cast(float16)": lambda ops, x: ops.cast(x, "float16"),
        "cast(int64)": lambda ops, x: ops.cast(x, "int64"),
        "cast(bool)": lambda ops, x: ops.cast(x, "bool"),
        "convert_to_tensor": lambda ops, x: ops.convert_to_tensor(x),
        "array": lambda ops, x: ops.array(x),
        "reshape": lambda ops, x: ops.reshape(x, (3, 2)),
        "reshape(-1)": lambda ops, x: ops.reshape(x, (-1,)),
        "expand_dims": lambda ops, x: ops.expand_dims(x, 1),
        "squeeze": lambda ops, x: ops.squeeze(ops.expand_dims(x, 0), axis=0),
        "concatenate": lambda ops, x: ops.concatenate([x, x], axis=1),
        "stack": lambda ops, x: ops.stack([x, x], axis=0),
        "hstack": lambda ops, x: ops.hstack([x, x]),
        "vstack": lambda ops, x: ops.vstack([x, x]),
        "append": lambda ops, x: ops.append(x, x),
        "tile": lambda ops, x: ops.tile(x, (2, 1)),
        "repeat": lambda ops, x: ops.repeat(x, 2, axis=1),
        "roll": lambda ops, x: ops.roll(x, 1, axis=1),
        "moveaxis": lambda ops, x: ops.moveaxis(x, 0, 1),
        "swapaxes": lambda ops, x: ops.swapaxes(x, 0, 1),
        "broadcast_to": lambda ops, x: ops.broadcast_to(x, (2, 2, 3)),
        "pad": lambda ops, x: ops.pad(x, ((1, 0), (0, 2))),
        "take": lambda ops, x: ops.take(x, [2, 0], axis=1),
        "take(flat)": lambda ops, x: ops.take(x, [5, 0]),
        "take_along_axis": lambda ops, x: ops.take_along_axis(x, ops.argsort(x, axis=1), 1),
        "where": lambda ops, x: ops.where(ops.greater(x, 0), x, ops.zeros_like(x)),
        "where(x, 1, 0)": lambda ops, x: ops.where(ops.greater(x, 0), 1, 0),
        "split": lambda ops, x: ops.split(x, 3, axis=1)[1],
        "matmul": lambda ops, x: ops.matmul(x, ops.transpose(x)),
        "dot": lambda ops, x: ops.dot(x, ops.transpose(x)),
        "tensordot": lambda ops, x: ops.tensordot(x, x, axes=2),
        "inner": lambda ops, x: ops.inner(x, x),
        "outer": lambda ops, x: ops.outer(x, x),
        "vdot": lambda ops, x: ops.vdot(x, x),
        "einsum": lambda ops, x: ops.einsum("ij,kj->ik", x, x),
        "clip": lambda ops, x: ops.clip(x, 0, 2),
        "diff": lambda ops, x: ops.diff(x, axis=1),
        "one_hot": lambda ops, x: ops.one_hot(ops.argmax(x, axis=1), 3),
        "full_like": lambda ops, x: ops.full_like(x, 1),
        "average": lambda ops, x: ops.average(x, axis=1),
        "quantile": lambda ops, x: ops.quantile(x, 0.25),
        "percentile(axis=1)": lambda ops, x: ops.percentile(x, 50, axis=1),
        "top_k": lambda ops, x: ops.top_k(x, 2)[0],
        "top_k(indices)": lambda ops, x: ops.top_k(x, 2)[1],
        "slice": lambda ops, x: ops.slice(x, (0, 1), (2, 2)),
        "slice_update": lambda ops, x: ops.slice_update(x, (0, 1), ops.ones_like(x)[:1, :2]),
        "scatter_update": lambda ops, x: ops.scatter_update(x, [[0, 0], [1, 2]],
                                                            ops.ones_like(x)[0, :2]),
        "stop_gradient": lambda ops, x: ops.stop_gradient(x),
        "searchsorted": lambda ops, x: ops.searchsorted(ops.sort(ops.ravel(x)), x),
        "digitize": lambda ops, x: ops.digitize(x, [0.0, 1.0, 2.0]),
        "normalize": lambda ops, x: ops.normalize(x),
        "norm": lambda ops, x: ops.norm(x),
        "norm(axis=1)": lambda ops, x: ops.norm(x, axis=1),
        "rot90": lambda ops, x: ops.rot90(x),
        "nonzero": lambda ops, x: ops.nonzero(x)[1],
        "size": lambda ops, x: ops.size(x),
        "ndim": lambda ops, x: ops.ndim(x),
        "shape": lambda ops, x: list(ops.shape(x)),
        "segment_sum": lambda ops, x: ops.segment_sum(x, [0, 0], num_segments=2),
        "segment_max": lambda ops, x: ops.segment_max(x, [0, 1], num_segments=2),
        "zeros(dtype)": lambda ops, x: ops.zeros((2,), dtype=str(x.dtype).split(".")[-1]),
        "arange(int)": lambda ops, x: ops.arange(4),
        "arange(float)": lambda ops, x: ops.arange(0, 1, 0.25),
        "linspace": lambda ops, x: ops.linspace(0, 1, 5),
        "eye": lambda ops, x: ops.eye(3, k=1),
        "tri": lambda ops, x: ops.tri(3),
        "ones": lambda ops, x: ops.ones((2, 2)),
        "full": lambda ops, x: ops.full((2,), 3),
        "meshgrid": lambda ops, x: ops.meshgrid(ops.arange(2), ops.arange(3))[0],
        "cond": lambda ops, x: ops.cond(True, lambda: ops.sum(x), lambda: ops.max(x)),
        "fori_loop": lambda ops, x: ops.fori_loop(0, 3, lambda i, v: ops.add(v, i), 0),
        "while_loop": lambda ops, x: ops.while_loop(lambda i: ops.less(i, 5),
                                                    lambda i: (ops.add(i, 2),), (0,))[0],
        "scan": lambda ops, x: ops.scan(lambda c, r: (ops.add(c, r), c), ops.zeros_like(x[0]),
                                        x)[1],
        "moments": lambda ops, x: ops.moments(x, axes=[0])[1],
        "conv": lambda ops, x: ops.conv(_steps(ops, x), ops.ones((2, 1, 2)), padding="same"),
        "depthwise_conv": lambda ops, x: ops.depthwise_conv(_steps(ops, x), ops.ones((2, 1, 2)),
                                                            padding="same"),
        "max_pool": lambda ops, x: ops.max_pool(_steps(ops, x), 2, padding="same"),
        "average_pool": lambda ops, x: ops.average_pool(_steps(ops, x), 2, padding="same"),
        "binary_crossentropy": lambda ops, x: ops.binary_crossentropy(
            ops.cast(ops.greater(x, 0), "float32"), ops.sigmoid(x)),
        "sparse_categorical_crossentropy": lambda ops, x: ops.sparse_categorical_crossentropy(
            ops.argmax(x, axis=1), ops.softmax(ops.cast(x, "float32"))),
        "logical_and(bool)": lambda ops, x: ops.logical_and(ops.greater(x, 0), True),
        "is_tensor": lambda ops, x: ops.is_tensor(ops.convert_to_tensor(x)),
        "dtype": lambda ops, x: str(ops.dtype(x)),
        "unstack": lambda ops, x: ops.unstack(x)[1],
        "select": lambda ops, x: ops.select([ops.greater(x, 0)], [x], 0),
        "bitwise_and": lambda ops, x: ops.bitwise_and(x, ops.flip(x, axis=0)),
        "bitwise_invert": lambda ops, x: ops.bitwise_invert(x),
        "in_top_k": lambda ops, x: ops.in_top_k([0, 1], ops.cast(x, "float32"), 2),
        "left_shift": lambda ops, x: ops.left_shift(x, 1),
        "right_shift": lambda ops, x: ops.right_shift(x, 1),
        "bitwise_left_shift": lambda ops, x: ops.bitwise_left_shift(x, 2),
        "bitwise_right_shift": lambda ops, x: ops.bitwise_right_shift(x, 1),
        "categorical_crossentropy": lambda ops, x: ops.categorical_crossentropy(
            ops.one_hot(ops.argmax(x, axis=1), 3), ops.softmax(ops.cast(x, "float32"))),
        "categorical_crossentropy(from_logits)": lambda ops, x: ops.categorical_crossentropy(
            ops.one_hot(ops.argmax(x, axis=1), 3), ops.cast(x, "float32"), from_logits=True),
        "batch_normalization": lambda ops, x: ops.batch_normalization(
            x, [0.5, 0.0, -1.0], [1.0, 2.0, 0.5], axis=1, offset=[0.1, 0.2, 0.3],
            scale=[2.0, 1.0, 0.5]),
        "layer_normalization": lambda ops, x: ops.layer_normalization(x, axis=-1),
        "rms_normalization": lambda ops, x: ops.rms_normalization(x, axis=-1),
        "multi_hot": lambda ops, x: ops.multi_hot([[0, 2], [1, 1]], 4),
        "threshold": lambda ops, x: ops.threshold(x, 0.5, -1),
        "saturate_cast": lambda ops, x: ops.saturate_cast(ops.multiply(x, 100), "int8"),
        "scatter": lambda ops, x: ops.scatter([[0, 1], [1, 2]], ops.ravel(x)[:2], (2, 3)),
        "segment_min": lambda ops, x: ops.segment_min(x, [1, 0], num_segments=2),
        "segment_prod": lambda ops, x: ops.segment_prod(x, [0, 0], num_segments=1),
        "extract_sequences": lambda ops, x: ops.extract_sequences(x, 2, 1),
        "fft": lambda ops, x: ops.fft((x, ops.multiply(x, 0.5)))[1],
        "fft2": lambda ops, x: ops.fft2((x, ops.zeros_like(x)))[0],
        "ifft2": lambda ops, x: ops.ifft2((x, ops.multiply(x, 2.0)))[1],
        "rfft": lambda ops, x: ops.rfft(x)[1],
        "irfft": lambda ops, x: ops.irfft(ops.rfft(x), 3),
        "cross": lambda ops, x: ops.cross(x, ops.flip(x, axis=1)),
        "get_item": lambda ops, x: ops.get_item(x, 1),
        "identity": lambda ops, x: ops.identity(3),
        "empty": lambda ops, x: ops.shape(ops.empty((2, 3))),
        "empty_like": lambda ops, x: ops.shape(ops.empty_like(x)),
        "switch": lambda ops, x: ops.switch(1, [lambda v: ops.sum(v), lambda v: ops.max(v)], x),
        "map": lambda ops, x: ops.map(lambda row: ops.sum(row), x),
        "convert_to_numpy": lambda ops, x: ops.convert_to_numpy(x).dtype.name,
        "det": lambda ops, x: ops.linalg.det(_square(ops, x)),
        "inv": lambda ops, x: ops.linalg.inv(_square(ops, x)),
        "solve": lambda ops, x: ops.linalg.solve(_square(ops, x), ops.ones((2, 1))),
        "solve_triangular": lambda ops, x: ops.linalg.solve_triangular(
            ops.tril(_square(ops, x)), ops.ones((2, 1)), lower=True),
        "cholesky": lambda ops, x: ops.linalg.cholesky(_square(ops, x)),
        "slogdet": lambda ops, x: ops.slogdet(_square(ops, x))[1],
        "logdet": lambda ops, x: ops.logdet(_square(ops, x)),
        "eigh": lambda ops, x: ops.linalg.eigh(_square(ops, x))[0],
        "eig": lambda ops, x: ops.real(ops.linalg.eig(_square(ops, x))[0]),
        "svd": lambda ops, x: ops.linalg.svd(_square(ops, x), compute_uv=False),
        "qr": lambda ops, x: ops.abs(ops.linalg.qr(_square(ops, x))[1]),
        "lstsq": lambda ops, x: ops.linalg.lstsq(_square(ops, x), ops.ones((2, 1))),
        "lu_factor": lambda ops, x: ops.linalg.lu_factor(_square(ops, x))[1],
        "ctc_loss": lambda ops, x: ops.ctc_loss(
            ops.convert_to_tensor([[1]]), ops.reshape(x, (1, 2, 3)), ops.convert_to_tensor([1]),
            ops.convert_to_tensor([2])),
        "ctc_decode": lambda ops, x: ops.ctc_decode(ops.reshape(x, (1, 2, 3)),
                                                    ops.convert_to_tensor([2]))[0],
        "ctc_decode(beam)": lambda ops, x: ops.ctc_decode(
            ops.reshape(x, (2, 1, 3)), ops.convert_to_tensor([1, 1]), strategy="beam_search",
            beam_width=2, top_paths=2)[1],
        "image.resize": lambda ops, x: ops.image.resize(
            ops.cast(ops.reshape(ops.tile(x, (2, 2)), (1, 4, 6, 1)), "float32"), (2, 3)),
    })
    return cases


CASES = _cases()


def evaluate(ops, to_numpy) -> dict:
    """Every case on every dtype: {(case, dtype): (array, dtype name) or ('error', message)}."""
    return evaluate_table(ops, to_numpy, CASES, make_input, "signed")


def evaluate_table(ops, to_numpy, cases: dict, make_input, default_kind: str) -> dict:
    """Every case of `cases` ({name: fn or (fn, input kind)}) on every dtype, each on the
    input `make_input(dtype, kind)`: {(case, dtype): (array, dtype name), ('python', repr)
    or ('error', message)}."""
    results = {}
    for name, case in cases.items():
        fn, kind = case if isinstance(case, tuple) else (case, default_kind)
        for dtype in DTYPES:
            x = ops.convert_to_tensor(make_input(dtype, kind))
            try:
                out = fn(ops, x)
            except Exception as err:  # noqa: BLE001 - recorded and compared
                results[(name, dtype)] = ("error", f"{type(err).__name__}: {err}"[:200])
                continue
            if isinstance(out, (bool, int, float, str, list, tuple)):
                results[(name, dtype)] = ("python", repr(out))
                continue
            results[(name, dtype)] = (np.asarray(to_numpy(out)), str(out.dtype).split(".")[-1])
    return results
