"""The classification report: numbers equal scikit-learn's, worst samples first, and the HTML
report shows the matrix and thumbnails (rendered by headless Chromium)."""

import numpy as np
import pytest

import deepfit as keras
from deepfit.insight import classification_report
from tests.insight.test_report import _near, _screenshot

sklearn_metrics = pytest.importorskip("sklearn.metrics")
datasets = pytest.importorskip("sklearn.datasets")


@pytest.fixture(scope="module")
def digits_model():
    digits = datasets.load_digits()
    images = (digits.images / 16.0).astype("float32")          # (n, 8, 8) images
    labels = digits.target
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8)), keras.layers.Flatten(),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(images[:1200], labels[:1200], epochs=3, verbose=0,
                        validation_split=0.1)
    return model, history, images[1200:], labels[1200:]


def test_numbers_equal_scikit_learn(digits_model):
    model, _, x, y = digits_model
    report = classification_report(model, x, y)
    predicted = model.predict(x, verbose=0).argmax(axis=1)
    np.testing.assert_array_equal(report.confusion,
                                  sklearn_metrics.confusion_matrix(y, predicted, labels=range(10)))
    precision, recall, f1, support = sklearn_metrics.precision_recall_fscore_support(
        y, predicted, labels=range(10), zero_division=0)
    np.testing.assert_allclose(report.precision, precision, rtol=1e-12)
    np.testing.assert_allclose(report.recall, recall, rtol=1e-12)
    np.testing.assert_allclose(report.f1, f1, rtol=1e-12)
    np.testing.assert_array_equal(report.support, support)
    assert report.accuracy == pytest.approx(sklearn_metrics.accuracy_score(y, predicted))
    macro = sklearn_metrics.precision_recall_fscore_support(y, predicted, average="macro",
                                                            zero_division=0)
    assert report.macro_avg["f1"] == pytest.approx(macro[2])
    weighted = sklearn_metrics.precision_recall_fscore_support(y, predicted,
                                                               average="weighted",
                                                               zero_division=0)
    assert report.weighted_avg["recall"] == pytest.approx(weighted[1])


def test_worst_samples_and_confused_pairs(digits_model):
    model, _, x, y = digits_model
    report = classification_report(model, x, keras.utils.to_categorical(y, 10), top_k=5)
    probabilities = model.predict(x, verbose=0)
    losses = -np.log(probabilities[np.arange(len(y)), y])
    expected = np.argsort(-losses)[:5]
    assert [t[0] for t in report.top_losses] == list(expected)
    assert report.top_losses[0][3] == pytest.approx(losses.max(), rel=1e-5)
    assert report.images.shape == (5, 8, 8)
    counts = [c for _, _, c in report.most_confused]
    assert counts == sorted(counts, reverse=True)
    true, predicted, count = report.most_confused[0]
    assert true != predicted and report.confusion[true, predicted] == count
    text = str(report)
    assert "precision" in text and "Most confused" in text and "Highest losses" in text


def test_binary_sigmoid_and_bad_labels():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid", input_dim=3)])
    model.compile("adam", "binary_crossentropy")
    model.fit(x, y, epochs=20, verbose=0)
    report = classification_report(model, x, y, class_names=["neg", "pos"])
    assert report.confusion.sum() == 200 and report.class_names == ["neg", "pos"]
    assert report.accuracy > 0.8
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 1\]"):
        classification_report(model, x, y + 1)
    with pytest.raises(ValueError, match="y has 3 labels but x gave 200"):
        classification_report(model, x, y[:3])
    with pytest.raises(ValueError, match="class_names has 3 names for 2 classes"):
        classification_report(model, x, y, class_names=["a", "b", "c"])


def test_html_report_shows_matrix_and_thumbnails_in_chromium(digits_model, tmp_path):
    model, history, x, y = digits_model
    path = history.save_report(tmp_path / "report.html", model=model, data=(x, y))
    page = path.read_text()
    assert "<h2>Classification</h2>" in page and 'class="confusion"' in page
    assert page.count('<img alt="sample') == 9
    assert "<script" not in page and "http://" not in page
    with pytest.raises(ValueError, match="give both model= and data"):
        history.save_report(tmp_path / "x.html", model=model)
    image = _screenshot(path, tmp_path)
    # The diagonal of the matrix is shaded blue; mistakes, where there are some, red.
    assert _near(image, np.array([31, 119, 180]), tolerance=60).sum() > 500
