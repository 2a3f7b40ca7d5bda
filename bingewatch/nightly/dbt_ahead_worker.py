"""The worker of ``bingewatch.nightly.dbt_ahead``: import dbt now, build when asked.

Run as a script by the dbt environment's own interpreter (``python -P dbt_ahead_worker.py
ADAPTER_MODULE``): it needs nothing of bingewatch, which the Spark environment does not have.
It imports dbt's command line and the adapter module, then reads one line from stdin: a JSON
request {"args": [...], "env": {...}}. It replaces its environment with ``env`` and runs
``dbt ARGS`` through the same entry point as the ``dbt`` executable (same output, same exit
codes). End of file or an empty line: no build is coming, it exits 0 having touched nothing.
"""

import importlib
import json
import os
import sys


def main() -> int:
    from dbt.cli.main import cli  # the import this process exists to pay early

    if len(sys.argv) > 1 and sys.argv[1]:
        importlib.import_module(sys.argv[1])
    line = sys.stdin.readline()
    if not line.strip():
        return 0
    request = json.loads(line)
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["dbt", *request["args"]]
    return cli()


if __name__ == "__main__":
    sys.exit(main())
