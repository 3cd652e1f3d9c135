"""deepfit.data.Dataset: tf.data semantics checked against plain Python/NumPy references."""

import threading

import numpy as np
import pytest
import torch

from deepfit.data import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset, structure


def rows(dataset):
    return [np.asarray(e).tolist() for e in dataset]


class CountingArray(np.ndarray):
    """An ndarray that counts how often it is indexed (to prove batch-level gathering)."""

    calls = 0

    def __getitem__(self, item):
        CountingArray.calls += 1
        return np.asarray(self).__getitem__(item)


# ----- creation ---------------------------------------------------------------------------------


def test_from_tensor_slices_structures():
    x = np.arange(12.0).reshape(6, 2)
    y = np.arange(6)
    w = np.linspace(0, 1, 6)
    single = list(Dataset.from_tensor_slices(x))
    assert len(single) == 6 and np.array_equal(single[2], x[2])
    pairs = list(Dataset.from_tensor_slices((x, y)))
    assert isinstance(pairs[0], tuple) and np.array_equal(pairs[4][0], x[4]) and pairs[4][1] == 4
    triples = list(Dataset.from_tensor_slices((x, y, w)))
    assert len(triples[0]) == 3 and triples[5][2] == w[5]
    dicts = list(Dataset.from_tensor_slices({"b": y, "a": x}))
    assert list(dicts[1]) == ["b", "a"] and dicts[1]["b"] == 1
    assert np.array_equal(dicts[1]["a"], x[1])
    nested = list(Dataset.from_tensor_slices(({"a": x}, y)))
    assert np.array_equal(nested[3][0]["a"], x[3]) and nested[3][1] == 3


def test_lists_and_torch_tensors_become_numpy():
    from_list = list(Dataset.from_tensor_slices([[1, 2], [3, 4], [5, 6]]))
    assert [r.tolist() for r in from_list] == [[1, 2], [3, 4], [5, 6]]
    tensor = torch.arange(8, dtype=torch.float32).reshape(4, 2)
    batches = list(Dataset.from_tensor_slices((tensor, torch.arange(4))).batch(3))
    assert isinstance(batches[0][0], np.ndarray) and batches[0][0].dtype == np.float32
    assert np.array_equal(batches[1][0], tensor.numpy()[3:])


def test_from_tensor_slices_errors():
    with pytest.raises(ValueError, match="same first dimension"):
        Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))
    with pytest.raises(ValueError, match="first dimension"):
        Dataset.from_tensor_slices(np.float32(1.0))


# ----- batch, unbatch, take, skip, repeat, lengths ----------------------------------------------


def test_batch_and_lengths():
    x = np.arange(10)
    ds = Dataset.from_tensor_slices(x).batch(4)
    assert rows(ds) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(ds) == 3 and ds.cardinality() == 3
    dropped = Dataset.from_tensor_slices(x).batch(4, drop_remainder=True)
    assert rows(dropped) == [[0, 1, 2, 3], [4, 5, 6, 7]] and len(dropped) == 2


def test_take_skip_repeat_match_python():
    ds = Dataset.range(10)
    assert rows(ds.take(3)) == [0, 1, 2] and len(ds.take(3)) == 3
    assert rows(ds.skip(7)) == [7, 8, 9] and len(ds.skip(7)) == 3
    assert rows(ds.take(-1)) == list(range(10)) and len(ds.skip(-1)) == 0
    assert rows(ds.repeat(2)) == list(range(10)) * 2 and len(ds.repeat(2)) == 20
    assert rows(ds.batch(3).take(2)) == [[0, 1, 2], [3, 4, 5]]
    assert rows(ds.batch(3).skip(3)) == [[9]]
    assert rows(ds.skip(2).take(3).repeat(2)) == [2, 3, 4, 2, 3, 4]
    assert rows(ds.repeat().take(23)) == (list(range(10)) * 3)[:23]
    assert rows(ds.batch(4).repeat(2)) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] * 2


