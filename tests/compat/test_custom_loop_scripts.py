"""TensorFlow's custom-training-loop programs (the corpus's copies, tests/corpus/programs), run
with `python -m deepfit run` on generated MNIST (see conftest.py): TensorFlow's quickstarts
for beginners and experts, and Keras's guide "Writing a training loop from scratch in
TensorFlow" (GradientTape loops, metrics by hand, tf.function, add_loss, the GAN) and
"Customizing what happens in fit() with TensorFlow" (train_step overrides on a Model subclass
built Functionally, sample weights, test_step, the GAN with two optimizers)."""

from __future__ import annotations

import re

from tests.compat.conftest import assert_ran, corpus_program, epoch_logs, tutorial

NUM = r"[-\d.e+]+"
@tutorial("tf_quickstart_beginner.py", corpus_program("tf_quickstart_beginner"))
def test_quickstart_beginner(tutorial_run):
    result, _ = tutorial_run
    assert_ran(result)
    out = result.stdout
    assert "TensorFlow version: 2." in out
    logs = epoch_logs(out)
    assert len(logs) == 3 and logs[-1]["accuracy"] > 0.9 and logs[-1]["loss"] < logs[0]["loss"]
    evaluation = re.search(rf"^4/4 - .* - accuracy: ({NUM}) - loss: {NUM}$", out,
                           flags=re.MULTILINE)
    assert evaluation and float(evaluation.group(1)) > 0.9


@tutorial("tf_quickstart_advanced.py", corpus_program("tf_quickstart_advanced"), cost=2.0)
def test_quickstart_advanced(tutorial_run):
    result, _ = tutorial_run
    assert_ran(result)
    lines = re.findall(rf"^Epoch (\d), Loss: ({NUM}), Accuracy: ({NUM}), Test Loss: ({NUM}), "
                       rf"Test Accuracy: ({NUM})$", result.stdout, flags=re.MULTILINE)
    assert [int(line[0]) for line in lines] == [1, 2, 3]
    first, last = [float(v) for v in lines[0][1:]], [float(v) for v in lines[-1][1:]]
    assert last[0] < first[0] and last[1] > 95.0 and last[3] > 90.0




@tutorial("custom_training_loop_guide.py",
          corpus_program("kg_writing_a_custom_training_loop_in_tensorflow"), cost=3.0)
def test_custom_training_loop_guide(tutorial_run):
    result, workdir = tutorial_run
    assert_ran(result)
    out = result.stdout
    starts = re.findall(r"^Start of epoch (\d)$", out, flags=re.MULTILINE)
    assert starts == ["0", "1", "2", "0", "1", "0", "1"]
    losses = [float(v) for v in re.findall(rf"^Training loss \(for 1 batch\) at step 0: ({NUM})$",
                                            out, flags=re.MULTILINE)]
    assert len(losses) == 7 and all(v == v for v in losses)
    accuracies = [float(v) for v in re.findall(rf"^Validation acc: ({NUM})$", out,
                                                flags=re.MULTILINE)]
    assert len(accuracies) == 4 and accuracies[-1] > 0.8
    assert "Total params: 74,625" in out  # the discriminator's summary, as Keras prints it
    gan = re.search(rf"^discriminator loss at step 0: ({NUM})\nadversarial loss at step 0: "
                    rf"({NUM})$", out, flags=re.MULTILINE)
    assert gan and 0.3 < float(gan.group(1)) < 1.5 and 0.3 < float(gan.group(2)) < 1.5
    assert (workdir / "generated_img_0.png").stat().st_size > 100




@tutorial("custom_train_step_guide.py", corpus_program("kg_custom_train_step_in_tensorflow"),
          cost=4.0)
def test_custom_train_step_guide(tutorial_run):
    result, _ = tutorial_run
    assert_ran(result)
    out = result.stdout
    epochs = re.findall(r"^Epoch (\d)/(\d)$", out, flags=re.MULTILINE)
    assert [int(total) for _, total in epochs] == [3] * 3 + [5] * 5 + [3] * 3  # epochs=1: none
    logs = epoch_logs(out)
    first = logs[:3]  # compute_loss + self.metrics: the compiled loss and "mae"
    assert all(set(log) == {"loss", "mae"} for log in first)
    own = logs[3:8]  # its own loss tracker and MAE metric, reset each epoch
    assert all(set(log) == {"loss", "mae"} for log in own)
    # The guide fits unseeded uniform noise for a few epochs: the loss need not fall, but an
    # MSE of a Dense(1) on it stays small (Keras printed 0.15-1.0 for these runs).
    assert all(0.0 < log["loss"] < 5.0 and 0.0 < log["mae"] < 2.5 for log in logs[:11])
    # evaluate() with a custom test_step on 1,000 samples: 32 steps of 32.
    assert re.search(rf"^32/32 .* - loss: {NUM} - mae: {NUM}$", out, flags=re.MULTILINE)
    gan = re.search(rf"^11/11 .* - d_loss: ({NUM}) - g_loss: ({NUM})$", out, flags=re.MULTILINE)
    assert gan and 0.3 < float(gan.group(1)) < 1.5 and 0.3 < float(gan.group(2)) < 1.5
