"""Which kind of model a constructor makes: Keras decides by the arguments that reach
`Model.__init__`, not by those of a subclass's own constructor."""

import numpy as np

import deepfit as keras
from deepfit.models.functional import Functional


class TwoArgumentSubclass(keras.Model):
    """A subclass whose own constructor takes two arguments (TensorFlow's autoencoder
    tutorial: `Autoencoder(latent_dim, shape)`)."""

    def __init__(self, units: int, scale: float) -> None:
        super().__init__()
        self.scale = scale
        self.dense = keras.layers.Dense(units)

    def call(self, x):
        return self.dense(x) * self.scale


class GraphSubclass(keras.Model):
    """A subclass built as a graph: `GraphSubclass(inputs, outputs)` (Keras's custom
    train_step guide)."""

    def train_step(self, data):
        self.steps_seen = getattr(self, "steps_seen", 0) + 1
        return super().train_step(data)


def test_subclass_with_two_constructor_arguments_is_not_a_graph() -> None:
    model = TwoArgumentSubclass(3, 2.0)
    assert not isinstance(model, Functional)
    out = model(np.ones((2, 5), "float32"))
    assert tuple(out.shape) == (2, 3)
    assert len(model.trainable_weights) == 2


def test_subclass_given_inputs_and_outputs_is_a_graph_with_its_methods() -> None:
    inputs = keras.Input((4,))
    outputs = keras.layers.Dense(1)(inputs)
    for model in (GraphSubclass(inputs, outputs),
                  GraphSubclass(inputs=inputs, outputs=outputs)):
        assert isinstance(model, GraphSubclass) and isinstance(model, Functional)
        model.compile(optimizer="sgd", loss="mse")
        model.fit(np.ones((8, 4)), np.ones((8, 1)), batch_size=4, verbose=0)
        assert model.steps_seen == 2
    assert type(keras.Model(inputs, outputs)) is Functional


def test_x_only_batches_reach_a_custom_step_unwrapped() -> None:
    """Keras hands a custom train_step `x` itself when fit gets no targets (the VAE
    example feeds `data` straight to its encoder and its loss)."""
    seen = []

    class XOnly(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            seen.append(type(data))
            x = data[0] if isinstance(data, tuple) else data
            return {"loss": keras.ops.mean(self(x))}

    model = XOnly()
    model.compile(optimizer="sgd")
    model.fit(np.ones((4, 3), "float32"), batch_size=2, epochs=1, verbose=0)
    assert seen and all(kind is not tuple for kind in seen)
    seen.clear()
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 2)), batch_size=2, verbose=0)
    assert seen == [tuple, tuple]
