"""The scenario's figures, worked out by hand from the table in factories.py (not by running the code).

Expected progress: batch B1 runs 2026-03-01 → 2026-12-31 (305 days), 264 of them gone by 2026-11-20; batch B2 runs
2026-06-01 → 2027-06-30 (394 days), 172 gone; R3's own deadline 2026-11-15 has passed, so its share is 1.
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
    due=13,
    on_time=8,
    late=3,
    missing=2,
    upcoming=5,
    due_soon=1,
    last=stamp(11, 19),
)

REFORMS = {
    "R1": figures(
        reforms=1,
        targets=3,
        done=2,
        not_applicable=1,
        completion=1,
        expected=B1,
        due=6,
        on_time=4,
        late=2,
        upcoming=3,
        last=stamp(11, 19),
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
    "R5": figures(reforms=1, due=2, late=1, missing=1, last=stamp(10, 20)),
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
            due=5,
            on_time=2,
            late=1,
            missing=2,
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
        "as_co": figures(reforms=1, due=1, missing=1),
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
            due=4,
            on_time=3,
            late=1,
            upcoming=2,
            last=stamp(11, 19),
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
        "as_co": figures(
            reforms=1,
            targets=3,
            done=2,
            not_applicable=1,
            completion=1,
            expected=B1,
            due=2,
            on_time=1,
            late=1,
            upcoming=1,
            last=stamp(11, 19),
        ),
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
    "U4": {
        "figures": figures(
            reforms=1,
            targets=3,
            done=2,
            not_applicable=1,
            completion=1,
            expected=B1,
            due=2,
            on_time=2,
            upcoming=1,
            last=stamp(11, 19),
        ),
        "as_lead": figures(),
        "as_co": figures(
            reforms=1,
            targets=3,
            done=2,
            not_applicable=1,
            completion=1,
            expected=B1,
            due=2,
            on_time=2,
            upcoming=1,
            last=stamp(11, 19),
        ),
    },
}

# City rows carry no last report (an obligation counts for several cities); the rest as defined.
CITIES = {
    "C1": figures(
        reforms=3,
        targets=3,
        done=1,
        in_progress=2,
        completion=Fraction(1, 3),
        expected=(2 * B1 + 1) / 3,
        overdue_targets=1,
        due=10,
        on_time=7,
        late=2,
        missing=1,
        upcoming=5,
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
        due=11,
        on_time=8,
        late=2,
        missing=1,
        upcoming=5,
        due_soon=1,
    ),
    "C3": figures(
        reforms=2,
        targets=2,
        done=1,
        not_applicable=1,
        completion=1,
        expected=B1,
        due=8,
        on_time=6,
        late=2,
        upcoming=4,
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
        due=10,
        on_time=7,
        late=2,
        missing=1,
        upcoming=5,
        due_soon=1,
        last=stamp(11, 19),
    ),
    "B2": figures(
        reforms=2,
        targets=1,
        not_started=1,
        completion=0,
        expected=B2,
        due=3,
        on_time=1,
        late=1,
        missing=1,
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
        due=7,
        on_time=5,
        late=2,
        upcoming=3,
        last=stamp(11, 19),
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
        due=6,
        on_time=3,
        late=1,
        missing=2,
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
        due=8,
        on_time=6,
        late=2,
        upcoming=4,
        last=stamp(11, 19),
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
    "unverified": figures(reforms=1, due=2, late=1, missing=1, last=stamp(10, 20)),
}

# Colours by the written rule (see test_colours.py for why each is what it is).
REFORM_COLOURS = {"R1": "green", "R2": "yellow", "R3": "red", "R4": "yellow", "R5": "red"}
UNIT_COLOURS = {"U1": "red", "U2": "yellow", "U3": "yellow", "U4": "green"}
CITY_COLOURS = {"C1": "red", "C2": "red", "C3": "green", "C4": "green"}
