"""The Method of Equal Shares (MES), as pabutools 1.2.3 computes it, but fast.

What is computed
----------------
``mes(election)`` is pabutools'::

    completion_by_rule_combination(
        instance, profile, [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": SAT, "voter_budget_increment": 1}, {"sat_class": SAT}],
    )

with ``SAT = Cost_Sat`` (``points=False``: every ballot seen as approvals, the satisfaction of a
project being its cost) or ``SAT = Additive_Cardinal_Sat`` (``points=True``: the points are the
utilities). ``increment=None`` gives plain MES (one run with budget/voters per voter) and
``completion=False`` leaves out the greedy completion.

One MES run: every voter starts with the same budget ``b``. In each round, for every project
still affordable (its supporters together have at least its cost), ``rho`` is the smallest price
per unit of utility such that the supporters, each paying ``min(budget, rho * utility)``, cover
the cost; the project with the smallest ``rho`` is bought (ties: smallest project id as a
string, pabutools' lexicographic default) and its supporters pay. The run ends when no project is
affordable. Only projects with cost > 0 and some support take part; with points, a supported
project of cost 0 is selected first (in id order).

Add1 (``increment=1``, pabutools' ``voter_budget_increment=1``): runs MES with
``b = budget / voters``, then ``b + 1``, ``b + 2``, ... (in money units per voter) and returns
the first outcome that is exhaustive among the MES projects, or the previous outcome as soon as
one goes over the budget. The greedy completion then adds projects that still fit, as
:func:`pb.tally.greedy.greedy` with the same satisfaction.

How it is computed
------------------
Exactly, but without pabutools' cost:

- identical ballots are aggregated into groups (all voters of a group always have the same
  budget); money is scaled to integers (see :meth:`Election.money_scale`);
- a run is computed with numpy floats. Every value carries an error bound far above the actual
  float error (about 1e-10 relative instead of 1e-15), and every decision (which project has the
  smallest rho, whether a project is affordable, whether every supporter can pay in full) that is
  closer than that bound is not taken on floats: the run is redone in exact mode, where such
  decisions are made with exact rationals (`_Engine._exact_run`). A tie of projects whose
  supporters each either pay in full or certainly have nothing left is decided exactly, since
  then ``rho = cost / total utility of the payers``. Float rounding can therefore never change
  an outcome;
- the Add1 loop skips increments safely. It only needs to know, for each increment, whether
  the set MES buys is within the budget and not exhaustive (the loop goes on):

  - a run stops as soon as that is sure whatever it buys next (`_Engine.surely_goes_on`): a
    project unaffordable now stays so, later purchases cost at most what the projects still
    affordable cost together and are paid out of what their supporters have left, so if that
    still leaves room for a project never to be bought, the loop goes on. Far from the end
    this holds after a few purchases, and before any for the first increments, which are
    skipped at once (the test only gets harder as the budget grows);
  - whole intervals of ``b`` are checked at once with boxes of budgets
    (`_Engine.box_check`): MES is run on a lower and an upper bound of every voter's budget
    over the interval. rho shrinks as budgets grow, so each project's rho over the interval
    lies between its rho at the upper bounds and at the lower bounds, and paying keeps a box
    a box (interval arithmetic). Where these bounds cannot tell which project comes next (or
    whether the run ends), every possibility is followed, and boxes that have bought the
    same set are merged; a path ends early where `surely_goes_on` holds for its upper
    bounds. If every set where some path ends lets the loop go on, so does every increment
    in the interval;
  - the interval grows while boxes hold and shrinks when they do not. Where the loop may be
    near its end, a run at the interval's end comes first: if the loop stops there, the
    first such increment is found by halving with single runs, and boxes then vouch for the
    increments before it. The result is the one of pabutools' step-by-step loop;
- the trace of the returned outcome is recomputed in exact mode, so every amount in it is exact.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from fractions import Fraction
from functools import cached_property
from itertools import chain

import numpy as np

from .election import Election, ElectionError
from .explain import MesSkipStep, MesStep, TallyResult, ZeroCostStep
from .greedy import greedy

__all__ = ["MesTooLong", "mes"]

# Relative error budget of a float value (true errors are below 1e-13 in these computations).
_EPS = 1e-10
# Above this, integer sums in float64 are no longer exact.
_EXACT_FLOAT = 2**52


# Above this length, BLAS (OpenBLAS) may run a dot product on several threads, which is much
# slower than one thread when the machine is busy: longer vectors are summed by numpy itself.
_BLAS_MAX = 8192


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of a * b (b may be a boolean mask)."""
    if len(a) <= _BLAS_MAX:
        return float(a @ b)
    return float(np.add.reduce(a * b))


_msum = _dot


# What `_Engine.float_run` returns when it stops early: Add1 goes on past this budget.
GOES_ON: list[int] = []


def _try_at(depth: int, start: int) -> bool:
    """Whether a run or a box path tries `_Engine.surely_goes_on` after ``depth`` purchases,
    when it last held about ``start`` purchases in: it costs a pass over every supporter, and
    that depth changes little from one budget to the next, so from there on, every third."""
    return depth >= start and (depth - start) % 3 == 0


class MesTooLong(RuntimeError):
    """The Add1 loop needed more MES runs than allowed (``max_runs``)."""


class _Uncertain(Exception):
    """A float decision was too close to call: redo the run exactly."""


