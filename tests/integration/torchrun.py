"""torchrun (python3 -m torch.distributed.run) with one fix for Debian bookworm's torch 1.13 on
Python 3.11: there `Std(0) in Std` is False, so the launcher parses its default --redirects and
--tee ("0") to None and fails before starting a worker (AttributeError in to_map). A plain number
is mapped to Std as later torch versions do; everything else is the real launcher."""
import sys

from torch.distributed.elastic.multiprocessing import api

_parse = api.Std.from_str.__func__


def _from_str(cls, vm):
    if vm.isdigit():
        return cls(int(vm))
    return _parse(cls, vm)


api.Std.from_str = classmethod(_from_str)

from torch.distributed.run import main  # noqa: E402 (after the fix)

if __name__ == "__main__":
    sys.exit(main())
