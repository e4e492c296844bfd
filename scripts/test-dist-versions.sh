#!/usr/bin/env bash
# Checks that there is one version number: Cargo.toml [workspace.package] version, every
# crate (version.workspace = true), the Python package (version taken from Cargo by
# maturin), the npm packages (main, per-platform, optionalDependencies, lockfile), the C
# header's DESCOPE_MGMT_VERSION_* macros and bindings-c/src/version.rs; and, when dist/
# holds artifacts (scripts/dist.sh), the version inside each of them, including what
# `descope-mgmt --version` prints for the command each artifact ships (wheel, npm platform
# package, C tarball's bin/), run from a copy extracted to a temporary folder.
# Part of `make test` (run by scripts/test-dist.sh). Prints every mismatch; exits 1 if any.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python3 - "$@" <<'EOF'
import glob
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

errors = []
checked = 0


def check(what, actual, expected):
    global checked
    checked += 1
    if actual != expected:
        errors.append(f"{what}: {actual!r}, expected {expected!r}")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def toml(path):
    if tomllib is None:
        sys.exit("test-dist-versions: needs Python >= 3.11 (tomllib)")
    with open(path, "rb") as f:
        return tomllib.load(f)


root = toml("Cargo.toml")
version = root["workspace"]["package"]["version"]
if not re.fullmatch(r"\d+\.\d+\.\d+", version):
    sys.exit(f"test-dist-versions: workspace version {version!r} is not MAJOR.MINOR.PATCH")
major, minor, patch = (int(p) for p in version.split("."))
print(f"workspace version: {version}")

# Every crate takes the workspace version.
for member in root["workspace"]["members"]:
    pkg = toml(os.path.join(member, "Cargo.toml"))["package"]
    check(f"{member}/Cargo.toml version", pkg.get("version"), {"workspace": True})

# Python: maturin takes the version from Cargo.toml; a static one would drift.
project = toml("bindings-python/pyproject.toml")["project"]
check("pyproject.toml [project] version (must be dynamic)", project.get("version"), None)
check("pyproject.toml dynamic has version", "version" in project.get("dynamic", []), True)

# npm: the main package, its optional platform packages and the lockfile.
main = json.loads(read("bindings-node/package.json"))
check("bindings-node/package.json version", main["version"], version)
for name, spec in main.get("optionalDependencies", {}).items():
    check(f"bindings-node/package.json optionalDependencies[{name}]", spec, version)
lock = json.loads(read("bindings-node/package-lock.json"))
check("bindings-node/package-lock.json version", lock.get("version"), version)
check("bindings-node/package-lock.json packages[''].version", lock["packages"][""].get("version"), version)
platform_dirs = sorted(glob.glob("bindings-node/npm/*/package.json"))
check("number of npm platform packages", len(platform_dirs) > 0, True)
for path in platform_dirs:
    pkg = json.loads(read(path))
    check(f"{path} version", pkg["version"], version)
    check(f"{path} is an optionalDependency", pkg["name"] in main.get("optionalDependencies", {}), True)

# C: the header macros (cbindgen output of bindings-c/src/version.rs) and their source.
number = major * 1_000_000 + minor * 1_000 + patch
expected_macros = {"MAJOR": major, "MINOR": minor, "PATCH": patch, "NUMBER": number}


def macros(text, what, pattern):
    for name, value in expected_macros.items():
        m = re.search(pattern.format(name=name), text)
        check(f"{what} DESCOPE_MGMT_VERSION_{name}", int(m.group(1)) if m else None, value)


header = read("include/descope_mgmt.h")
macros(header, "include/descope_mgmt.h", r"#define DESCOPE_MGMT_VERSION_{name} (\d+)")
macros(read("bindings-c/src/version.rs"), "bindings-c/src/version.rs", r"DESCOPE_MGMT_VERSION_{name}: u32 = ([\d_]+);")



