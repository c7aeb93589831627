"""kpoint_correction.py - correct a model learned with a coarse k mesh to a converged one.

An on-the-fly fit of a 2x2x2 supercell with a 2x2x2 Monkhorst-Pack mesh samples the
5-atom cell exactly like a 4x4x4 mesh (the supercell points fold onto it), and for
BaTiO3 that mesh misses the polar well by ~60% (docs/dft-bridge.md, k-point table).
Paying for a converged mesh in every call of the loop costs ~3.5x.  This study measures
the difference instead, on uniform configurations of the 5-atom cell where it is cheap:

    Delta(u, eta) = E_fine(u, eta) - E_coarse(u, eta)   (same cutoff and functional),

for uniform local modes u (the fit's normalised soft-mode pattern xi, Angstrom) along
[001], [110], [111] and homogeneous strains eta, with its mode forces dDelta/du and strain
derivatives dDelta/deta at fixed modes (paper 003 Eq. 7), and fits Delta with the
on-site and strain terms of the model language (docs/model-format.md):

    u^2, (u^2)^2, ux^2 uy^2 + ..., eta_a u_a^2, eta_a (u_b^2 + u_c^2), eta4 uy uz + ...
    (the strain couplings in eta and etaL alike)

Adding these terms to the learned model makes its uniform-mode energy surface that of
the fine mesh.  What it cannot correct: the k-point error of non-uniform patterns (zone-
boundary modes of the 2x2x2 cell), which the coarse mesh also samples imperfectly.

usage: /usr/bin/python3 kpoint_correction.py OUTDIR [options] run|fit|merge MODEL OUT
  --a A          lattice constant of the fit's reference (Angstrom, 3.985)
  --xi 5 numbers the fit's soft-mode pattern (A, B, X_par, X_perp, X_perp; any scale)
  --formula ABO3 (BaTiO3)   --ecut EV (600)   --coarse N (4)   --fine N (8)
  --scale S      the configurations' mode amplitudes times S (1: up to 0.18 A, BaTiO3's
                 range; PbTiO3's ground state is ~0.44 A of its normalised mode: 2.5)
  --wide         also the amplitudes of a deep well, up to 0.28 x scale (and strained)
  run    the GPAW calculations (resumable: OUTDIR/results.jsonl)
  fit    least squares of Delta on the training configurations, check on held-out ones,
         write OUTDIR/kpoint_correction.yaml (the terms, with provenance)
  merge MODEL OUT   MODEL's terms plus the correction terms, written to OUT
Debian's python3 (python3-ase, gpaw, python3-yaml); one process, one thread."""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import convergence  # noqa: E402  (Store, cell; sets the GPAW environment)

EV_A3_PER_GPA = 1.0 / 160.21766208

