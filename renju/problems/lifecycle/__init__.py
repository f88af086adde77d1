"""The only door through which a problem changes.

Each action is one function with keyword-only arguments. It runs in one transaction, locks the problem row
(`SELECT … FOR UPDATE` on PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE), checks that the actor may do
it and that the problem is in a state it applies to, then writes the new state and exactly one event.

`at` lets trusted importers (demo data, historical imports) date an action in the past; the API never passes it.
"""

from renju.problems.lifecycle.core import (  # noqa: F401
    preview_deadline,
    problem_accept,
    problem_dispatch,
    problem_merge,
    problem_rectify,
    problem_reject,
    problem_report,
    problem_return,
    problem_verify,
)
from renju.problems.lifecycle.followup import (  # noqa: F401
    ExtensionState,
    extension_state,
    problem_extension_decide,
    problem_extension_request,
    problem_flag_key,
    problem_ledger,
    problem_ledger_progress,
    problem_milestone_verify,
    problem_recheck,
    problem_resume,
    problem_suspend,
)
from renju.problems.lifecycle.intake import problem_arrive, problem_fast_track  # noqa: F401
from renju.problems.lifecycle.rules import ACTION_NAMES, RULES, Rule, actions_for  # noqa: F401
