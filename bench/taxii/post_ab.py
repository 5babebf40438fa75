"""Posting only, A/B: POST N generated indicators in 10,000-object envelopes to a new
`vigil serve` for each binary in turn, REPS times alternating; prints objects/s and the
server's CPU ticks. For comparing two builds on a noisy machine, where whole runs of
run.py minutes apart differ by more than the change being measured.

    python3 bench/taxii/post_ab.py N REPS name=path/to/vigil [name=path/to/vigil ...]

Uses run.py's helpers (the same input, envelopes, users and collections).
"""
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as R  # noqa: E402


def bench(vigil, n, tag):
    data = R.OUT / f"post-ab-{tag}"
    shutil.rmtree(data, ignore_errors=True)

    def cli(*args, stdin=None):
        R.vigil_cli(vigil, data, *args, stdin=stdin)

    cli("init", "--no-attack")
    cli("group", "add", "bench")
    cli("collection", "add", "small", "--id", R.SMALL, "--read", "bench", "--write", "bench")
    cli("collection", "add", "big", "--id", R.BIG, "--read", "bench", "--write", "bench")
    cli("user", "add", R.USER, "--password-stdin", "--group", "bench", "--clearance", "TLP:RED",
        stdin=R.PASSWORD + "\n")
    port = R.free_port()
    proc = subprocess.Popen([vigil, "--data", str(data), "serve", "--listen", f"127.0.0.1:{port}",
                             "--no-attack"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        R.wait_up("/taxii2/api/", port, proc, "vigil serve")
        h = R.Http(port)
        lines = list(R.objects(n + 1000))
        # As in run.py: a small collection first, so the big one is posted into a store in WAL mode.
        h.post_envelope("/taxii2/api/", R.SMALL, R.envelope(lines[:1000]))
        times = []
        for i in range(1000, n + 1000, R.ENVELOPE):
            secs, _ = h.post_envelope("/taxii2/api/", R.BIG, R.envelope(lines[i:i + R.ENVELOPE]))
            times.append(secs)
        print(f"{tag}: {n / sum(times):,.0f} objects/s ({sum(times):.1f} s; server CPU ticks "
              f"{R.cpu_ticks(proc.pid)})", flush=True)
    finally:
        R.stop(proc)
        shutil.rmtree(data, ignore_errors=True)


def main():
    n, reps = int(sys.argv[1]), int(sys.argv[2])
    R.OUT.mkdir(parents=True, exist_ok=True)
    for _ in range(reps):
        for arg in sys.argv[3:]:
            tag, path = arg.split("=", 1)
            bench(path, n, tag)


if __name__ == "__main__":
    main()