# Training and held-out configurations: (name, u in Angstrom, Voigt eta).  u spans the
# range production runs visit (BaTiO3 ground state ~0.1-0.2 A of the normalised mode).
S3 = 1 / np.sqrt(3)
S2 = 1 / np.sqrt(2)
TRAIN = [
    ("cub", (0, 0, 0), (0, 0, 0, 0, 0, 0)),
    ("str1", (0, 0, 0), (0.01, 0, 0, 0, 0, 0)),
    ("z05", (0, 0, 0.05), (0, 0, 0, 0, 0, 0)),
    ("z10", (0, 0, 0.10), (0, 0, 0, 0, 0, 0)),
    ("z18", (0, 0, 0.18), (0, 0, 0, 0, 0, 0)),
    ("xy12", (0.12 * S2, 0.12 * S2, 0), (0, 0, 0, 0, 0, 0)),
    ("xyz10", (0.10 * S3,) * 3, (0, 0, 0, 0, 0, 0)),
    ("xyz16", (0.16 * S3,) * 3, (0, 0, 0, 0, 0, 0)),
    ("xy15s", (0.15 * S2, 0.15 * S2, 0), (0, 0, 0.008, 0, 0, 0)),
]
HELDOUT = [
    ("z14", (0, 0, 0.14), (0, 0, 0, 0, 0, 0)),
    ("xyz13s", (0.13 * S3,) * 3, (-0.005, -0.005, -0.005, 0, 0, 0)),
]
# --wide: the amplitudes of a deep well (PbTiO3 at -6 GPa: |u| ~0.67 A at scale 2.5 in T, O
# and R alike), where the quartic terms fitted up to 0.18 x scale were extrapolated: there
# Delta saturates along [001] (-10.3, -11.3, -11.4 meV at 0.45, 0.55, 0.70 A) while the
# quartic fitted below 0.45 A turned to +6.6 meV at 0.70 A, 14 meV above [111], and made
# R the learned PbTiO3 model's ground state.  The strained ones carry the homogeneous strain
# of that model's relaxed T, O and R states (c/a ~1.04).  The terms stay quartic: a sextic
# fit follows the saturation to 0.3 meV, but its q^3 coefficient is negative, and the
# corrected model fell into a spurious on-site well at |u| ~2.4 A.
WIDE_TRAIN = [
    ("z22", (0, 0, 0.22), (0, 0, 0, 0, 0, 0)),
    ("z28", (0, 0, 0.28), (0, 0, 0, 0, 0, 0)),
    ("xy22", (0.22 * S2, 0.22 * S2, 0), (0, 0, 0, 0, 0, 0)),
    ("xy28", (0.28 * S2, 0.28 * S2, 0), (0, 0, 0, 0, 0, 0)),
    ("xyz22", (0.22 * S3,) * 3, (0, 0, 0, 0, 0, 0)),
    ("xyz28", (0.28 * S3,) * 3, (0, 0, 0, 0, 0, 0)),
    ("z27s", (0, 0, 0.27), (0.008, 0.008, 0.051, 0, 0, 0)),
    ("xy27s", (0.27 * S2, 0.27 * S2, 0), (0.030, 0.030, 0.008, 0, 0, 0.026)),
    ("xyz27s", (0.27 * S3,) * 3, (0.0225, 0.0225, 0.0225, 0.017, 0.017, 0.017)),
]
WIDE_HELDOUT = [
    ("z25", (0, 0, 0.25), (0, 0, 0, 0, 0, 0)),
    ("xyz25", (0.25 * S3,) * 3, (0, 0, 0, 0, 0, 0)),
]

# the correction terms: name, model-language expression (strain couplings in eta and
# etaL alike: a uniform configuration has etaL = 0, so the fit sees the eta part)
TERMS = [
    ("kcorr_u2", "ux^2 + uy^2 + uz^2"),
    ("kcorr_u4", "(ux^2 + uy^2 + uz^2)^2"),
    ("kcorr_u4c", "ux^2*uy^2 + uy^2*uz^2 + uz^2*ux^2"),
    ("kcorr_B1xx", "eta1*ux^2 + eta2*uy^2 + eta3*uz^2 + etaL1*ux^2 + etaL2*uy^2 + etaL3*uz^2"),
    ("kcorr_B1yy", "eta1*(uy^2+uz^2) + eta2*(uz^2+ux^2) + eta3*(ux^2+uy^2) "
     "+ etaL1*(uy^2+uz^2) + etaL2*(uz^2+ux^2) + etaL3*(ux^2+uy^2)"),
    ("kcorr_B4yz", "eta4*uy*uz + eta5*uz*ux + eta6*ux*uy + etaL4*uy*uz + etaL5*uz*ux "
     "+ etaL6*ux*uy"),
]


def term_values(u, e):
    """The TERMS' polynomials at uniform u (3) and eta (6), etaL = 0."""
    ux, uy, uz = u
    q = ux * ux + uy * uy + uz * uz
    return np.array([
        q, q * q, ux * ux * uy * uy + uy * uy * uz * uz + uz * uz * ux * ux,
        e[0] * ux * ux + e[1] * uy * uy + e[2] * uz * uz,
        e[0] * (uy * uy + uz * uz) + e[1] * (uz * uz + ux * ux) + e[2] * (ux * ux + uy * uy),
        e[3] * uy * uz + e[4] * uz * ux + e[5] * ux * uy])


