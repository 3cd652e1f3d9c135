"""`import tensorflow as tf` for scripts run by deepfit: `tf.keras` and the small `tf.*` surface
that training tutorials touch around Keras, on torch tensors.

`tf.keras` is `deepfit.compat.keras`, whose names are deepfit's own objects. Tensors made by
`tf.*` functions are torch tensors (`.numpy()` works on the CPU). Anything else raises
`NotImplementedError` naming it: "tf.image.ssim is not provided by deepfit".

Example:
    >>> import deepfit.compat.tensorflow as tf
    >>> model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
    >>> tf.reduce_sum(tf.constant([1.0, 2.0])).numpy()
    np.float32(3.0)
"""

from __future__ import annotations

import logging as _logging

from deepfit.backend import GradientTape, Variable
from deepfit.compat import keras
from deepfit.compat import namespace as _namespace
from deepfit.compat.tensorflow import (
    audio,
    config,
    data,
    dtypes,
    image,
    math,
    nn,
    random,
    signal,
    strings,
    summary,
    test,
)
from deepfit.compat.tensorflow import gfile as _gfile
from deepfit.compat.tensorflow.dtypes import (
    DType,
    as_dtype,
    bfloat16,
    bool,
    complex64,
    complex128,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    uint8,
    uint16,
    uint32,
    uint64,
)
from deepfit.compat.tensorflow.nn import sigmoid
from deepfit.compat.tensorflow.ops import (
    Tensor,
    abs,
    add,
    argmax,
    argmin,
    argsort,
    boolean_mask,
    cast,
    clip_by_value,
    concat,
    constant,
    convert_to_tensor,
    cos,
    divide,
    equal,
    executing_eagerly,
    exp,
    expand_dims,
    eye,
    fill,
    floor,
    function,
    gather,
    get_logger,
    greater,
    greater_equal,
    identity,
    is_tensor,
    less,
    less_equal,
    linspace,
    logical_and,
    logical_not,
    logical_or,
    matmul,
    maximum,
    minimum,
    multiply,
    negative,
    newaxis,
    norm,
    not_equal,
    one_hot,
    ones,
    ones_like,
    pow,
    range,
    rank,
    reduce_all,
    reduce_any,
    reduce_logsumexp,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_sum,
    reshape,
    reverse,
    round,
    shape,
    sign,
    sin,
    size,
    sort,
    sqrt,
    square,
    squeeze,
    stack,
    stop_gradient,
    subtract,
    tanh,
    tile,
    transpose,
    truediv,
    unstack,
    where,
    zeros,
    zeros_like,
)
from deepfit.compat.tensorflow.ops import tf_print as print  # noqa: A001 - tf.print
from deepfit.compat.tensorflow.placement import device
from deepfit.compat.tensorflow.random import set_seed as _set_seed
from deepfit.compat.tensorflow.sparse import SparseTensor, gather_nd, scan
from deepfit.data.spec import TensorSpec
from deepfit.data.strings import STRING as string

__all__ = [
    "DType", "GradientTape", "Tensor", "TensorSpec", "Variable", "__version__", "abs", "add",
    "argmax", "argmin", "argsort", "as_dtype", "audio",
    "SparseTensor", "autograph", "bfloat16", "bool", "boolean_mask", "cast", "clip_by_value",
    "compat", "gather_nd", "scan", "sparse",
    "complex128", "complex64", "concat", "config", "constant", "convert_to_tensor", "cos",
    "data", "device", "divide", "double", "dtypes", "equal", "errors", "executing_eagerly", "exp",
    "expand_dims", "eye", "fill", "float16", "float32", "float64", "floor", "function",
    "gather", "get_logger", "greater", "greater_equal", "half", "identity", "image",
    "initializers", "int16",
    "int32", "int64", "int8", "io", "is_tensor", "keras", "less", "less_equal", "linalg",
    "linspace", "logical_and", "losses", "metrics", "optimizers", "logical_not", "logical_or",
    "math", "matmul", "maximum",
    "minimum", "multiply", "negative", "newaxis", "nn", "norm", "not_equal", "one_hot", "ones",
    "ones_like", "pow", "print", "python", "random", "range", "rank", "reduce_all", "reduce_any",
    "reduce_logsumexp", "reduce_max", "reduce_mean", "reduce_min", "reduce_prod", "reduce_sum",
    "reshape", "reverse", "round", "saved_model", "shape", "sigmoid", "sign", "signal", "sin",
    "size", "sort", "sqrt",
    "square", "squeeze", "stack", "stop_gradient", "string", "strings", "subtract", "summary",
    "tanh",
    "test", "tile", "transpose",
    "truediv", "uint16", "uint32", "uint64", "uint8", "unstack", "version", "where", "zeros",
    "zeros_like",
]

# The TensorFlow API level these names follow (deepfit's own version is deepfit.__version__).
__version__ = "2.16.1"


def _set_verbosity(level: int) -> None:
    _logging.getLogger("tensorflow").setLevel(level)


def _no_op(*args: object, **kwargs: object) -> None:
    return None


version = _namespace.make("tf.version", extras={"VERSION": __version__})
linalg = _namespace.make(
    "tf.linalg",
    extras={"matmul": matmul, "norm": norm, "eye": eye, "matrix_transpose": transpose,
            "inv": "torch.linalg:inv", "det": "torch.linalg:det"},
)
autograph = _namespace.make(
    "tf.autograph",
    extras={"set_verbosity": _no_op,
            "experimental": _namespace.make("tf.autograph.experimental",
                                            extras={"do_not_convert": function})},
)
compat = _namespace.make(
    "tf.compat",
    modules={"v2": __name__},
    extras={"v1": _namespace.make(
        "tf.compat.v1",
        extras={"set_random_seed": _set_seed,
                "scan": "deepfit.compat.tensorflow.sparse:scan",
                "gather_nd": "deepfit.compat.tensorflow.sparse:gather_nd",
                "boolean_mask": boolean_mask,
                "nn": _namespace.make("tf.compat.v1.nn", extras={
                    "ctc_loss": "deepfit.compat.tensorflow.sparse:ctc_loss_v1"}),
                "logging": _namespace.make(
            "tf.compat.v1.logging",
            extras={"set_verbosity": _set_verbosity, "DEBUG": _logging.DEBUG,
                    "INFO": _logging.INFO, "WARN": _logging.WARNING,
                    "ERROR": _logging.ERROR, "FATAL": _logging.FATAL},
        )},
    )},
)
# Old scripts import Keras from TensorFlow's private package path.
python = _namespace.make("tf.python", modules={"keras": keras.__name__})
io = _namespace.make("tf.io", extras={
    "gfile": _gfile,
    **{name: f"deepfit.compat.tensorflow.io_files:{name}" for name in (
        "read_file", "write_file", "decode_png", "decode_jpeg", "decode_bmp", "decode_gif",
        "decode_image")}})
saved_model = _namespace.make(
    "tf.saved_model",
    extras={"save": "deepfit.saving.saved_model:save", "load": "deepfit.saving.saved_model:load"},
)
errors = _namespace.make("tf.errors")
sparse = _namespace.make("tf.sparse", extras={
    "SparseTensor": "deepfit.compat.tensorflow.sparse:SparseTensor",
    "to_dense": "deepfit.compat.tensorflow.sparse:to_dense"})

# TensorFlow 2 keeps tf.metrics, tf.losses, tf.optimizers and tf.initializers as aliases of
# Keras's modules.
_namespace.install(globals(), _namespace.Lookup("tf", modules={
    name: f"deepfit.compat.keras.{name}"
    for name in ("metrics", "losses", "optimizers", "initializers")}))
