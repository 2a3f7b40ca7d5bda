"""What sqlfluff's jinja templater needs of dbt to render this project offline (no profile, no
connection): the project's vars with their real values, env_var's defaults, the duckdb target,
adapter.dispatch to this project's duckdb__/default__ macros, and the few dbt.* macros used.
Only for linting: dbt itself never reads this folder."""

from pathlib import Path
from types import SimpleNamespace

import yaml
from jinja2 import pass_context

_VARS = yaml.safe_load((Path(__file__).resolve().parent.parent / "dbt_project.yml").read_text())["vars"]


def var(name, default=None):
    """A dbt var: the value in dbt_project.yml, else the default."""
    return _VARS.get(name, default)


def env_var(name, default=""):
    """An environment variable as dbt reads it: here, always its default."""
    return default


@pass_context
def _dispatch(context, name, macro_namespace=None):
    for candidate in (f"duckdb__{name}", f"default__{name}", name):
        if candidate in context:
            return context[candidate]
    raise KeyError(name)


adapter = SimpleNamespace(dispatch=_dispatch)
target = SimpleNamespace(type="duckdb", name="duckdb", schema="main")
dbt = SimpleNamespace(
    dateadd=lambda datepart, interval, from_date_or_timestamp: (
        f"({from_date_or_timestamp} + ({interval}) * interval 1 {datepart})"
    ),
    datediff=lambda first, second, datepart: f"date_diff('{datepart}', {first}, {second})",
    type_string=lambda: "varchar",
)
