"""The CPU runtime settings of a fit: thread choice, tuning, restoring the user's settings."""

from __future__ import annotations

import numpy as np
import torch

import deepfit
from deepfit.trainer import runtime


def test_small_steps_use_one_thread_and_settings_are_restored():
    before = torch.get_num_threads()
    seen = []
    model = deepfit.Sequential([deepfit.layers.Dense(1, input_dim=2)])
    model.compile(optimizer="sgd", loss="mse")
    callback = deepfit.callbacks.LambdaCallback(
        on_train_batch_begin=lambda batch, logs: seen.append(torch.get_num_threads()))
    model.fit(np.ones((8, 2)), np.ones(8), epochs=1, batch_size=4, verbose=0,
              callbacks=[callback])
    assert seen == [1, 1]
    assert torch.get_num_threads() == before


def test_tuner_keeps_the_faster_thread_count():
    tuner = runtime.ThreadTuner([1, 2], trial_steps=3, recheck_every=5)
    clock = {1: 0.002, 2: 0.001}
    fake_time = [0.0]

    def step(batch):
        fake_time[0] += clock[torch.get_num_threads()]

    original = runtime.time.perf_counter
    runtime.time.perf_counter = lambda: fake_time[0]
    try:
        timed = tuner.wrap(step)
        for _ in range(8):
            timed(None)
        assert tuner.best == 2
        clock[1], clock[2] = 0.001, 0.004  # the other core got busy
        for _ in range(5 + 6):
            timed(None)
        assert tuner.best == 1
    finally:
        runtime.time.perf_counter = original
        torch.set_num_threads(2)


def test_a_later_fit_of_the_same_step_goes_on_with_its_tuner(monkeypatch):
    """A short fit (a benchmark's 4-step warm-up, a 16-step resnet epoch) would otherwise
    start the 14 trial steps again, half of them on the slower thread count."""
    monkeypatch.setattr(runtime.config, "deterministic", lambda: False)
    tuners: dict = {}
    clock = {1: 0.001, 2: 0.003}
    fake_time = [0.0]
    seen: list[int] = []
    original = runtime.time.perf_counter
    runtime.time.perf_counter = lambda: fake_time[0]
    before = torch.get_num_threads()
    torch.set_num_threads(2)

    def fit(flops: float, steps: int) -> list[int]:
        seen.clear()
        with runtime.training_runtime(flops, torch.device("cpu"), tuners) as tuner:
            timed = tuner.wrap(step)
            for _ in range(steps):
                timed(None)
        return list(seen)

    def step(batch):
        fake_time[0] += clock[torch.get_num_threads()]
        seen.append(torch.get_num_threads())

    try:
        assert fit(1e12, 4) == [1] * 4
        assert fit(1e12, 12) == [1] * 3 + [2] * 7 + [1, 1]  # the trials went on
        assert fit(1e12, 3) == [1, 1, 1] and len(tuners) == 1
        assert torch.get_num_threads() == 2
        assert fit(2e12, 1) == [1] and len(tuners) == 2  # another step size: its own trials
    finally:
        runtime.time.perf_counter = original
        torch.set_num_threads(before)


def test_flops_estimate_counts_dense_and_conv_kernels():
    model = deepfit.Sequential([deepfit.Input((8, 8, 1)),
                                deepfit.layers.Conv2D(4, 3), deepfit.layers.Flatten(),
                                deepfit.layers.Dense(10)])
    flops = runtime.estimate_flops_per_sample(model, torch.zeros(1, 8, 8, 1))
    assert flops == 2 * (3 * 3 * 1 * 4) * 36 + 2 * (144 * 10)