def test_unknown_and_infinite_lengths():
    ds = Dataset.range(5)
    assert ds.repeat().cardinality() == INFINITE_CARDINALITY
    with pytest.raises(TypeError, match="dataset length is unknown"):
        len(ds.repeat())
    filtered = ds.filter(lambda v: v > 2)
    assert filtered.cardinality() == UNKNOWN_CARDINALITY
    with pytest.raises(TypeError, match="dataset length is unknown"):
        len(filtered)
    assert ds.repeat().take(7).cardinality() == 7
    assert ds.repeat().batch(2).cardinality() == INFINITE_CARDINALITY
    assert bool(ds.repeat())


def test_unbatch_restores_rows_and_length():
    x = np.arange(14).reshape(7, 2)
    ds = Dataset.from_tensor_slices((x, np.arange(7))).batch(3).unbatch()
    got = list(ds)
    assert len(got) == 7 and all(np.array_equal(a, x[i]) and b == i for i, (a, b) in enumerate(got))
    assert len(ds) == 7
    assert len(Dataset.range(7).batch(3, drop_remainder=True).unbatch()) == 6
    # the general path (after map) gives the same rows
    mapped = Dataset.range(7).batch(3).map(lambda b: b * 10).unbatch()
    assert rows(mapped) == [v * 10 for v in range(7)]
    with pytest.raises(ValueError, match="same first dimension"):
        list(Dataset.range(2).map(lambda v: (np.zeros(2), np.zeros(3))).unbatch())


def test_repeat_of_empty_dataset_ends():
    assert rows(Dataset.range(3).skip(3).repeat()) == []
    assert rows(Dataset.range(3).filter(lambda v: v > 5).repeat()) == []


def test_argument_errors():
    ds = Dataset.range(3)
    with pytest.raises(ValueError, match="batch_size"):
        ds.batch(0)
    with pytest.raises(ValueError, match="buffer_size"):
        ds.shuffle(0)
    with pytest.raises(ValueError, match="take"):
        ds.take(-2)
    with pytest.raises(ValueError, match="num_parallel_calls"):
        ds.map(lambda v: v, num_parallel_calls=0)
    with pytest.raises(TypeError, match="callable"):
        ds.map(3)


# ----- map and filter ---------------------------------------------------------------------------


def test_map_passes_tuple_components_as_arguments():
    x, y = np.arange(6.0), np.arange(6)
    ds = Dataset.from_tensor_slices((x, y)).batch(4).map(lambda a, b: (a * 2, b + 1))
    (a0, b0), (a1, b1) = list(ds)
    assert a0.tolist() == [0, 2, 4, 6] and b1.tolist() == [5, 6]
    as_dict = Dataset.from_tensor_slices({"a": x}).map(lambda d: d["a"] + 1)
    assert rows(as_dict) == (x + 1).tolist()
    # lists become tuples and torch results become numpy, like tf.data
    mixed = list(Dataset.range(2).map(lambda v: [torch.tensor(float(v)), v]))
    assert isinstance(mixed[1], tuple) and isinstance(mixed[1][0], np.ndarray)
    assert mixed[1][0] == 1.0


def test_parallel_map_keeps_order_and_runs_on_threads():
    names = set()

    def work(v):
        names.add(threading.current_thread().name)
        return v * v

    ds = Dataset.range(200).map(work, num_parallel_calls=AUTOTUNE)
    assert rows(ds) == [v * v for v in range(200)]
    assert all(name.startswith("deepfit-map") for name in names)
    assert rows(Dataset.range(50).map(work, num_parallel_calls=3)) == [v * v for v in range(50)]


def test_filter_and_len_after_map():
    ds = Dataset.range(10).map(lambda v: v * 3)
    assert len(ds) == 10
    assert rows(ds.filter(lambda v: v % 2 == 0)) == [0, 6, 12, 18, 24]


# ----- shuffle ----------------------------------------------------------------------------------


