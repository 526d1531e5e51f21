#!/usr/bin/env python3
"""
An independent computation of the fairness measures of libs/tally's analyseFairness on a few real Pabulib files,
written from pabutools' definitions (COMSOC-Community/pabutools: analysis/votersatisfaction.py avg_satisfaction with
Cost_Sat and Cardinality_Sat, percent_non_empty_handed, utils.gini_coefficient; analysis/priceability.py priceable with
its default exhaustive=True), NOT pabutools' own output: pabutools is not installable here (no PyPI), and pabutools
publishes no values for real files. Plaza's spec (libs/tally/src/pabutools-crosscheck.spec.ts) holds the figures this
prints.

Independent of Plaza: its own .pb reading (csv), the outcome from the file's `selected` column, exact fractions for
the averages and the Gini coefficient, and priceability as pabutools' linear program over one payment variable per
voter (no merging of identical ballots) solved with scipy's HiGHS in floating point (costs divided by the budget).

Run from the repository root: python3 libs/tally/test/crosscheck/fairness_crosscheck.py
"""
import csv
import json
import sys
from fractions import Fraction

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import lil_matrix

FILES = [
    'test/fixtures/pabulib/Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb',
    'test/fixtures/pabulib/Netherlands_Assen_2024.pb',
    'test/fixtures/pabulib-archive/Poland_Gdynia_2023_Kamienna_Gora__small.pb',
    'test/fixtures/pabulib-archive/Poland_Warszawa_2018_Marysin_Wawerski_Poludniowy.pb',
    'test/fixtures/pabulib-archive/Poland_Wroclaw_2016_Rejon_nr_13_250.pb',
    'test/fixtures/pabulib-archive/Poland_Poznan_2023_9_-_Stare_Miasto.pb',
]


def read_pb(path):
    sections = {'META': [], 'PROJECTS': [], 'VOTES': []}
    current = None
    with open(path, encoding='utf-8-sig', newline='') as f:
        for row in csv.reader(f, delimiter=';', quotechar='"'):
            if not row:
                continue
            head = row[0].strip()
            if len(row) == 1 and head in sections:
                current = head
                continue
            sections[current].append([c.strip() for c in row])
    meta = {r[0]: r[1] for r in sections['META'][1:]}
    ph = sections['PROJECTS'][0]
    projects = [dict(zip(ph, r)) for r in sections['PROJECTS'][1:]]
    vh = sections['VOTES'][0]
    votes = [dict(zip(vh, r)) for r in sections['VOTES'][1:]]
    return meta, projects, votes


def gini(values):
    """pabutools.utils.gini_coefficient, in exact fractions."""
    values = [Fraction(v) for v in values]
    if all(v == 0 for v in values):
        return Fraction(0)
    n = len(values)
    s = sorted(values)
    total = sum(v * (n - i) for i, v in enumerate(s))
    return (n + 1 - 2 * total / sum(values)) / n


def priceable(budget, cost, ballots, funded):
    """pabutools.analysis.priceability.priceable with the allocation fixed: feasibility only (C0c, C1-C5)."""
    L = Fraction(budget)
    scale = float(L)
    n = len(ballots)
    unfunded = [c for c in cost if c not in funded and any(c in b for b in ballots)]
    pay = {}
    for i, b in enumerate(ballots):
        for c in sorted(b & funded):
            pay[(i, c)] = len(pay)
    bvar = len(pay)
    nvar = bvar + 1
    rows_ub, rhs_ub, rows_eq, rhs_eq = [], [], [], []
    # (C2) spent_i - b <= 0
    for i, b in enumerate(ballots):
        rows_ub.append({**{pay[(i, c)]: 1.0 for c in b & funded}, bvar: -1.0})
        rhs_ub.append(0.0)
    # (C3) payments for funded c = cost
    for c in funded:
        rows_eq.append({pay[(i, c)]: 1.0 for i, b in enumerate(ballots) if c in b})
        rhs_eq.append(float(cost[c]) / scale)
    # (C5) sum over supporters of (b - spent_i) <= cost(c)
    for c in unfunded:
        row = {}
        for i, b in enumerate(ballots):
            if c in b:
                row[bvar] = row.get(bvar, 0.0) + 1.0
                for d in b & funded:
                    row[pay[(i, d)]] = row.get(pay[(i, d)], 0.0) - 1.0
        rows_ub.append(row)
        rhs_ub.append(float(cost[c]) / scale)
    # (C0c) n b >= budget
    rows_ub.append({bvar: -float(n)})
    rhs_ub.append(-1.0)

    def matrix(rows):
        m = lil_matrix((len(rows), nvar))
        for k, row in enumerate(rows):
            for j, a in row.items():
                m[k, j] = a
        return m.tocsr()

    res = linprog(
        np.zeros(nvar),
        A_ub=matrix(rows_ub), b_ub=np.array(rhs_ub),
        A_eq=matrix(rows_eq) if rows_eq else None, b_eq=np.array(rhs_eq) if rows_eq else None,
        bounds=[(0, None)] * nvar, method='highs',
    )
    return res.status == 0


def analyse(path):
    meta, projects, votes = read_pb(path)
    budget = Fraction(meta['budget'])
    cost = {p['project_id']: Fraction(p['cost']) for p in projects}
    funded = {p['project_id'] for p in projects if p.get('selected', '0') not in ('', '0')}
    ballots = [set(x for x in v['vote'].split(',') if x) for v in votes]
    card = [len(b & funded) for b in ballots]
    money = [sum((cost[c] for c in b & funded), Fraction(0)) for b in ballots]
    spent = sum(cost[c] for c in funded)
    exhaustive = all(c in funded or spent + cost[c] > budget for c in cost)
    feasible = spent <= budget
    n = len(ballots)
    return {
        'file': path.split('/')[-1],
        'voters': n,
        'funded': sorted(funded),
        'emptyHanded': sum(1 for k in card if k == 0),
        'cardinalityMean': float(Fraction(sum(card), n)),
        'cardinalityGini': float(gini(card)),
        'costMean': float(sum(money) / n),
        'costGini': float(gini(money)),
        'exhaustive': exhaustive,
        'priceable': feasible and priceable(budget, cost, ballots, funded),
    }


if __name__ == '__main__':
    json.dump([analyse(f) for f in (sys.argv[1:] or FILES)], sys.stdout, indent=2)
    print()
