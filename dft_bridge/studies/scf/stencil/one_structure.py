# one_structure.py STRUCTURE NAME GRADIENT SETTINGS.json: energy, stress, forces and basis excess of one structure through ase_runner's GPAW calculator, gga_gradient overridden (axial or voronoi); writes NAME.result
import sys, os, json
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
os.environ.setdefault("GPAW_SETUP_PATH", os.path.expanduser("~/.local/share/heff/gpaw-setups") + ":/usr/share/gpaw-setups")
from ase.io import read
import ase_runner
s = json.load(open(sys.argv[4]))
s["gga_gradient"] = sys.argv[3]
a = read(sys.argv[1])
a.calc = ase_runner.make_calculator(s)
a.calc.set(txt=sys.argv[2] + '.txt')
e = a.get_potential_energy(); st = a.get_stress(); f = a.get_forces()
ase_runner.write_result(sys.argv[2] + '.result', True, e, st, f, excess=ase_runner.basis_excess(a.calc))