def term_rows(u, e, h=1e-5):
    """Rows of the design matrix: values, d/du_a (3), d/deta_l (6), by central
    differences (the terms are polynomials of degree <= 4: error ~h^2 relative)."""
    u, e = np.asarray(u, float), np.asarray(e, float)
    rows = [term_values(u, e)]
    for a in range(3):
        d = np.zeros(3)
        d[a] = h
        rows.append((term_values(u + d, e) - term_values(u - d, e)) / (2 * h))
    for l in range(6):
        d = np.zeros(6)
        d[l] = h
        rows.append((term_values(u, e + d) - term_values(u, e - d)) / (2 * h))
    return np.array(rows)


class Pattern:
    """Uniform u moves atom k (cell order A, B, X_x, X_y, X_z) by xi_k u, X_a taking
    xi_par for the u_a component and xi_perp for the others (docs/dft-bridge.md)."""

    def __init__(self, xi):
        xi = np.asarray(xi, float)
        self.xi = xi / np.sqrt(xi[0] ** 2 + xi[1] ** 2 + xi[2] ** 2 + 2 * xi[3] ** 2)

    def dmat(self):
        """D[k, i, a] = d(displacement of atom k along i) / d u_a."""
        xa, xb, xpar, xperp = self.xi[:4]
        D = np.zeros((5, 3, 3))
        for a in range(3):
            D[0, a, a] = xa
            D[1, a, a] = xb
            for xk in range(3):  # X_x, X_y, X_z at atoms 2, 3, 4
                D[2 + xk, a, a] = xpar if xk == a else xperp
        return D


def strain_tensor(eta):
    e = eta
    return np.array([[e[0], e[5] / 2, e[4] / 2], [e[5] / 2, e[1], e[3] / 2],
                     [e[4] / 2, e[3] / 2, e[2]]])


def structure(a, pat, u, eta):
    """Atoms (1 + eps)(R + tau) + xi u, cell (1 + eps) a (paper 003 Eq. 6)."""
    at = convergence.cell(a)
    eps = strain_tensor(eta)
    F = np.eye(3) + eps
    disp = np.einsum("kia,a->ki", pat.dmat(), np.asarray(u, float))
    at.set_cell(at.cell.array @ F.T, scale_atoms=True)
    at.positions = at.positions + disp
    return at, disp


def derived(r, a, pat, u, eta):
    """Energy, dE/du (3) and dE/deta at fixed modes (6) of one stored calculation."""
    f = np.array(r["forces"])
    D = pat.dmat()
    dEdu = -np.einsum("ki,kia->a", f, D)
    _, disp = structure(a, pat, u, eta)
    V = a ** 3 * np.linalg.det(np.eye(3) + strain_tensor(eta))
    s = np.array(r["stress_GPa"]) * EV_A3_PER_GPA  # Voigt xx yy zz yz zx xy, eV/A^3
    sig = np.array([[s[0], s[5], s[4]], [s[5], s[1], s[3]], [s[4], s[3], s[2]]])
    # r = F R + x with F = 1 + eps: a change dF is ASE's homogeneous scaling by
    # dF F^-1 plus the move -dF F^-1 x, so dE/dF = (V sigma + sum_k f_k x_k^T) F^-T
    G = V * sig + np.einsum("ki,kj->ij", f, disp)
    g = G @ np.linalg.inv(np.eye(3) + strain_tensor(eta)).T
    g = 0.5 * (g + g.T)
    dEdeta = np.array([g[0, 0], g[1, 1], g[2, 2], g[1, 2], g[0, 2], g[0, 1]])
    return r["energy"], dEdu, dEdeta


def key(name, k):
    return f"kc_{name}_k{k}"


def scaled(configs, opt):
    """configs with every u times opt["scale"] (the material's amplitude range)."""
    s = opt.get("scale", 1.0)
    return [(name, tuple(s * np.asarray(u, float)), eta) for name, u, eta in configs]