class _Data:
    """An election in the numeric form MES works on."""

    def __init__(self, election: Election, points: bool):
        self.ids = sorted(p.id for p in election.projects)
        index = {pid: i for i, pid in enumerate(self.ids)}
        self.scale = election.money_scale()
        costs = {p.id: p.cost for p in election.projects}
        self.cost_frac = [costs[pid] for pid in self.ids]
        self.cost = [int(costs[pid] * self.scale) for pid in self.ids]
        self.budget = int(election.budget * self.scale)
        self.n_voters = election.num_voters
        self.points = points
        n_projects = len(self.ids)

        # Groups of identical ballots, as (project index, integer utility) pairs in CSR form.
        if points and election.vote_type.has_points:
            uscale = 1
            for b in election.ballots:
                for _, v in b.scores:  # type: ignore[union-attr]
                    if v < 0:
                        raise ElectionError("MES with points needs points of at least 0")
                    uscale = math.lcm(uscale, v.denominator)
            counter: Counter = Counter(
                tuple(sorted((p, v) for p, v in b.scores if v > 0))  # type: ignore[union-attr]
                for b in election.ballots
            )
            keys = list(counter)
            flat = [(index[p], int(v * uscale)) for key in keys for p, v in key]
            g_proj_list = [p for p, _ in flat]
            raw_u = [u for _, u in flat]
            self.uniform = False
        else:
            # Approvals: utility 1 per approval for "points" on approval-type ballots, the
            # project's cost for Cost_Sat (uniform utilities, kept implicit in the weights).
            counter = election.approval_groups
            keys = list(counter)
            g_proj_list = list(map(index.__getitem__, chain.from_iterable(keys)))
            raw_u = None
            self.uniform = not points
        self.mult_list = list(counter.values())
        n_groups = len(keys)
        self.n_groups = n_groups
        self.mult = np.array(self.mult_list, dtype=np.float64)
        self.g_len = np.fromiter(map(len, keys), dtype=np.int64, count=n_groups)
        self.g_ptr = np.zeros(n_groups + 1, dtype=np.int64)
        np.cumsum(self.g_len, out=self.g_ptr[1:])
        self.g_proj = np.array(g_proj_list, dtype=np.int64)
        # the group of every (group, project) pair
        self.pair_group = pair_group = np.repeat(np.arange(n_groups, dtype=np.int64), self.g_len)
        cost_arr = np.array(self.cost, dtype=np.float64)
        if self.uniform:
            pair_u = cost_arr[self.g_proj] if len(self.g_proj) else np.zeros(0)
        elif raw_u is None:
            pair_u = np.ones(len(g_proj_list), dtype=np.float64)
        else:
            pair_u = np.array(raw_u, dtype=np.float64)
        self._raw_u = raw_u
        pair_m = self.mult[pair_group] if len(pair_group) else np.zeros(0)
        # weight of a (group, project) pair in an exact sum: m * u, or m alone when the
        # utilities are uniform (the cost is multiplied in afterwards, in Python integers).
        self.g_w = pair_m if self.uniform else pair_m * pair_u
        self.float_sums_exact = float(self.g_w.sum()) < _EXACT_FLOAT if len(self.g_w) else True
        # Voters who vote for each project (whatever the cost), for the explanations.
        self.voters_for = [
            round(x)
            for x in np.bincount(self.g_proj, weights=pair_m, minlength=n_projects).tolist()
        ]
        # Supporters of each project (pairs with a positive utility), by project.
        keep = np.flatnonzero(pair_u > 0)
        by_project = keep[np.argsort(self.g_proj[keep], kind="stable")]
        counts = np.bincount(self.g_proj[by_project], minlength=n_projects)
        cuts = np.cumsum(counts)[:-1]
        # (also kept flat, for `_Engine.surely_goes_on`, which looks at every project at once)
        self.sp_g = pair_group[by_project]
        self.sp_m = self.mult[self.sp_g]
        self.sup_g = np.split(self.sp_g, cuts)
        self.sup_u = np.split(pair_u[by_project], cuts)
        self.sup_m = np.split(self.sp_m, cuts)
        self.sup_mu = [m * u for m, u in zip(self.sup_m, self.sup_u, strict=True)]
        self.tot_m = [round(float(m.sum())) for m in self.sup_m]
        if self.uniform:
            self.tot_mu = [self.cost[p] * self.tot_m[p] for p in range(n_projects)]
        elif self.float_sums_exact:
            self.tot_mu = [round(float(x.sum())) for x in self.sup_mu]
        else:  # pragma: no cover - only for huge utilities
            self.tot_mu = [
                sum(
                    self.mult_list[g] * int(u)
                    for g, u in zip(gs.tolist(), us.tolist(), strict=True)
                )
                for gs, us in zip(self.sup_g, self.sup_u, strict=True)
            ]
        self.cost_f = [float(c) for c in self.cost]
        # Projects MES looks at, and the supported ones of cost 0 (selected at once).
        self.mes_projects = [
            p for p in range(n_projects) if self.tot_mu[p] > 0 and self.cost[p] > 0
        ]
        self.zero_cost = [
            p
            for p in range(n_projects)
            if self.tot_m[p] > 0 and self.cost[p] == 0 and not self.uniform
        ]
        # rho when every supporter pays in full: a lower bound of rho, and its exact value then.
        self.rho0 = {p: Fraction(self.cost[p], self.tot_mu[p]) for p in self.mes_projects}
        self.rho0_f = {p: float(r) for p, r in self.rho0.items()}
        self.tot_mu_f = [float(x) for x in self.tot_mu]
        self.heap0 = [(self.rho0_f[p] * (1 - _EPS), p) for p in self.mes_projects]
        # For `_Engine.surely_goes_on`: the supporters' projects in the flat list, the
        # projects with supporters and where theirs start in it,
        self.n_projects = n_projects
        self.sp_p = self.g_proj[by_project]
        self.sp_projects = np.flatnonzero(counts)
        self.sp_starts = (np.cumsum(counts) - counts)[self.sp_projects]
        # and the same pairs by group (as they come): the groups that support something, and
        # where they start
        self.sp_p_by_group = self.g_proj[keep]
        group_sizes = np.bincount(pair_group[keep], minlength=n_groups)
        self.sp_groups = np.flatnonzero(group_sizes)
        self.sp_group_starts = (np.cumsum(group_sizes) - group_sizes)[self.sp_groups]
        self.cost_arr = cost_arr
        self.tot_m_arr = np.array(self.tot_m, dtype=np.float64)
        self.mes_mask = np.zeros(n_projects, dtype=bool)
        self.mes_mask[self.mes_projects] = True

    @cached_property
    def g_u_list(self) -> list[int]:
        """The integer utility of every (group, project) pair (only exact runs need it)."""
        if self.uniform:
            return [self.cost[p] for p in self.g_proj.tolist()]
        if self._raw_u is None:
            return [1] * len(self.g_proj)
        return self._raw_u


class _Run:
    """The result of one MES run: purchases in order, exact when made by `_exact_run`."""

    __slots__ = ("exact", "left", "order", "rounds")

    def __init__(
        self,
        order: list[int],
        rounds: list[dict] | None = None,
        left: dict[int, Fraction] | None = None,
    ):
        self.order = order
        self.rounds = rounds
        self.exact = rounds is not None
        # for the MES projects not bought: what their supporters had left at the end (exact)
        self.left = left or {}


