"""The local stack's process handling, with throwaway processes (no servers needed)."""

import socket
import sys

import pytest

from deploy.local import stack


def _sleeper(name: str, ready: bool = True) -> stack.Component:
    return stack.Component(name=name, argv=[sys.executable, "-c", "import time; time.sleep(60)"],
                           healthy=lambda: ready, start_timeout=3)


def test_a_failing_server_stops_the_run_with_its_name_and_log_and_leaves_nothing_behind(tmp_path):
    group = stack.ProcessGroup(tmp_path / "run", tmp_path / "logs")
    crashing = stack.Component(name="broken-db", argv=[sys.executable, "-c", "print('cannot open data dir'); raise SystemExit(3)"],
                               healthy=lambda: False, start_timeout=10)
    with pytest.raises(stack.StartFailed) as e:
        stack.bring_up(group, [_sleeper("first"), crashing])
    assert "broken-db exited with code 3" in str(e.value) and "cannot open data dir" in str(e.value)
    assert not group.running("first") and not group.running("broken-db")  # the healthy one was stopped too


def test_a_server_that_never_gets_healthy_times_out_and_is_stopped(tmp_path):
    group = stack.ProcessGroup(tmp_path / "run", tmp_path / "logs")
    with pytest.raises(stack.StartFailed, match="slow was not healthy"):
        stack.bring_up(group, [_sleeper("slow", ready=False)])
    assert not group.running("slow")


def test_a_taken_port_is_reported_instead_of_clashing(tmp_path):
    group = stack.ProcessGroup(tmp_path / "run", tmp_path / "logs")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        c = _sleeper("needs-port")
        c.ports = (port,)
        with pytest.raises(stack.StartFailed, match=f"port {port} .* taken"):
            stack.bring_up(group, [c])
    assert not group.running("needs-port")


def test_running_components_are_reused_and_stop_stops_exactly_them(tmp_path):
    group = stack.ProcessGroup(tmp_path / "run", tmp_path / "logs")
    assert stack.bring_up(group, [_sleeper("a")]) == ["a"]
    pid = group.pid("a")
    assert stack.bring_up(group, [_sleeper("a"), _sleeper("b")]) == ["b"]  # a reused, only b started
    assert group.pid("a") == pid
    with pytest.raises(stack.StartFailed, match="already running"):
        stack.bring_up(group, [_sleeper("a")], reuse=False)
    assert group.stop("a") and group.stop("b")
    assert not group.running("a") and not group.running("b") and not group.stop("a")
