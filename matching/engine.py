"""The matching engine: arrays in, ranked proposals with their reasons out. Pure: no ORM, no database, no clock.

Stages (DESIGN.md, "Matching"):
1. retrieve: a BallTree (haversine) over the candidates' homes returns those within the family's area;
2. hard filters, as vectorised masks (`HARD_FILTERS`): a candidate failing one is never proposed;
3. score: the rule score is a weighted sum of named factors in [0, 1] (`WEIGHTS`); with a fit model the final
   score is (1 - MODEL_SHARE) x rule + MODEL_SHARE x the model's probability that the match lasts six months;
4. explain: every proposal carries its reasons in plain words and each factor's contribution in points;
5. assign: for a waiting list, a global assignment with capacities and a bonus for waiting time (scipy), and
   first-come-first-served beside it for comparison.

`matching/features.py` turns volunteers and requests into a `CandidatePool` and `Request`s; this module never
reads the database, so it can be tested with hand-made cases and benchmarked with a million candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from django.utils.dates import WEEKDAYS
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching
from sklearn.neighbors import BallTree

from core.languages import SPOKEN_LANGUAGES, language_label

EARTH_RADIUS_KM = 6371.0088

# --- Vocabularies: each code is one bit, so overlap is a bitwise AND and counting is a popcount. --------------------
# The same codes as volunteers.models.Experience (a test checks it; importing the model would import the ORM).
EXPERIENCES: tuple[str, ...] = ("autism", "adhd", "lvb", "trauma", "divorce", "debt", "addiction")
EXPERIENCE_LABELS = {
    # Lower case: they are read inside a sentence ("experience with autism").
    "autism": gettext_lazy("autism"),
    "adhd": gettext_lazy("ADHD"),
    "lvb": gettext_lazy("a mild intellectual disability (LVB)"),
    "trauma": gettext_lazy("trauma"),
    "divorce": gettext_lazy("divorce"),
    "debt": gettext_lazy("debt"),
    "addiction": gettext_lazy("addiction"),
}
LANGUAGES: tuple[str, ...] = tuple(code for code, _label in SPOKEN_LANGUAGES)
# The language everybody here shares: speaking it is expected, so it is never given as a reason.
COMMON_LANGUAGE = "nl"
# Day parts as in volunteers.models.DayPart; slot bit = weekday x 4 + part (Monday = 0), 28 bits in all.
DAY_PARTS: tuple[str, ...] = ("morning", "afternoon", "evening", "overnight")
OVERNIGHT = DAY_PARTS.index("overnight")
# Interests are free text; these words (with the stems that find them) are what the engine can compare.
INTERESTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("voetbal", ("voetbal", "football", "soccer")),
    ("fietsen", ("fiets", "cycling", "bike")),
    ("koken", ("kook", "koken", "bak", "cooking", "baking")),
    ("wandelen", ("wandel", "walking", "hiking")),
    ("zwemmen", ("zwem", "swimming")),
    ("muziek", ("muziek", "zingen", "gitaar", "piano", "music")),
    ("tekenen", ("teken", "schilder", "drawing", "painting", "knutsel", "crafts")),
    ("lezen", ("lees", "lezen", "boek", "reading")),
    ("gamen", ("gamen", "games", "gaming", "computer")),
    ("dieren", ("dier", "hond", "paard", "animals", "dog", "horse")),
    ("dansen", ("dans", "dancing")),
    ("sport", ("sport", "hockey", "basketbal", "tennis", "judo", "turnen")),
    ("natuur", ("natuur", "buiten", "tuin", "nature", "garden")),
    ("techniek", ("techniek", "klussen", "lego", "bouwen", "technology")),
    ("theater", ("theater", "toneel", "film", "theatre")),
)
INTEREST_WORDS: tuple[str, ...] = tuple(word for word, _stems in INTERESTS)
# Wishes about culture or religion, as far as the engine can compare them.
CULTURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("islam", ("islam", "moslim", "muslim", "halal", "geen varkensvlees", "no pork")),
    ("christian", ("christ", "kerk", "church", "katholiek", "protestant")),
    ("jewish", ("jood", "joods", "jewish", "kosher")),
    ("hindu", ("hindoe", "hindu")),
    ("surinamese", ("surinaam", "surinamese")),
    ("antillean", ("antilliaans", "caribisch", "antillean", "caribbean")),
    ("moroccan", ("marokkaans", "moroccan")),
    ("turkish", ("turks", "turkish")),
)
GENDER_ANY, GENDER_GIRL, GENDER_BOY = 0, 1, 2

# --- The rule score -------------------------------------------------------------------------------------------------
# Each factor is in [0, 1]; the rule score is their weighted sum, so it is in [0, 1] too. A factor whose side of
# the request is empty (nothing asked) is 1 for every candidate: nothing asked is nothing unmet.
#   distance      0.5 ** (km / DISTANCE_HALF_KM): halves every 10 km; the nearer, the easier to keep it up.
#   availability  the share of the asked weekly day parts the candidate is free (1 when nothing is asked).
#   needs         the share of the child's needs the candidate has experience with (1 when none are named).
#   interests     the share of the child's interests the candidate shares (0 when none are known: a bonus).
#   languages     the share of the family's languages the candidate speaks (1 when none are named).
#   preferences   both sides' wishes: the candidate's wish for a boy or a girl, and the family's wish about
#                 culture or religion; the mean of those that apply (1 when none do).
FACTORS: tuple[str, ...] = ("distance", "availability", "needs", "interests", "languages", "preferences")
WEIGHTS: dict[str, float] = {
    "distance": 0.30,
    "availability": 0.20,
    "needs": 0.20,
    "interests": 0.10,
    "languages": 0.10,
    "preferences": 0.10,
}
FACTOR_LABELS = {
    "distance": gettext_lazy("distance"),
    "availability": gettext_lazy("free at the times asked"),
    "needs": gettext_lazy("experience with what the child needs"),
    "interests": gettext_lazy("shared interests"),
    "languages": gettext_lazy("languages"),
    "preferences": gettext_lazy("wishes of both sides"),
    "model": gettext_lazy("learned from earlier matches"),
}
DISTANCE_HALF_KM = 10.0
# With a fit model the final score is (1 - MODEL_SHARE) x rule + MODEL_SHARE x probability: the rules stay the
# larger part, so a model trained on little history cannot overturn what people can check.
MODEL_SHARE = 0.3
# From this probability on, a proposal says that similar matches often lasted.
MODEL_REASON_FROM = 0.6
# The model is asked first about this many of the best candidates by rule; the others are scored only when one of
# them could still reach the top (an exact bound, see `_rank`).
MODEL_RERANK = 200
# Features the fit model sees: the factors, and three facts the rules do not weigh themselves.
MODEL_FEATURES: tuple[str, ...] = (*FACTORS, "distance_km", "child_age", "has_needs")

# --- Hard filters --------------------------------------------------------------------------------------------------
HARD_FILTERS: tuple[str, ...] = (
    "area",  # within the family's area (the request's max_km)
    "travel_radius",  # within the candidate's own travel radius
    "matchable",  # screening and training complete and valid (volunteers.selectors.volunteer_readiness)
    "capacity",  # a place left
    "proposal_limit",  # fewer open proposals than the limit
    "age",  # the child's age within the candidate's age range
    "pets",  # no pets when the child is allergic
    "smoking",  # nobody smokes when the family asks for a smoke-free home
    "availability",  # free at one of the asked day parts at least
    "beds",  # enough beds when children come to stay the night
    "conflict",  # not excluded for this request (declined before, or already proposed)
)
DEFAULT_MAX_OPEN_PROPOSALS = 3


def bits(codes: Iterable[str], vocabulary: Sequence[str]) -> int:
    """The bitset of the codes that are in the vocabulary (others are ignored)."""
    index = {code: i for i, code in enumerate(vocabulary)}
    value = 0
    for code in codes:
        if code in index:
            value |= 1 << index[code]
    return value


def codes_of(value: int, vocabulary: Sequence[str]) -> list[str]:
    """The codes of a bitset, in vocabulary order."""
    return [code for i, code in enumerate(vocabulary) if value >> i & 1]


def slot_bits(slots: Iterable[tuple[int, str]]) -> int:
    """The availability bitset of weekly (weekday, day part) slots; Monday is 0."""
    value = 0
    for weekday, part in slots:
        value |= 1 << (weekday * len(DAY_PARTS) + DAY_PARTS.index(part))
    return value


def words_bits(text: str, table: Sequence[tuple[str, tuple[str, ...]]]) -> int:
    """The bitset of the table's entries whose stems occur in the text (case-insensitive)."""
    folded = text.casefold()
    value = 0
    for i, (_word, stems) in enumerate(table):
        if any(stem in folded for stem in stems):
            value |= 1 << i
    return value