def train_set(opt):
    return TRAIN + (WIDE_TRAIN if opt.get("wide") else [])


def heldout_set(opt):
    return HELDOUT + (WIDE_HELDOUT if opt.get("wide") else [])


def run(st, opt):
    for name, u, eta in scaled(train_set(opt) + heldout_set(opt), opt):
        for k in (opt["coarse"], opt["fine"]):
            at, _ = structure(opt["a"], opt["pat"], u, eta)
            st.run(key(name, k), at, opt["ecut"], k)


def deltas(st, opt, configs):
    """Per configuration: Delta E, Delta dE/du, Delta dE/deta, each mesh taken relative to
    its cubic cell: the fit subtracts the reference's normal stress from every call
    (pulay_correction), which removes the mesh's stress error at a0 as well."""
    ref = {}
    for k in (opt["coarse"], opt["fine"]):
        E, gu, ge = derived(st.done[key("cub", k)], opt["a"], opt["pat"], (0, 0, 0), (0,) * 6)
        ref[k] = np.concatenate([[E], gu, ge])
    out = []
    for name, u, eta in configs:
        d = []
        for k in (opt["fine"], opt["coarse"]):
            E, gu, ge = derived(st.done[key(name, k)], opt["a"], opt["pat"], u, eta)
            d.append(np.concatenate([[E], gu, ge]) - ref[k])
        out.append((name, u, eta, d[0] - d[1], d[0]))
    return out


# weights of the row types: energy (eV), mode force (eV/A), strain derivative (eV).
# Energies and strain derivatives count only in the unstrained cell, as differences from
# the cubic one: at another cell the plane-wave set changes discretely (fixed cutoff),
# which moved the coarse-mesh energy of a 1% strain by ~2 meV per 5 atoms and the
# stresses of strained polar cells by ~0.1 GPa against the fine mesh; forces have no
# such error.  So the strain couplings come from the stresses of polar unstrained cells
# and the mode forces of strained ones, and pure elastic terms are not corrected.
SIGMA = np.array([1e-4] + [2e-3] * 3 + [5e-3] * 6)


def weights(e):
    w = 1 / SIGMA
    return w if not np.any(e) else np.concatenate([[0.0], w[1:4], np.zeros(6)])


def fit(st, opt):
    import yaml

    train = deltas(st, opt, scaled(train_set(opt), opt))
    A = np.vstack([term_rows(u, e) * weights(e)[:, None] for _, u, e, _, _ in train])
    y = np.concatenate([d * weights(e) for _, _, e, d, _ in train])
    c, *_ = np.linalg.lstsq(A, y, rcond=None)
    print(f"{len(TERMS)} terms from {A.shape[0]} rows ({len(train)} configurations); "
          f"coarse {opt['coarse']}^3, fine {opt['fine']}^3 MP, {opt['ecut']} eV")
    for (name, expr), v in zip(TERMS, c):
        print(f"  {name:12s} {v:+.6e}")
    print("config   |u| (A)  eta            dE fine-coarse (meV)  fitted  | max dF_u (eV/A) "
          "fitted | max d(dE/deta) (eV) fitted")
    report = []
    for tag, rows in (("train", train), ("held-out", deltas(st, opt, scaled(heldout_set(opt), opt)))):
        for name, u, e, d, fine in rows:
            p = term_rows(u, e) @ c
            line = (f"{name:8s} {np.linalg.norm(u):.3f}  {tag:8s} {1e3 * d[0]:9.3f} "
                    f"{1e3 * p[0]:9.3f} | {np.abs(d[1:4]).max():.4f} {np.abs(p[1:4]).max():.4f}"
                    f" | {np.abs(d[4:]).max():.4f} {np.abs(p[4:]).max():.4f}")
            print(line)
            report.append(line)
            if tag == "held-out":
                err = np.abs(d - p)
                if np.any(e):
                    print(f"           residual: mode force {err[1:4].max():.4f} eV/A (strained "
                          "cell: energy and stress not comparable)")
                else:
                    print(f"           residual: energy {1e3 * err[0]:.3f} meV, mode force "
                          f"{err[1:4].max():.4f} eV/A, strain derivative {err[4:].max():.4f} eV")
    frag = {
        "provenance": (
            f"dft_bridge/studies/kpoint_correction.py: GPAW PBEsol {opt['ecut']} eV, 5-atom "
            f"{opt['formula']} at a = {opt['a']}, uniform modes along xi = "
            f"{[round(float(x), 4) for x in opt['pat'].xi]} (normalised), amplitudes up to "
            f"{(0.28 if opt.get('wide') else 0.18) * opt.get('scale', 1.0):.2f} A; Delta = "
            f"E({opt['fine']}^3 MP) - E({opt['coarse']}^3 MP), fitted on {len(train)} "
            "configurations (energies, mode forces, strain derivatives)"),
        "terms": [{"name": n, "coef": float(v), "expr": x} for (n, x), v in zip(TERMS, c)],
    }
    path = os.path.join(st.outdir, "kpoint_correction.yaml")
    with open(path, "w") as fh:
        fh.write("# k-point correction terms (eV per unit polynomial; u in Angstrom)\n")
        yaml.safe_dump(frag, fh, sort_keys=False, width=100)
    print(f"wrote {path}")