def cli_version(what, data):
    """Checks `descope-mgmt --version` of the executable whose bytes are `data`."""
    if data is None:
        check(f"{what} ships descope-mgmt", False, True)
        return
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "descope-mgmt")
        with open(exe, "wb") as f:
            f.write(data)
        os.chmod(exe, 0o755)
        try:
            out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
        except OSError as err:
            out = f"cannot run: {err}"
    check(f"{what} descope-mgmt --version", out, f"descope-mgmt {version}")


def tar_member(t, name):
    try:
        f = t.extractfile(name)
    except KeyError:
        return None
    return f.read() if f else None


# dist/ artifacts, when present.
dist = "dist"
wheels = sorted(glob.glob(os.path.join(dist, "descope_mgmt-*.whl")))
if wheels or glob.glob(os.path.join(dist, "*.tgz")):
    print("checking dist/ artifacts")
    check("number of wheels in dist/", len(wheels), 1)
    for wheel in wheels:
        check(f"{wheel} file name version", os.path.basename(wheel).split("-")[1], version)
        with zipfile.ZipFile(wheel) as z:
            meta = z.read(f"descope_mgmt-{version}.dist-info/METADATA").decode()
            m = re.search(r"^Version: (.+)$", meta, re.M)
            check(f"{wheel} METADATA Version", m and m.group(1).strip(), version)
            names = set(z.namelist())
            cli_version(wheel, z.read("descope_mgmt/bin/descope-mgmt") if "descope_mgmt/bin/descope-mgmt" in names else None)
    check("sdist in dist/", os.path.exists(os.path.join(dist, f"descope_mgmt-{version}.tar.gz")), True)
    for name in ["descope-mgmt", "descope-mgmt-linux-x64-gnu"]:
        path = os.path.join(dist, f"{name}-{version}.tgz")
        check(f"{path} exists", os.path.exists(path), True)
        if not os.path.exists(path):
            continue
        with tarfile.open(path) as t:
            pkg = json.load(t.extractfile("package/package.json"))
            check(f"{path} package.json version", pkg["version"], version)
            for dep, spec in pkg.get("optionalDependencies", {}).items():
                check(f"{path} optionalDependencies[{dep}]", spec, version)
            if name != "descope-mgmt":
                cli_version(path, tar_member(t, "package/descope-mgmt"))
    cname = f"descope-mgmt-{version}-x86_64-linux-gnu"
    path = os.path.join(dist, f"{cname}.tar.gz")
    check(f"{path} exists", os.path.exists(path), True)
    if os.path.exists(path):
        with tarfile.open(path) as t:
            names = set(t.getnames())
            check(f"{path} has lib/libdescope_mgmt.so.{version}", f"{cname}/lib/libdescope_mgmt.so.{version}" in names, True)
            pc = t.extractfile(f"{cname}/lib/pkgconfig/descope_mgmt.pc").read().decode()
            m = re.search(r"^Version: (.+)$", pc, re.M)
            check(f"{path} descope_mgmt.pc Version", m and m.group(1).strip(), version)
            cfg = t.extractfile(f"{cname}/lib/cmake/descope_mgmt/descope_mgmtConfigVersion.cmake").read().decode()
            check(f"{path} CMake PACKAGE_VERSION", f'set(PACKAGE_VERSION "{version}")' in cfg, True)
            macros(t.extractfile(f"{cname}/include/descope_mgmt.h").read().decode(), f"{path} header", r"#define DESCOPE_MGMT_VERSION_{name} (\d+)")
            cli_version(path, tar_member(t, f"{cname}/bin/descope-mgmt"))

if errors:
    print(f"{len(errors)} version mismatch(es):", file=sys.stderr)
    for e in errors:
        print(f"  {e}", file=sys.stderr)
    print(f"versions: {checked - len(errors)} passed, {len(errors)} failed")
    sys.exit(1)
print(f"versions: {checked} passed, 0 failed")
EOF