@dataclass(frozen=True)
class Candidate:
    """One volunteer (a support family, buddy or social broker) as the engine sees them."""

    id: int
    latitude: float
    longitude: float
    travel_radius_km: float
    capacity_left: int
    open_proposals: int = 0
    matchable: bool = True
    age_min: int = 0
    age_max: int = 23
    has_pets: bool = False
    smoking: bool = False
    beds: int = 0
    availability: frozenset[tuple[int, str]] = frozenset()
    experience: tuple[str, ...] = ()
    interests: str = ""
    languages: tuple[str, ...] = ()
    gender_preference: int = GENDER_ANY
    culture: str = ""


@dataclass(frozen=True)
class Request:
    """What one family or young person asks. `excluded_ids` are candidates that may not be proposed for it:
    those who were proposed before and declined, and those already proposed."""

    latitude: float
    longitude: float
    child_age: int
    id: int = 0
    max_km: float = 25.0
    needs: tuple[str, ...] = ()
    interests: str = ""
    languages: tuple[str, ...] = ()
    asked: frozenset[tuple[int, str]] = frozenset()
    pet_allergy: bool = False
    smoke_free: bool = False
    beds_needed: int = 0
    gender: int = GENDER_ANY
    culture: str = ""
    excluded_ids: frozenset[int] = frozenset()
    waiting_days: int = 0


