"""viewer_key is the lowercase hex HMAC-SHA256 of profile_id under the secret key."""

from __future__ import annotations

import hashlib
import hmac

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bingewatch.pseudonyms import viewer_key, write_viewer_keys
from bingewatch.settings import ConfigError, pseudonym_key


def test_viewer_key_is_keyed_hmac_sha256():
    expected = hmac.new(b"k", b"profile-1", hashlib.sha256).hexdigest()
    assert viewer_key("profile-1", "k") == expected
    assert viewer_key("profile-1", "other") != expected
    assert len(expected) == 64 and expected == expected.lower()


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
