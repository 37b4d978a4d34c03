"""The cockpit spreadsheets shipped as data are the ones tools/gen_cockpit_dashboard.py
writes: edit the generator, run it, commit both."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import gen_cockpit_dashboard


@pytest.mark.parametrize(
    "path", list(gen_cockpit_dashboard.dashboards()), ids=lambda path: path.name
)
def test_shipped_dashboard_is_generated(path):
    expected = gen_cockpit_dashboard.dashboards()[path]
    assert path.read_text() == gen_cockpit_dashboard.dump(expected), (
        f"{path} is not what tools/gen_cockpit_dashboard.py writes: run it and commit"
    )


def test_every_pivot_model_is_a_dependency_of_its_addon():
    """A dashboard only reads models its addon's dependencies install."""
    for path, data in gen_cockpit_dashboard.dashboards().items():
        models = {pivot["model"] for pivot in data["pivots"].values()}
        if path.parent.parent.parent.name == "crm_strategy_survey_dashboard":
            assert models == {"crm.satisfaction.response"}
        else:
            assert "crm.satisfaction.response" not in models
        assert json.loads(path.read_text())["pivots"].keys() == data["pivots"].keys()
