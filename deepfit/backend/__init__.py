"""`keras.backend`: Keras 3's backend functions (`floatx`, `epsilon`, `clear_session`, ...,
in `keras_functions`) and deepfit's tensor layer: `EagerTensor`, `Variable`, `GradientTape`
(what Keras exposes as `keras.Variable` and TensorFlow as `tf.Variable`/`tf.GradientTape`).

Example:
    >>> from deepfit.backend import GradientTape, Variable
    >>> w = Variable([1.0, 2.0])
    >>> with GradientTape() as tape:
    ...     loss = (w * w).sum()
    >>> tape.gradient(loss, w).numpy()
    array([2., 4.], dtype=float32)
"""

from deepfit.backend import keras_functions
from deepfit.backend.context import internal, internal_step, is_internal
from deepfit.backend.keras_functions import *  # noqa: F403 - Keras 3's backend functions
from deepfit.backend.shape import TensorShape
from deepfit.backend.tape import GradientTape
from deepfit.backend.tensor import EagerTensor, for_user, to_eager, to_plain
from deepfit.backend.variable import Variable

__all__ = ["EagerTensor", "GradientTape", "TensorShape", "Variable", "for_user", "internal",
           "internal_step", "is_internal", "to_eager", "to_plain", *keras_functions.__all__]
