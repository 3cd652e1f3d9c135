"""Multi-process training on torch.distributed: the same script, run plainly or under
`torchrun --nproc_per_node=N script.py`, trains in N processes.

deepfit reads torch's environment (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT), starts the
process group (nccl on CUDA, gloo on CPU) the first time a model trains, wraps the model in
DistributedDataParallel and gives each process its slice of every global batch.

Example:
    $ torchrun --standalone --nproc_per_node=2 train.py
    >>> deepfit.distribute.launch(train, nprocs=2)      # or start the processes from Python
"""

from deepfit.distribute.context import (
    DistributedContext,
    current,
    is_chief,
    launch,
    rank,
    world_size,
)

__all__ = ["DistributedContext", "current", "is_chief", "launch", "rank", "world_size"]
