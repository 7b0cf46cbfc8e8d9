"""The contest draw: the algorithm as documented, its fairness, and verify_draw on histories."""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libops import Platform
from libops.domain.errors import InvalidValueError
from libops.domain.interaction.contest import (
    Contest,
    ContestRules,
    ContestStatus,
    EntryMethod,
    Prize,
)
from libops.domain.interaction.draw import (
    DRAW_DOMAIN,
    SEED_BYTES,
    DrawVerification,
    RandomStream,
    canonical_entries,
    draw_winners,
    entries_digest,
    seed_commitment,
    seed_from_hex,
    sorted_entries,
    verify_draw,
)
from tests.actors import ADMIN, PLANNER
from tests.unit.interaction_support import CLOSES, OPENS, RULES, SEED, contest_in, enter, sealed_for

# --- an independent implementation, written from the module's documentation ------------


def spec_draw(seed: bytes, entry_ids: Sequence[str], winners: int) -> tuple[str, ...]:
    """The draw as docs/interactions.md and the draw module's docstring describe it."""
    ordered = sorted(entry_ids)
    listing = "".join(entry_id + "\n" for entry_id in ordered).encode("ascii")
    digest = hashlib.sha256(listing).digest()
    stream = bytearray()
    counter = 0

    def next_u64() -> int:
        nonlocal counter
        while len(stream) < 8:
            block = DRAW_DOMAIN + b"\x00" + seed + digest + counter.to_bytes(8, "big")
            stream.extend(hashlib.sha256(block).digest())
            counter += 1
        value = int.from_bytes(stream[:8], "big")
        del stream[:8]
        return value

    def below(m: int) -> int:
        if m == 1:
            return 0
        bits = (m - 1).bit_length()
        while True:
            candidate = next_u64() >> (64 - bits)
            if candidate < m:
                return candidate

    pool = list(ordered)
    count = min(winners, len(pool))
    for k in range(count):
        j = k + below(len(pool) - k)
        pool[k], pool[j] = pool[j], pool[k]
    return tuple(pool[:count])


_ids = st.lists(
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,12}", fullmatch=True), max_size=40, unique=True
)


class TestCanonicalEntries:
    def test_sorted_one_per_line(self) -> None:
        """The canonical list is the ids sorted by code point, each ending in a line feed."""
        assert canonical_entries(["b", "A", "a", "B10", "B2"]) == b"A\nB10\nB2\na\nb\n"

    def test_digest_of_no_entries(self) -> None:
        """No entries: the digest is the SHA-256 of the empty string."""
        assert entries_digest([]) == hashlib.sha256(b"").hexdigest()

    def test_order_given_does_not_matter(self) -> None:
        """The digest depends on the set of ids, not the order they are given in."""
        assert entries_digest(["x", "y", "z"]) == entries_digest(["z", "x", "y"])

    @pytest.mark.parametrize(
        "bad", [["a", "a"], ["a\nb"], ["读者"], [7]], ids=["repeat", "newline", "cjk", "int"]
    )
    def test_bad_ids_refused(self, bad: list[Any]) -> None:
        """Repeated ids, line breaks, non-ASCII ids and non-texts are refused."""
        with pytest.raises(InvalidValueError):
            sorted_entries(bad)