def naive_buffer_shuffle(chunks, buffer_size, rng):
    """Reference: tf.data's rule step by step, drawing random numbers in the same blocks."""
    buffer, out = [], []
    for chunk in chunks:
        chunk = list(chunk)
        if len(buffer) < buffer_size:
            room = buffer_size - len(buffer)
            buffer += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            for slot, incoming in zip(rng.integers(0, buffer_size, size=len(chunk)), chunk):
                out.append(buffer[slot])
                buffer[slot] = incoming
    return out + [buffer[i] for i in rng.permutation(len(buffer))]


@pytest.mark.parametrize("buffer_size", [1, 3, 16, 100, 1000])
def test_vectorized_shuffle_equals_step_by_step_rule(buffer_size):
    from deepfit.data.shuffle import shuffle_index_chunks

    chunks = [np.arange(0, 40), np.arange(40, 45), np.arange(45, 300)]
    fast = np.concatenate(list(shuffle_index_chunks(chunks, buffer_size, np.random.default_rng(5))))
    slow = naive_buffer_shuffle(chunks, buffer_size, np.random.default_rng(5))
    assert fast.tolist() == slow


def test_shuffle_buffer_rule_and_permutation():
    n, buffer_size = 500, 20
    for ds in (
        Dataset.range(n).shuffle(buffer_size, seed=1),  # fast path
        Dataset.range(n).map(lambda v: v).shuffle(buffer_size, seed=1),  # general path
    ):
        order = np.array(rows(ds))
        assert sorted(order.tolist()) == list(range(n))
        # position t can only hold an element that had entered the buffer by then
        assert np.all(order <= np.arange(n) + buffer_size - 1)
        assert not np.array_equal(order, np.arange(n))
    assert rows(Dataset.range(20).shuffle(1, seed=3)) == list(range(20))


def test_seeded_shuffle_is_deterministic_and_reshuffles():
    def epochs(reshuffle):
        ds = Dataset.range(50).shuffle(50, seed=42, reshuffle_each_iteration=reshuffle).batch(10)
        return [rows(ds) for _ in range(3)]

    first, again = epochs(True), epochs(True)
    assert first == again  # same seed, same sequence of epochs
    assert first[0] != first[1]  # a new order each pass
    fixed = epochs(False)
    assert fixed[0] == fixed[1] == fixed[2]
    other = rows(Dataset.range(50).shuffle(50, seed=7).batch(10))
    assert other != first[0]


def test_unseeded_shuffle_follows_numpy_global_seed():
    np.random.seed(0)
    a = rows(Dataset.range(30).shuffle(30))
    np.random.seed(0)
    b = rows(Dataset.range(30).shuffle(30))
    assert a == b


def test_shuffle_then_repeat_reshuffles_each_repetition():
    order = rows(Dataset.range(20).shuffle(20, seed=0).repeat(2))
    assert sorted(order[:20]) == sorted(order[20:]) == list(range(20))
    assert order[:20] != order[20:]


def test_shuffle_batch_gathers_whole_batches_with_one_index():
    data = np.arange(64.0).reshape(32, 2).view(CountingArray)
    labels = np.arange(32)
    ds = Dataset.from_tensor_slices((data, labels)).shuffle(32, seed=0).batch(8)
    assert ds._fast() is not None
    CountingArray.calls = 0
    batches = list(ds)
    assert CountingArray.calls == 4  # one fancy index per batch, no per-element indexing
    xs = np.concatenate([np.asarray(b[0]) for b in batches])
    ys = np.concatenate([b[1] for b in batches])
    assert np.array_equal(xs, np.asarray(data)[ys])  # rows stay paired with their labels
    assert sorted(ys.tolist()) == list(range(32))


def test_fast_and_general_paths_agree():
    x = np.arange(40).reshape(20, 2)
    fast = Dataset.from_tensor_slices(x).shuffle(7, seed=3).batch(6).take(3)
    general = Dataset.from_tensor_slices(x).map(lambda v: v).shuffle(7, seed=3).batch(6).take(3)
    assert fast._fast() is not None and general._fast() is None
    assert rows(fast) == rows(general)


