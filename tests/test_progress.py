"""The progress bar's exact output, on a terminal and off one, against Keras's Progbar."""

import io
import os
import sys
import types

import pytest
import torch

from deepfit.trainer import progress
from deepfit.trainer.progress import Progbar

B, G, W, R = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"
BAR = "━"


class FakeStream(io.StringIO):
    """stdout stand-in; `tty` decides what isatty() says."""

    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


class FakeClock:
    def __init__(self, start=1000.0):
        self.now = start

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(progress, "_now", fake)
    return fake


def _stdout(monkeypatch, tty):
    stream = FakeStream(tty)
    monkeypatch.setattr(sys, "stdout", stream)
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    return stream


def _run(bar, clock, steps, dt, values=lambda step: None):
    for step in range(1, steps + 1):
        clock.now += dt
        bar.update(step, values(step))


def test_non_tty_prints_one_finished_line_without_escapes(monkeypatch, clock):
    out = _stdout(monkeypatch, tty=False)
    bar = Progbar(10)
    _run(bar, clock, 10, 0.1, lambda s: [("loss", 1.0 / s), ("accuracy", 0.5)])
    # As in Keras, the finishing update's values are shown as given (the last loss, 1/10).
    assert out.getvalue() == f"10/10 {BAR * 20} 1s 100ms/step - loss: 0.1000 - accuracy: 0.5000\n"


def test_values_are_averaged_over_steps_until_the_end(monkeypatch, clock):
    out = _stdout(monkeypatch, tty=True)
    bar = Progbar(10, stateful_metrics=["acc"])
    clock.now += 1.0
    bar.update(1, [("loss", torch.tensor(4.0)), ("acc", 0.25)])
    clock.now += 1.0
    bar.update(4, [("loss", torch.tensor(1.0)), ("acc", 0.5)])
    # Weighted by steps: (4 * 1 + 1 * 3) / 4 = 1.75; 'acc' is stateful, shown as given.
    assert out.getvalue().endswith(" - loss: 1.7500 - acc: 0.5000")


def test_tty_redraws_in_place_with_keras_styles(monkeypatch, clock):
    out = _stdout(monkeypatch, tty=True)
    bar = Progbar(4, width=4)
    clock.now += 2.0
    bar.update(1, [("loss", 0.5)])
    first = f"\r{B}1/4{R} {G}{BAR}{R}{W}{BAR * 3}{R} {B}6s{R} 2s/step - loss: 0.5000"
    assert out.getvalue() == first
    clock.now += 1.0
    bar.update(4, [("loss", 0.25)], finalize=True)
    visible = len("1/4 ━━━━ 6s 2s/step - loss: 0.5000")
    final = f"{B}4/4{R} {G}{BAR * 4}{R}{W}{R} {B}3s{R} 333ms/step - loss: 0.2500"
    assert out.getvalue() == first + "\b" * visible + "\r" + final + "\n"


def test_tty_redraws_at_most_every_interval_and_reads_values_only_then(monkeypatch, clock):
    out = _stdout(monkeypatch, tty=True)
    reads = []

    class CountingLogs(dict):
        def __getitem__(self, key):
            reads.append(key)
            return super().__getitem__(key)

    bar = Progbar(100, stateless_metrics=())
    _run(bar, clock, 99, 1 / 64, lambda s: CountingLogs(loss=torch.tensor(float(s))))
    draws = out.getvalue().count("\r")
    # Steps of 1/64 s with a 0.05 s interval: step 1, then every 4th step up to 97.
    assert draws == 25
    assert len(reads) == draws
    assert "loss: 97.0000" in out.getvalue().rsplit("\r", 1)[1]


def test_non_tty_reads_no_values_until_the_end(monkeypatch, clock):
    out = _stdout(monkeypatch, tty=False)
    reads = []

    class CountingLogs(dict):
        def __getitem__(self, key):
            reads.append(key)
            return super().__getitem__(key)

    bar = Progbar(50, stateless_metrics=())
    _run(bar, clock, 49, 0.01, lambda s: CountingLogs(loss=torch.tensor(2.0)))
    assert reads == [] and out.getvalue() == ""
    bar.update(50, CountingLogs(loss=torch.tensor(0.125)))
    assert reads == ["loss"]
    assert out.getvalue().endswith(" - loss: 0.1250\n")


def test_verbose_2_line(monkeypatch, clock):
    out = _stdout(monkeypatch, tty=True)
    bar = Progbar(1875, verbose=2, stateful_metrics=["acc"])
    _run(bar, clock, 1875, 3 / 2048, lambda s: [("acc", 0.9712), ("neg", -0.5)])
    # Keras checks `avg > 1e-3` (no abs) in this mode, so negative values print as %.4e.
    assert out.getvalue() == "1875/1875 - 3s - 1ms/step - acc: 0.9712 - neg: -5.0000e-01\n"


