"""The quality benchmark's store (`docs/quality.json`) keeps everything it measured: results of
changed defaults and results measured again both move to `superseded`, never vanish."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))

from quality import load_results, recipe_settings, save_results  # noqa: E402

KEY = "fashion_mnist inception_2015 samples=10000 seed=0"


def read(store):
    with open(store) as f:
        return json.load(f)


def test_a_result_measured_again_keeps_the_earlier_one_under_superseded(tmp_path):
    store = str(tmp_path / "quality.json")
    save_results(store, KEY, {"r3gan": [(30.0, 12975, 43.70, 5.14)]}, {"r3gan": "aaa"})
    save_results(store, KEY, {"r3gan": [(30.0, 15220, 41.09, 5.14)]}, {"r3gan": "aaa"})
    stored = read(store)
    assert stored["runs"][KEY]["r3gan"] == {"settings": "aaa", "rows": [[30.0, 15220, 41.09, 5.14]]}
    assert stored["superseded"] == [{
        "key": KEY, "recipe": "r3gan", "settings": "aaa", "rows": [[30.0, 12975, 43.70, 5.14]],
        "defaults": "the same defaults, an earlier run (measured again)"}]


def test_rows_kept_from_an_earlier_run_are_not_counted_as_measured_again(tmp_path):
    store = str(tmp_path / "quality.json")
    save_results(store, KEY, {"dcgan": [(15.0, 25288, 19.98, 5.14)]}, {"dcgan": "bbb"})
    # A later run adds the 30-minute budget and carries the 15-minute row over unchanged.
    save_results(store, KEY, {"dcgan": [(15.0, 25288, 19.98, 5.14), (30.0, 50000, 17.0, 5.14)]},
                 {"dcgan": "bbb"})
    stored = read(store)
    assert "superseded" not in stored
    assert load_results(store, KEY, {"dcgan": "bbb"}) == {
        "dcgan": [(15.0, 25288, 19.98, 5.14), (30.0, 50000, 17.0, 5.14)]}


def test_results_of_changed_defaults_move_to_superseded_and_are_not_loaded(tmp_path):
    store = str(tmp_path / "quality.json")
    save_results(store, KEY, {"wgan": [(30.0, 10091, 61.01, 5.14)]}, {"wgan": "old"})
    assert load_results(store, KEY, {"wgan": "new"}) == {}
    save_results(store, KEY, {"wgan": [(30.0, 37118, 72.47, 5.14)]}, {"wgan": "new"})
    stored = read(store)
    assert stored["superseded"] == [{"key": KEY, "recipe": "wgan", "settings": "old",
                                     "rows": [[30.0, 10091, 61.01, 5.14]]}]
    assert load_results(store, KEY, {"wgan": "new"}) == {"wgan": [(30.0, 37118, 72.47, 5.14)]}


def test_the_stored_results_were_measured_under_the_defaults_users_get_today():
    # The README's quality table is true only while each recipe's defaults are the ones it was
    # measured under. An option added since, at the value that keeps the old behaviour, must not
    # make every result stale (ADDED_OPTIONS); a recipe whose defaults changed must be measured again.
    store = os.path.join(os.path.dirname(__file__), "..", "docs", "quality.json")
    stored = read(store)["runs"][KEY]
    stale = sorted(recipe for recipe, entry in stored.items()
                   if entry["settings"] != recipe_settings(recipe, "fashion_mnist"))
    assert stale == [], (f"docs/quality.json holds results of earlier defaults for {stale}: run "
                         f"`python benchmarks/quality.py --recipes {','.join(stale)}` for their budgets")