class FitModel(Protocol):
    """A learned fit model: the probability that a match lasts, for rows of MODEL_FEATURES."""

    @property
    def version(self) -> str: ...

    # A model may also say the highest probability it can give (`max_probability`), which lets the engine ask it
    # about fewer candidates; without it 1.0 is assumed.

    def probability(self, features: NDArray[np.float64]) -> NDArray[np.float64]: ...


@dataclass(frozen=True)
class Contribution:
    factor: str
    label: str
    value: float  # the factor, in [0, 1]
    weight: float  # its share of the final score
    points: float  # value x weight; the points of all contributions add up to the score


@dataclass(frozen=True)
class Proposal:
    candidate_id: int
    score: float
    rule_score: float
    model_probability: float | None
    distance_km: float
    factors: dict[str, float]
    contributions: tuple[Contribution, ...]
    reasons: tuple[str, ...]


def _array(values: Any, dtype: Any) -> Any:
    return np.ascontiguousarray(np.asarray(values, dtype=dtype))


class CandidatePool:
    """The candidates of one kind, as columns, with a BallTree over their homes. Built once, asked many times."""

    def __init__(
        self,
        *,
        ids: Any,
        latitude: Any,
        longitude: Any,
        travel_radius_km: Any,
        capacity_left: Any,
        open_proposals: Any,
        matchable: Any,
        age_min: Any,
        age_max: Any,
        has_pets: Any,
        smoking: Any,
        beds: Any,
        availability: Any,
        experience: Any,
        interests: Any,
        languages: Any,
        gender_preference: Any,
        culture: Any,
        leaf_size: int = 64,
    ) -> None:
        self.ids: NDArray[np.int64] = _array(ids, np.int64)
        self.lat: NDArray[np.float64] = np.radians(_array(latitude, np.float64))
        self.lon: NDArray[np.float64] = np.radians(_array(longitude, np.float64))
        self.radius_km: NDArray[np.float32] = _array(travel_radius_km, np.float32)
        self.capacity_left: NDArray[np.int16] = _array(capacity_left, np.int16)
        self.open_proposals: NDArray[np.int16] = _array(open_proposals, np.int16)
        self.matchable: NDArray[np.bool_] = _array(matchable, np.bool_)
        self.age_min: NDArray[np.int8] = _array(age_min, np.int8)
        self.age_max: NDArray[np.int8] = _array(age_max, np.int8)
        self.has_pets: NDArray[np.bool_] = _array(has_pets, np.bool_)
        self.smoking: NDArray[np.bool_] = _array(smoking, np.bool_)
        self.beds: NDArray[np.int8] = _array(beds, np.int8)
        self.availability: NDArray[np.uint32] = _array(availability, np.uint32)
        self.experience: NDArray[np.uint16] = _array(experience, np.uint16)
        self.interests: NDArray[np.uint32] = _array(interests, np.uint32)
        self.languages: NDArray[np.uint32] = _array(languages, np.uint32)
        self.gender_preference: NDArray[np.int8] = _array(gender_preference, np.int8)
        self.culture: NDArray[np.uint16] = _array(culture, np.uint16)
        self.size = len(self.ids)
        if len(np.unique(self.ids)) != self.size:
            raise ValueError("Candidate ids must be unique.")
        self.max_radius_km = float(self.radius_km.max()) if self.size else 0.0
        # An empty pool has no tree: scikit-learn refuses to build one, and there is nothing to find.
        self.tree: Any = (
            BallTree(np.column_stack([self.lat, self.lon]), leaf_size=leaf_size, metric="haversine")
            if self.size
            else None
        )

    @classmethod
    def from_candidates(cls, candidates: Sequence[Candidate]) -> CandidatePool:
        """A pool from readable candidates (features.py and the tests); the benchmark passes arrays directly."""
        return cls(
            ids=[c.id for c in candidates],
            latitude=[c.latitude for c in candidates],
            longitude=[c.longitude for c in candidates],
            travel_radius_km=[c.travel_radius_km for c in candidates],
            capacity_left=[c.capacity_left for c in candidates],
            open_proposals=[c.open_proposals for c in candidates],
            matchable=[c.matchable for c in candidates],
            age_min=[c.age_min for c in candidates],
            age_max=[c.age_max for c in candidates],
            has_pets=[c.has_pets for c in candidates],
            smoking=[c.smoking for c in candidates],
            beds=[c.beds for c in candidates],
            availability=[slot_bits(c.availability) for c in candidates],
            experience=[bits(c.experience, EXPERIENCES) for c in candidates],
            interests=[words_bits(c.interests, INTERESTS) for c in candidates],
            languages=[bits(c.languages, LANGUAGES) for c in candidates],
            gender_preference=[c.gender_preference for c in candidates],
            culture=[words_bits(c.culture, CULTURES) for c in candidates],
        )

    def index_of(self, candidate_id: int) -> int:
        found = np.flatnonzero(self.ids == candidate_id)
        if not len(found):
            raise KeyError(candidate_id)
        return int(found[0])


