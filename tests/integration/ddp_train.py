"""A real PyTorch DDP training job (gloo, CPU) with a CarbonTracker in every rank, as users write
it: run by tests/integration/jobs_torch.sh under `python3 -m torch.distributed.run`.
Usage: ddp_train.py LOG_DIR EPOCHS SECONDS_PER_EPOCH (about: steps of 20 ms sleep each)"""
import sys
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

from carbontracker.tracker import CarbonTracker


def main():
    log_dir, epochs, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    dist.init_process_group("gloo")
    torch.manual_seed(dist.get_rank())
    model = DDP(torch.nn.Linear(16, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    tracker = CarbonTracker(epochs=epochs, log_dir=log_dir, update_interval=0.2, zone="DK",
                            pue=1.0, verbose=1)
    for _ in range(epochs):
        tracker.epoch_start()
        # The same number of steps in every rank: each backward is an allreduce all ranks join.
        for _ in range(max(1, int(seconds / 0.02))):
            loss = model(torch.randn(32, 16)).pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            time.sleep(0.02)
        dist.barrier()
        tracker.epoch_end()
    tracker.stop()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
