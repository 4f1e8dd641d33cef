"""The scenario's figures, worked out by hand from the table in factories.py (not by running the code).

Expected progress: batch B1 runs 2026-03-01 → 2026-12-31 (305 days), 264 of them gone by 2026-11-20; batch B2 runs
2026-06-01 → 2027-06-30 (394 days), 172 gone; R3's own deadline 2026-11-15 has passed, so its share is 1.

Report obligations are the lead units' only (issue 12: a co-unit owes a contribution, which these figures leave
out). One per (reform, period): R1·U1, R2·U2, R3·U1 for P1, P2, P3 and R4·U3, R5·U3 for Q1, eleven in all. Due
(P1 10-10, P2 11-10, Q1 10-15 passed by 11-20): eight, of which on time R1·U1 P1, R2·U2 P1 and P2, R3·U1 P1,
R4·U3 (five), late R1·U1 P2 (11-11 07:00) and R5·U3 (10-20) (two), missing R3·U1 P2 (returned) (one). Upcoming
(P3, due 11-23): R1·U1, R2·U2, R3·U1 (three), of which due soon (within the week, nothing filed) R3·U1 alone.
The latest lead report is R1·U1's of P3 (11-18); R2's is 11-17, R3's 10-08, R4's 10-14, R5's 10-20.
So, per reform: R1 due 2 (on time 1, late 1), upcoming 1, last 11-18; R2 due 2 (on time 2), upcoming 1; R3 due 2
(on time 1, missing 1), upcoming 1 (due soon); R4 due 1 (on time); R5 due 1 (late). Every other row sums these.
"""

from fractions import Fraction

from .factories import stamp

B1 = Fraction(264, 305)
B2 = Fraction(172, 394)


def rate(value) -> float | None:
    return None if value is None else round(float(value), 4)


def iso(moment) -> str | None:
    return None if moment is None else moment.isoformat()


def figures(
    *,
    reforms=0,
    targets=0,
    done=0,
    in_progress=0,
    not_started=0,
    not_applicable=0,
    completion=None,
    expected=None,
    overdue_targets=0,
    targets_due_soon=0,
    due=0,
    on_time=0,
    late=0,
    missing=0,
    upcoming=0,
    due_soon=0,
    last=None,
) -> dict:
    return {
        "reforms": reforms,
        "targets": targets,
        "done": done,
        "in_progress": in_progress,
        "not_started": not_started,
        "not_applicable": not_applicable,
        "completion_rate": rate(completion),
        "expected_rate": rate(expected),
        "overdue_targets": overdue_targets,
        "targets_due_soon": targets_due_soon,
        "reports_due": due,
        "reports_on_time": on_time,
        "reports_late": late,
        "reports_missing": missing,
        "reports_upcoming": upcoming,
        "reports_due_soon": due_soon,
        "last_report_at": iso(last),
    }


OVERVIEW = figures(
    reforms=5,
    targets=9,
    done=3,
    in_progress=2,
    not_started=3,
    not_applicable=1,
    completion=Fraction(3, 8),
    expected=(5 * B1 + 2 + B2) / 8,
    overdue_targets=2,
    # All eleven obligations: R1 2 + R2 2 + R3 2 + R4 1 + R5 1 due; on time 1 + 2 + 1 + 1; late R1, R5; missing R3.
    due=8,
    on_time=5,
    late=2,
    missing=1,
    upcoming=3,
    due_soon=1,
    last=stamp(11, 18),
)