@dataclass(frozen=True)
class _Encoded:
    """A request as bitsets, encoded once per request."""

    lat: float
    lon: float
    max_km: float
    child_age: int
    needs: int
    interests: int
    languages: int
    asked: int
    pet_allergy: bool
    smoke_free: bool
    beds_needed: int
    gender: int
    culture: int
    excluded: NDArray[np.int64]

    @classmethod
    def of(cls, request: Request) -> _Encoded:
        return cls(
            lat=float(np.radians(request.latitude)),
            lon=float(np.radians(request.longitude)),
            max_km=float(request.max_km),
            child_age=request.child_age,
            needs=bits(request.needs, EXPERIENCES),
            interests=words_bits(request.interests, INTERESTS),
            languages=bits(request.languages, LANGUAGES),
            asked=slot_bits(request.asked),
            pet_allergy=request.pet_allergy,
            smoke_free=request.smoke_free,
            beds_needed=request.beds_needed,
            gender=request.gender,
            culture=words_bits(request.culture, CULTURES),
            excluded=np.fromiter(request.excluded_ids, dtype=np.int64, count=len(request.excluded_ids)),
        )


def _popcount(values: NDArray[Any]) -> NDArray[np.float64]:
    return np.asarray(np.bitwise_count(values), dtype=np.float64)


def _haversine_km(lat: float, lon: float, lats: NDArray[np.float64], lons: NDArray[np.float64]) -> NDArray[np.float64]:
    a = np.sin((lats - lat) * 0.5) ** 2 + np.cos(lat) * np.cos(lats) * np.sin((lons - lon) * 0.5) ** 2
    return np.asarray(2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0))), dtype=np.float64)


def hard_filter_masks(
    pool: CandidatePool,
    idx: NDArray[np.intp],
    request: _Encoded,
    distance_km: NDArray[np.float64],
    *,
    max_open_proposals: int = DEFAULT_MAX_OPEN_PROPOSALS,
) -> dict[str, NDArray[np.bool_]]:
    """Every hard filter as a mask over the candidates `idx` (True = passes), named as in HARD_FILTERS."""
    asked = np.uint32(request.asked)
    masks: dict[str, NDArray[np.bool_]] = {
        "area": distance_km <= request.max_km,
        "travel_radius": distance_km <= pool.radius_km[idx],
        "matchable": pool.matchable[idx],
        "capacity": pool.capacity_left[idx] > 0,
        "proposal_limit": pool.open_proposals[idx] < max_open_proposals,
        "age": (pool.age_min[idx] <= request.child_age) & (request.child_age <= pool.age_max[idx]),
    }
    ones = np.ones(len(idx), dtype=np.bool_)
    masks["pets"] = ~pool.has_pets[idx] if request.pet_allergy else ones
    masks["smoking"] = ~pool.smoking[idx] if request.smoke_free else ones
    masks["availability"] = (pool.availability[idx] & asked) != 0 if request.asked else ones
    masks["beds"] = pool.beds[idx] >= request.beds_needed if request.beds_needed else ones
    masks["conflict"] = ~np.isin(pool.ids[idx], request.excluded) if len(request.excluded) else ones
    return masks


