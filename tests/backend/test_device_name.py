"""A tensor's device as TensorFlow spells it (while TF programs run) that torch still takes,
`tf.device` placement, and NumPy ufuncs on eager tensors giving NumPy values (as TF's do)."""

import numpy as np
import pytest
import torch

import deepfit
from deepfit.backend import to_eager
from deepfit.backend.device import DeviceName, tensorflow_device_name
from deepfit.compat import importer
from deepfit.compat.tensorflow import placement

CPU_NAME = "/job:localhost/replica:0/task:0/device:CPU:0"


def test_tensorflow_spelling_of_torch_devices():
    assert tensorflow_device_name(torch.device("cpu")) == CPU_NAME
    assert tensorflow_device_name(torch.device("cuda:1")).endswith("/device:GPU:1")
    assert tensorflow_device_name(torch.device("cuda")).endswith("GPU:0")


def test_device_name_matches_as_tensorflow_and_is_taken_by_torch_as_its_device():
    name = DeviceName(torch.device("cpu"))
    assert isinstance(name, str) and name.endswith("CPU:0") and name.startswith("/job:")
    assert "device:CPU" in name and not name.endswith("GPU:0")
    assert str(name) == CPU_NAME and f"{name}" == CPU_NAME and repr(name) == repr(CPU_NAME)
    assert name == CPU_NAME and name == torch.device("cpu") and torch.device("cpu") == name
    assert not (name != torch.device("cpu")) and name != torch.device("meta") and name != "cpu"
    assert name.type == "cpu" and name.index is None
    # Everywhere torch expects a device it reads torch's spelling.
    assert torch.zeros(2, device=name).device == torch.device("cpu")
    assert torch.ones(2).to(name).device.type == "cpu"
    assert torch.device(name) == torch.device("cpu")
    assert torch.tensor([1.0], device=name).device.type == "cpu"
    torch.nn.Linear(2, 2).to(name)
    assert hash(name) == hash(CPU_NAME)


def test_eager_tensor_device_is_torch_device_unless_tensorflow_programs_run():
    t = to_eager(torch.ones(2))
    assert type(t.device) is torch.device
    with importer.installed():
        assert isinstance(t.device, DeviceName) and t.device.endswith("CPU:0")
        assert torch.zeros(1, device=t.device).device.type == "cpu"
        assert (t + np.ones(2, np.float32)).numpy().tolist() == [2.0, 2.0]
    assert type(t.device) is torch.device


@pytest.mark.parametrize("spec", ["CPU:0", "/CPU:0", "cpu", "/device:CPU:0", CPU_NAME,
                                  "/job:localhost/replica:0/task:0/cpu:0"])
def test_tf_device_places_new_tensors_on_the_cpu(spec):
    with placement.device(spec):
        assert torch.zeros(2).device.type == "cpu"


def test_tf_device_gpu_without_a_gpu_falls_back_to_the_cpu_as_soft_placement():
    with placement.device("GPU:0"):
        made = torch.rand(2).device
    expected = "cuda" if deepfit.config.get_device().type == "cuda" else "cpu"
    assert made.type == expected
    with placement.device("GPU:99"):
        assert torch.rand(2).device.type == "cpu"


def test_tf_device_bad_name_is_a_clear_error():
    with pytest.raises(ValueError, match="tf.device: expected a device name.*'TPU:0'"):
        placement.device("TPU:0")
    with placement.device(None), placement.device("/job:localhost"):
        assert torch.zeros(1).device.type == "cpu"


def test_numpy_ufuncs_on_an_eager_tensor_give_numpy_values():
    t = to_eager(torch.tensor([[1.0, 2.0]]))
    out = np.add(t, 1)
    assert type(out) is np.ndarray and out.tolist() == [[2.0, 3.0]]
    assert type(np.sqrt(t)) is np.ndarray
    total = np.add(to_eager(torch.tensor(1.0)), 1)
    assert isinstance(total, np.floating) and total == 2.0
    # Operators with an ndarray on the left still defer to the tensor (TF gives a tensor).
    assert type(np.ones((1, 2), np.float32) + t).__name__ == "EagerTensor"
