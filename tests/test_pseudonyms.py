"""viewer_key is the lowercase hex HMAC-SHA256 of profile_id under the secret key."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bingewatch.pseudonyms import viewer_key, write_viewer_keys
from bingewatch.settings import ConfigError, pseudonym_key


def test_viewer_key_is_keyed_hmac_sha256():
    """RFC 4231 test case 2 (key "Jefe"): a different hash, the key and message swapped, an
    unkeyed hash, upper case or a truncated digest each give another string."""
    vector = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert viewer_key("what do ya want for nothing?", "Jefe") == vector
    assert viewer_key("what do ya want for nothing?", "other key") != vector


def test_write_viewer_keys_maps_every_profile_except_erased_accounts(tmp_path):
    raw = tmp_path / "raw"
    (raw / "profiles").mkdir(parents=True)
    (raw / "erasure_requests").mkdir()
    pq.write_table(
        pa.table({"profile_id": ["b", "a", None, "gone"], "account_id": ["x", "x", "x", "erased"]}),
        raw / "profiles" / "p.parquet",
    )
    pq.write_table(pa.table({"account_id": ["erased"]}), raw / "erasure_requests" / "e.parquet")
    out = tmp_path / "keys.parquet"
    assert write_viewer_keys(raw, out, "k") == 2
    table = pq.read_table(out).to_pylist()
    assert table == [
        {"profile_id": "a", "viewer_key": viewer_key("a", "k")},
        {"profile_id": "b", "viewer_key": viewer_key("b", "k")},
    ]


def test_no_key_refuses_unless_dev_key_chosen(monkeypatch):
    monkeypatch.delenv("BINGEWATCH_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("BINGEWATCH_ALLOW_DEV_KEY", raising=False)
    with pytest.raises(ConfigError):
        pseudonym_key()
    monkeypatch.setenv("BINGEWATCH_ALLOW_DEV_KEY", "1")
    assert pseudonym_key()