def test_flops_estimate_counts_every_step_of_a_recurrent_layer():
    """torch's fused LSTM kernel runs the steps out of sight of layer hooks; the layer counts
    its input and recurrent products over the 12 steps itself (once: not again per cell call,
    as the generic step loop of a masked sequence makes them)."""
    lstm = deepfit.layers.LSTM(5)
    model = deepfit.Sequential([deepfit.Input((12, 3)), lstm, deepfit.layers.Dense(2)])
    per_step = 3 * 20 + 5 * 20  # kernel (3, 4*5) and recurrent kernel (5, 4*5)
    expected = 2 * per_step * 12 + 2 * (5 * 2)
    assert runtime.estimate_flops_per_sample(model, torch.zeros(1, 12, 3)) == expected
    masked = deepfit.Sequential([deepfit.Input((12, 3)), deepfit.layers.Masking(),
                                 deepfit.layers.LSTM(5), deepfit.layers.Dense(2)])
    assert runtime.estimate_flops_per_sample(masked, torch.zeros(1, 12, 3)) == expected


def test_a_large_recurrent_step_may_use_every_thread():
    seen = []
    model = deepfit.Sequential([deepfit.Input((200,), dtype="int32"),
                                deepfit.layers.Embedding(100, 128), deepfit.layers.LSTM(64),
                                deepfit.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    callback = deepfit.callbacks.LambdaCallback(
        on_train_batch_begin=lambda batch, logs: seen.append(torch.get_num_threads()))
    before = torch.get_num_threads()
    tokens = np.random.default_rng(0).integers(1, 100, size=(64 * 16, 200))
    model.fit(tokens, np.zeros(len(tokens)), batch_size=64, verbose=0, callbacks=[callback])
    assert before in seen  # counted as the 6 MFLOP a sample it is, not as its Dense's 130


def test_later_fits_go_on_with_the_first_fits_thread_trials(monkeypatch):
    monkeypatch.setattr(runtime.config, "deterministic", lambda: False)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    model = deepfit.Sequential([deepfit.Input((200,), dtype="int32"),
                                deepfit.layers.Embedding(100, 128), deepfit.layers.LSTM(64),
                                deepfit.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    seen: list[int] = []
    callback = deepfit.callbacks.LambdaCallback(
        on_train_batch_begin=lambda batch, logs: seen.append(torch.get_num_threads()))
    tokens = np.random.default_rng(0).integers(1, 100, size=(64 * 16, 200))

    def fit(batches: int) -> list[int]:
        seen.clear()
        model.fit(tokens[:64 * batches], np.zeros(64 * batches), batch_size=64, verbose=0,
                  callbacks=[callback])
        return list(seen)

    try:
        assert fit(4) == [1] * 4  # a warm-up shorter than the trials
        second = fit(12)  # the rest of the 7 + 7 trial steps, then the choice
        assert second[:10] == [1] * 4 + [2] * 6 and len(set(second[10:])) == 1
        assert fit(8) == [second[-1]] * 8
    finally:
        torch.set_num_threads(before)


def _threads_seen(small: bool, method: str) -> tuple[list[int], int]:
    """The thread counts evaluate's or predict's batch callbacks saw, and the count after."""
    width = 8 if small else 4096  # 4096x4096 kernels: ~3e9 FLOPs a step of 32
    model = deepfit.Sequential([deepfit.Input((width,)), deepfit.layers.Dense(width),
                                deepfit.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    seen: list[int] = []
    hook = {"evaluate": "on_test_batch_end", "predict": "on_predict_batch_end"}[method]
    callback = deepfit.callbacks.LambdaCallback(
        **{hook: lambda batch, logs: seen.append(torch.get_num_threads())})
    x, y = np.ones((96, width), "float32"), np.ones(96, "float32")
    if method == "evaluate":
        model.evaluate(x, y, batch_size=32, verbose=0, callbacks=[callback])
    else:
        model.predict(x, batch_size=32, verbose=0, callbacks=[callback])
    return seen, torch.get_num_threads()


def test_evaluate_and_predict_of_a_small_model_use_one_thread_then_restore():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        assert _threads_seen(True, "evaluate") == ([1, 1, 1], 2)
        # predict measures the work on its first batch's real call, then switches
        assert _threads_seen(True, "predict") == ([1, 1, 1], 2)
        assert _threads_seen(False, "evaluate") == ([2, 2, 2], 2)
        assert _threads_seen(False, "predict") == ([2, 2, 2], 2)
    finally:
        torch.set_num_threads(before)
