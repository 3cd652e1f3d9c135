"""keras.utils.pack_x_y_sample_weight / unpack_x_y_sample_weight, against Keras's results."""

from __future__ import annotations

import pytest

import deepfit

CASES = {"x": (1, None, None), "x_y": (1, 2, None), "x_y_w": (1, 2, 3),
         "tuple_x": ((1, 2), None, None), "list_x_y": ([1], 2, None)}


def test_pack_and_unpack_give_keras_structures():
    from tests.trainer.keras_process import run_keras

    theirs = run_keras(f"""
cases = {CASES!r}
for name, (x, y, w) in cases.items():
    packed = keras.utils.pack_x_y_sample_weight(x, y, w)
    result[name] = json.dumps([packed, keras.utils.unpack_x_y_sample_weight(packed)])
result["list"] = json.dumps(keras.utils.unpack_x_y_sample_weight([1, 2]))
""")
    import json

    for name, (x, y, w) in CASES.items():
        packed = deepfit.utils.pack_x_y_sample_weight(x, y, w)
        ours = json.loads(json.dumps([packed, deepfit.utils.unpack_x_y_sample_weight(packed)]))
        assert ours == json.loads(theirs[name]), name
    assert list(deepfit.utils.unpack_x_y_sample_weight([1, 2])) == json.loads(theirs["list"])
    with pytest.raises(ValueError, match="sample_weight"):
        deepfit.utils.unpack_x_y_sample_weight((1, 2, 3, 4))
