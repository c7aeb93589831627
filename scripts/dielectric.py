#!/usr/bin/python3
"""dielectric.py - dielectric response and mode autocorrelations from heff output.

  dielectric.py spectrum RUN_timeseries.tsv [--T K] [--oscillators N] [--fmax CM] ...
      Frequency-dependent susceptibility from the dipole autocorrelation
      (paper 002, Eq. 6, written with exp(+i w t) so that absorption is
      Im chi > 0):
          chi(w) = chi_s [1 + i w int_0^tmax phi(t) exp(i w t) dt],
          phi(t) = <dM(0).dM(t)> / <dM^2>,  chi_s = <dM^2> / (3 eps0 V kB T),
      and a least-squares fit of Im chi to a sum of damped harmonic oscillators
          chi_j(w) = A_j w_j^2 / (w_j^2 - w^2 - i g_j w).
      Writes PREFIX_spectrum.tsv (w in cm^-1, Re/Im chi, the fit) and a PNG.

  dielectric.py acf RUN_timeseries.tsv --columns P|wR|wM [--T K] ...
      Normalised autocorrelation functions of the chosen mode projections
      (mean removed, averaged over x, y, z), with the time where each first
      drops below 1/e; TSV and PNG.

  dielectric.py curie-weiss RUN.tsv [--above K] ...
      Static relative permittivity eps_r = 1 + chi (the trace/3 of the sweep
      table's fluctuation susceptibility) against T, and a weighted fit of the
      cubic rows to the Curie-Weiss law eps_r = C / (T - T0) + eps_inf_T
      (paper 002, Eq. 5).  PNG with the phases as bands.

Units: T in K, time in fs, frequencies in cm^-1, chi dimensionless (SI).
Needs python3-numpy, python3-scipy, python3-matplotlib (all pulled in by
Debian's python3-ase).
"""
import argparse
import math
import sys

import numpy as np

sys.path.insert(0, __import__("os").path.dirname(__file__))
from heff_table import floats, read_table  # noqa: E402

KB = 1.380649e-23  # J/K
EPS0 = 8.8541878128e-12  # F/m
C_CM_PER_FS = 2.99792458e-5  # speed of light, cm/fs
RAD_FS_TO_CM = 1.0 / (2 * math.pi * C_CM_PER_FS)  # angular frequency 1/fs -> cm^-1


def read_timeseries(path):
    """Time series per temperature: {T: {'t': fs, column: array}} and the cell count."""
    ncells = None
    for line in open(path):
        if line.startswith("# cells"):
            ncells = int(line.split()[2])
            break
    if ncells is None:
        raise SystemExit(f"{path}: no '# cells N' header line: not a heff time series")
    cols = read_table(path)
    T = np.array(floats(cols, "T_K"))
    out = {}
    for Tv in sorted(set(T)):
        sel = T == Tv
        d = {"t": np.array(floats(cols, "t_fs"))[sel]}
        for name in cols:
            if name not in ("T_K", "t_fs"):
                d[name] = np.array(floats(cols, name))[sel]
        out[Tv] = d
    return out, ncells


def pick_temperature(series, T, path):
    temps = sorted(series)
    if T is None:
        if len(temps) > 1:
            raise SystemExit(f"{path} holds {len(temps)} temperatures {temps}: choose one with --T")
        return temps[0]
    best = min(temps, key=lambda x: abs(x - T))
    if abs(best - T) > 1e-6:
        raise SystemExit(f"{path}: no temperature {T} K (have {temps})")
    return best


def autocorrelation(x, nlag):
    """Unbiased autocorrelation <dx(0) dx(t)> of one series for lags 0..nlag-1 (FFT)."""
    x = np.asarray(x, float) - np.mean(x)
    n = len(x)
    f = np.fft.rfft(x, 2 * n)
    c = np.fft.irfft(f * np.conj(f))[:nlag]
    return c / (n - np.arange(nlag))


def sampling_step(t, path):
    dt = np.diff(t)
    if len(dt) == 0 or np.any(np.abs(dt - dt[0]) > 1e-6 * dt[0]):
        raise SystemExit(f"{path}: time column is not evenly spaced (one run, one temperature?)")
    return dt[0]


def taper(nlag, fraction):
    """1 up to (1 - fraction) of the lags, then a half cosine down to 0: the
    transform of a hard cut rings at 1/tmax; the taper must start where phi has
    decayed (the default tmax leaves a soft mode of gamma > 25 cm^-1 below 1%)."""
    w = np.ones(nlag)
    n = int(round(fraction * nlag))
    if n > 1:
        w[nlag - n :] = 0.5 * (1 + np.cos(np.pi * np.arange(1, n + 1) / n))
    return w


