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


def test_a_later_fit_of_the_same_step_starts_with_the_earlier_choice(monkeypatch):
    """A short fit (the resnet benchmark's 16 steps) would otherwise spend 14 steps on trials,
    half of them on the slower thread count."""
    monkeypatch.setattr(runtime.config, "deterministic", lambda: False)
    choices: dict = {}
    clock = {1: 0.001, 2: 0.003}
    fake_time = [0.0]
    original = runtime.time.perf_counter
    runtime.time.perf_counter = lambda: fake_time[0]
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        def step(batch):
            fake_time[0] += clock[torch.get_num_threads()]
            seen.append(torch.get_num_threads())

        seen: list[int] = []
        with runtime.training_runtime(1e12, torch.device("cpu"), choices) as tuner:
            timed = tuner.wrap(step)
            for _ in range(16):
                timed(None)
        assert seen == [1] * 7 + [2] * 7 + [1, 1] and choices == {(10**12, 2): 1}
        seen = []
        with runtime.training_runtime(1e12, torch.device("cpu"), choices) as tuner:
            timed = tuner.wrap(step)
            for _ in range(3):
                timed(None)
        assert seen == [1, 1, 1]
        assert torch.get_num_threads() == 2
        seen = []  # another step size is tuned afresh
        with runtime.training_runtime(2e12, torch.device("cpu"), choices) as tuner:
            timed = tuner.wrap(step)
            timed(None)
        assert seen == [1] and len(choices) == 1
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


def test_the_second_fit_runs_every_step_on_the_first_fits_choice(monkeypatch):
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
    try:
        model.fit(tokens, np.zeros(len(tokens)), batch_size=64, verbose=0, callbacks=[callback])
        assert set(seen[:14]) == {1, 2}  # the trials
        chosen, seen[:] = seen[-1], []
        model.fit(tokens, np.zeros(len(tokens)), batch_size=64, verbose=0, callbacks=[callback])
        assert seen == [chosen] * 16
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
