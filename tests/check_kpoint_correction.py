"""check_kpoint_correction.py - dft_bridge/studies/kpoint_correction.py without GPAW:
(1) its mode forces dE/du and strain derivatives dE/deta at fixed modes (paper 003
Eq. 7) against central differences of the energy, with ASE's Lennard-Jones standing in
for the DFT code, on strained and sheared polar cells; (2) the correction terms'
model-language expressions equal the polynomials the fit uses; (3) the least squares
recovers known coefficients from exact synthetic differences; (4) merge appends the
terms to a model file that heff then runs.
usage: check_kpoint_correction.py HEFF_EXE MODELS_DIR"""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, done  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "dft_bridge", "studies"))
import kpoint_correction as kc  # noqa: E402
from ase.calculators.lj import LennardJones  # noqa: E402

heff, models = sys.argv[1], sys.argv[2]
A = 3.985
pat = kc.Pattern([0.011, 1.0, -1.514, -0.786, -0.786])


def lj_result(u, e):
    at, _ = kc.structure(A, pat, u, e)
    at.calc = LennardJones(sigma=2.2, epsilon=0.1, rc=6.0, smooth=True)
    return {"energy": at.get_potential_energy(), "forces": at.get_forces().tolist(),
            "stress_GPa": (at.get_stress(voigt=True) / kc.EV_A3_PER_GPA).tolist()}


# (1) derivatives against central differences of the energy
h = 1e-5
for u, e in [((0.03, 0.07, 0.12), (0.01, -0.005, 0.002, 0.004, -0.003, 0.006)),
             ((0.0, 0.0, 0.15), (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)),
             ((0.09, 0.09, 0.09), (-0.02, 0.01, 0.0, 0.0, 0.012, 0.0))]:
    u, e = np.array(u), np.array(e)
    _, gu, ge = kc.derived(lj_result(u, e), A, pat, u, e)
    fu = np.array([(lj_result(u + h * d, e)["energy"] - lj_result(u - h * d, e)["energy"])
                   / (2 * h) for d in np.eye(3)])
    fe = np.array([(lj_result(u, e + h * d)["energy"] - lj_result(u, e - h * d)["energy"])
                   / (2 * h) for d in np.eye(6)])
    scale = max(np.abs(fu).max(), np.abs(fe).max())
    check(np.abs(gu - fu).max() < 1e-7 * scale and np.abs(ge - fe).max() < 1e-7 * scale,
          f"u {u}, eta {e}: dE/du and dE/deta vs central differences, worst "
          f"{max(np.abs(gu - fu).max(), np.abs(ge - fe).max()) / scale:.1e} relative")

# (2) the expressions heff reads are the polynomials the fit uses (etaL = 0 here)
rng = np.random.default_rng(5)
worst = 0.0
for _ in range(20):
    u, e = rng.normal(0, 0.1, 3), rng.normal(0, 0.01, 6)
    env = {"ux": u[0], "uy": u[1], "uz": u[2]}
    env.update({f"eta{i + 1}": e[i] for i in range(6)})
    env.update({f"etaL{i + 1}": 0.0 for i in range(6)})
    vals = np.array([eval(re.sub(r"\^", "**", x), {}, env) for _, x in kc.TERMS])
    worst = max(worst, np.abs(vals - kc.term_values(u, e)).max())
check(worst < 1e-15, f"term expressions = term_values on 20 random states (worst {worst:.1e})")

# (3) exact synthetic differences: the fit recovers the coefficients
c_true = np.array([-0.45, 3.0, -2.0, -1.5, 0.4, 0.3])


def synthetic(st, opt, configs):
    return [(n, u, e, kc.term_rows(u, e) @ c_true, None) for n, u, e in configs]


kc.deltas = synthetic
with tempfile.TemporaryDirectory() as tmp:
    st = kc.convergence.Store(tmp)
    opt = {"a": A, "pat": pat, "formula": "BaTiO3", "ecut": 600, "coarse": 4, "fine": 8}
    kc.fit(st, opt)
    import yaml

    frag = yaml.safe_load(open(os.path.join(tmp, "kpoint_correction.yaml")))
    c = np.array([t["coef"] for t in frag["terms"]])
    check(np.abs(c - c_true).max() < 1e-6 * np.abs(c_true).max(),
          f"coefficients recovered from exact differences (worst {np.abs(c - c_true).max():.1e})")
    # --scale 2.5 (PbTiO3's amplitudes): the configurations reach 0.45 A, the fit recovers
    seen = []
    kc.deltas = lambda st, opt, configs: seen.extend(configs) or synthetic(st, opt, configs)
    kc.fit(st, dict(opt, scale=2.5))
    c = np.array([t["coef"] for t in yaml.safe_load(
        open(os.path.join(tmp, "kpoint_correction.yaml")))["terms"]])
    umax = max(np.linalg.norm(u) for _, u, _ in seen)
    check(abs(umax - 0.45) < 1e-12 and np.abs(c - c_true).max() < 1e-6 * np.abs(c_true).max(),
          f"--scale 2.5: largest |u| {umax:.3f} A (0.45), coefficients recovered "
          f"(worst {np.abs(c - c_true).max():.1e})")
    # --wide: the configurations reach 0.70 A (and three strained cells), the fit recovers
    seen.clear()
    kc.deltas = lambda st, opt, configs: seen.extend(configs) or synthetic(st, opt, configs)
    kc.fit(st, dict(opt, scale=2.5, wide=True))
    c = np.array([t["coef"] for t in yaml.safe_load(
        open(os.path.join(tmp, "kpoint_correction.yaml")))["terms"]])
    umax = max(np.linalg.norm(u) for _, u, _ in seen)
    check(abs(umax - 0.70) < 1e-12 and len(seen) == 9 + 9 + 2 + 2
          and np.abs(c - c_true).max() < 1e-6 * np.abs(c_true).max(),
          f"--scale 2.5 --wide: {len(seen)} configurations, largest |u| {umax:.3f} A (0.70), "
          f"coefficients recovered (worst {np.abs(c - c_true).max():.1e})")
    kc.deltas = synthetic
    kc.fit(st, opt)
    # (4) merge into the ZVR model and run heff on it
    out = os.path.join(tmp, "corrected.yaml")
    kc.merge(st, os.path.join(models, "BaTiO3_ZVR1995.yaml"), out)
    m = yaml.safe_load(open(out))
    z = yaml.safe_load(open(os.path.join(models, "BaTiO3_ZVR1995.yaml")))
    check(len(m["terms"]) == len(z["terms"]) + len(kc.TERMS)
          and [t["name"] for t in m["terms"][-len(kc.TERMS):]] == [n for n, _ in kc.TERMS],
          "merge appends the kcorr_* terms after the model's own")
    run = os.path.join(tmp, "run.yaml")
    with open(run, "w") as fh:
        fh.write(f"model: {out}\ntemperatures: [100]\nsupercell: [4, 4, 4]\nmethod: mc\n"
                 f"thermalize: 2\naverage: 2\noutput: {{dir: {tmp}/out, vtk: false}}\n")
    p = subprocess.run([heff, "--quiet", run], capture_output=True, text=True)
    check(p.returncode == 0, f"heff runs the merged model (exit {p.returncode}) {p.stderr[-300:]}")
    try:
        kc.merge(st, out, os.path.join(tmp, "twice.yaml"))
        check(False, "merging twice is refused")
    except SystemExit as ex:
        check("already has terms" in str(ex), f"merging twice is refused: {ex}")
done()