def merge(st, model, out):
    import yaml

    path = os.path.join(st.outdir, "kpoint_correction.yaml")
    if not os.path.exists(path):
        raise SystemExit(f"{path}: run the fit stage first")
    frag = yaml.safe_load(open(path))
    m = yaml.safe_load(open(model))
    if not isinstance(m, dict) or not isinstance(m.get("terms"), list):
        raise SystemExit(f"{model}: expected a model file with a terms list")
    names = {t.get("name") for t in m["terms"]}
    clash = [t["name"] for t in frag["terms"] if t["name"] in names]
    if clash:
        raise SystemExit(f"{model}: already has terms {clash} (corrected twice?)")
    m["terms"] += frag["terms"]
    note = f"k-point correction added from {path}: {frag['provenance']}"
    m["notes"] = (str(m["notes"]) + " " if m.get("notes") else "") + note
    with open(out, "w") as fh:
        fh.write(f"# {os.path.basename(model)} plus the k-point correction terms kcorr_*\n")
        yaml.safe_dump(m, fh, sort_keys=False, width=100)
    print(f"wrote {out}")


def main():
    args = sys.argv[1:]
    if not args:
        raise SystemExit(__doc__)
    outdir = args.pop(0)
    opt = {"a": 3.985, "xi": [0.011, 1.0, -1.514, -0.786, -0.786], "formula": "BaTiO3",
           "ecut": 600, "coarse": 4, "fine": 8, "scale": 1.0}
    while args and args[0].startswith("--"):
        k = args.pop(0)[2:]
        if k == "xi":
            opt["xi"] = [float(args.pop(0)) for _ in range(5)]
        elif k in ("a", "scale"):
            opt[k] = float(args.pop(0))
        elif k in ("ecut", "coarse", "fine"):
            opt[k] = int(args.pop(0))
        elif k == "formula":
            opt[k] = args.pop(0)
        elif k == "wide":
            opt[k] = True
        else:
            raise SystemExit(f"unknown option --{k}")
    if abs(opt["xi"][3] - opt["xi"][4]) > 1e-12:
        raise SystemExit("--xi: the two X_perp entries must be equal")
    opt["pat"] = Pattern(opt["xi"])
    convergence.MAT["formula"] = opt["formula"]
    os.makedirs(outdir, exist_ok=True)
    st = convergence.Store(outdir)
    if not args:
        raise SystemExit("no stage: run, fit or merge MODEL OUT")
    stage = args.pop(0)
    if stage == "run":
        run(st, opt)
    elif stage == "fit":
        fit(st, opt)
    elif stage == "merge" and len(args) == 2:
        merge(st, *args)
    else:
        raise SystemExit(f"unknown stage or arguments: {stage} {args}")


if __name__ == "__main__":
    main()
