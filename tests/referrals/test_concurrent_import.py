"""Two dispatchers importing the same sheet at the same moment: every row is filed once, and each batch's report says
which rows it created and which the other had already filed."""

import threading

import pytest
from django.db import connection

from renju.accounts.models import Role, User
from renju.problems.models import Problem
from renju.referrals.importer import referral_import
from renju.referrals.models import Referral
from tests.conftest import load_reference_data
from tests.referrals.conftest import row, xlsx


@pytest.mark.django_db(transaction=True)
def test_the_same_sheet_imported_twice_at_once_files_each_row_once():
    load_reference_data()  # a transactional test starts from an empty database
    User.objects.create_user("dispatcher9", role=Role.DISPATCHER)
    data = xlsx([row(f"RACE-{n}") for n in range(6)])
    start = threading.Barrier(2)
    batches, failures = [], []

    def run(username: str) -> None:
        try:
            start.wait()
            batches.append(referral_import(actor=User.objects.get(username=username), filename="same.xlsx", data=data))
        except Exception as exc:  # reported below, with the thread's own error
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in ("dispatcher", "dispatcher9")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert failures == []
    assert Problem.objects.count() == 6 and Referral.objects.count() == 6
    assert sum(b.created for b in batches) == 6
    assert sum(b.existing for b in batches) == 6
    assert all(b.refused == 0 for b in batches)
