"""Sequential Phragmén, as pabutools 1.2.3's ``sequential_phragmen`` computes it.

Every ballot is seen as approvals. Voters earn money continuously from load 0. A project is
bought when its supporters' loads can cover it: its "new max load" is
``(sum of its supporters' loads + cost) / number of supporters``; the project with the smallest
one is bought and each of its supporters' loads becomes that value. Projects costing more than
the budget are never considered. The rule stops as soon as a project that would be bought next
(any of the projects tied for the smallest new max load) does not fit in what is left; projects
nobody approves have an infinite new max load and are bought last, in id order, while they fit.

Ties are broken by project id compared as strings (pabutools' lexicographic default).

Implementation: identical ballots are aggregated; all voters of a group always share one load,
which is one of the loads at which a project was bought ("levels"). ``W[p][j]`` counts the
supporters of ``p`` at level ``j``, so a project's new max load is ``(W[p] . t + cost) / score``.
Loads are exact rationals on a common denominator; the minimum is searched with floats and every
project within a relative 1e-9 of it is compared exactly, so float rounding never decides.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .election import Election
from .explain import PhragmenStep, TallyResult

__all__ = ["phragmen"]

_REL_TOL = 1e-9


def phragmen(election: Election) -> TallyResult:
    """Runs sequential Phragmén and returns a :class:`TallyResult` with :class:`PhragmenStep`."""
    ids = sorted(p.id for p in election.projects)
    index = {pid: i for i, pid in enumerate(ids)}
    scale = election.money_scale()
    cost_of = {p.id: p.cost for p in election.projects}
    cost = [int(cost_of[pid] * scale) for pid in ids]
    budget = int(election.budget * scale)
    n_projects = len(ids)

    groups: dict[frozenset[int], int] = {}
    for approved, voters in election.approval_groups.items():
        key = frozenset(index[p] for p in approved)
        groups[key] = groups.get(key, 0) + voters
    group_list = [sorted(g) for g in groups]
    mult = np.array(list(groups.values()), dtype=np.int64)
    n_groups = len(group_list)
    score = np.zeros(n_projects, dtype=np.int64)
    proj_groups: list[list[int]] = [[] for _ in range(n_projects)]
    for g, members in enumerate(group_list):
        for p in members:
            score[p] += mult[g]
            proj_groups[p].append(g)
    proj_groups_np = [np.array(x, dtype=np.int64) for x in proj_groups]
    g_len = np.array([len(x) for x in group_list], dtype=np.int64)
    g_ptr = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(g_len, out=g_ptr[1:])
    g_proj = np.array([p for x in group_list for p in x], dtype=np.int64)

    remaining = [p for p in range(n_projects) if cost[p] <= budget]
    max_levels = n_projects + 1
    weights = np.zeros((n_projects, max_levels), dtype=np.int64)  # W[p][level]
    weights[:, 0] = score
    level_of_group = np.zeros(n_groups, dtype=np.int64)
    # Levels t_j = num[j] / den (exact); t_0 = 0.
    num: list[int] = [0]
    den = 1
    t_float = np.zeros(max_levels, dtype=np.float64)
    n_levels = 1
    spent = 0
    selected: list[int] = []
    trace: list[PhragmenStep] = []

    def exact_numerator(p: int) -> int:
        row = weights[p, :n_levels].tolist()
        return sum(w * x for w, x in zip(row, num, strict=True) if w) + cost[p] * den

    while remaining:
        finite = [p for p in remaining if score[p] > 0]
        if finite:
            fin = np.array(finite, dtype=np.int64)
            loads = (
                (weights[fin, :n_levels] * t_float[:n_levels]).sum(axis=1)
                + np.array([cost[p] for p in finite], dtype=np.float64)
            ) / score[fin]
            best = float(loads.min())
            near = fin[loads <= best * (1 + _REL_TOL)].tolist()
            # exact comparison of the near ones: value = numerator / (den * score)
            exact = {p: Fraction(exact_numerator(p), int(score[p])) for p in near}
            low = min(exact.values())
            tied = sorted((p for p in near if exact[p] == low), key=lambda p: ids[p])
            new_load: Fraction | None = low / den
        else:
            tied = sorted(remaining, key=lambda p: ids[p])
            new_load = None
        blocked = [p for p in tied if spent + cost[p] > budget]
        if blocked:
            p = blocked[0]
            trace.append(
                PhragmenStep(
                    ids[p],
                    False,
                    "phragmen",
                    cost_of[ids[p]],
                    int(score[p]),
                    None if new_load is None else new_load / scale,
                    False,
                )
            )
            break
        s = tied[0]
        remaining.remove(s)
        selected.append(s)
        spent += cost[s]
        trace.append(
            PhragmenStep(
                ids[s],
                True,
                "phragmen",
                cost_of[ids[s]],
                int(score[s]),
                None if new_load is None else new_load / scale,
                True,
            )
        )
        if new_load is None or score[s] == 0:
            continue
        # New level k = exact_numerator(s) / (den * score[s]); rescale the common denominator.
        k = n_levels
        sc = int(score[s])
        top = exact_numerator(s)
        num = [x * sc for x in num]
        den *= sc
        num.append(top)
        n_levels += 1
        t_float[:n_levels] = [x / den for x in num]
        # Move every supporting group to level k.
        sup = proj_groups_np[s]
        old = level_of_group[sup]
        starts, lens = g_ptr[sup], g_len[sup]
        total = int(lens.sum())
        offsets = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(total)
        projs = g_proj[offsets]
        m_rep = np.repeat(mult[sup], lens)
        old_rep = np.repeat(old, lens)
        np.subtract.at(weights, (projs, old_rep), m_rep)
        np.add.at(weights, (projs, np.full(total, k)), m_rep)
        level_of_group[sup] = k

    chosen = [ids[p] for p in selected]
    return TallyResult(
        rule="phragmen",
        selected=chosen,
        trace=trace,
        budget=election.budget,
        total_cost=Fraction(spent, scale),
    )