def dipole_spectrum(d, ncells, T, tmax, freqs_cm, path="", taper_fraction=0.3):
    """chi_s, lag times (fs), phi(t), and chi(w) on freqs_cm (cm^-1)."""
    t = d["t"]
    step = sampling_step(t, path)
    nlag = min(len(t) // 2, int(round(tmax / step)) + 1)
    V = ncells * np.mean(d["V_cell_A3"]) * 1e-30  # m^3
    c = sum(autocorrelation(d[f"P{a}_C/m2"], nlag) for a in "xyz") / 3  # (C/m^2)^2
    # <dM_a^2> = V^2 <dP_a^2>: chi_s = V <dP^2> / (eps0 kB T), per component, averaged
    chi_s = V * c[0] / (EPS0 * KB * T)
    phi = c / c[0]
    lags = np.arange(nlag) * step
    w = np.asarray(freqs_cm) / RAD_FS_TO_CM  # rad/fs
    # trapezoid rule for int_0^tmax phi(t) exp(i w t) dt
    wt = taper(nlag, taper_fraction)
    wt[0] *= 0.5
    wt[-1] *= 0.5
    F = (np.exp(1j * np.outer(w, lags)) * (phi * wt)).sum(axis=1) * step
    chi = chi_s * (1 + 1j * w * F)
    return chi_s, lags, phi, chi


def dho(w, params):
    """Sum of damped harmonic oscillators; params = [A, w0, g] * n (w0, g in the units of w)."""
    out = np.zeros_like(w, dtype=complex)
    for k in range(0, len(params), 3):
        A, w0, g = params[k : k + 3]
        out += A * w0**2 / (w0**2 - w**2 - 1j * g * w)
    return out


def fit_oscillators(freqs, chi, n, chi_s):
    """Least-squares fit of Im chi to n damped oscillators; returns [A, w0, g]*n and the rms residual."""
    from scipy.optimize import least_squares

    im = chi.imag
    peak = freqs[np.argmax(im)] if np.max(im) > 0 else freqs[len(freqs) // 4]
    guess = []
    for k in range(n):
        w0 = peak * (1.5**k)
        guess += [chi_s / n, w0, w0]
    lo = [0, 1e-3, 1e-3] * n
    r = least_squares(lambda p: dho(freqs, p).imag - im, guess, bounds=(lo, np.inf), x_scale="jac")
    order = np.argsort(r.x[1::3])
    p = np.concatenate([r.x[3 * k : 3 * k + 3] for k in order])
    return p, math.sqrt(np.mean(r.fun**2))


def cmd_spectrum(a):
    series, ncells = read_timeseries(a.file)
    temps = sorted(series) if a.T is None else [pick_temperature(series, a.T, a.file)]
    freqs = np.linspace(a.fmax / a.nfreq, a.fmax, a.nfreq)
    results = []
    for T in temps:
        chi_s, lags, phi, chi = dipole_spectrum(series[T], ncells, T, a.tmax, freqs, a.file,
                                                a.taper)
        p, rms = fit_oscillators(freqs, chi, a.oscillators, chi_s)
        results.append((T, chi_s, chi, p))
        prefix = (a.out or a.file.replace("_timeseries.tsv", "")) + f"_T{T:g}"
        with open(prefix + "_spectrum.tsv", "w") as f:
            f.write(f"# heff dielectric spectrum from {a.file} at T = {T:g} K ({ncells} cells)\n")
            f.write(f"# chi_s = {chi_s:.6g} (static, from <dM^2>); oscillator fit of Im chi, "
                    f"rms residual {rms:.4g}:\n")
            for k in range(0, len(p), 3):
                f.write(f"#   A = {p[k]:.5g}, w0 = {p[k+1]:.4f} cm^-1, gamma = {p[k+2]:.4f} "
                        f"cm^-1, gamma/w0 = {p[k+2]/p[k+1]:.3f}\n")
            f.write("# units: w cm^-1; chi dimensionless (SI); exp(+i w t) convention\n")
            f.write("w_cm-1\tRe_chi\tIm_chi\tRe_fit\tIm_fit\n")
            fit = dho(freqs, p)
            for i in range(len(freqs)):
                f.write(f"{freqs[i]:.4f}\t{chi[i].real:.6g}\t{chi[i].imag:.6g}\t"
                        f"{fit[i].real:.6g}\t{fit[i].imag:.6g}\n")
        print(f"T = {T:g} K: chi_s = {chi_s:.5g}")
        for k in range(0, len(p), 3):
            print(f"  oscillator: A = {p[k]:.5g}  w0 = {p[k+1]:.2f} cm^-1  gamma = "
                  f"{p[k+2]:.2f} cm^-1  (gamma/w0 = {p[k+2]/p[k+1]:.2f})")
        print(f"  rms residual of Im chi: {rms:.4g}; wrote {prefix}_spectrum.tsv")
    if len(temps) > 2:
        # Curie-Weiss through the static values: 1/chi_s linear in T
        Ts = np.array([r[0] for r in results])
        inv = 1 / np.array([r[1] for r in results])
        slope, icpt = np.polyfit(Ts, inv, 1)
        print(f"1/chi_s linear in T over {Ts.min():g}-{Ts.max():g} K: C = {1 / slope:.4g} K, "
              f"T0 = {-icpt / slope:.1f} K")
    if a.png:
        plot_spectrum(a.png, results, freqs, ncells)
        print(f"  wrote {a.png}")
    return results


def plot_spectrum(path, results, freqs, ncells):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if len(results) == 1:
        T, chi_s, chi, p = results[0]
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        ax.plot(freqs, chi.real, color="tab:blue", label="Re $\\chi$")
        ax.plot(freqs, chi.imag, color="tab:red", label="Im $\\chi$")
        ax.plot(freqs, dho(freqs, p).imag, color="k", lw=1.8, ls="--", label="oscillator fit (Im)")
        if len(p) > 3:
            for k in range(0, len(p), 3):
                ax.plot(freqs, dho(freqs, p[k : k + 3]).imag, color="0.5", lw=0.8,
                        label=f"$\\omega_0$ = {p[k+1]:.0f} cm$^{{-1}}$, $\\gamma/\\omega_0$ = "
                              f"{p[k+2]/p[k+1]:.1f}")
        ax.set_title(f"T = {T:g} K, {ncells} cells")
    else:
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        cmap = plt.get_cmap("coolwarm")
        Tmin, Tmax = min(r[0] for r in results), max(r[0] for r in results)
        for T, chi_s, chi, p in results:
            c = cmap((T - Tmin) / (Tmax - Tmin) if Tmax > Tmin else 0.5)
            ax.plot(freqs, chi.imag, color=c, lw=1.2, label=f"{T:g} K: Im $\\chi$")
            ax.plot(freqs, dho(freqs, p).imag, color=c, lw=0.8, ls="--")
        ax.set_title(f"Im $\\chi(\\omega)$ (dashed: oscillator fits), {ncells} cells")
    ax.axhline(0, color="0.7", lw=0.5)
    ax.set_xlabel("frequency (cm$^{-1}$)")
    ax.set_ylabel("susceptibility $\\chi(\\omega)$")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def cmd_acf(a):
    series, ncells = read_timeseries(a.file)
    temps = sorted(series) if a.T is None else [pick_temperature(series, a.T, a.file)]
    names = {"P": "P{}_C/m2", "wR": "wR_{}", "wM": "wM_{}"}[a.columns]
    rows = []
    out = a.out or a.file.replace("_timeseries.tsv", "") + f"_acf_{a.columns}.tsv"
    with open(out, "w") as f:
        f.write(f"# normalised autocorrelation of {a.columns} (mean removed, averaged over x, y, z)"
                f" from {a.file}; t fs\n")
        f.write("T_K\tt_fs\tacf\n")
        for T in temps:
            d = series[T]
            if names.format("x") not in d:
                raise SystemExit(f"{a.file}: no {a.columns} columns (omega is not in this model?)")
            step = sampling_step(d["t"], a.file)
            nlag = min(len(d["t"]) // 2, int(round(a.tmax / step)) + 1)
            c = sum(autocorrelation(d[names.format(x)], nlag) for x in "xyz") / 3
            acf = c / c[0] if c[0] > 0 else c
            below = np.nonzero(acf < math.exp(-1))[0]
            tau = below[0] * step if len(below) else float("nan")
            rows.append((T, np.arange(nlag) * step, acf, tau))
            for i in range(nlag):
                f.write(f"{T:g}\t{i*step:.3f}\t{acf[i]:.6g}\n")
            print(f"T = {T:g} K: {a.columns} autocorrelation drops below 1/e at {tau:.1f} fs")
    print(f"wrote {out}")
    if a.png:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for T, t, acf, _ in rows:
            ax.plot(t, acf, label=f"{T:g} K")
        ax.axhline(0, color="0.7", lw=0.5)
        ax.set_xlabel("t (fs)")
        ax.set_ylabel(f"{a.columns} autocorrelation (normalised)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(a.png, dpi=120)
        print(f"wrote {a.png}")
    return rows


def curie_weiss_fit(T, eps, err):
    """Weighted fit eps = C/(T - T0) + e_inf; returns (C, T0, e_inf) and their standard errors."""
    from scipy.optimize import curve_fit

    T, eps, err = map(np.asarray, (T, eps, err))
    # start from the straight line 1/eps ~ (T - T0)/C
    slope, icpt = np.polyfit(T, 1 / eps, 1)
    C0 = 1 / slope if slope > 0 else 1e4
    T00 = -icpt / slope if slope > 0 else min(T) - 10
    T00 = min(T00, min(T) - 1)
    f = lambda T, C, T0, e: C / (T - T0) + e  # noqa: E731
    p, cov = curve_fit(f, T, eps, p0=[C0, T00, 0.0], sigma=err, absolute_sigma=True,
                       bounds=([0, -np.inf, -np.inf], [np.inf, min(T) - 1e-3, np.inf]))
    return p, np.sqrt(np.diag(cov))


def cmd_curie_weiss(a):
    cols = read_table(a.file)
    T = np.array(floats(cols, "T_K"))
    chi = (np.array(floats(cols, "chi_xx")) + np.array(floats(cols, "chi_yy"))
           + np.array(floats(cols, "chi_zz"))) / 3
    err = np.array(floats(cols, "chi_err_avg"))
    phase = cols["phase"]
    eps = 1 + chi
    sel = np.array([ph == "C" for ph in phase]) & (T >= a.above)
    if sel.sum() < 4:
        raise SystemExit(f"{a.file}: {sel.sum()} cubic rows at T >= {a.above} K; need 4 for a fit")
    p, pe = curie_weiss_fit(T[sel], eps[sel], np.maximum(err[sel], 1e-3 * eps[sel]))
    print(f"Curie-Weiss fit of {sel.sum()} cubic rows ({T[sel].min():g}-{T[sel].max():g} K): "
          f"C = {p[0]:.4g} +- {pe[0]:.2g} K, T0 = {p[1]:.2f} +- {pe[1]:.2f} K, "
          f"eps_inf_T = {p[2]:.4g} +- {pe[2]:.2g}")
    if a.png:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        colours = {"C": "#dddddd", "T": "#cfe2f3", "O": "#d9ead3", "R": "#fce5cd"}
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        order = np.argsort(T)
        Ts = T[order]
        for i, k in enumerate(order):
            lo = (Ts[i - 1] + Ts[i]) / 2 if i > 0 else Ts[i] - 2.5
            hi = (Ts[i + 1] + Ts[i]) / 2 if i + 1 < len(Ts) else Ts[i] + 2.5
            ax.axvspan(lo, hi, color=colours.get(phase[k], "white"), lw=0)
        for comp, col in (("xx", "tab:blue"), ("yy", "tab:orange"), ("zz", "tab:green")):
            ax.plot(T, 1 + np.array(floats(cols, "chi_" + comp)), "o", ms=3, color=col,
                    label=f"$\\varepsilon_{{{comp}}}$")
        Tf = np.linspace(T[sel].min(), T[sel].max(), 200)
        ax.plot(Tf, p[0] / (Tf - p[1]) + p[2], "k-",
                label=f"Curie-Weiss: C = {p[0]:.3g} K, T$_0$ = {p[1]:.0f} K")
        ax.set_yscale("log")
        ax.set_xlabel("T (K)")
        ax.set_ylabel("static $\\varepsilon_r$ (fluctuations)")
        ax.set_title("phases: grey C, blue T, green O, orange R", fontsize=9)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(a.png, dpi=120)
        print(f"wrote {a.png}")
    return p, pe


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("spectrum", help="chi(w) from the dipole autocorrelation")
    s.add_argument("file")
    s.add_argument("--T", type=float, help="temperature (K) to analyse (needed if several)")
    s.add_argument("--tmax", type=float, default=2000.0, help="largest lag in fs (2000)")
    s.add_argument("--taper", type=float, default=0.3,
                   help="fraction of the lags under a half-cosine taper (0.3)")
    s.add_argument("--fmax", type=float, default=400.0, help="largest frequency, cm^-1 (400)")
    s.add_argument("--nfreq", type=int, default=400, help="frequency points (400)")
    s.add_argument("--oscillators", type=int, default=2, help="damped oscillators in the fit (2)")
    s.add_argument("--out", help="output prefix (default: from the input and T)")
    s.add_argument("--png", help="PNG to write")
    s.set_defaults(func=cmd_spectrum)
    c = sub.add_parser("acf", help="mode autocorrelation functions")
    c.add_argument("file")
    c.add_argument("--columns", choices=["P", "wR", "wM"], default="P")
    c.add_argument("--T", type=float)
    c.add_argument("--tmax", type=float, default=2000.0, help="largest lag in fs (2000)")
    c.add_argument("--out")
    c.add_argument("--png")
    c.set_defaults(func=cmd_acf)
    w = sub.add_parser("curie-weiss", help="static eps_r(T) and a Curie-Weiss fit")
    w.add_argument("file")
    w.add_argument("--above", type=float, default=-1e9,
                   help="fit only cubic rows at or above this T (K)")
    w.add_argument("--png")
    w.set_defaults(func=cmd_curie_weiss)
    a = ap.parse_args(argv)
    return a.func(a)


if __name__ == "__main__":
    main()