class TestRandomStream:
    def test_blocks_are_sha256_in_counter_mode(self) -> None:
        """Block i is SHA-256(label, 0x00, seed, entries digest, i as 8 bytes big-endian)."""
        digest = entries_digest(["E1", "E2"])
        stream = RandomStream(SEED, digest)
        for index in (0, 1, 255, 2**40):
            expected = hashlib.sha256(
                b"libops-draw-v1\x00" + SEED + bytes.fromhex(digest) + index.to_bytes(8, "big")
            ).digest()
            assert stream.block(index) == expected

    def test_reads_the_blocks_in_order(self) -> None:
        """Reading 8 bytes at a time walks through block 0, then block 1, and so on."""
        stream = RandomStream(SEED, entries_digest([]))
        joined = stream.block(0) + stream.block(1)
        words = [stream.next_u64() for _ in range(8)]
        assert words == [int.from_bytes(joined[i : i + 8], "big") for i in range(0, 64, 8)]

    def test_rejection_sampling_skips_values_out_of_range(self) -> None:
        """Below 3, two bits are read and the value 3 is thrown away, never folded back."""

        class Scripted(RandomStream):
            def __init__(self, words: list[int]) -> None:
                super().__init__(SEED, entries_digest([]))
                self.words = words

            def next_u64(self) -> int:
                return self.words.pop(0)

        top = 62  # the two top bits of a 64-bit word
        stream = Scripted([3 << top, 3 << top, (2 << top) | 12345, 1 << top])
        assert stream.below(3) == 2  # two rejections, then 2 (low bits are ignored)
        assert stream.below(3) == 1
        assert stream.words == []

    def test_below_one_reads_nothing(self) -> None:
        """Choosing among one reads no randomness at all."""
        stream = RandomStream(SEED, entries_digest([]))
        assert stream.below(1) == 0
        assert stream.next_u64() == int.from_bytes(stream.block(0)[:8], "big")

    @pytest.mark.parametrize("m", [0, -1, True, 2.0])
    def test_below_needs_a_positive_whole_number(self, m: Any) -> None:
        """Zero, negatives, booleans and floats are refused."""
        with pytest.raises(InvalidValueError):
            RandomStream(SEED, entries_digest([])).below(m)

    @pytest.mark.parametrize("seed", [b"", b"short", SEED + b"x", SEED.hex()])
    def test_seed_is_32_bytes(self, seed: Any) -> None:
        """A seed is exactly 32 bytes; hex text or other lengths are refused."""
        with pytest.raises(InvalidValueError):
            RandomStream(seed, entries_digest([]))


class TestDrawWinners:
    def test_pinned_vector(self) -> None:
        """A fixed seed and entries always give these winners (the stored format of draws)."""
        entries = [f"E{n:03d}" for n in range(1, 21)]
        assert seed_commitment(SEED) == hashlib.sha256(SEED).hexdigest()
        assert draw_winners(SEED, entries, 3) == spec_draw(SEED, entries, 3)
        assert draw_winners(SEED, entries, 3) == ("E015", "E003", "E009")

    @given(
        seed=st.binary(min_size=SEED_BYTES, max_size=SEED_BYTES),
        ids=_ids,
        winners=st.integers(min_value=0, max_value=45),
    )
    def test_matches_the_documented_algorithm(
        self, seed: bytes, ids: list[str], winners: int
    ) -> None:
        """The draw equals an implementation written from its documentation alone."""
        assert draw_winners(seed, ids, winners) == spec_draw(seed, ids, winners)

    @given(
        seed=st.binary(min_size=SEED_BYTES, max_size=SEED_BYTES),
        ids=_ids,
        winners=st.integers(min_value=0, max_value=45),
        data=st.data(),
    )
    def test_winners_are_distinct_entries(
        self, seed: bytes, ids: list[str], winners: int, data: st.DataObject
    ) -> None:
        """min(prizes, entries) winners, all entries, none twice, whatever the input order."""
        drawn = draw_winners(seed, ids, winners)
        assert len(drawn) == min(winners, len(ids))
        assert len(set(drawn)) == len(drawn)
        assert set(drawn) <= set(ids)
        shuffled = data.draw(st.permutations(ids))
        assert draw_winners(seed, shuffled, winners) == drawn

    def test_no_entries_no_winners(self) -> None:
        """A contest without eligible entries has no winners."""
        assert draw_winners(SEED, [], 3) == ()

    def test_more_prizes_than_entries(self) -> None:
        """With fewer entries than prizes, every entry wins."""
        assert sorted(draw_winners(SEED, ["b", "a"], 5)) == ["a", "b"]

    def test_the_entries_change_the_outcome(self) -> None:
        """The stream depends on the entry set: one more entry gives another draw order."""
        entries = [f"E{n:03d}" for n in range(1, 21)]
        assert draw_winners(SEED, entries, 5) != draw_winners(SEED, [*entries, "E021"], 5)

    @pytest.mark.parametrize("winners", [-1, True, 1.5])
    def test_bad_number_of_winners(self, winners: Any) -> None:
        """The number of winners is a whole number, not negative."""
        with pytest.raises(InvalidValueError):
            draw_winners(SEED, ["a"], winners)


# --- fairness ----------------------------------------------------------------------------