class _Box:
    """A state of MES over an interval of budgets: the projects bought, and for every group a
    lower and an upper bound of its budget (`_Engine.box_check`)."""

    __slots__ = ("bought", "dead", "exact", "high", "key", "low", "seen", "upper")

    def __init__(self, bought, low, high, dead, key, seen=None, upper=None, exact=None):
        self.bought: frozenset = bought
        self.low = low  # lower bounds of the budgets
        self.high = high  # upper bounds
        self.dead = dead  # budget certainly exactly 0
        # Per project: a lower bound of rho (inf when bought or unaffordable), and where seen
        # (evaluated in this state), an upper bound (inf if not surely affordable) and, in
        # ``exact``, rho itself when it is one exact value over the whole box.
        self.key = key
        self.seen = np.zeros(len(key), dtype=bool) if seen is None else seen
        self.upper = np.full(len(key), np.inf) if upper is None else upper
        self.exact: dict[int, Fraction] = {} if exact is None else exact

    def copy(self) -> _Box:
        return _Box(
            self.bought,
            self.low.copy(),
            self.high.copy(),
            self.dead.copy(),
            self.key.copy(),
            self.seen.copy(),
            self.upper.copy(),
            dict(self.exact),
        )

    def merge(self, other: _Box) -> _Box:
        """The smallest box holding both (same projects bought)."""
        np.minimum(self.low, other.low, out=self.low)
        np.maximum(self.high, other.high, out=self.high)
        self.dead &= other.dead
        np.minimum(self.key, other.key, out=self.key)
        self.seen[:] = False
        self.upper[:] = np.inf
        self.exact = {}
        return self


