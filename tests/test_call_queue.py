"""The reference console's queue: first come first served, and an expected wait that follows reality."""
from backend_sim.console.queue import CallQueue


def test_first_come_first_served_and_waits_shrink_with_more_agents():
    queue = CallQueue(average_call_s=120)
    for citizen in "abc":
        queue.join(citizen)
    assert [queue.position(c) for c in "abc"] == [1, 2, 3]
    assert [queue.expected_wait_s(c, agents=1) for c in "abc"] == [120, 240, 360]
    assert [queue.expected_wait_s(c, agents=2) for c in "abc"] == [120, 120, 240]
    assert queue.expected_wait_s("c", agents=0) == 360  # nobody online yet: counted as one agent
    assert queue.leave("b") and not queue.leave("b")
    assert queue.take() == "a" and queue.position("c") == 1
    assert queue.take() == "c" and queue.take() is None


def test_the_estimate_follows_the_calls_that_finish():
    queue = CallQueue(average_call_s=240)
    for _ in range(20):
        queue.finished(60)
    queue.join("x")
    assert 60 <= queue.expected_wait_s("x", agents=1) < 70
