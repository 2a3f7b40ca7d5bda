"""The contract is written once (bingewatch.contract); the dbt project says the same thing.

Each test names what would drift: a mart column added, renamed, retyped or reordered in the
YAML without the contract (or the other way round), a rule or event type added on one side.
"""

from __future__ import annotations

import yaml

from bingewatch import contract
from bingewatch.settings import DBT_PROJECT_DIR

MARTS_YAML = DBT_PROJECT_DIR / "models" / "marts" / "_marts__models.yml"
# Every published table carries an enforced dbt contract (scoped to the duckdb target).
ENFORCED = tuple(contract.MART_COLUMNS)


def _models() -> dict[str, dict]:
    return {model["name"]: model for model in yaml.safe_load(MARTS_YAML.read_text())["models"]}


def test_the_contract_covers_exactly_the_published_tables():
    assert set(contract.MART_COLUMNS) == set(contract.PUBLISHED_TABLES) | set(contract.OPTIONAL_TABLES)
    assert set(contract.MART_DDL) == set(contract.MART_COLUMNS)


def test_the_ddl_is_the_contract_in_order():
    for table, columns in contract.MART_COLUMNS.items():
        assert contract.MART_DDL[table] == ", ".join(f"{c} {t}" for c, t in columns.items()), table


def test_published_marts_enforce_the_contracts_columns_and_types_in_order():
    models = _models()
    for table in ENFORCED:
        model = models[table]
        assert "{{ target.type == 'duckdb' }}" in str(model["config"]["contract"]["enforced"]), table
        declared = {column["name"]: column["data_type"] for column in model["columns"]}
        assert list(declared.items()) == list(contract.MART_COLUMNS[table].items()), table


def test_every_published_mart_documents_the_contracts_columns():
    models = _models()
    for table, columns in contract.MART_COLUMNS.items():
        assert [column["name"] for column in models[table]["columns"]] == list(columns), table


def test_the_rule_test_accepts_exactly_the_contracts_rules():
    [rule] = [c for c in _models()["notable_viewers"]["columns"] if c["name"] == "rule"]
    [accepted] = [t["accepted_values"] for t in rule["tests"] if "accepted_values" in t]
    assert tuple(accepted["arguments"]["values"]) == contract.NOTABLE_RULES


def test_dbt_knows_the_contracts_event_types():
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    assert tuple(project["vars"]["event_types"]) == contract.EVENT_TYPES
    staging = (DBT_PROJECT_DIR / "models" / "staging" / "stg_raw__playback_events.sql").read_text()
    assert "var('event_types')" in staging
