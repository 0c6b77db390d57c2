"""Release archive of one target: the envtrail binary taken out of the wheel
maturin built for that target (the same bytes pip installs), with the README
and licences. Usage: archive.py WHEEL_DIR TARGET OUT_DIR; prints the archive's
path. A .zip for Windows, a .tar.gz elsewhere."""

import sys
import tarfile
import zipfile
from pathlib import Path

wheels, target, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
exe = "envtrail.exe" if "windows" in target else "envtrail"
(wheel,) = [w for w in wheels.glob("*.whl")]
with zipfile.ZipFile(wheel) as z:
    (member,) = [n for n in z.namelist() if n.endswith(".data/scripts/" + exe)]
    binary = z.read(member)

out.mkdir(parents=True, exist_ok=True)
extra = [Path("README.md"), Path("LICENSE-MIT"), Path("LICENSE-APACHE")]
if exe.endswith(".exe"):
    path = out / f"envtrail-{target}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(exe, binary)
        for f in extra:
            z.write(f, f.name)
else:
    staged = out / "stage" / exe
    staged.parent.mkdir(parents=True, exist_ok=True)
    staged.write_bytes(binary)
    staged.chmod(0o755)
    path = out / f"envtrail-{target}.tar.gz"
    with tarfile.open(path, "w:gz") as t:
        t.add(staged, exe)
        for f in extra:
            t.add(f, f.name)
print(path)