def chi_square_p_value(counts: Sequence[float]) -> float:
    """P(X >= statistic) for counts that should be uniform, with an even number of degrees
    of freedom (an odd number of cells), for which the chi-square tail has a closed form:
    P(X >= x) = exp(-x/2) * sum_{i < k/2} (x/2)^i / i!."""
    cells = len(counts)
    freedom = cells - 1
    assert freedom % 2 == 0, "use an odd number of cells"
    expected = sum(counts) / cells
    statistic = sum((c - expected) ** 2 / expected for c in counts)
    half = statistic / 2
    return math.exp(-half) * sum(half**i / math.factorial(i) for i in range(freedom // 2))


def fairness_seed(label: str, n: int) -> bytes:
    """Deterministic seeds: the test gives the same answer on every run (it cannot flake)."""
    return hashlib.sha256(f"libops fairness {label} {n}".encode()).digest()


SIGNIFICANCE = 1e-6
"""A fair draw fails the chi-square checks below for at most one seed set in a million."""


def _place_counts(
    drawer: Callable[[bytes, list[str], int], tuple[str, ...]],
    entries: list[str],
    winners: int,
    draws: int,
    label: str,
) -> list[Counter[str]]:
    places: list[Counter[str]] = [Counter() for _ in range(winners)]
    for n in range(draws):
        for place, winner in enumerate(drawer(fairness_seed(label, n), entries, winners)):
            places[place][winner] += 1
    return places


class TestFairness:
    def test_each_entrant_wins_equally_often(self) -> None:
        """One winner among 11 entrants over 22,000 seeded draws: uniform, stated bound.

        Bound: the chi-square statistic of the 11 win counts (10 degrees of freedom) has a
        p-value above 1e-6 (the statistic is below 46.86), and every entrant's count is
        within 5 standard deviations of 2,000 (the binomial mean; sd = sqrt(22000 * 1/11 *
        10/11) = 42.6). The seeds are fixed, so the outcome is the same on every run.
        """
        entries = [f"E{n:02d}" for n in range(11)]
        draws = 22_000
        [counts] = _place_counts(draw_winners, entries, 1, draws, "single")
        cells = [counts[e] for e in entries]
        assert chi_square_p_value(cells) > SIGNIFICANCE, cells
        mean, sd = draws / 11, math.sqrt(draws * (1 / 11) * (10 / 11))
        assert all(abs(c - mean) < 5 * sd for c in cells), cells

    def test_every_place_is_fair_without_replacement(self) -> None:
        """Three winners among 7 entrants over 14,000 draws: each place uniform, no repeats.

        Bound: for each of the three places, the chi-square statistic of the 7 counts
        (6 degrees of freedom) has a p-value above 1e-6 (statistic below 38.26); and each
        entrant wins some prize within 5 standard deviations of 14,000 * 3/7 = 6,000 times
        (sd = sqrt(14000 * 3/7 * 4/7) = 58.6).
        """
        entries = [f"R{n}" for n in range(7)]
        draws = 14_000
        places = _place_counts(draw_winners, entries, 3, draws, "places")
        for counts in places:
            cells = [counts[e] for e in entries]
            assert chi_square_p_value(cells) > SIGNIFICANCE, cells
        any_prize = [sum(counts[e] for counts in places) for e in entries]
        mean, sd = draws * 3 / 7, math.sqrt(draws * (3 / 7) * (4 / 7))
        assert all(abs(c - mean) < 5 * sd for c in any_prize), any_prize

    def test_the_check_catches_a_biased_draw(self) -> None:
        """The same check refuses a draw with modulo bias, so it is not vacuous."""

        def biased(seed: bytes, entries: list[str], winners: int) -> tuple[str, ...]:
            ordered = sorted(entries)
            nibble = hashlib.sha256(seed).digest()[0] & 0x0F  # 16 values folded onto 11
            return (ordered[nibble % len(ordered)],)

        entries = [f"E{n:02d}" for n in range(11)]
        [counts] = _place_counts(biased, entries, 1, 22_000, "single")
        assert chi_square_p_value([counts[e] for e in entries]) < SIGNIFICANCE

    def test_the_p_value_formula(self) -> None:
        """The closed form agrees with known chi-square tail values (10 and 6 degrees)."""
        assert chi_square_p_value([2000] * 11) == pytest.approx(1.0)
        # 46.863 is the 1e-6 critical value for 10 degrees of freedom: build counts with
        # that statistic (all deviation in two cells) and get 1e-6 back.
        expected = 1000.0
        d = math.sqrt(46.863046846784385 * expected / 2)
        p = chi_square_p_value([expected + d, expected - d, *[expected] * 9])
        assert p == pytest.approx(1e-6, rel=1e-4)


# --- verify_draw -------------------------------------------------------------------------


def _history(entries: int = 6) -> list[Any]:
    """The events of a drawn contest, as an auditor gets them from the store."""
    contest = Contest.announce(PLANNER, kind="repost_draw", title="WBD draw", rules=RULES)
    contest.open(ADMIN, now=OPENS)
    for n in range(entries):
        enter(contest, f"E{n + 1:03d}", f"reader-{n + 1}")
    contest.disqualify(ADMIN, "E002", "entered from a staff account")
    contest.close(ADMIN, now=CLOSES, seed_commitment=seed_commitment(SEED))
    contest.draw(ADMIN, seed=SEED, now=CLOSES + timedelta(hours=1))
    return list(contest.collect_events())


def _replace(events: list[Any], index: int, **changes: Any) -> list[Any]:
    changed = list(events)
    changed[index] = dataclasses.replace(events[index], **changes)
    return changed


def _index(events: list[Any], event_class: type[Any], nth: int = 0) -> int:
    return [i for i, e in enumerate(events) if isinstance(e, event_class)][nth]


def _assert_mismatch(result: DrawVerification, *phrases: str) -> None:
    assert not result.matches
    for phrase in phrases:
        assert any(phrase in reason for reason in result.reasons), (phrase, result.reasons)


class TestVerifyDraw:
    def test_replay_reproduces_the_winners(self) -> None:
        """A faithful history verifies: recomputed winners equal the recorded ones exactly."""
        events = _history()
        drawn = events[-1]
        assert isinstance(drawn, Contest.Drawn)
        result = verify_draw(events)
        assert result.matches, result.reasons
        assert result.reasons == ()
        assert result.recorded_winners == tuple(drawn.winners)
        assert result.expected_winners == tuple(drawn.winners)
        assert len(drawn.winners) == 3
        assert result.eligible_entries == ("E001", "E003", "E004", "E005", "E006")
        assert "E002" not in drawn.winners  # disqualified
        assert result.contest_id == drawn.originator_id

    def test_an_entry_changed_after_the_commitment(self) -> None:
        """Rewriting an entry's id after close breaks the entries digest: detected."""
        events = _history()
        index = _index(events, Contest.EntryRecorded, 3)
        result = verify_draw(_replace(events, index, entry_id="E999"))
        _assert_mismatch(result, "entries digest")
        assert result.recorded_winners != ()
        assert result.eligible_entries[-1] == "E999"

    def test_an_entry_removed_from_the_history(self) -> None:
        """Dropping an entry event shows as a gap in versions and a broken digest."""
        events = _history()
        del events[_index(events, Contest.EntryRecorded, 0)]
        _assert_mismatch(verify_draw(events), "missing or out of order", "entries digest")

    def test_an_entry_slipped_in_after_close(self) -> None:
        """An entry recorded after the commitment is reported, and changes the digest."""
        events = _history()
        closed = _index(events, Contest.Closed)
        extra = dataclasses.replace(
            events[_index(events, Contest.EntryRecorded, 0)],
            entry_id="E777",
            participant=sealed_for("reader-77"),
        )
        forged = [*events[: closed + 1], extra, *events[closed + 1 :]]
        forged = [dataclasses.replace(e, originator_version=n) for n, e in enumerate(forged, 1)]
        _assert_mismatch(verify_draw(forged), "after the commitment", "entries digest")

    def test_a_disqualification_undone(self) -> None:
        """Taking the disqualification out of the history changes the eligible entries."""
        events = _history()
        del events[_index(events, Contest.EntryDisqualified)]
        events = [dataclasses.replace(e, originator_version=n) for n, e in enumerate(events, 1)]
        _assert_mismatch(verify_draw(events), "entries digest", "eligible entries")

    def test_a_wrong_revealed_seed(self) -> None:
        """A revealed seed that is not the committed one is detected."""
        events = _history()
        other = hashlib.sha256(b"another seed").digest()
        result = verify_draw(_replace(events, len(events) - 1, seed=other.hex()))
        _assert_mismatch(result, "does not match the seed commitment")

    def test_a_swapped_commitment_and_seed(self) -> None:
        """Replacing both commitment and seed still fails: the winners no longer follow."""
        events = _history()
        other = hashlib.sha256(b"another seed").digest()
        closed = _index(events, Contest.Closed)
        forged = _replace(events, closed, seed_commitment=seed_commitment(other))
        forged = _replace(forged, len(forged) - 1, seed=other.hex())
        result = verify_draw(forged)
        _assert_mismatch(result, "recorded winners")
        assert result.expected_winners == draw_winners(other, result.eligible_entries, 3)

    def test_winners_changed(self) -> None:
        """Recorded winners that the seed does not give are detected."""
        events = _history()
        drawn = events[-1]
        changed = (drawn.winners[1], drawn.winners[0], drawn.winners[2])
        result = verify_draw(_replace(events, len(events) - 1, winners=changed))
        _assert_mismatch(result, "recorded winners")
        assert result.expected_winners == tuple(drawn.winners)

    def test_a_malformed_seed(self) -> None:
        """A revealed seed that is not 64 hex digits is reported, not raised."""
        events = _history()
        _assert_mismatch(verify_draw(_replace(events, len(events) - 1, seed="zz")), "malformed")

    def test_rules_changed_after_opening(self) -> None:
        """Rules restated after the contest opened are reported."""
        events = _history()
        opened = _index(events, Contest.Opened)
        restated = Contest.RulesStated(  # type: ignore[call-arg]  # eventsourcing makes the __init__
            originator_id=events[0].originator_id,
            originator_version=0,
            timestamp=events[opened].timestamp,
            actor_id="admin-1",
            rules=RULES,
        )
        forged = [*events[: opened + 1], restated, *events[opened + 1 :]]
        forged = [dataclasses.replace(e, originator_version=n) for n, e in enumerate(forged, 1)]
        _assert_mismatch(verify_draw(forged), "rules were changed after the contest opened")

    def test_entries_breaking_the_rules(self) -> None:
        """Entries outside the window, over the limit, or from elsewhere are each reported."""
        events = _history()
        first = _index(events, Contest.EntryRecorded, 0)
        late = CLOSES + timedelta(minutes=1)
        forged = _replace(
            events, first, entered_at=late, platform=Platform.DOUYIN, method=EntryMethod.COMMENT
        )
        forged = _replace(
            forged, first + 1, participant=sealed_for("reader-3")
        )  # reader-3 now has entries 2 and 3 ...
        forged = _replace(forged, first + 3, participant=sealed_for("reader-3"))  # ... and 4
        result = verify_draw(forged)
        _assert_mismatch(
            result,
            "outside the contest's window",
            "came from douyin",
            "was made by comment",
            "subject reader-3 has 3 entries; the rules allow 2",
        )

    def test_an_undrawn_contest(self) -> None:
        """A contest closed but not drawn does not verify: the seed is not revealed."""
        events = _history()[:-1]
        result = verify_draw(events)
        _assert_mismatch(result, "has not been drawn")
        assert result.recorded_winners == result.expected_winners == ()

    def test_an_unclosed_contest(self) -> None:
        """A contest still open has no commitment to check."""
        contest = contest_in(ContestStatus.OPEN)
        _assert_mismatch(verify_draw(contest.collect_events()), "not closed")

    def test_no_events(self) -> None:
        """An empty history verifies nothing."""
        _assert_mismatch(verify_draw([]), "no events")

    def test_events_of_another_aggregate(self) -> None:
        """Mixing in another contest's events is reported."""
        events = _history()
        other = _history()
        _assert_mismatch(
            verify_draw([*events, other[-1]]), "more than one aggregate", "out of order"
        )

    def test_events_not_of_a_contest(self) -> None:
        """Events of other kinds are reported, and the first must be the announcement."""
        events = _history()
        _assert_mismatch(verify_draw([object(), *events]), "not a contest event", "first event")

    def test_verification_with_no_winners(self) -> None:
        """A contest drawn with no eligible entries verifies, with no winners."""
        contest = Contest.announce(PLANNER, kind="prize_quiz", title="Quiz", rules=RULES)
        contest.open(ADMIN, now=OPENS)
        contest.close(ADMIN, now=CLOSES, seed_commitment=seed_commitment(SEED))
        assert contest.draw(ADMIN, seed=SEED, now=CLOSES) == ()
        result = verify_draw(contest.collect_events())
        assert result.matches, result.reasons
        assert result.expected_winners == ()

    def test_verification_of_a_one_prize_contest(self) -> None:
        """Fewer prizes than entries: exactly one winner, verified."""
        rules = ContestRules(
            eligibility="anyone",
            opens_at=OPENS,
            closes_at=CLOSES,
            entry_method="repost",
            prizes=[Prize("signed copy")],
            platforms=["weibo"],
        )
        contest = contest_in(ContestStatus.DRAWN, entries=4, rules=rules)
        assert len(contest.winners) == 1
        assert verify_draw(contest.collect_events()).matches

    def test_seed_from_hex(self) -> None:
        """A revealed seed is 64 lower-case hex digits."""
        assert seed_from_hex(SEED.hex()) == SEED
        for bad in (SEED.hex().upper(), SEED.hex()[:-2], 7):
            with pytest.raises(InvalidValueError):
                seed_from_hex(bad)