REFORMS = {
    "R1": figures(
        reforms=1,
        targets=3,
        done=2,
        not_applicable=1,
        completion=1,
        expected=B1,
        # The lead U1's only: P1 on time, P2 late, P3 upcoming (filed 11-18).
        due=2,
        on_time=1,
        late=1,
        upcoming=1,
        last=stamp(11, 18),
    ),
    "R2": figures(
        reforms=1,
        targets=3,
        done=1,
        in_progress=1,
        not_started=1,
        completion=Fraction(1, 3),
        expected=B1,
        due=2,
        on_time=2,
        upcoming=1,
        last=stamp(11, 17),
    ),
    "R3": figures(
        reforms=1,
        targets=2,
        in_progress=1,
        not_started=1,
        completion=0,
        expected=1,
        overdue_targets=2,
        due=2,
        on_time=1,
        missing=1,
        upcoming=1,
        due_soon=1,
        last=stamp(10, 8),
    ),
    "R4": figures(reforms=1, targets=1, not_started=1, completion=0, expected=B2, due=1, on_time=1, last=stamp(10, 14)),
    # The lead U3's Q1 report, late (10-20); the co-unit U1 owes no report.
    "R5": figures(reforms=1, due=1, late=1, last=stamp(10, 20)),
}

UNITS = {
    "U1": {
        "figures": figures(
            reforms=3,
            targets=5,
            done=2,
            in_progress=1,
            not_started=1,
            not_applicable=1,
            completion=Fraction(2, 4),
            expected=(2 * B1 + 2) / 4,
            overdue_targets=2,
            # Its lead reports only (R1, R3), as "as_lead": it owes R5 a contribution, not a report.
            due=4,
            on_time=2,
            late=1,
            missing=1,
            upcoming=2,
            due_soon=1,
            last=stamp(11, 18),
        ),
        "as_lead": figures(
            reforms=2,
            targets=5,
            done=2,
            in_progress=1,
            not_started=1,
            not_applicable=1,
            completion=Fraction(2, 4),
            expected=(2 * B1 + 2) / 4,
            overdue_targets=2,
            due=4,
            on_time=2,
            late=1,
            missing=1,
            upcoming=2,
            due_soon=1,
            last=stamp(11, 18),
        ),
        # R5, without targets; no report owed as a co-unit.
        "as_co": figures(reforms=1),
    },
    "U2": {
        "figures": figures(
            reforms=2,
            targets=6,
            done=3,
            in_progress=1,
            not_started=1,
            not_applicable=1,
            completion=Fraction(3, 5),
            expected=B1,
            # R2's reports only (it is R1's co-unit): P1, P2 on time, P3 upcoming, filed 11-17.
            due=2,
            on_time=2,
            upcoming=1,
            last=stamp(11, 17),
        ),
        "as_lead": figures(
            reforms=1,
            targets=3,
            done=1,
            in_progress=1,
            not_started=1,
            completion=Fraction(1, 3),
            expected=B1,
            due=2,
            on_time=2,
            upcoming=1,
            last=stamp(11, 17),
        ),
        # R1's targets; no report owed as its co-unit.
        "as_co": figures(reforms=1, targets=3, done=2, not_applicable=1, completion=1, expected=B1),
    },
    "U3": {
        "figures": figures(
            reforms=2, targets=1, not_started=1, completion=0, expected=B2, due=2, on_time=1, late=1, last=stamp(10, 20)
        ),
        "as_lead": figures(
            reforms=2, targets=1, not_started=1, completion=0, expected=B2, due=2, on_time=1, late=1, last=stamp(10, 20)
        ),
        "as_co": figures(),
    },
    # R1's co-unit only: its targets, and no report owed.
    "U4": {
        "figures": figures(reforms=1, targets=3, done=2, not_applicable=1, completion=1, expected=B1),
        "as_lead": figures(),
        "as_co": figures(reforms=1, targets=3, done=2, not_applicable=1, completion=1, expected=B1),
    },
}

