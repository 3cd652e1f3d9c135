"""The second op table of the differential test: counting, set, NaN-aware, window, splitting,
spatial and linear-algebra ops. Each case is a function of (ops, x) with `ops` either
`keras.ops` or `deepfit.ops` and `x` a (2, 4) input of one dtype whose float versions hold
NaNs (the last column all NaN). Imported by both processes (no deepfit or keras imports)."""

from __future__ import annotations

import numpy as np

try:  # the Keras process imports the tables as top-level modules
    from op_cases import evaluate_table
except ImportError:
    from tests.ops.op_cases import evaluate_table

_NANS = np.array([[0.5, np.nan, 2.25, np.nan], [3.0, 0.0, -2.5, np.nan]])
_FLOATS = np.array([[0.5, -1.5, 2.25, 1.0], [3.0, 0.0, -2.5, 0.75]])
_INTS = np.array([[1, -2, 3, 4], [4, 0, -5, 2]])
_COUNTS = np.array([[1, 0, 3, 1], [4, 0, 2, 2]])
_BOOLS = np.array([[True, False, True, True], [False, False, True, False]])


def make_input(dtype: str, kind: str = "nan") -> np.ndarray:
    """The (2, 4) test array of one dtype: 'nan' (floats with NaNs), 'finite' or 'counts'
    (small non-negative values)."""
    if dtype == "bool":
        return _BOOLS.copy()
    if "int" in dtype:
        return (_COUNTS if kind == "counts" else _INTS).astype(dtype)
    base = {"nan": _NANS, "finite": _FLOATS, "counts": _COUNTS}[kind]
    return base.astype(dtype)


NAN_REDUCTIONS = ["nansum", "nanmean", "nanmax", "nanmin", "nanprod", "nanvar", "nanstd",
                  "nanmedian", "nanargmax", "nanargmin"]


def _image(ops, x):
    """A (1, 2, 2, 4) channels-last image made from the finite (2, 4) input."""
    return ops.reshape(ops.tile(ops.cast(x, "float32"), (2, 1)), (1, 2, 2, 4))


def _signal(ops, x):
    """Two float32 signals of 32 samples made from the finite (2, 4) input."""
    return ops.tile(ops.cast(x, "float32"), (1, 8))


def _pairs(ops, x):
    """The finite input as four (real, imaginary) pairs."""
    return ops.reshape(ops.cast(x, "float32"), (4, 2))


def _custom_gradient(ops, x):
    """The gradient through a function whose gradient is declared 3× its upstream."""
    import torch

    def double_forward(v):
        def grad(*args, upstream=None):
            return ops.multiply(upstream, 3.0)

        return ops.multiply(v, 2.0), grad

    double = ops.custom_gradient(double_forward)

    leaf = torch.tensor(make_input("float32", "finite"), requires_grad=True)
    ops.sum(ops.multiply(double(leaf), ops.cast(x, "float32"))).backward()
    return leaf.grad


