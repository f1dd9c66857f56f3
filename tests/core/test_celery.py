"""One round trip through Redis and a real worker process."""

import pytest

from config.celery import ping


@pytest.mark.celery_worker
def test_task_round_trip_through_redis_and_a_real_worker(celery_worker_queue):
    result = ping.apply_async(args=[41], queue=celery_worker_queue)
    assert result.get(timeout=60) == 42
    assert result.successful()


def test_without_a_worker_tasks_run_inline_in_tests():
    assert ping.delay(1).get() == 2