# City rows carry no last report (an obligation counts for several cities); the rest as defined: a city counts the
# report obligations of every reform targeting it (see the module docstring for each reform's).
CITIES = {
    "C1": figures(
        reforms=3,
        targets=3,
        done=1,
        in_progress=2,
        completion=Fraction(1, 3),
        expected=(2 * B1 + 1) / 3,
        overdue_targets=1,
        # R1, R2, R3: due 2 + 2 + 2, on time 1 + 2 + 1, late R1, missing R3, upcoming one each, due soon R3.
        due=6,
        on_time=4,
        late=1,
        missing=1,
        upcoming=3,
        due_soon=1,
    ),
    "C2": figures(
        reforms=4,
        targets=4,
        done=1,
        not_started=3,
        completion=Fraction(1, 4),
        expected=(2 * B1 + 1 + B2) / 4,
        overdue_targets=1,
        # R1, R2, R3 as 济南 (6, 4, 1, 1, 3, 1) and R4 (due 1, on time).
        due=7,
        on_time=5,
        late=1,
        missing=1,
        upcoming=3,
        due_soon=1,
    ),
    "C3": figures(
        reforms=2,
        targets=2,
        done=1,
        not_applicable=1,
        completion=1,
        expected=B1,
        # R1 (not applicable here, still targeting it) and R2: due 2 + 2, on time 1 + 2, late R1, upcoming 1 + 1.
        due=4,
        on_time=3,
        late=1,
        upcoming=2,
    ),
    "C4": figures(),
}

BATCHES = {
    "B1": figures(
        reforms=3,
        targets=8,
        done=3,
        in_progress=2,
        not_started=2,
        not_applicable=1,
        completion=Fraction(3, 7),
        expected=(5 * B1 + 2) / 7,
        overdue_targets=2,
        # R1, R2, R3: as 济南, last R1's 11-18.
        due=6,
        on_time=4,
        late=1,
        missing=1,
        upcoming=3,
        due_soon=1,
        last=stamp(11, 18),
    ),
    "B2": figures(
        reforms=2,
        targets=1,
        not_started=1,
        completion=0,
        expected=B2,
        # R4 on time, R5 late.
        due=2,
        on_time=1,
        late=1,
        last=stamp(10, 20),
    ),
}

CATEGORIES = {
    "pilot": figures(
        reforms=2,
        targets=4,
        done=2,
        not_started=1,
        not_applicable=1,
        completion=Fraction(2, 3),
        expected=(2 * B1 + B2) / 3,
        # R1 (due 2: on time 1, late 1; upcoming 1) and R4 (due 1, on time).
        due=3,
        on_time=2,
        late=1,
        upcoming=1,
        last=stamp(11, 18),
    ),
    "best_practice": figures(
        reforms=3,
        targets=5,
        done=1,
        in_progress=2,
        not_started=2,
        completion=Fraction(1, 5),
        expected=(3 * B1 + 2) / 5,
        overdue_targets=2,
        # R2 (2 on time), R3 (1 on time, 1 missing), R5 (1 late); upcoming R2, R3 (due soon).
        due=5,
        on_time=3,
        late=1,
        missing=1,
        upcoming=2,
        due_soon=1,
        last=stamp(11, 17),
    ),
}

SCOPES = {
    "all_cities": figures(
        reforms=2,
        targets=6,
        done=3,
        in_progress=1,
        not_started=1,
        not_applicable=1,
        completion=Fraction(3, 5),
        expected=B1,
        # R1 and R2: due 2 + 2, on time 1 + 2, late R1, upcoming 1 + 1.
        due=4,
        on_time=3,
        late=1,
        upcoming=2,
        last=stamp(11, 18),
    ),
    "qualified_cities": figures(
        reforms=2,
        targets=3,
        in_progress=1,
        not_started=2,
        completion=0,
        expected=(2 + B2) / 3,
        overdue_targets=2,
        due=3,
        on_time=2,
        missing=1,
        upcoming=1,
        due_soon=1,
        last=stamp(10, 14),
    ),
    "unverified": figures(reforms=1, due=1, late=1, last=stamp(10, 20)),  # R5
}

# Colours by the written rule (see test_colours.py for why each is what it is).
REFORM_COLOURS = {"R1": "green", "R2": "yellow", "R3": "red", "R4": "yellow", "R5": "green"}
UNIT_COLOURS = {"U1": "red", "U2": "yellow", "U3": "yellow", "U4": "green"}
CITY_COLOURS = {"C1": "red", "C2": "red", "C3": "green", "C4": "green"}