def test_unknown_target_and_add(monkeypatch, clock):
    out = _stdout(monkeypatch, tty=False)
    bar = Progbar(None)
    for _ in range(3):
        clock.now += 1 / 256
        bar.add(2, [("loss", torch.tensor(0.0005))])
    assert out.getvalue() == ""
    bar.update(6, finalize=True)
    # 3/256 s over 6 steps (no step 1 was seen, so no warm-up step is left out): 1.95 ms.
    assert out.getvalue() == "      6/Unknown 0s 2ms/step - loss: 5.0000e-04\n"


def test_verbose_0_prints_nothing(monkeypatch, clock):
    out = _stdout(monkeypatch, tty=True)
    _run(Progbar(3, verbose=0), clock, 3, 0.1, lambda s: [("loss", 1.0)])
    assert out.getvalue() == ""


def test_formatting_helpers():
    assert progress._format_eta(3725.0) == "1:02:05"
    assert progress._format_eta(75.9) == "1:15"
    assert progress._format_eta(9.9) == "9s"
    assert progress._format_time(0.0, "step") == " 0s/step"
    assert progress._format_time(2.4, "step") == " 2s/step"
    assert progress._format_time(0.0123, "step") == " 12ms/step"
    assert progress._format_time(0.000398, "sample") == " 398us/sample"


def test_eta_while_running(monkeypatch, clock):
    out = _stdout(monkeypatch, tty=True)
    bar = Progbar(20, width=2)
    clock.now += 5.0
    bar.update(1)
    clock.now += 0.5
    bar.update(2)
    # Time per step after the first: 0.5 s; 18 steps left → 9 s.
    assert out.getvalue().endswith(f"{B} 2/20{R} {W}{BAR * 2}{R} {B}9s{R} 500ms/step")


def test_unencodable_stream_falls_back_to_equals(monkeypatch, clock):
    class AsciiStream(FakeStream):
        encoding = "ascii"

        def write(self, text):
            text.encode("ascii")
            return super().write(text)

    stream = AsciiStream(tty=False)
    monkeypatch.setattr(sys, "stdout", stream)
    bar = Progbar(2, width=4)
    _run(bar, clock, 2, 1.0)
    assert stream.getvalue() == "2/2 ==== 2s 1s/step\n"


def test_bad_arguments():
    with pytest.raises(TypeError, match="target must be an int or None"):
        Progbar("10")
    with pytest.raises(ValueError, match="verbose must be 0, 1 or 2, received 3"):
        Progbar(10, verbose=3)
    with pytest.raises(ValueError, match="width must be a positive int"):
        Progbar(10, width=0)
    with pytest.raises(ValueError, match="at most one of stateful_metrics"):
        Progbar(10, stateful_metrics=["a"], stateless_metrics=["b"])


# Against real Keras: same updates, same fake clock, same bytes.


@pytest.fixture
def keras_progbar(monkeypatch, clock):
    os.environ["KERAS_BACKEND"] = "torch"
    pytest.importorskip("keras")
    from keras.src.utils import progbar as keras_module

    monkeypatch.setattr(keras_module, "time", types.SimpleNamespace(time=clock))
    return keras_module.Progbar


SCENARIOS = [
    # (target, verbose, steps, dt, stateful, values)
    (10, 1, 10, 0.03, None, lambda s: [("loss", 1.0 / s), ("accuracy", s / 10)]),
    (250, 1, 250, 0.004, ["acc"], lambda s: [("acc", s / 250), ("loss", 0.0001 * s)]),
    (7, 2, 7, 0.3, None, lambda s: [("loss", -0.2 * s), ("tiny", 1e-5)]),
    (40, 1, 40, 2.0, None, lambda s: [("mse", 100.0 / s)]),
]


@pytest.mark.parametrize("target,verbose,steps,dt,stateful,values", SCENARIOS)
def test_tty_output_matches_keras(
    monkeypatch, clock, keras_progbar, target, verbose, steps, dt, stateful, values
):
    ours = _stdout(monkeypatch, tty=True)
    bar = Progbar(target, verbose=verbose, stateful_metrics=stateful)
    start = clock.now
    _run(bar, clock, steps, dt, values)

    theirs = _stdout(monkeypatch, tty=False)
    clock.now = start
    reference = keras_progbar(target, verbose=verbose, stateful_metrics=stateful)
    reference._dynamic_display = True
    _run(reference, clock, steps, dt, values)
    assert ours.getvalue() == theirs.getvalue()


@pytest.mark.parametrize("target,verbose,steps,dt,stateful,values", SCENARIOS)
def test_non_tty_line_is_keras_final_line_without_styles(
    monkeypatch, clock, keras_progbar, target, verbose, steps, dt, stateful, values
):
    ours = _stdout(monkeypatch, tty=False)
    start = clock.now
    _run(Progbar(target, verbose=verbose, stateful_metrics=stateful), clock, steps, dt, values)

    theirs = _stdout(monkeypatch, tty=False)
    clock.now = start
    reference = keras_progbar(target, verbose=verbose, stateful_metrics=stateful)
    reference._dynamic_display = True
    _run(reference, clock, steps, dt, values)
    final = progress._ANSI.sub("", theirs.getvalue().rsplit("\r", 1)[-1]).rstrip(" \n")
    assert ours.getvalue() == final + "\n"
