#!/usr/bin/env python3
"""Projected time per MD step of heff on many MPI ranks (docs/mpi.md).

From the per-cell compute measured on one core (bench_md: step and FFT floor,
ns per cell and step, at edge L1) and an assumed network, prints a Markdown
table of the time per step for L^3 supercells on P ranks of an x-slab
decomposition:

  T_step  = T_comp + T_fft + T_halo + T_red
  T_comp  = (N/P) [c_loc + c_fft log2(N)/log2(N1)]            (N = L^3, N1 = L1^3)
  T_fft   = r f V_fft / B + 6 (P - 1) alpha
            V_fft = 6 * 16 B * (N/P) * (L/2 + 1)/L * (1 - 1/P)   (3 components, r2c + c2r:
                     6 all-to-all transposes of complex numbers per step)
            f = (P - r)/(P - 1): the part of a rank's all-to-all bytes that leaves its node,
            r ranks per node share the node's injection bandwidth B
  T_halo  = V_halo / B + 3 alpha,  V_halo = w * 3 * L^2 * 8 B   (w halo planes: v below,
            v above, dE/dv back: 3 for ZVR; consecutive ranks share a node, so only the
            node's two edge ranks send halos off the node)
  T_red   = 2 ceil(log2 P) alpha                              (reduce + broadcast of 14 doubles)

c_loc = step - floor and c_fft = floor (ns/cell/step), alpha = latency, no overlap
of communication with compute.  A slab decomposition needs P <= L (one x plane
and one ky plane per rank); for more cores C > L the table also shows the
hybrid run of L ranks x C/L threads (compute divided by the measured 2-thread
speed-up per doubling, r = cores per node / threads).
"""
import argparse
import math


def project(L, P, a, threads=1):
    N = L**3
    n1 = a.L1**3
    c_loc = (a.step - a.floor) * 1e-9
    c_fft = a.floor * 1e-9 * math.log2(N) / math.log2(n1)
    t_comp = N / P * (c_loc + c_fft) / a.thread_speedup ** math.log2(threads)
    r = min(a.cores_per_node // threads, P)
    f = (P - r) / (P - 1) if P > 1 else 0.0
    v_fft = 6 * 16 * (N / P) * (L // 2 + 1) / L * (1 - 1 / P)
    t_fft = r * f * v_fft / a.bandwidth + 6 * (P - 1) * a.latency
    v_halo = a.halo_planes * 3 * L * L * 8
    t_halo = v_halo / a.bandwidth + 3 * a.latency
    t_red = 2 * math.ceil(math.log2(P)) * a.latency
    return t_comp, t_fft, t_halo, t_red, v_fft, v_halo


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--step", type=float, required=True, help="measured ns/cell/step on 1 core")
    p.add_argument("--floor", type=float, required=True, help="measured FFT floor, ns/cell/step")
    p.add_argument("--L1", type=int, required=True, help="edge of the measured supercell")
    p.add_argument("--bandwidth", type=float, default=10e9, help="node injection bandwidth, B/s")
    p.add_argument("--latency", type=float, default=2e-6, help="message latency, s")
    p.add_argument("--cores-per-node", type=int, default=32, help="one rank per core")
    p.add_argument("--thread-speedup", type=float, default=1.6,
                   help="speed-up of 2 threads over 1 (hybrid rows only)")
    p.add_argument("--halo-planes", type=int, default=3)
    p.add_argument("--sizes", default="256,512")
    p.add_argument("--ranks", default="64,128,256,512,1024")
    a = p.parse_args()
    print("| L^3 | cores | ranks x threads | cells/rank | compute ms | FFT transposes ms (MB/rank) "
          "| halo ms (MB/rank) | reductions ms | step ms | ns/cell/step (wall) | efficiency |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for L in map(int, a.sizes.split(",")):
        for C in map(int, a.ranks.split(",")):
            P = min(C, L)  # slabs: at most L ranks, then threads
            t_per = C // P
            tc, tf, th, tr, vf, vh = project(L, P, a, t_per)
            t = tc + tf + th + tr
            eff = L**3 * (a.step * 1e-9) / C / t  # vs perfect scaling of the measured 1-core step
            print(f"| {L}^3 | {C} | {P} x {t_per} | {L**3 // P} | {1e3 * tc:.1f} "
                  f"| {1e3 * tf:.1f} ({vf / 1e6:.1f}) | {1e3 * th:.2f} ({vh / 1e6:.2f}) "
                  f"| {1e3 * tr:.3f} | {1e3 * t:.1f} | {1e9 * t / L**3:.3f} | {eff:.0%} |")


if __name__ == "__main__":
    main()
