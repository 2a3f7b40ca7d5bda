"""The nightly run's steps, one module per task of the ``bingewatch_nightly`` DAG.

In the order they run: ``wait_for_raw_partition``, ``apply_erasures``, ``plan_batch``,
``validate_raw_batch``, ``dbt_build``, ``stage_candidate``, ``validate_marts``, ``publish``,
``write_report``; ``alerts`` is called when a task fails for good. The DAG file
(``dags/bingewatch_nightly.py``) and ``bingewatch run`` (``bingewatch.local_run``) call them;
they call the quality gates (``bingewatch.quality``) and the shared modules below those
(``bingewatch.contract``, ``bingewatch.records``, ``bingewatch.ledger``, ``bingewatch.settings``).
"""
