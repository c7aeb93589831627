# orthogonal 5-atom cell: GPAW's Voronoi stencil and the axial one must agree (docs/dft-bridge.md, "XC gradient stencil"); run: /usr/bin/python3 orthogonal_check.py voronoi axial
import sys, os
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
os.environ.setdefault("GPAW_SETUP_PATH", os.path.expanduser("~/.local/share/heff/gpaw-setups") + ":/usr/share/gpaw-setups")
import numpy as np
from ase import Atoms
import ase_runner
frac = np.array([[0,0,0],[.5,.5,.52],[0,.5,.5],[.5,0,.5],[.5,.5,0.01]])
for grad in sys.argv[1:]:
    at = Atoms("BaTiO3", cell=np.diag([3.99, 4.0, 4.02]), scaled_positions=frac, pbc=True)
    at.calc = ase_runner.make_calculator({"calculator": "gpaw", "ecut": 400, "kpts": [2, 2, 2], "gga_gradient": grad, "convergence": {"energy": 1e-7, "density": 1e-6}})
    at.calc.set(txt=f"t5_{grad}.txt")
    print(grad, repr(at.get_potential_energy()), at.get_stress()[:3], flush=True)
