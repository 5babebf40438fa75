"""Starting `vigil serve` for the interop tests."""

import subprocess
import time

import requests


def start_serve(vigil, data, port, log_path, *extra, timeout=60):
    """Starts `vigil serve` on 127.0.0.1:`port` (output to `log_path`) and waits
    until /healthz answers; returns the process and its open log file."""
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [vigil, "--data", str(data), "serve", "--listen", f"127.0.0.1:{port}", *extra],
        stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.time() + timeout
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc, log
        except requests.ConnectionError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            raise RuntimeError(f"vigil serve did not start: {log_path.read_text()}")
        time.sleep(0.05)


def stop(proc, log):
    """Stops a server started for a test (politely, then not) and closes its log."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    log.close()
