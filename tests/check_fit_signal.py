"""check_fit_signal.py - `fit` told to stop (SIGTERM) stops cleanly:
 A. during an engine call (a child that sleeps 60 s): fit exits within
    seconds with status 128 + 15 and "stopped" in its message, and the child
    process is gone (it runs in its own process group, which fit kills);
 B. during a 40-step fit against Lennard-Jones: exit 143, then `fit --resume`
    finishes, and its training set equals that of an uninterrupted run
    (the same frames, energies and stresses, byte for byte).
usage: check_fit_signal.py FIT_PROGRAM MODELS_DIR PYTHON ASE_RUNNER"""
import os
import signal
import subprocess
import sys
import tempfile
import time

fit, models = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
python, runner = sys.argv[3], os.path.abspath(sys.argv[4])
LJ = '{"calculator": "lj", "sigma": 1.7, "epsilon": 0.05, "rc": 5.2%s}\n'


def write_fit(d, name, settings):
    with open(os.path.join(d, name + ".json"), "w") as f:
        f.write(settings)
    path = os.path.join(d, name + ".yaml")
    with open(path, "w") as f:
        f.write(f"""reference: {models}/BaTiO3_ZVR1995.yaml
engine:
  type: child
  settings: {name}.json
  python: {python}
  runner: {runner}
  species: [Ba, Ti, O]
  xi: [0.006, 1, -1.556, -0.804, -0.804]
  masses: [137.327, 47.867, 15.999]
  timeout: 120
  retries: 1
basis: ["u^2..4", "u u@1", "v v@0..1", "eta^2", "eta u^2"]
temperatures: [50]
steps: 40
initial_amplitude: 0.03
threshold: {{initial_interval: 4, min_interval: 4}}
output: {{dir: {name}, log_every: 5, progress: false}}
""")
    return path


def wait_for(pred, seconds, what):
    t0 = time.time()
    while not pred():
        if time.time() - t0 > seconds:
            sys.exit(f"FAIL: no {what} after {seconds} s")
        time.sleep(0.05)


def data_rows(path):
    if not os.path.exists(path):
        return 0
    return sum(1 for line in open(path) if line.strip() and not line.startswith("#"))


def stop_run(args, cwd, ready, what):
    """Starts fit, sends SIGTERM once ready() holds; returns (status, stderr, seconds to exit)."""
    p = subprocess.Popen([fit, "--quiet", *args], cwd=cwd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    wait_for(lambda: ready() or p.poll() is not None, 120, what)
    if p.poll() is not None:
        sys.exit(f"FAIL: fit ended before the signal: {p.stderr.read()}")
    t0 = time.time()
    p.send_signal(signal.SIGTERM)
    try:
        _, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        sys.exit("FAIL: fit did not stop within 30 s of SIGTERM")
    return p.returncode, err, time.time() - t0


with tempfile.TemporaryDirectory() as d:
    # A. a sleeping engine call (the reference, the first call)
    path = write_fit(d, "sleepy", LJ % ', "simulate": "sleep:60"')
    pidfile = os.path.join(d, "sleepy", "calls", "reference", "sleeping.pid")
    rc, err, sec = stop_run([path], d, lambda: os.path.exists(pidfile) and
                            os.path.getsize(pidfile) > 0, "sleeping child")
    pid = int(open(pidfile).read())
    try:
        os.kill(pid, 0)
        gone = False
    except ProcessLookupError:
        gone = True
    print(f"A. SIGTERM during a call: exit {rc} after {sec:.2f} s; child {pid} gone: {gone}; "
          f"message: {err.strip()}")
    assert rc == 128 + signal.SIGTERM, rc
    assert "stopped" in err, err
    assert gone, f"the engine child {pid} outlived fit"
    assert sec < 10, sec

    # B. stopped mid-fit, resumed, against an uninterrupted run
    full = write_fit(d, "full", LJ % "")
    subprocess.run([fit, "--quiet", full], cwd=d, check=True, stdout=subprocess.DEVNULL)
    cut = write_fit(d, "cut", LJ % "")
    calls = os.path.join(d, "cut", "calls.tsv")
    rc, err, sec = stop_run([cut], d, lambda: data_rows(calls) >= 3, "third engine call")
    print(f"B. SIGTERM after {data_rows(calls)} calls: exit {rc} after {sec:.2f} s: {err.strip()}")
    assert rc == 128 + signal.SIGTERM and "stopped" in err, (rc, err)
    out = subprocess.run([fit, "--quiet", "--resume", cut], cwd=d, check=True,
                         capture_output=True, text=True).stdout
    assert "(resumed)" in out, out
    a = open(os.path.join(d, "full", "train.xyz")).read()
    b = open(os.path.join(d, "cut", "train.xyz")).read()
    print(f"   resumed: train.xyz {len(b)} bytes, {b.count('Lattice=')} frames; "
          f"uninterrupted {len(a)} bytes, {a.count('Lattice=')} frames; identical: {a == b}")
    assert a == b
print("check_fit_signal: passed")