def test_batches_are_copies_not_views():
    x = np.zeros((4, 2))
    batch = next(iter(Dataset.from_tensor_slices(x).batch(4)))
    batch += 1
    assert x.sum() == 0


# ----- cache and prefetch -----------------------------------------------------------------------


def test_cache_replays_first_pass():
    calls = []
    ds = Dataset.range(6).map(lambda v: calls.append(int(v)) or v).cache()
    assert rows(ds) == rows(ds) == list(range(6))
    assert calls == list(range(6))  # the map ran once
    frozen = Dataset.range(30).shuffle(30, seed=1).cache()  # cache after shuffle freezes order
    assert rows(frozen) == rows(frozen)


def test_partial_first_pass_is_not_cached():
    calls = []
    ds = Dataset.range(5).map(lambda v: calls.append(int(v)) or v).cache()
    iterator = iter(ds)
    next(iterator)
    iterator.close()
    assert rows(ds) == list(range(5)) and rows(ds) == list(range(5))
    assert calls == [0, 0, 1, 2, 3, 4]


def test_tutorial_idiom_cache_shuffle_prefetch():
    x = np.arange(100.0).reshape(50, 2)
    y = np.arange(50)
    train_ds = Dataset.from_tensor_slices((x, y)).batch(8)
    train_ds = train_ds.cache().shuffle(1000).prefetch(buffer_size=AUTOTUNE)
    assert len(train_ds) == 7
    for _ in range(2):
        epoch = list(train_ds)
        ys = np.concatenate([b[1] for b in epoch])
        assert sorted(ys.tolist()) == list(range(50))
        assert all(np.array_equal(b[0], x[b[1]]) for b in epoch)


def test_prefetch_runs_in_background_and_reraises():
    names = []

    def work(v):
        names.append(threading.current_thread().name)
        if v == 3:
            raise KeyError("bad element 3")
        return v

    ds = Dataset.range(6).map(work).prefetch(2)
    seen = []
    with pytest.raises(KeyError, match="bad element 3"):
        for v in ds:
            seen.append(int(v))
    assert seen == [0, 1, 2]
    assert set(names) == {"deepfit-prefetch"}


def test_prefetch_producer_stops_when_consumer_leaves():
    ds = Dataset.range(10**6).batch(10).prefetch(3)
    for i, _ in enumerate(ds):
        if i == 5:
            break
    for thread in threading.enumerate():
        if thread.name == "deepfit-prefetch":
            thread.join(timeout=5)
            assert not thread.is_alive()


def test_prefetch_zero_and_validation():
    assert rows(Dataset.range(3).prefetch(0)) == [0, 1, 2]
    with pytest.raises(ValueError, match="buffer_size"):
        Dataset.range(3).prefetch(-5)


# ----- attributes and helpers -------------------------------------------------------------------


def test_class_names_and_file_paths_flow_through_transformations():
    ds = Dataset.from_tensor_slices(np.arange(4))
    ds.class_names = ["a", "b"]
    ds.file_paths = ["x.png", "y.png"]
    derived = ds.shuffle(4).batch(2).map(lambda v: v).cache().prefetch(AUTOTUNE).unbatch().take(1)
    assert derived.class_names == ["a", "b"] and derived.file_paths == ["x.png", "y.png"]
    assert not hasattr(Dataset.range(2), "class_names")


def test_as_numpy_iterator_and_range():
    assert rows(Dataset.range(2, 8, 2).as_numpy_iterator()) == [2, 4, 6]
    assert "cardinality=3" in repr(Dataset.range(3))


def test_structure_stack_and_errors():
    stacked = structure.stack([(np.zeros(2), {"a": 1}), (np.ones(2), {"a": 2})])
    assert stacked[0].shape == (2, 2) and stacked[1]["a"].tolist() == [1, 2]
    with pytest.raises(ValueError, match="same shape"):
        list(Dataset.range(3).map(lambda v: np.zeros(int(v) + 1)).batch(3))