class _Engine:
    def __init__(self, data: _Data):
        self.d = data
        self.point_runs = 0
        self.exact_runs = 0
        self.box_runs = 0
        self.box_ok = 0
        self._nb: dict[int, np.ndarray] = {}
        self._incidence: np.ndarray | None = None
        self._key0_cache: np.ndarray | None = None
        # how many purchases into the last run, and into the shallowest path of the last box
        # where it held, `surely_goes_on` held (see `_try_at`)
        self.settled_at = 1
        self.box_settled_at = 0

    # ------------------------------------------------------------------ float building blocks
    def _rho(
        self,
        p: int,
        budgets: np.ndarray,
        bscale: float,
        dead: np.ndarray | None = None,
        start: float = 0.0,
    ):
        """rho of project p for the supporters' budgets ``budgets``.

        ``start`` is a lower bound of the result (the search starts there). ``dead`` marks the
        supporters whose budget is certainly exactly 0. Returns (rho, error bound, exact rho or
        None). The exact value is given when every supporter either certainly pays in full or
        certainly has nothing left: then rho is the cost over the total utility of the ones who
        pay, whatever their budgets. The error bound allows for an error of ``_EPS * bscale`` on
        every budget.
        """
        d = self.d
        u = d.cost_f[p] if d.uniform else d.sup_u[p]
        c = d.cost_f[p]
        rho0 = d.rho0_f[p]
        tol = _EPS * 10 * bscale
        rho = start if start > rho0 else rho0
        if d.uniform:  # one price for everybody: the poorest decides whether all pay in full
            poorest = float(budgets.min())
            if poorest - rho * u >= -tol:
                if poorest - rho0 * u > tol:
                    return rho0, _EPS * rho0, d.rho0[p]
                return rho0, _EPS * (c + d.tot_m[p] * bscale) / d.tot_mu_f[p] + _EPS * rho0, None
        slack = budgets - rho * u
        poor = slack < -tol
        n_poor = int(np.count_nonzero(poor))
        if n_poor == 0:  # everybody pays in full, also at rho0 <= rho
            if rho != rho0:
                slack = budgets - rho0 * u
            if slack.min() > tol:
                return rho0, _EPS * rho0, d.rho0[p]
            return rho0, _EPS * (c + d.tot_m[p] * bscale) / d.tot_mu_f[p] + _EPS * rho0, None
        m = d.sup_m[p]
        mu = d.sup_mu[p]
        mb = m * budgets
        total_mu = d.tot_mu_f[p]
        for _ in range(12):
            rich_mu = total_mu - _msum(mu, poor)
            if rich_mu < 1e-6 * total_mu:
                rich_mu = _msum(mu, ~poor)
                if rich_mu <= 0:
                    rho, poor, rich_mu = self._rho_sorted(p, budgets)
                    slack = budgets - rho * u
                    break
            rho = (c - _msum(mb, poor)) / rich_mu
            slack = budgets - rho * u
            poor = slack < -tol
            n2 = int(np.count_nonzero(poor))
            if n2 == n_poor:
                break
            n_poor = n2
        else:
            rho, poor, rich_mu = self._rho_sorted(p, budgets)
            slack = budgets - rho * u
        err = _EPS * (c + d.tot_m[p] * bscale) / rich_mu + _EPS * rho
        exact = None
        if dead is not None:
            # exact when the ones not sure to pay in full are exactly the dead ones
            n_dead = int(np.count_nonzero(dead))
            if n_dead and int(np.count_nonzero(slack <= tol)) == n_dead:
                exact = self._exact_ratio(p, ~dead)
        return rho, err, exact

    def _exact_ratio(self, p: int, payers: np.ndarray) -> Fraction:
        """cost / (total utility of ``payers``), exactly."""
        d = self.d
        if d.uniform:
            return Fraction(1, round(_msum(d.sup_m[p], payers)))
        return Fraction(d.cost[p], self._exact_weight(p, payers))

    def _rho_sorted(self, p: int, budgets: np.ndarray):
        d = self.d
        u = d.sup_u[p]
        m = d.sup_m[p]
        order = np.argsort(budgets / u, kind="stable")
        bs, us, ms = budgets[order], u[order], m[order]
        paid = np.concatenate(([0.0], np.cumsum(ms * bs)[:-1]))
        rich = np.cumsum((ms * us)[::-1])[::-1]
        rhos = (d.cost_f[p] - paid) / rich
        fits = rhos * us <= bs * (1 + 1e-12)
        k = int(np.argmax(fits)) if fits.any() else len(u) - 1
        poor = np.zeros(len(u), dtype=bool)
        poor[order[:k]] = True
        return float(rhos[k]), poor, float(rich[k])

    # ------------------------------------------------------------------------ one float run
    def _run(self, b: float, stop_early: bool = False) -> list[int]:
        """A float run at the per-voter budget ``b``: the purchase order. Raises _Uncertain
        when it meets a decision too close to call."""
        d = self.d
        spent = 0
        budgets = np.full(d.n_groups, b)
        dead = np.zeros(d.n_groups, dtype=bool)  # the budget is certainly exactly 0
        tol = _EPS * 10 * b
        heap = list(d.heap0)
        heapq.heapify(heap)
        order: list[int] = []
        while True:
            bound = math.inf
            cands = []  # (project, rho, error bound, exact rho or None)
            popped = []
            while heap and heap[0][0] <= bound:
                key, p = heapq.heappop(heap)
                g = d.sup_g[p]
                c = d.cost_f[p]
                have = budgets[g]
                avail = _dot(d.sup_m[p], have)
                aerr = _EPS * (c + d.tot_m[p] * b)
                if avail < c - aerr:
                    continue  # unaffordable for good
                if avail < c + aerr:
                    raise _Uncertain
                rho, err, exact = self._rho(p, have, b, dead[g], key)
                popped.append((rho - err, p))
                cands.append((p, rho, err, exact))
                bound = min(bound, rho + err)
            if not cands:
                return order
            contenders = [x for x in cands if x[1] - x[2] <= bound]
            if len(contenders) == 1:
                s = contenders[0]
            else:
                if any(x[3] is None for x in contenders):
                    raise _Uncertain
                s = min(contenders, key=lambda x: (x[3], x[0]))
            p, rho, err = s[0], s[1], s[2]
            order.append(p)
            for item in popped:
                if item[1] != p:
                    heapq.heappush(heap, item)
            g = d.sup_g[p]
            u = d.cost_f[p] if d.uniform else d.sup_u[p]
            left = budgets[g] - rho * u
            budgets[g] = np.maximum(left, 0.0)
            # certainly nothing left, even with the error on the price
            dead[g[left < -(tol + err * u)]] = True
            spent += d.cost[p]
            if (
                stop_early
                and _try_at(len(order), max(1, self.settled_at - 2))
                and self.surely_goes_on(budgets, order, spent, b)
            ):
                self.settled_at = len(order)
                return GOES_ON

    def float_run(self, b: Fraction, stop_early: bool = False) -> list[int] | None:
        """The purchase order of a float run at ``b``, or None if a decision was too close to
        call. With ``stop_early``, `GOES_ON` as soon as `surely_goes_on` holds."""
        self.point_runs += 1
        try:
            return self._run(float(b), stop_early)
        except _Uncertain:
            return None

    def surely_goes_on(self, budgets: np.ndarray, bought, spent: int, bscale: float) -> bool:
        """Whether, whatever MES buys from a state onwards, the outcome is within the budget
        and not exhaustive, so that Add1 goes on past it. ``budgets`` are the groups' budgets
        (or upper bounds of them), ``bought`` the projects bought, ``spent`` their total cost.

        A project that is unaffordable now stays so, since budgets only shrink. Later
        purchases cost at most what the projects that may still be affordable cost together,
        and are paid by their supporters out of what they have left. If the cost so far plus
        the smaller of the two still leaves room for some project that will never be bought,
        the outcome is within the budget and not exhaustive.
        """
        d = self.d
        money = d.mult * budgets
        avail = np.zeros(d.n_projects)
        avail[d.sp_projects] = np.add.reduceat(money[d.sp_g], d.sp_starts)
        cost = d.cost_arr
        maybe = avail >= cost - _EPS * (cost + d.tot_m_arr * bscale)
        left = d.mes_mask.copy()
        left[list(bought)] = False
        never = left & ~maybe
        if not never.any():
            return False
        room = (d.budget - spent - float(cost[never].min())) * (1 - _EPS)
        buyable = left & maybe
        future = float(cost[buyable].sum())
        if future > room >= 0:  # what the voters who may still pay have left may be less
            payers = np.add.reduceat(buyable[d.sp_p_by_group], d.sp_group_starts) > 0
            paying = _dot(money[d.sp_groups], payers)
            future = min(future, paying * (1 + _EPS) + _EPS * 10 * bscale * d.n_voters)
        return future <= room

    # ------------------------------------------------------------- many budgets at once
    def _neighbours(self, p: int) -> np.ndarray:
        """The projects that share a supporter with p (p included): the only ones whose rho
        changes when p is bought."""
        found = self._nb.get(p)
        if found is None:
            d = self.d
            if self._incidence is None:  # which group votes for which project
                self._incidence = np.zeros((d.n_groups, len(d.ids)), dtype=bool)
                self._incidence[d.pair_group, d.g_proj] = True
            found = self._nb[p] = np.flatnonzero(self._incidence[d.sup_g[p]].any(axis=0))
        return found

    def box_check(
        self,
        b_low: Fraction,
        b_high: Fraction,
        goes_on,
        *,
        lasting: bool = False,
        max_states: int = 12,
        settle: bool = False,
    ):
        """(True, 1.0) when, for every per-voter budget in [b_low, b_high], the set MES buys
        passes ``goes_on`` (for Add1: it is within the budget and not exhaustive, so the loop
        goes on). Otherwise (False, a guess of the part of the interval, from its start, where
        that still holds). ``lasting``: a set that fails ``goes_on`` fails with any project
        added (true for Add1's test), so a path fails as soon as its set does.

        It runs MES on boxes of budgets instead of budgets. A box holds, for every group, a
        lower and an upper bound of its budget over the whole interval (at first b_low and
        b_high). Since rho only grows when budgets shrink, and what is left after paying only
        grows with the budget and shrinks with rho, every project's rho over a box lies between
        its rho at the upper bounds and its rho at the lower bounds, and paying maps a box into
        a box. Where the bounds cannot tell which project is bought next, or whether the run
        ends, every possibility is followed; boxes that reach the same set of projects bought
        are merged (into the smallest box holding both), so a near tie that only swaps two
        purchases costs a few extra steps. The sets where some path ends hold every set MES can
        buy in the interval. It gives up beyond ``max_states`` boxes at once.
        """
        self.box_runs += 1
        self._reach = 1.0
        # whether it failed on reaching a set that fails ``goes_on`` (or else on too many states)
        self.box_reached_stop = False
        d = self.d
        bscale = float(b_high)
        first = _Box(
            frozenset(),
            np.full(d.n_groups, float(b_low)),
            np.full(d.n_groups, bscale),
            np.zeros(d.n_groups, dtype=bool),
            self._key0(),
        )
        states = [first]
        start, lowest = max(0, self.box_settled_at - 3), None
        while states:
            layer: dict[frozenset, _Box] = {}
            for box in states:
                if lasting and not goes_on(box.bought):
                    self.box_reached_stop = True
                    return False, self._reach
                depth = len(box.bought)
                if (
                    settle
                    and _try_at(depth, start)
                    and self.surely_goes_on(
                        box.high, box.bought, sum(d.cost[p] for p in box.bought), bscale
                    )
                ):
                    # (the next box starts from the shallowest path of this one that settled)
                    lowest = depth if lowest is None else min(lowest, depth)
                    self.box_settled_at = lowest
                    continue  # whatever this path buys next, the loop goes on
                successors, can_end = self._box_step(box, bscale)
                if can_end and not goes_on(box.bought):
                    self.box_reached_stop = True
                    return False, self._reach
                for number, p in enumerate(successors):
                    child = self._box_pay(box, p, bscale, copy=number < len(successors) - 1)
                    twin = layer.get(child.bought)
                    layer[child.bought] = child if twin is None else twin.merge(child)
            if len(layer) > max_states:
                return False, 0.5
            states = list(layer.values())
        self.box_ok += 1
        return True, 1.0

    def _key0(self) -> np.ndarray:
        if self._key0_cache is None:
            self._key0_cache = np.full(len(self.d.ids), np.inf)
            for rho, p in self.d.heap0:
                self._key0_cache[p] = rho
        return self._key0_cache.copy()

    def _box_step(self, box: _Box, bscale: float):
        """(the projects that may be bought next, whether the run may end here)."""
        d = self.d
        key, seen, upper = box.key, box.seen, box.upper
        # smallest upper bound of rho among the surely affordable (some still valid from before;
        # ``upper`` is inf where not seen)
        bound = float(upper.min())
        waiting = np.where(seen, np.inf, key)
        while True:
            p = int(waiting.argmin())
            if waiting[p] > bound or waiting[p] == np.inf:
                break
            waiting[p] = np.inf
            g = d.sup_g[p]
            c = d.cost_f[p]
            aerr = _EPS * (c + d.tot_m[p] * bscale)
            m = d.sup_m[p]
            high = box.high[g]
            avail_high = _dot(m, high)
            if avail_high < c - aerr:
                key[p] = np.inf  # unaffordable for good
                continue
            if avail_high >= c + aerr:
                lo, lo_err, _ = self._rho(p, high, bscale, None, key[p])
                key[p] = lo - lo_err
            if key[p] > bound:  # cannot be next: no need for its upper bound
                continue
            exact = None
            low = box.low[g]
            avail_low = _dot(m, low)
            if avail_low < c + aerr < avail_high:
                # affordable for some budgets only: from about where, if budgets grew evenly
                self._reach = min(self._reach, (c - avail_low) / (avail_high - avail_low))
            if avail_low >= c + aerr:
                hi, hi_err, exact = self._rho(p, low, bscale, box.dead[g], key[p])
                upper[p] = hi + hi_err
                bound = min(bound, upper[p])
            else:
                upper[p] = np.inf
            seen[p] = True
            if exact is None:
                box.exact.pop(p, None)
            else:
                box.exact[p] = exact
        possible = np.flatnonzero(seen & (key <= bound)).tolist()
        # Of the ones whose rho is one exact value over the whole box, only the first can be.
        exact = [p for p in possible if p in box.exact]
        if len(exact) > 1:
            first = min(exact, key=lambda p: (box.exact[p], p))
            possible = [p for p in possible if p == first or p not in box.exact]
        return possible, bound == math.inf

    def _box_pay(self, box: _Box, p: int, bscale: float, copy: bool) -> _Box:
        d = self.d
        lower, upper = box.key[p], box.upper[p]
        child = box.copy() if copy else box
        g = d.sup_g[p]
        u = d.cost_f[p] if d.uniform else d.sup_u[p]
        tol = _EPS * 10 * bscale
        # the lower bounds pay the most rho can be, the upper bounds the least
        child.low[g] = 0.0 if upper == np.inf else np.maximum(box.low[g] - upper * u, 0.0)
        left = box.high[g] - lower * u
        child.high[g] = np.maximum(left, 0.0)
        child.dead[g[left < -tol]] = True
        child.bought = box.bought | {p}
        child.key[p] = np.inf
        stale = self._neighbours(p)
        child.seen[stale] = False  # (their entries in ``exact`` are replaced when seen again)
        child.upper[stale] = np.inf
        return child

    # ----------------------------------------------------------------------------- exact run
    def _gather_pairs(self, groups: np.ndarray) -> np.ndarray:
        d = self.d
        starts = d.g_ptr[groups]
        lens = d.g_len[groups]
        total = int(lens.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        return np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(total)

    def _exact_budget_sum(self, groups: np.ndarray, b: Fraction, paid: dict[int, Fraction]):
        """Exact sum of m * budget over ``groups`` (none of them exhausted)."""
        d = self.d
        if len(groups) == 0:
            return Fraction(0)
        total_m = round(float(d.mult[groups].sum()))
        if total_m >= _EXACT_FLOAT:  # pragma: no cover - more than 2**52 voters
            total_m = sum(d.mult_list[g] for g in groups.tolist())
        value = b * total_m
        if not paid:
            return value
        pairs = self._gather_pairs(groups)
        projs = d.g_proj[pairs]
        acc: dict[int, int] = {}  # paid project -> total utility of these groups for it
        if d.float_sums_exact:
            coef = np.bincount(projs, weights=d.g_w[pairs], minlength=len(d.ids)).tolist()
            for s in paid:
                w = round(coef[s])
                if w:
                    acc[s] = w * d.cost[s] if d.uniform else w
        else:  # pragma: no cover - only for huge utilities
            group_of = np.repeat(groups, d.g_len[groups])
            for g, pi, s in zip(group_of.tolist(), pairs.tolist(), projs.tolist(), strict=True):
                if s in paid:
                    acc[s] = acc.get(s, 0) + d.mult_list[g] * d.g_u_list[pi]
        # value - sum of rho * utility, over one common denominator: in integers, which is
        # much faster than a Fraction operation per term
        rhos = [(paid[s], w) for s, w in acc.items()]
        common = math.lcm(value.denominator, *(rho.denominator for rho, _ in rhos))
        numerator = value.numerator * (common // value.denominator) - sum(
            rho.numerator * (common // rho.denominator) * w for rho, w in rhos
        )
        return Fraction(numerator, common)

    def _exact_budget(self, g: int, b: Fraction, paid: dict[int, Fraction]) -> Fraction:
        d = self.d
        value = b
        for i in range(int(d.g_ptr[g]), int(d.g_ptr[g + 1])):
            s = int(d.g_proj[i])
            if s in paid:
                value -= paid[s] * d.g_u_list[i]
        return value

    def _exact_rho(self, p, b, paid, budgets, exhausted, bscale):
        """Exact rho of p in the current state, and who pays in full.

        Returns (rho, rich mask over p's supporters, exact budgets of the uncertain ones).
        """
        d = self.d
        g = d.sup_g[p]
        u = d.sup_u[p]
        bs = budgets[g]
        ex = exhausted[g]
        rho_f, _err, exact = self._rho(p, bs, bscale, ex)
        if exact is not None:
            return exact, ~ex, {}
        slack = bs - rho_f * u
        tol = 1e-7 * bscale
        sure_poor = ex | (slack < -tol)
        sure_rich = ~ex & (slack > tol)
        unsure = ~(sure_poor | sure_rich)
        cost = d.cost[p]
        poor_groups = g[sure_poor & ~ex]
        sum_poor = self._exact_budget_sum(poor_groups, b, paid)
        rich_u = self._exact_weight(p, sure_rich)
        x = []
        exact_budgets: dict[int, Fraction] = {}
        for i in np.flatnonzero(unsure).tolist():
            gg = int(g[i])
            bx = self._exact_budget(gg, b, paid)
            exact_budgets[i] = bx
            ui = int(u[i])
            x.append((bx / ui, i, d.mult_list[gg], ui, bx))
        x.sort()
        rest_u = sum(item[2] * item[3] for item in x)
        taken = Fraction(0)
        rho = None
        for k in range(len(x) + 1):
            denominator = rich_u + rest_u
            if denominator > 0:
                cand = (cost - sum_poor - taken) / denominator
                if (k == 0 or x[k - 1][0] < cand) and (k == len(x) or x[k][0] >= cand):
                    rho = cand
                    break
            if k < len(x):
                taken += x[k][2] * x[k][4]
                rest_u -= x[k][2] * x[k][3]
        if rho is None:
            raise _Uncertain
        # The sure ones must be sure for the exact rho too (budgets are good to 1e-12 * b).
        check = bs - float(rho) * u
        margin = 1e-12 * bscale
        if (check[sure_poor & ~ex] >= -margin).any() or (check[sure_rich] <= margin).any():
            raise _Uncertain  # the float estimate was far off: use the plain exact method
        rich = sure_rich.copy()
        for ratio, i, _m, _u, _bx in x:
            if ratio >= rho:
                rich[i] = True
        return rho, rich, exact_budgets

    def _exact_weight(self, p: int, mask: np.ndarray) -> int:
        """Exact sum of m * u over p's supporters in ``mask``."""
        d = self.d
        if d.uniform:
            return d.cost[p] * round(_msum(d.sup_m[p], mask))
        if d.float_sums_exact:
            return round(_msum(d.sup_mu[p], mask))
        g = d.sup_g[p][mask].tolist()  # pragma: no cover - only for huge utilities
        u = d.sup_u[p][mask].tolist()  # pragma: no cover
        return sum(d.mult_list[a] * int(b) for a, b in zip(g, u, strict=True))  # pragma: no cover

    def _exact_avail(self, p, b, paid, exhausted):
        g = self.d.sup_g[p]
        return self._exact_budget_sum(g[~exhausted[g]], b, paid)

    def exact_run(self, b: Fraction) -> _Run:
        """A run where every close decision is made exactly; also yields the exact trace."""
        self.exact_runs += 1
        try:
            return self._exact_run(b)
        except _Uncertain:  # pragma: no cover - float estimates far off: never seen
            return self.fraction_run(b)

    def _exact_run(self, b: Fraction) -> _Run:
        d = self.d
        bscale = float(b)
        budgets = np.full(d.n_groups, bscale)
        exhausted = np.zeros(d.n_groups, dtype=bool)
        paid: dict[int, Fraction] = {}
        heap = list(d.heap0)
        heapq.heapify(heap)
        order: list[int] = []
        rounds: list[dict] = []
        while True:
            bound = math.inf
            cands = []
            popped = []
            while heap and heap[0][0] <= bound:
                key, p = heapq.heappop(heap)
                g = d.sup_g[p]
                c = d.cost_f[p]
                aerr = _EPS * (c + d.tot_m[p] * bscale)
                bs = budgets[g]
                avail = _dot(d.sup_m[p], bs)
                if avail < c - aerr:
                    continue
                if avail < c + aerr and self._exact_avail(p, b, paid, exhausted) < d.cost[p]:
                    continue
                rho, err, exact = self._rho(p, bs, bscale, exhausted[g], key)
                popped.append((rho - err, p))
                cands.append((p, rho, err, exact))
                bound = min(bound, rho + err)
            if not cands:
                break
            contenders = [x for x in cands if x[1] - x[2] <= bound]
            if len(contenders) == 1:
                p = contenders[0][0]
                rho, rich, exact_budgets = self._exact_rho(p, b, paid, budgets, exhausted, bscale)
            else:
                best = None
                for x in contenders:
                    r = self._exact_rho(x[0], b, paid, budgets, exhausted, bscale)
                    if best is None or (r[0], x[0]) < (best[0][0], best[1]):
                        best = (r, x[0])
                (rho, rich, exact_budgets), p = best
            order.append(p)
            for item in popped:
                if item[1] != p:
                    heapq.heappush(heap, item)
            rounds.append(
                self._round_facts(p, rho, rich, exact_budgets, b, paid, budgets, exhausted)
            )
            # pay
            g = d.sup_g[p]
            u = d.sup_u[p]
            poor_groups = g[~rich]
            rich_groups = g[rich]
            budgets[poor_groups] = 0.0
            exhausted[poor_groups] = True
            budgets[rich_groups] = np.maximum(budgets[rich_groups] - float(rho) * u[rich], 0.0)
            paid[p] = rho
        chosen = set(order)
        left = self._exact_left(b, paid, exhausted, [p for p in d.mes_projects if p not in chosen])
        return _Run(order, rounds, left)

    def _exact_left(self, b, paid, exhausted, projects) -> dict[int, Fraction]:
        """For each of ``projects``, what its supporters have left, exactly.

        A budget not exhausted is b minus, for each project paid, rho times the group's
        utility for it; so what p's supporters have left is b times their number minus, for
        each project paid, rho times their total utility for it. These totals are found for
        every p at once, by pairing each supporter of p with each of its projects paid.
        """
        d = self.d
        if not d.float_sums_exact or not projects or not paid:
            return {p: self._exact_avail(p, b, paid, exhausted) for p in projects}
        live = ~exhausted
        report = np.full(d.n_projects, -1)
        report[projects] = np.arange(len(projects))
        bought = list(paid)
        column = np.full(d.n_projects, -1)
        column[bought] = np.arange(len(bought))
        # (group, reported project): the supporters who still have money
        keep = live[d.sp_g] & (report[d.sp_p] >= 0)
        groups, rows = d.sp_g[keep], report[d.sp_p[keep]]
        voters = np.bincount(rows, weights=d.mult[groups], minlength=len(projects))
        # (group, paid project, weight), in group order
        take = live[d.pair_group] & (column[d.g_proj] >= 0)
        paid_group, cols, weights = d.pair_group[take], column[d.g_proj[take]], d.g_w[take]
        count = np.bincount(paid_group, minlength=d.n_groups)
        first = np.cumsum(count) - count
        repeat = count[groups]
        ends = np.cumsum(repeat)
        which = np.repeat(np.arange(len(groups)), repeat)
        pair = np.repeat(first[groups], repeat) + np.arange(int(ends[-1]) if len(ends) else 0)
        pair -= np.repeat(ends - repeat, repeat)
        totals = np.bincount(
            rows[which] * len(bought) + cols[pair],
            weights=weights[pair],
            minlength=len(projects) * len(bought),
        ).reshape(len(projects), len(bought))
        # over one common denominator, in integers
        common = math.lcm(b.denominator, *(paid[s].denominator for s in bought))
        per_voter = b.numerator * (common // b.denominator)
        coefficients = [
            paid[s].numerator * (common // paid[s].denominator) * (d.cost[s] if d.uniform else 1)
            for s in bought
        ]
        voters_list = np.rint(voters).astype(np.int64).tolist()
        totals_list = np.rint(totals).astype(np.int64).tolist()
        return {
            p: Fraction(
                per_voter * n - sum(c * w for c, w in zip(coefficients, row, strict=True)),
                common,
            )
            for p, n, row in zip(projects, voters_list, totals_list, strict=True)
        }

    def _round_facts(self, p, rho, rich, exact_budgets, b, paid, budgets, exhausted) -> dict:
        d = self.d
        g = d.sup_g[p]
        full = round(_msum(d.sup_m[p], rich))
        rich_u = self._exact_weight(p, rich)
        bs = budgets[g]
        ex = exhausted[g]
        tol = 1e-7 * float(b)
        maybe = ~rich & ~ex
        partial = round(_msum(d.sup_m[p], maybe & (bs > tol)))
        for i in np.flatnonzero(maybe & (bs <= tol)).tolist():
            gg = int(g[i])
            bx = exact_budgets[i] if i in exact_budgets else self._exact_budget(gg, b, paid)
            if bx > 0:
                partial += d.mult_list[gg]
        return {
            "project": p,
            "rho": rho,
            "supporters": d.tot_m[p],
            "full_payers": full,
            "partial_payers": partial,
            "partial_total": d.cost[p] - rho * rich_u,
        }

    # -------------------------------------------------------------- plain exact reference
    def fraction_run(self, b: Fraction) -> _Run:
        """MES with Fractions only, as pabutools does it (slow; a reference and a fallback)."""
        d = self.d
        budgets = [b] * d.n_groups
        remaining = set(d.mes_projects)
        order: list[int] = []
        rounds: list[dict] = []
        sup = {p: (d.sup_g[p].tolist(), [int(x) for x in d.sup_u[p].tolist()]) for p in remaining}
        while True:
            best = None
            for p in sorted(remaining):
                gs, us = sup[p]
                cost = d.cost[p]
                if sum(d.mult_list[g] * budgets[g] for g in gs) < cost:
                    remaining.discard(p)
                    continue
                items = sorted(zip(gs, us, strict=True), key=lambda t: budgets[t[0]] / t[1])
                taken = Fraction(0)
                rest = sum(d.mult_list[g] * u for g, u in items)
                rho = None
                for g, u in items:
                    cand = (cost - taken) / rest
                    if cand * u <= budgets[g]:
                        rho = cand
                        break
                    taken += d.mult_list[g] * budgets[g]
                    rest -= d.mult_list[g] * u
                if best is None or rho < best[0]:
                    best = (rho, p)
            if best is None:
                left = {
                    p: sum((d.mult_list[g] * budgets[g] for g in sup[p][0]), Fraction(0))
                    for p in d.mes_projects
                    if p not in order
                }
                return _Run(order, rounds, left)
            rho, p = best
            gs, us = sup[p]
            full = partial = 0
            rich_u = 0
            for g, u in zip(gs, us, strict=True):
                pay = rho * u
                if pay <= budgets[g]:
                    full += d.mult_list[g]
                    rich_u += d.mult_list[g] * u
                    budgets[g] -= pay
                else:
                    if budgets[g] > 0:
                        partial += d.mult_list[g]
                    budgets[g] = Fraction(0)
            rounds.append(
                {
                    "project": p,
                    "rho": rho,
                    "supporters": d.tot_m[p],
                    "full_payers": full,
                    "partial_payers": partial,
                    "partial_total": d.cost[p] - rho * rich_u,
                }
            )
            order.append(p)
            remaining.discard(p)


# ------------------------------------------------------------------------------- the rule
def _outcome_cost(data: _Data, order: list[int]) -> int:
    return sum(data.cost[p] for p in order)


def _exhaustive(data: _Data, order: list[int], by_cost: list[int]) -> bool:
    spent = _outcome_cost(data, order)
    chosen = set(order)
    for p in by_cost:
        if p not in chosen:
            return data.cost[p] + spent > data.budget
    return True


def mes(
    election: Election,
    *,
    points: bool = False,
    increment: int | Fraction | None = 1,
    completion: bool = True,
    max_runs: int | None = None,
    skip: bool = True,
) -> TallyResult:
    """The Method of Equal Shares (see the module docstring for exactly which variant).

    - ``points``: use the points of cumulative/scoring ballots as utilities (pabutools'
      Additive_Cardinal_Sat) instead of approvals with Cost_Sat.
    - ``increment``: the Add1 step in money units per voter (pabutools' voter_budget_increment);
      ``None`` for plain MES.
    - ``completion``: complete a non-exhaustive outcome with greedy (same satisfaction).
    - ``max_runs``: give up with :class:`MesTooLong` after that many MES runs.
    - ``skip``: skip increments that provably change nothing (turn off only to compare).
    """
    data = _Data(election, points)
    engine = _Engine(data)
    zero = list(data.zero_cost)
    b = Fraction(data.budget, data.n_voters) if data.n_voters else Fraction(0)
    details: dict[str, object] = {}
    final_run: _Run | None = None
    if data.n_voters == 0 or not data.mes_projects:
        final_run = _Run([], [])
    elif increment is None:
        final_run = engine.exact_run(b)
    else:
        step = Fraction(increment) * data.scale
        if step <= 0:
            raise ValueError("increment must be positive")
        by_cost = sorted(data.mes_projects, key=lambda p: data.cost[p])

        answers: dict[frozenset, bool] = {}  # (boxes meet the same sets again and again)

        def goes_on(bought: frozenset) -> bool:
            """Add1 goes on past a budget where MES buys this set."""
            answer = answers.get(bought)
            if answer is None:
                answer = answers[bought] = _outcome_cost(
                    data, bought
                ) <= data.budget and not _exhaustive(data, bought, by_cost)
            return answer

        # Increments before ``k`` are known to let the loop go on; ``previous`` is the last
        # of them with, if a run was made there, the set it bought.
        k = 0
        previous: tuple[Fraction, frozenset | None] | None = None
        result_b: Fraction | None = None
        expected: frozenset | None = None

        def at(j: int) -> Fraction:
            return b + j * step

        # Where `surely_goes_on` holds before anything is bought, it holds at every lower
        # budget too (more money only makes more projects affordable): skip those
        # increments at once, finding the last of them by doubling then halving.
        def settled(j: int) -> bool:
            return engine.surely_goes_on(np.full(data.n_groups, float(at(j))), (), 0, float(at(j)))

        if skip and settled(0):
            good, bad = 0, 1
            while settled(bad):
                good, bad = bad, 2 * bad
            while bad - good > 1:
                middle = (good + bad) // 2
                good, bad = (middle, bad) if settled(middle) else (good, middle)
            k, previous = good + 1, (at(good), None)
        # Long runs (many projects) make a box that gives up late cost more than following a
        # few more states: allow more there (measured on the shipped elections).
        max_states = 8 if len(data.mes_projects) <= 100 else 16
        runs: dict[int, list[int]] = {}  # (the search below may ask twice)

        def run_at(j: int) -> list[int]:
            if j not in runs:
                order = engine.float_run(at(j), stop_early=skip)
                runs[j] = engine.exact_run(at(j)).order if order is None else order
            return runs[j]

        def stops(order: list[int]) -> bool:
            return order is not GOES_ON and not goes_on(frozenset(order))

        def first_stop(low: int, high: int) -> tuple[int, list[int]] | None:
            """If the loop stops at increment ``high``, about where it first does after
            ``low``, found by halving with single runs (the increments before it are still
            to be vouched for)."""
            order = run_at(high)
            if not stops(order):
                return None
            while high - low > 1:
                middle = (low + high) // 2
                found = run_at(middle)
                if stops(found):
                    high, order = middle, found
                else:
                    low = middle
            return high, order

        span, fails, cooldown = 8, 0, 0
        ceiling = 2**62  # a span that failed lately
        # a later increment where the loop is known to stop, and what MES buys there
        stop_at: tuple[int, list[int]] | None = None
        failed = False
        while True:
            if max_runs is not None and engine.point_runs >= max_runs:
                raise MesTooLong(f"no outcome after {engine.point_runs} MES runs")
            order = stop_at[1] if stop_at is not None and stop_at[0] == k else run_at(k)
            if order is GOES_ON:
                previous = (at(k), None)
            elif _outcome_cost(data, order) > data.budget:
                # pabutools returns the outcome of the previous increment.
                if previous is not None:
                    result_b, expected = previous
                break
            elif _exhaustive(data, order, by_cost):
                result_b, expected = at(k), frozenset(order)
                break
            else:
                previous = (at(k), frozenset(order))
            # Skip the increments at which MES provably buys a set that lets the loop go on.
            while skip and not cooldown:
                if stop_at is None and (failed or span >= 8):
                    # A box over a span where the loop stops fails, and costs more than a
                    # run: where the loop may be near its end, look at the span's end first.
                    stop_at = first_stop(k, k + span)
                if stop_at is not None:  # (boxes stay short of it)
                    span = min(span, stop_at[0] - 1 - k)
                    if span < 1:
                        break
                ok, reach = engine.box_check(
                    at(k), at(k + span), goes_on, lasting=True, max_states=max_states, settle=True
                )
                failed = not ok
                if ok:
                    k += span
                    previous = (at(k), None)
                    # double, but past half a span that failed lately only one by one: a
                    # failed box costs about as much as one that holds
                    span = min(2 * span, max(span + 1, ceiling // 2))
                    ceiling += ceiling // 10
                    fails = 0
                    continue
                if engine.box_reached_stop and stop_at is None:
                    stop_at = first_stop(k, k + span)
                    if stop_at is not None:
                        continue
                if span > 2 and span * reach >= 2:
                    ceiling = span
                    span = min(int(span * reach), span // 2)
                else:  # a few runs, one increment at a time, before boxes again
                    span = 2
                    fails += 1
                    cooldown = min(2 ** (fails - 1), 32)
            if cooldown:
                cooldown -= 1
            k += 1
        details["increments"] = k
        if result_b is None:  # the very first run went over the budget: cannot happen
            final_run = _Run([], [])
        else:
            b = result_b
            final_run = engine.exact_run(b)
            if expected is not None and frozenset(final_run.order) != expected:  # pragma: no cover
                raise RuntimeError("MES: the exact run disagrees with the float runs")
    details.update(
        {
            "budget_per_voter": b / data.scale,
            "mes_runs": engine.point_runs,
            "boxes": engine.box_runs,
            "exact_runs": engine.exact_runs,
        }
    )
    trace = [ZeroCostStep(data.ids[p], True, "mes") for p in zero]
    for number, facts in enumerate(final_run.rounds or [], start=1):
        p = facts["project"]
        rho = facts["rho"]
        share = rho * data.cost[p] / data.scale if data.uniform else None
        if data.uniform:
            rho_out = rho
        elif data.points and election.vote_type.has_points:
            rho_out = rho * _uscale(election) / data.scale
        else:
            rho_out = rho / data.scale
        trace.append(
            MesStep(
                project=data.ids[p],
                selected=True,
                phase="mes",
                round=number,
                cost=data.cost_frac[p],
                rho=rho_out,
                supporters=facts["supporters"],
                full_payers=facts["full_payers"],
                share=share,
                partial_payers=facts["partial_payers"],
                partial_total=Fraction(facts["partial_total"]) / data.scale,
                budget_per_voter=b / data.scale,
            )
        )
    selected = [data.ids[p] for p in zero] + [data.ids[p] for p in final_run.order]
    bought = set(selected)
    for p, pid in enumerate(data.ids):
        if pid in bought:
            continue
        left = final_run.left.get(p)
        trace.append(
            MesSkipStep(
                project=pid,
                selected=False,
                phase="mes",
                cost=data.cost_frac[p],
                supporters=data.voters_for[p],
                supporters_money=None if left is None else left / data.scale,
                budget_per_voter=b / data.scale,
            )
        )
    name = "mes_points" if points else "mes"
    if completion:
        spent = election.cost_of(selected)
        chosen = set(selected)
        if any(p.id not in chosen and spent + p.cost <= election.budget for p in election.projects):
            # (the votes per project are known here; points are counted by greedy itself)
            votes = None
            if not (points and election.vote_type.has_points):
                votes = {pid: Fraction(n) for pid, n in zip(data.ids, data.voters_for, strict=True)}
            done = greedy(
                election, points=points, initial=selected, phase="completion", scores=votes
            )
            selected = done.selected
            trace += done.trace
    return TallyResult(
        rule=name,
        selected=selected,
        trace=trace,
        budget=election.budget,
        total_cost=election.cost_of(selected),
        details=details,
    )


def _uscale(election: Election) -> int:
    scale = 1
    for b in election.ballots:
        for _, v in b.scores:  # type: ignore[union-attr]
            scale = math.lcm(scale, v.denominator)
    return scale
