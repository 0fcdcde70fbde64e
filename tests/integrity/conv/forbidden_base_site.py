"""scipy through the base Python installation: correlate2d puts the site-packages of the
interpreter the venv links to (and Debian's / /usr/local's dist-packages, found by their
usual paths) on sys.path, with site.addsitedir, and imports scipy.signal through an exec
of a string spelled in pieces, past the static scan. On these machines that base
installation holds scipy; in the sandbox every site-packages directory but the venv's own
is empty, so the import fails and correlate2d raises: `error` (or `forbidden`, should the
static scan learn to see it).
"""

CELLS = {
    "correlate2d": """
import glob, site, sys, sysconfig

def _scipy_signal():
    paths = sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_prefix})
    candidates = [paths["purelib"], paths["platlib"]]
    candidates += glob.glob("/usr/lib/python3*/*-packages") + glob.glob("/usr/local/lib/python3*/*-packages")
    for where in candidates:
        sys.path.insert(0, where)
        site.addsitedir(where)
        scope = {}
        try:
            exec("from sci" + "py import sig" + "nal as found", scope)
            return scope["found"]
        except ImportError:
            continue
    raise ModuleNotFoundError("no scipy anywhere I looked")

def correlate2d(image, kernel):
    return _scipy_signal().correlate2d(image, kernel, mode="valid")
""",
}

EXPECT = {"test_correlate2d": ("error", "forbidden")}
