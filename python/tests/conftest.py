"""Every test runs in its own empty folder with its own run database, so that nothing a test
tracks (a CodeCarbon tracker's default `emissions.csv` in the working folder, a run in the
default database under HOME) lands in the repository or the user's data, and no configuration
file of the user's changes what a test tracks."""

import pytest


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLCARBON_DB", str(tmp_path / "isolated-runs.sqlite"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    # Nor does the user's configuration (`mlcarbon config`) or team server reach a test.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    for name in ("MLCARBON_CONFIG", "MLCARBON_SERVER", "MLCARBON_TOKEN"):
        monkeypatch.delenv(name, raising=False)
