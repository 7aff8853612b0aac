"""The fit model: `manage.py matching_train` on a small synthetic history writes a versioned model with the held-out
ROC AUCs, refuses without enough history, and the proposals use the current model when there is one."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from hostfamilies.models import SupportFamilyMatch
from hostfamilies.states import State
from matching.engine import MODEL_FEATURES, MODEL_SHARE
from matching.features import history_from_database, proposals_for_support_request
from matching.model import load_current, synthetic_history
from matching.model import train as model_train
from tests.builders.hostfamilies import request_for, support_family
from tests.conftest import World

TODAY = timezone.localdate()


def train(directory: Path, n: int = 600, seed: int = 0) -> dict[str, Any]:
    out = StringIO()
    call_command(
        "matching_train", "--synthetic", str(n), "--seed", str(seed), "--dir", str(directory), "--force", stdout=out
    )
    return dict(json.loads(out.getvalue()))


def test_training_on_a_synthetic_history_writes_a_versioned_model_with_its_aucs(tmp_path: Path) -> None:
    printed = train(tmp_path)
    version = printed["version"]
    metadata = json.loads((tmp_path / version / "metadata.json").read_text())
    assert (tmp_path / version / "model.joblib").exists()
    assert json.loads((tmp_path / "current.json").read_text()) == {"version": version}
    assert metadata["n"] == 600 and metadata["n_train"] + metadata["n_test"] == 600
    assert metadata["source"] == "synthetic"
    assert metadata["features"] == list(MODEL_FEATURES)
    assert 0.5 < metadata["roc_auc_rule"] < 1 and 0.5 < metadata["roc_auc_model"] < 1
    assert 0.5 < metadata["roc_auc_blend"] < 1 and 0 < metadata["max_probability"] <= 1
    assert {"trained_at", "version", "outcome"} <= set(metadata)

    model = load_current(tmp_path)
    assert model is not None and model.version == version
    probability = model.probability(synthetic_history(50, seed=3).features)
    assert probability.shape == (50,) and ((probability >= 0) & (probability <= 1)).all()


def test_a_new_training_is_a_new_version_and_the_old_one_is_kept(tmp_path: Path) -> None:
    first = train(tmp_path, n=300, seed=1)["version"]
    second = train(tmp_path, n=300, seed=2)["version"]
    assert first != second and (tmp_path / first / "model.joblib").exists()
    current = load_current(tmp_path)
    assert current is not None and current.version == second


def test_a_model_that_ranks_worse_than_the_rules_is_stored_but_not_put_in_use(tmp_path: Path, monkeypatch: Any) -> None:
    from matching.management.commands import matching_train

    def worse(history: Any, *, seed: int = 0) -> tuple[Any, dict[str, Any]]:
        estimator, metrics = model_train(history, seed=seed)
        return estimator, {**metrics, "roc_auc_rule": 0.8, "roc_auc_blend": 0.7}

    monkeypatch.setattr(matching_train, "train", worse)
    out = StringIO()
    call_command("matching_train", "--synthetic", "300", "--dir", str(tmp_path), stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["in_use"] is False
    assert (tmp_path / printed["version"] / "model.joblib").exists()
    assert load_current(tmp_path) is None


def test_without_a_model_there_is_nothing_to_load(tmp_path: Path) -> None:
    assert load_current(tmp_path) is None


def test_without_enough_history_the_command_refuses_and_writes_nothing(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="at least 200"):
        call_command("matching_train", "--dir", str(tmp_path))
    assert not (tmp_path / "current.json").exists()


def test_the_history_from_the_database_knows_which_matches_lasted(world: World) -> None:
    families = [support_family(world.organisation, world.coordinator, capacity=3) for _ in range(3)]
    request = request_for(world)
    # Made directly in the table: only the dates and states matter here, not the walk through the services.
    for family, state, started, ended in [
        (families[0], State.ENDED, 400, 100),  # ran 300 days: lasted
        (families[1], State.STOPPED, 100, 60),  # stopped after 40 days: did not
        (families[2], State.STOPPED, None, None),  # declined before it started: no outcome
    ]:
        SupportFamilyMatch.objects.create(
            request=request,
            volunteer=family,
            state=state,
            started_on=TODAY - timedelta(days=started) if started else None,
            ended_on=TODAY - timedelta(days=ended) if ended else None,
        )
    history = history_from_database()
    assert history.lasted.tolist() == [1, 0]
    assert history.features.shape == (2, len(MODEL_FEATURES)) and history.source == "database"


def test_proposals_use_the_model_when_there_is_one_and_the_rule_score_when_not(
    world: World, tmp_path: Path, settings: Any
) -> None:
    settings.MATCHING_MODEL_DIR = tmp_path
    support_family(world.organisation, world.coordinator)
    request = request_for(world)

    [plain] = proposals_for_support_request(request)
    assert plain.model_probability is None and plain.score == plain.rule_score

    train(tmp_path, n=300)
    [blended] = proposals_for_support_request(request)
    assert blended.model_probability is not None
    assert blended.rule_score == pytest.approx(plain.rule_score)
    assert blended.score == pytest.approx(
        (1 - MODEL_SHARE) * blended.rule_score + MODEL_SHARE * blended.model_probability
    )
    assert blended.contributions[-1].factor == "model"
    [without] = proposals_for_support_request(request, use_model=False)
    assert without.model_probability is None


def test_the_synthetic_history_is_the_same_for_the_same_seed() -> None:
    one, two = synthetic_history(100, seed=5), synthetic_history(100, seed=5)
    assert np.array_equal(one.features, two.features) and np.array_equal(one.lasted, two.lasted)


def test_broker_proposals_keep_the_rule_score_when_a_model_is_trained(
    world: World, tmp_path: Path, settings: Any
) -> None:
    # The model learned how long support-family matches lasted: nothing it could say about a social broker.
    from community.brokers.services import brokerrequest_ask
    from matching.features import proposals_for_broker_request
    from tests.builders.matching import broker

    settings.MATCHING_MODEL_DIR = tmp_path
    train(tmp_path, n=300)
    broker(world.organisation)
    request = brokerrequest_ask(user=world.professional, case=world.case, purpose="Een sportclub in de buurt")
    [proposal] = proposals_for_broker_request(request, organisation_id=world.organisation.pk)
    assert proposal.model_probability is None and proposal.score == proposal.rule_score
    assert all(contribution.factor != "model" for contribution in proposal.contributions)
