"""check_dielectric.py - the MD time series and scripts/dielectric.py against
exactly solvable cases:

1. Independent harmonic local modes (E = kappa sum |u|^2, mass m, no dipole)
   under Langevin friction g: each mode is a damped harmonic oscillator, so
   the dipole response is exactly chi(w) = chi_s w0^2 / (w0^2 - w^2 - i g w)
   with w0^2 = 2 kappa / m, and chi_s = Z*^2 e^2 / (2 kappa eps0 V_cell)
   (equipartition), and the normalised autocorrelation is
   phi(t) = exp(-g t/2) [cos(w1 t) + g/(2 w1) sin(w1 t)], w1^2 = w0^2 - g^2/4.
   heff runs the MD and writes the time series; the script's one-oscillator
   fit must recover w0, g and chi_s.  Tolerances are 4 standard deviations of
   the fitted values over 6 seeds of this run (measured: w0 0.6%, g 2%,
   chi_s 1.3%).
2. The Curie-Weiss fit recovers C, T0 and eps_inf from synthetic data with
   known parameters and Gaussian noise within 4 of its own standard errors.
3. Bad input: a time series without the cells line is refused.

usage: check_dielectric.py HEFF_PROGRAM SCRIPTS_DIR"""
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, done  # noqa: E402

heff, scripts = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
sys.path.insert(0, scripts)
import dielectric  # noqa: E402

MVV2E = 103.642697  # eV per amu Angstrom^2 / fs^2
E2_EPS0 = 180.9512818  # e^2 / (eps0 Angstrom eV), CODATA 2018
KAPPA, MASS, ZSTAR, A0, GAMMA = 0.5, 50.0, 8.0, 4.0, 0.01  # eV/A^2, amu, e, A, 1/fs



with tempfile.TemporaryDirectory() as d:
    with open(os.path.join(d, "harm.yaml"), "w") as f:
        f.write(f"""name: harmonic
citation: "exact test model"
units: {{energy: eV, length: Angstrom, mass: amu}}
reference: {{a0: {A0}, zstar: {ZSTAR}, eps_inf: 5.0}}
dof: [u]
sites: {{u: B}}
masses: {{u: {MASS}}}
dipole: false
terms:
  - {{name: kappa, coef: {KAPPA}, expr: "ux^2 + uy^2 + uz^2"}}
""")
    with open(os.path.join(d, "run.yaml"), "w") as f:
        f.write(f"""model: harm.yaml
supercell: [4, 4, 4]
seed: 5
method: md
temperatures: [300]
thermalize: 2000
average: 300000
md: {{dt: 2.0, thermostat: langevin, friction: {GAMMA}, barostat: false}}
output: {{dir: out, prefix: h, vtk: false, timeseries: 2}}
""")
    subprocess.run([heff, "run.yaml"], cwd=d, check=True, stdout=subprocess.DEVNULL)
    path = os.path.join(d, "out", "h_timeseries.tsv")
    series, ncells = dielectric.read_timeseries(path)
    check(ncells == 64 and list(series) == [300.0], f"time series of 64 cells at 300 K ({ncells})")
    ts = series[300.0]
    check(len(ts["t"]) == 150000 and abs(ts["t"][0] - 4.0) < 1e-9,
          f"150000 rows every 4 fs ({len(ts['t'])}, first t {ts['t'][0]})")

    w0 = math.sqrt(2 * KAPPA / (MASS * MVV2E)) * dielectric.RAD_FS_TO_CM
    g = GAMMA * dielectric.RAD_FS_TO_CM
    chi_exact = ZSTAR**2 * E2_EPS0 / (2 * KAPPA * A0**3)
    freqs = np.linspace(0.75, 300, 400)
    chi_s, lags, phi, chi = dielectric.dipole_spectrum(ts, ncells, 300.0, 1500.0, freqs, path)
    p, rms = dielectric.fit_oscillators(freqs, chi, 1, chi_s)
    print(f"exact: w0 {w0:.3f} cm^-1, gamma {g:.3f} cm^-1, chi_s {chi_exact:.3f}")
    print(f"fit:   w0 {p[1]:.3f} cm^-1, gamma {p[2]:.3f} cm^-1, chi_s {chi_s:.3f}, A {p[0]:.3f}")
    check(abs(p[1] / w0 - 1) < 0.025, f"w0 within 2.5% ({p[1] / w0 - 1:+.4f})")
    check(abs(p[2] / g - 1) < 0.08, f"gamma within 8% ({p[2] / g - 1:+.4f})")
    check(abs(chi_s / chi_exact - 1) < 0.05, f"chi_s within 5% ({chi_s / chi_exact - 1:+.4f})")
    check(abs(p[0] / chi_exact - 1) < 0.05, f"oscillator strength within 5% ({p[0] / chi_exact - 1:+.4f})")

    # the autocorrelation itself, against the closed form
    wr, gr = w0 / dielectric.RAD_FS_TO_CM, GAMMA
    w1 = math.sqrt(wr**2 - gr**2 / 4)
    exact = np.exp(-gr * lags / 2) * (np.cos(w1 * lags) + gr / (2 * w1) * np.sin(w1 * lags))
    # rms over the lags 0..1500 fs; 6 seeds gave 0.007-0.012
    dev = math.sqrt(np.mean((phi - exact) ** 2))
    check(dev < 0.02, f"autocorrelation within rms 0.02 of the closed form ({dev:.4f})")

    # 3. a file that is not a heff time series
    bad = os.path.join(d, "bad.tsv")
    with open(bad, "w") as f:
        f.write("T_K\tt_fs\n300\t1\n")
    try:
        dielectric.read_timeseries(bad)
        check(False, "time series without '# cells' refused")
    except SystemExit as e:
        check("cells" in str(e), f"time series without '# cells' refused: {e}")

# 2. Curie-Weiss on synthetic data
rng = np.random.default_rng(7)
C, T0, einf = 1.2e5, 290.0, 60.0
T = np.arange(310.0, 420.0, 10.0)
eps = C / (T - T0) + einf
err = 0.02 * eps
noisy = eps + err * rng.standard_normal(len(T))
pfit, perr = dielectric.curie_weiss_fit(T, noisy, err)
z = (pfit - [C, T0, einf]) / perr
print(f"Curie-Weiss: C {pfit[0]:.1f}+-{perr[0]:.1f}, T0 {pfit[1]:.2f}+-{perr[1]:.2f}, "
      f"eps_inf {pfit[2]:.2f}+-{perr[2]:.2f}")
check(np.all(np.abs(z) < 4), f"Curie-Weiss parameters within 4 sigma (z = {np.round(z, 2)})")

done()