def factor_values(
    pool: CandidatePool, idx: NDArray[np.intp], request: _Encoded, distance_km: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The factors (columns in FACTORS order) of the candidates `idx`, each in [0, 1]; see WEIGHTS for each."""
    n = len(idx)
    out = np.empty((n, len(FACTORS)), dtype=np.float64)
    out[:, 0] = 0.5 ** (distance_km / DISTANCE_HALF_KM)
    if request.asked:
        out[:, 1] = _popcount(pool.availability[idx] & np.uint32(request.asked)) / request.asked.bit_count()
    else:
        out[:, 1] = 1.0
    if request.needs:
        out[:, 2] = _popcount(pool.experience[idx] & np.uint16(request.needs)) / request.needs.bit_count()
    else:
        out[:, 2] = 1.0
    if request.interests:
        out[:, 3] = _popcount(pool.interests[idx] & np.uint32(request.interests)) / request.interests.bit_count()
    else:
        out[:, 3] = 0.0
    if request.languages:
        out[:, 4] = _popcount(pool.languages[idx] & np.uint32(request.languages)) / request.languages.bit_count()
    else:
        out[:, 4] = 1.0
    preference = pool.gender_preference[idx]
    gender_ok = ((preference == GENDER_ANY) | (request.gender == GENDER_ANY) | (preference == request.gender)).astype(
        np.float64
    )
    if request.culture:
        culture_ok = ((pool.culture[idx] & np.uint16(request.culture)) != 0).astype(np.float64)
        out[:, 5] = (gender_ok + culture_ok) * 0.5
    else:
        out[:, 5] = gender_ok
    return out


_WEIGHT_VECTOR = np.array([WEIGHTS[name] for name in FACTORS], dtype=np.float64)


def rule_scores(factors: NDArray[np.float64]) -> NDArray[np.float64]:
    """The rule score of each row of factors: their weighted sum (WEIGHTS), in [0, 1]."""
    return np.asarray(factors @ _WEIGHT_VECTOR, dtype=np.float64)


def model_features(
    factors: NDArray[np.float64], distance_km: NDArray[np.float64], child_age: int, has_needs: bool
) -> NDArray[np.float64]:
    """The rows the fit model reads, in MODEL_FEATURES order."""
    n = len(factors)
    return np.column_stack(
        [factors, distance_km, np.full(n, float(child_age)), np.full(n, 1.0 if has_needs else 0.0)]
    ).astype(np.float64)


def _top(scores: NDArray[np.float64], ids: NDArray[np.int64], k: int) -> NDArray[np.intp]:
    """Positions of the k best scores, best first; equal scores in ascending id, so the order of the pool does not
    matter. argpartition finds the k-th score; everything at least as good is sorted, the first k are kept."""
    n = len(scores)
    if n == 0 or k <= 0:
        return np.empty(0, dtype=np.intp)
    if n > k:
        kth = scores[np.argpartition(-scores, k - 1)[k - 1]]
        keep = np.flatnonzero(scores >= kth)
    else:
        keep = np.arange(n)
    order = np.lexsort((ids[keep], -scores[keep]))
    return np.asarray(keep[order[:k]], dtype=np.intp)


@dataclass
class _Scored:
    """The candidates left after the hard filters, with their factors and scores (positions into `idx`)."""

    idx: NDArray[np.intp]
    distance_km: NDArray[np.float64]
    factors: NDArray[np.float64]
    rule: NDArray[np.float64]
    final: NDArray[np.float64]
    probability: NDArray[np.float64] | None = None
    top: NDArray[np.intp] = field(default_factory=lambda: np.empty(0, dtype=np.intp))


def _retrieve(pool: CandidatePool, request: _Encoded) -> NDArray[np.intp]:
    radius = min(request.max_km, pool.max_radius_km)
    if pool.size == 0 or radius < 0:
        return np.empty(0, dtype=np.intp)
    found = pool.tree.query_radius(np.array([[request.lat, request.lon]]), r=radius / EARTH_RADIUS_KM)[0]
    return np.asarray(found, dtype=np.intp)


def _filter_and_score(
    pool: CandidatePool,
    idx: NDArray[np.intp],
    request: _Encoded,
    *,
    k: int,
    max_open_proposals: int,
    model: FitModel | None,
) -> _Scored:
    # The cheap filters on the candidate alone go first, so the rest is computed for fewer candidates.
    static = pool.matchable[idx] & (pool.capacity_left[idx] > 0) & (pool.open_proposals[idx] < max_open_proposals)
    idx = idx[static]
    distance = _haversine_km(request.lat, request.lon, pool.lat[idx], pool.lon[idx])
    masks = hard_filter_masks(pool, idx, request, distance, max_open_proposals=max_open_proposals)
    keep = np.logical_and.reduce(list(masks.values())) if len(idx) else np.zeros(0, dtype=np.bool_)
    idx, distance = idx[keep], distance[keep]
    factors = factor_values(pool, idx, request, distance)
    rule = rule_scores(factors)
    scored = _Scored(idx=idx, distance_km=distance, factors=factors, rule=rule, final=rule)
    _rank(scored, pool, request, k=k, model=model)
    return scored


def _rank(scored: _Scored, pool: CandidatePool, request: _Encoded, *, k: int, model: FitModel | None) -> None:
    """Choose the top k. With a model, it is asked about the m best by rule (m = MODEL_RERANK, then four times
    more each round). A candidate outside those m can reach at most (1 - share) x its rule + share x the model's
    highest probability; once the k-th final score beats that bound for the best rule outside, the top k is
    exact, and the model is not asked about anyone else."""
    ids = pool.ids[scored.idx]
    # Nobody left after the filters: nothing to ask the model (scikit-learn refuses an empty batch).
    if model is None or len(scored.idx) == 0:
        scored.top = _top(scored.rule, ids, k)
        return
    n = len(scored.idx)
    highest = min(1.0, float(getattr(model, "max_probability", 1.0)))
    probability = np.full(n, np.nan)
    final = np.full(n, -np.inf)
    asked = np.zeros(n, dtype=np.bool_)
    m = max(MODEL_RERANK, 4 * k)
    while True:
        # `_top` orders by (rule, id), a total order, so each round's m best contain the previous round's.
        first = _top(scored.rule, ids, m)
        rows = first[~asked[first]]
        features = model_features(scored.factors[rows], scored.distance_km[rows], request.child_age, request.needs != 0)
        probability[rows] = np.clip(model.probability(features), 0.0, 1.0)
        final[rows] = (1.0 - MODEL_SHARE) * scored.rule[rows] + MODEL_SHARE * probability[rows]
        asked[rows] = True
        if len(first) >= n:
            break
        bound = (1.0 - MODEL_SHARE) * float(scored.rule[~asked].max()) + MODEL_SHARE * highest
        best = np.sort(final[first])[::-1]
        if len(best) >= k and best[k - 1] > bound:
            break
        m *= 4
    scored.probability, scored.final = probability, final
    scored.top = _top(final, ids, k)


def _join(items: list[str]) -> str:
    return str(get_text_list(items, _("and")))


def _reasons(
    pool: CandidatePool, j: int, request: _Encoded, distance_km: float, probability: float | None
) -> list[str]:
    """The reasons for one proposal, in plain words, from the same facts the factors were computed from."""
    reasons: list[str] = []
    km = round(distance_km)
    if km < 1:
        reasons.append(_("less than 1 km from home"))
    else:
        reasons.append(_("%(km)s km from home") % {"km": km})
    overlap = int(pool.availability[j]) & request.asked
    if overlap:
        days = sorted({slot // len(DAY_PARTS) for slot in range(7 * len(DAY_PARTS)) if overlap >> slot & 1})
        reasons.append(_("free on %(days)s") % {"days": _join([str(WEEKDAYS[day]) for day in days])})
        overnight = any(overlap >> (day * len(DAY_PARTS) + OVERNIGHT) & 1 for day in range(7))
        if overnight and pool.beds[j] > 0:
            reasons.append(_("a child can stay the night"))
    shared_needs = codes_of(int(pool.experience[j]) & request.needs, EXPERIENCES)
    if shared_needs:
        reasons.append(
            _("experience with %(needs)s") % {"needs": _join([str(EXPERIENCE_LABELS[c]) for c in shared_needs])}
        )
    shared_interests = codes_of(int(pool.interests[j]) & request.interests, INTEREST_WORDS)
    if shared_interests:
        reasons.append(_("also likes %(interests)s") % {"interests": _join(shared_interests)})
    shared_languages = [
        c for c in codes_of(int(pool.languages[j]) & request.languages, LANGUAGES) if c != COMMON_LANGUAGE
    ]
    if shared_languages:
        reasons.append(_("speaks %(languages)s") % {"languages": _join([language_label(c) for c in shared_languages])})
    if request.culture and int(pool.culture[j]) & request.culture:
        reasons.append(_("fits the family's wish about culture or religion"))
    preference = int(pool.gender_preference[j])
    if preference != GENDER_ANY and preference == request.gender:
        reasons.append(
            _("would like to support a girl") if preference == GENDER_GIRL else _("would like to support a boy")
        )
    if probability is not None and probability >= MODEL_REASON_FROM:
        reasons.append(_("similar matches often lasted six months or longer"))
    return reasons


def _contributions(factors: NDArray[np.float64], probability: float | None) -> tuple[Contribution, ...]:
    rule_share = 1.0 if probability is None else 1.0 - MODEL_SHARE
    parts = [
        Contribution(
            name,
            str(FACTOR_LABELS[name]),
            float(value),
            WEIGHTS[name] * rule_share,
            float(value) * WEIGHTS[name] * rule_share,
        )
        for name, value in zip(FACTORS, factors, strict=True)
    ]
    if probability is not None:
        parts.append(
            Contribution("model", str(FACTOR_LABELS["model"]), probability, MODEL_SHARE, probability * MODEL_SHARE)
        )
    return tuple(parts)


def _proposals(pool: CandidatePool, scored: _Scored, request: _Encoded, *, explain: bool) -> list[Proposal]:
    proposals = []
    for position in scored.top:
        j = int(scored.idx[position])
        probability = None if scored.probability is None else float(scored.probability[position])
        factors = scored.factors[position]
        distance = float(scored.distance_km[position])
        proposals.append(
            Proposal(
                candidate_id=int(pool.ids[j]),
                score=float(scored.final[position]),
                rule_score=float(scored.rule[position]),
                model_probability=probability,
                distance_km=distance,
                factors={name: float(value) for name, value in zip(FACTORS, factors, strict=True)},
                contributions=_contributions(factors, probability) if explain else (),
                reasons=tuple(_reasons(pool, j, request, distance, probability)) if explain else (),
            )
        )
    return proposals


def propose(
    pool: CandidatePool,
    request: Request,
    *,
    k: int = 10,
    max_open_proposals: int = DEFAULT_MAX_OPEN_PROPOSALS,
    model: FitModel | None = None,
    explain: bool = True,
) -> list[Proposal]:
    """The k best candidates for the request, best first, each with its reasons and its factors' contributions.

    Only candidates that pass every hard filter (HARD_FILTERS) are proposed. Equal scores are ordered by id, so the
    order of the pool never changes the answer. Without a model the rule score stands."""
    encoded = _Encoded.of(request)
    scored = _filter_and_score(
        pool, _retrieve(pool, encoded), encoded, k=k, max_open_proposals=max_open_proposals, model=model
    )
    return _proposals(pool, scored, encoded, explain=explain)


def failed_filters(
    pool: CandidatePool, request: Request, candidate_id: int, *, max_open_proposals: int = DEFAULT_MAX_OPEN_PROPOSALS
) -> list[str]:
    """The hard filters (names from HARD_FILTERS) that keep one candidate from being proposed for the request:
    for a professional who asks why someone is not on the list. Empty when the candidate passes all."""
    encoded = _Encoded.of(request)
    j = np.array([pool.index_of(candidate_id)], dtype=np.intp)
    distance = _haversine_km(encoded.lat, encoded.lon, pool.lat[j], pool.lon[j])
    masks = hard_filter_masks(pool, j, encoded, distance, max_open_proposals=max_open_proposals)
    return [name for name in HARD_FILTERS if not masks[name][0]]


def passes_hard_filters(
    pool: CandidatePool, request: Request, *, max_open_proposals: int = DEFAULT_MAX_OPEN_PROPOSALS
) -> NDArray[np.bool_]:
    """Per candidate of the pool (in its order): whether it passes every hard filter for the request. For building
    a pool for one request in stages (matching.features.pool_of): a candidate that fails one is never proposed,
    scored or counted, so leaving it out changes no proposal."""
    encoded = _Encoded.of(request)
    idx = np.arange(pool.size, dtype=np.intp)
    distance = _haversine_km(encoded.lat, encoded.lon, pool.lat, pool.lon)
    masks = hard_filter_masks(pool, idx, encoded, distance, max_open_proposals=max_open_proposals)
    return np.asarray(np.logical_and.reduce(list(masks.values())), dtype=np.bool_)


def pair_factors(pool: CandidatePool, request: Request, candidate_id: int) -> tuple[NDArray[np.float64], float]:
    """The factors (FACTORS order) and the distance in km of one candidate for one request, whatever the hard
    filters say: for learning from past matches, whose candidates were once proposed."""
    encoded = _Encoded.of(request)
    j = np.array([pool.index_of(candidate_id)], dtype=np.intp)
    distance = _haversine_km(encoded.lat, encoded.lon, pool.lat[j], pool.lon[j])
    return factor_values(pool, j, encoded, distance)[0], float(distance[0])


# --- Assignment for a waiting list ----------------------------------------------------------------------------------
# The global assignment first matches as many families as it can (no family stays waiting so that another gets a
# slightly better fit); among the assignments that match that many it takes the one with the largest total of
# fit plus waiting bonus. The waiting bonus of a pair is WAITING_WEIGHT x the share of a year the family has
# waited (at most one year): a family that waited a year outweighs a 0.2 better fit for a family that just
# asked. Reported totals are fit only, without the bonus.
WAITING_WEIGHT = 0.2
WAITING_FULL_DAYS = 365
SHORTLIST = 25


@dataclass(frozen=True)
class Assignment:
    """One way of matching a waiting list: request id → candidate id, how many are matched and their total fit."""

    pairs: dict[int, int]
    matched: int
    total_fit: float


@dataclass(frozen=True)
class Comparison:
    global_: Assignment
    first_come_first_served: Assignment

    @property
    def extra_matched(self) -> int:
        return self.global_.matched - self.first_come_first_served.matched

    @property
    def extra_fit(self) -> float:
        return self.global_.total_fit - self.first_come_first_served.total_fit


@dataclass(frozen=True)
class Shortlists:
    """For each request, its best candidates (pool positions) and their scores; the candidates' free places."""

    requests: list[Request]
    positions: list[NDArray[np.intp]]
    scores: list[NDArray[np.float64]]
    slots: NDArray[np.int64]


def shortlists(
    pool: CandidatePool,
    requests: Sequence[Request],
    *,
    n: int = SHORTLIST,
    max_open_proposals: int = DEFAULT_MAX_OPEN_PROPOSALS,
    model: FitModel | None = None,
) -> Shortlists:
    """The n best candidates of every request, found with one batched query of the BallTree."""
    encoded = [_Encoded.of(r) for r in requests]
    positions: list[NDArray[np.intp]] = []
    scores: list[NDArray[np.float64]] = []
    if encoded and pool.size:
        points = np.array([[e.lat, e.lon] for e in encoded])
        radii = np.array([min(e.max_km, pool.max_radius_km) for e in encoded]) / EARTH_RADIUS_KM
        found = pool.tree.query_radius(points, r=radii)
    else:
        found = [np.empty(0, dtype=np.intp) for _e in encoded]
    for e, idx in zip(encoded, found, strict=True):
        scored = _filter_and_score(
            pool, np.asarray(idx, dtype=np.intp), e, k=n, max_open_proposals=max_open_proposals, model=model
        )
        positions.append(scored.idx[scored.top])
        scores.append(scored.final[scored.top])
    # A proposal takes a place and counts as an open proposal, so a candidate takes no more than both allow.
    slots = np.minimum(pool.capacity_left.astype(np.int64), max_open_proposals - pool.open_proposals.astype(np.int64))
    return Shortlists(list(requests), positions, scores, np.maximum(slots, 0))


def waiting_bonus(request: Request) -> float:
    """The waiting-time priority of a request in the global assignment (WAITING_WEIGHT at most)."""
    return WAITING_WEIGHT * min(max(request.waiting_days, 0), WAITING_FULL_DAYS) / WAITING_FULL_DAYS


def _assign_global(lists: Shortlists) -> Assignment:
    """The assignment of the whole waiting list that matches the most families and, among those, has the largest
    total fit plus waiting bonus; each request gets at most one candidate and each candidate at most its free
    places (scipy's LAPJVsp on a sparse graph). Pairs map request ids to pool positions.

    Each candidate appears as one column per free place it can use; each request also has its own "no match"
    column, so a full matching always exists. Costs are K - weight (K above every weight) and K for "no match",
    so the cheapest full matching is the one with the largest total weight."""
    n_requests = len(lists.requests)
    if not n_requests:
        return Assignment({}, 0, 0.0)
    demand: dict[int, int] = {}
    for positions in lists.positions:
        for p in positions.tolist():
            demand[p] = demand.get(p, 0) + 1
    column_of: dict[int, list[int]] = {}
    owner: list[int] = []
    for p in sorted(demand):
        # No more columns for a candidate than requests that want them: the others could never be used.
        for _slot in range(int(min(lists.slots[p], demand[p]))):
            column_of.setdefault(p, []).append(len(owner))
            owner.append(p)
    rows: list[int] = []
    cols: list[int] = []
    weights: list[float] = []
    # Worth more than the fit and bonus of all requests together: one more match always wins.
    matched_first = n_requests * (1.0 + WAITING_WEIGHT) + 1.0
    for i, (request, positions, scores) in enumerate(zip(lists.requests, lists.positions, lists.scores, strict=True)):
        bonus = waiting_bonus(request)
        for p, score in zip(positions.tolist(), scores.tolist(), strict=True):
            for column in column_of.get(p, []):
                rows.append(i)
                cols.append(column)
                weights.append(matched_first + score + bonus)
    n_slots = len(owner)
    weight = np.asarray(weights, dtype=np.float64)
    top = float(weight.max()) + 1.0 if len(weight) else 1.0
    graph = csr_matrix(
        (
            np.concatenate([top - weight, np.full(n_requests, top)]),
            (
                np.concatenate([np.asarray(rows, dtype=np.int64), np.arange(n_requests)]),
                np.concatenate([np.asarray(cols, dtype=np.int64), n_slots + np.arange(n_requests)]),
            ),
        ),
        shape=(n_requests, n_slots + n_requests),
    )
    _rows, matched = min_weight_full_bipartite_matching(graph)
    pairs: dict[int, int] = {}
    fit = 0.0
    for i, column in enumerate(matched.tolist()):
        if column < n_slots:
            p = owner[column]
            pairs[lists.requests[i].id] = p
            fit += float(lists.scores[i][lists.positions[i] == p][0])
    return Assignment(pairs, len(pairs), fit)


def _first_come_first_served(lists: Shortlists) -> Assignment:
    """The longest-waiting request first takes its best candidate with a place left, then the next; ties in
    waiting time go in request id order. Pairs map request ids to pool positions."""
    taken: dict[int, int] = {}
    pairs: dict[int, int] = {}
    fit = 0.0
    order = sorted(range(len(lists.requests)), key=lambda i: (-lists.requests[i].waiting_days, lists.requests[i].id))
    for i in order:
        for p, score in zip(lists.positions[i].tolist(), lists.scores[i].tolist(), strict=True):
            if taken.get(p, 0) < lists.slots[p]:
                taken[p] = taken.get(p, 0) + 1
                pairs[lists.requests[i].id] = p
                fit += score
                break
    return Assignment(pairs, len(pairs), fit)


def _with_ids(pool: CandidatePool, assignment: Assignment) -> Assignment:
    pairs = {request_id: int(pool.ids[p]) for request_id, p in assignment.pairs.items()}
    return Assignment(pairs, assignment.matched, assignment.total_fit)


def assign(
    pool: CandidatePool,
    requests: Sequence[Request],
    *,
    n: int = SHORTLIST,
    max_open_proposals: int = DEFAULT_MAX_OPEN_PROPOSALS,
    model: FitModel | None = None,
) -> Assignment:
    """A global assignment for the waiting list (request id → candidate id) over each request's n best candidates,
    within every candidate's free places: the most families matched, then the largest fit plus waiting bonus."""
    lists = shortlists(pool, requests, n=n, max_open_proposals=max_open_proposals, model=model)
    return _with_ids(pool, _assign_global(lists))


def first_come_first_served(
    pool: CandidatePool,
    requests: Sequence[Request],
    *,
    n: int = SHORTLIST,
    max_open_proposals: int = DEFAULT_MAX_OPEN_PROPOSALS,
    model: FitModel | None = None,
) -> Assignment:
    """The waiting list the old way, for comparison: the longest-waiting family first takes its best candidate
    with a place left, then the next (request id → candidate id)."""
    lists = shortlists(pool, requests, n=n, max_open_proposals=max_open_proposals, model=model)
    return _with_ids(pool, _first_come_first_served(lists))


def compare_assignments(
    pool: CandidatePool,
    requests: Sequence[Request],
    *,
    n: int = SHORTLIST,
    max_open_proposals: int = DEFAULT_MAX_OPEN_PROPOSALS,
    model: FitModel | None = None,
) -> Comparison:
    """The global assignment beside first-come-first-served, on the same shortlists."""
    lists = shortlists(pool, requests, n=n, max_open_proposals=max_open_proposals, model=model)
    return Comparison(_with_ids(pool, _assign_global(lists)), _with_ids(pool, _first_come_first_served(lists)))