def _cases() -> dict:
    cases = {}
    for name in NAN_REDUCTIONS:
        cases[name] = lambda ops, x, n=name: getattr(ops, n)(x)
        cases[f"{name}(axis=0)"] = lambda ops, x, n=name: getattr(ops, n)(x, axis=0)
        cases[f"{name}(axis=1, keepdims)"] = (
            lambda ops, x, n=name: getattr(ops, n)(x, axis=1, keepdims=True))
    cases.update({
        "nanmean(axis=())": lambda ops, x: ops.nanmean(x, axis=()),
        "nansum(axis=(0, 1))": lambda ops, x: ops.nansum(x, axis=(0, 1)),
        "nancumsum": lambda ops, x: ops.nancumsum(x),
        "nancumsum(axis=1)": lambda ops, x: ops.nancumsum(x, axis=1),
        "nancumprod(axis=0)": lambda ops, x: ops.nancumprod(x, axis=0),
        "nanquantile": lambda ops, x: ops.nanquantile(x, 0.25),
        "nanquantile(axis=0)": lambda ops, x: ops.nanquantile(x, [0.25, 0.5], axis=0),
        "nanpercentile(axis=1)": lambda ops, x: ops.nanpercentile(x, 75, axis=1),
        "unique": (lambda ops, x: ops.unique(x), "finite"),
        "unique(counts)": (lambda ops, x: ops.unique(x, return_counts=True)[1], "finite"),
        "unique(inverse)": (lambda ops, x: ops.unique(x, return_inverse=True)[1], "finite"),
        "unique(index)": (lambda ops, x: ops.unique(x, return_index=True)[1], "finite"),
        "unique(size=8)": (lambda ops, x: ops.unique(x, size=8, fill_value=7), "finite"),
        "unique(axis=1)": (lambda ops, x: ops.unique(ops.concatenate([x, x], 1), axis=1),
                           "finite"),
        "bincount": (lambda ops, x: ops.bincount(ops.ravel(x)), "counts"),
        "bincount(minlength)": (lambda ops, x: ops.bincount(ops.ravel(x), minlength=7),
                                "counts"),
        "bincount(weights)": (lambda ops, x: ops.bincount(
            ops.cast(ops.ravel(x), "int32"), weights=ops.ravel(x)), "counts"),
        "bincount(2-D)": (lambda ops, x: ops.bincount(ops.cast(x, "int32")), "counts"),
        "isin": (lambda ops, x: ops.isin(x, ops.ravel(x)[:3]), "finite"),
        "isin(list, invert)": (lambda ops, x: ops.isin(x, [1, 3], invert=True), "finite"),
        "histogram": (lambda ops, x: ops.histogram(ops.ravel(x), bins=3)[0], "finite"),
        "histogram(edges)": (lambda ops, x: ops.histogram(ops.ravel(x), bins=4)[1], "finite"),
        "histogram(range)": (lambda ops, x: ops.histogram(ops.ravel(x), bins=2,
                                                          range=(0, 3))[0], "finite"),
        "argpartition(kth)": (lambda ops, x: ops.take_along_axis(
            x, ops.argpartition(x, 1), axis=-1)[:, 1], "finite"),
        "argpartition(dtype)": (lambda ops, x: str(ops.argpartition(x, 2).dtype), "finite"),
        "array_split": (lambda ops, x: ops.array_split(x, 3, axis=1)[0], "finite"),
        "array_split(last)": (lambda ops, x: ops.array_split(x, 3, axis=1)[2], "finite"),
        "hsplit": (lambda ops, x: ops.hsplit(x, 2)[1], "finite"),
        "hsplit(indices)": (lambda ops, x: ops.hsplit(x, [1, 3])[1], "finite"),
        "vsplit": (lambda ops, x: ops.vsplit(x, 2)[1], "finite"),
        "dsplit": (lambda ops, x: ops.dsplit(ops.reshape(x, (1, 2, 4)), 2)[0], "finite"),
        "dstack": (lambda ops, x: ops.dstack([x, x]), "finite"),
        "kron": (lambda ops, x: ops.kron(x, ops.ones((2, 1), dtype="int32")), "finite"),
        "diagflat": (lambda ops, x: ops.diagflat(x[0], k=1), "finite"),
        "vander": (lambda ops, x: ops.vander(x[1], 3), "finite"),
        "vander(increasing)": (lambda ops, x: ops.vander(x[0], increasing=True), "finite"),
        "unravel_index": (lambda ops, x: ops.unravel_index(ops.cast(x, "int32")[0] % 4,
                                                           (2, 2))[1], "counts"),
        "trapezoid": (lambda ops, x: ops.trapezoid(x), "finite"),
        "trapezoid(dx)": (lambda ops, x: ops.trapezoid(x, dx=0.5, axis=0), "finite"),
        "correlate": (lambda ops, x: ops.correlate(x[0], x[1, :2]), "finite"),
        "correlate(full)": (lambda ops, x: ops.correlate(x[0], x[1, :3], mode="full"),
                            "finite"),
        "correlate(same)": (lambda ops, x: ops.correlate(x[0], x[1, :3], mode="same"),
                            "finite"),
        "corrcoef": (lambda ops, x: ops.corrcoef(x), "finite"),
        "gcd": (lambda ops, x: ops.gcd(x, ops.flip(x, axis=1)), "counts"),
        "lcm": (lambda ops, x: ops.lcm(x, 2), "counts"),
        "ldexp": (lambda ops, x: ops.ldexp(x, ops.array([1, 2, 0, 3])), "finite"),
        "nextafter": (lambda ops, x: ops.nextafter(x, ops.zeros_like(x)), "finite"),
        "angle": (lambda ops, x: ops.angle(x), "finite"),
        "isreal": (lambda ops, x: ops.isreal(x), "finite"),
        "erfc": (lambda ops, x: ops.erfc(x), "finite"),
        "view": (lambda ops, x: ops.view(x, "uint8"), "finite"),
        "bartlett": lambda ops, x: ops.bartlett(5),
        "blackman": lambda ops, x: ops.blackman(6),
        "hamming": lambda ops, x: ops.hamming(5),
        "hanning": lambda ops, x: ops.hanning(4),
        "kaiser": lambda ops, x: ops.kaiser(5, 2.5),
        "logspace": lambda ops, x: ops.logspace(0, 2, 5),
        "logspace(no endpoint)": lambda ops, x: ops.logspace(1, 2, 4, endpoint=False, base=2),
        "geomspace": lambda ops, x: ops.geomspace(1, 1000, 4),
        "geomspace(negative)": lambda ops, x: ops.geomspace(-1, -16, 5),
        "numpy.array": (lambda ops, x: ops.numpy.array(x), "finite"),
        "numpy.slogdet": (lambda ops, x: ops.numpy.slogdet(
            ops.add(ops.eye(2), ops.cast(x[:, :2], "float32")))[1], "finite"),
        "vectorize": (lambda ops, x: ops.vectorize(lambda a: ops.add(a, 1))(x), "finite"),
        "vectorize(signature)": (lambda ops, x: ops.vectorize(
            lambda a, b: ops.sum(ops.multiply(a, b)), signature="(n),(n)->()")(x, x[0]),
            "finite"),
        "vectorized_map": (lambda ops, x: ops.vectorized_map(lambda r: ops.sum(r), x), "finite"),
        "associative_scan": (lambda ops, x: ops.associative_scan(ops.add, x, axis=1),
                             "finite"),
        "associative_scan(reverse)": (lambda ops, x: ops.associative_scan(
            ops.maximum, x, reverse=True, axis=1), "finite"),
        "matrix_rank": (lambda ops, x: ops.linalg.matrix_rank(
            ops.cast(ops.matmul(ops.transpose(x), x), "float32")), "finite"),
        "pinv": (lambda ops, x: ops.linalg.pinv(ops.cast(x, "float32")), "finite"),
        "cholesky_inverse": (lambda ops, x: ops.linalg.cholesky_inverse(
            ops.add(ops.tril(ops.cast(x[:, :2], "float32")), ops.eye(2) * 4.0)), "finite"),
        "jvp": (lambda ops, x: ops.linalg.jvp(ops.sin, (ops.cast(x, "float32"),),
                                              (ops.ones((2, 4)),))[1], "finite"),
        "conv_transpose": (lambda ops, x: ops.conv_transpose(
            _image(ops, x), ops.ones((3, 3, 2, 4)), strides=2, padding="same"), "finite"),
        "conv_transpose(valid)": (lambda ops, x: ops.nn.conv_transpose(
            _image(ops, x), ops.ones((2, 2, 3, 4)), strides=1), "finite"),
        "separable_conv": (lambda ops, x: ops.separable_conv(
            _image(ops, x), ops.ones((2, 2, 4, 1)), ops.ones((1, 1, 4, 3)), padding="same"),
            "finite"),
        "depth_to_space": (lambda ops, x: ops.depth_to_space(_image(ops, x), 2), "finite"),
        "depth_to_space(channels_first)": (lambda ops, x: ops.nn.depth_to_space(
            ops.transpose(_image(ops, x), (0, 3, 1, 2)), 2, data_format="channels_first"),
            "finite"),
        "space_to_depth": (lambda ops, x: ops.space_to_depth(_image(ops, x), 2), "finite"),
        "space_to_depth(channels_first)": (lambda ops, x: ops.nn.space_to_depth(
            ops.reshape(ops.cast(x, "float32"), (1, 2, 2, 2)), 2,
            data_format="channels_first"), "finite"),
        "unfold": (lambda ops, x: ops.unfold(ops.reshape(ops.cast(x, "float32"), (1, 1, 2, 4)),
                                             2), "finite"),
        "fold": (lambda ops, x: ops.fold(ops.reshape(ops.cast(x, "float32"), (1, 4, 2)),
                                         (2, 3), 2), "finite"),
        "adaptive_average_pool": (lambda ops, x: ops.adaptive_average_pool(
            ops.reshape(ops.cast(x, "float32"), (1, 2, 4, 1)), (1, 3)), "finite"),
        "adaptive_max_pool": (lambda ops, x: ops.nn.adaptive_max_pool(
            ops.reshape(ops.cast(x, "float32"), (1, 8, 1)), 3), "finite"),
        "dot_product_attention": (lambda ops, x: ops.dot_product_attention(
            *[ops.reshape(ops.cast(x, "float32"), (1, 2, 2, 2))] * 3), "finite"),
        "dot_product_attention(causal)": (lambda ops, x: ops.nn.dot_product_attention(
            *[ops.reshape(ops.cast(x, "float32"), (1, 4, 1, 2))] * 3, is_causal=True),
            "finite"),
        "dot_product_attention(mask)": (lambda ops, x: ops.dot_product_attention(
            *[ops.reshape(ops.cast(x, "float32"), (1, 4, 1, 2))] * 3,
            mask=ops.greater(ops.reshape(ops.cast(x, "float32"), (1, 1, 2, 4))[:, :, :1], 0)),
            "finite"),
        "psnr": (lambda ops, x: ops.psnr(x, ops.multiply(x, 0.5), 3.0), "finite"),
        "polar": (lambda ops, x: ops.real(ops.polar(x, ops.flip(x, axis=1))), "finite"),
        "nn.conv": (lambda ops, x: ops.nn.conv(_image(ops, x), ops.ones((1, 1, 4, 2))),
                    "finite"),
        "nn.depthwise_conv": (lambda ops, x: ops.nn.depthwise_conv(
            _image(ops, x), ops.ones((1, 1, 4, 1))), "finite"),
        "nn.max_pool": (lambda ops, x: ops.nn.max_pool(_image(ops, x), 2), "finite"),
        "nn.average_pool": (lambda ops, x: ops.nn.average_pool(_image(ops, x), 2), "finite"),
        "custom_gradient": (_custom_gradient, "finite"),
        "nanquantile(lower)": lambda ops, x: ops.nanquantile(x, 0.3, axis=1, method="lower"),
        "nanquantile(nearest, keepdims)": lambda ops, x: ops.nanquantile(
            x, [0.1, 0.9], axis=0, method="nearest", keepdims=True),
        "unique(axis=1, inverse)": (lambda ops, x: ops.unique(
            ops.concatenate([x, x[:, :1]], 1), axis=1, return_inverse=True)[1], "counts"),
        "conv_transpose(1-D, output_padding)": (lambda ops, x: ops.conv_transpose(
            ops.reshape(ops.cast(x, "float32"), (1, 4, 2)), ops.ones((3, 4, 2)), strides=2,
            output_padding=1), "finite"),
        "conv_transpose(dilated)": (lambda ops, x: ops.conv_transpose(
            _image(ops, x), ops.ones((2, 2, 1, 4)), padding="same", dilation_rate=2),
            "finite"),
        "separable_conv(strides)": (lambda ops, x: ops.separable_conv(
            ops.reshape(ops.tile(ops.cast(x, "float32"), (3, 3)), (1, 6, 6, 2)),
            ops.ones((3, 3, 2, 2)), ops.ones((1, 1, 4, 3)), strides=2, padding="same"),
            "finite"),
        "dot_product_attention(grouped, scale)": (lambda ops, x: ops.dot_product_attention(
            ops.reshape(ops.tile(ops.cast(x, "float32"), (1, 3)), (1, 3, 4, 2)),
            *[ops.reshape(ops.cast(x, "float32"), (1, 2, 2, 2))] * 2, scale=0.3), "finite"),
        "dot_product_attention(bias)": (lambda ops, x: ops.dot_product_attention(
            *[ops.reshape(ops.cast(x, "float32"), (1, 4, 1, 2))] * 3,
            bias=ops.reshape(ops.tile(ops.cast(x, "float32"), (1, 2)), (1, 1, 4, 4))),
            "finite"),
        "adaptive_average_pool(3-D)": (lambda ops, x: ops.adaptive_average_pool(
            ops.reshape(ops.tile(ops.cast(x, "float32"), (1, 2)), (1, 2, 2, 4, 1)), (1, 2, 3)),
            "finite"),
        "adaptive_max_pool(channels_first)": (lambda ops, x: ops.adaptive_max_pool(
            ops.reshape(ops.cast(x, "float32"), (1, 1, 8)), 3, data_format="channels_first"),
            "finite"),
        "trapezoid(x)": (lambda ops, x: ops.trapezoid(x, x=ops.array([0.0, 1.0, 3.0, 4.0])),
                         "finite"),
        "matrix_rank(tol)": (lambda ops, x: ops.linalg.matrix_rank(
            ops.cast(ops.matmul(ops.transpose(x), x), "float32"), tol=5.0), "finite"),
        "pinv(rcond)": (lambda ops, x: ops.linalg.pinv(ops.cast(x, "float32"), rcond=0.5),
                        "finite"),
        "stft": (lambda ops, x: ops.stft(_signal(ops, x), 8, 4, 8)[0], "finite"),
        "stft(hamming, no center)": (lambda ops, x: ops.stft(
            _signal(ops, x), 6, 3, 8, window="hamming", center=False)[1], "finite"),
        "istft": (lambda ops, x: ops.istft(ops.stft(_signal(ops, x), 8, 4, 8), 8, 4, 8),
                  "finite"),
        "istft(padded window)": (lambda ops, x: ops.istft(
            ops.stft(_signal(ops, x), 6, 2, 8), 6, 2, 8), "finite"),
        "istft(no center, length)": (lambda ops, x: ops.istft(
            ops.stft(_signal(ops, x), 8, 4, 8, center=False), 8, 4, 8, length=28,
            center=False), "finite"),
        "view_as_complex": (lambda ops, x: ops.imag(ops.view_as_complex(_pairs(ops, x))),
                            "finite"),
        "view_as_real": (lambda ops, x: ops.view_as_real(ops.view_as_complex(_pairs(ops, x))),
                         "finite"),
        "cdist": (lambda ops, x: ops.cdist(x, ops.flip(x, axis=0)[:, :4]), "finite"),
        "rearrange": (lambda ops, x: ops.rearrange(
            ops.reshape(x, (2, 2, 2)), "b (h1 h) w -> (b h1) w h", h1=2), "finite"),
        "rearrange(merge)": (lambda ops, x: ops.rearrange(
            ops.reshape(x, (2, 2, 2)), "b h w -> h (b w)"), "finite"),
        "nn.one_hot": (lambda ops, x: ops.nn.one_hot(ops.array([0, 2]), 3), "finite"),
    })
    return cases


CASES = _cases()


def evaluate(ops, to_numpy) -> dict:
    """Every case on every dtype: {(case, dtype): (array, dtype name), ('python', repr) or
    ('error', message)}."""
    return evaluate_table(ops, to_numpy, CASES, make_input, "nan")
