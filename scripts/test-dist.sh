#!/usr/bin/env bash
# Installs every artifact of dist/ (scripts/dist.sh) the way a user would, with NO cargo or
# rustc on PATH, and runs the shared vectors and the examples against the installed copies:
#
#   Python  the wheel into a fresh venv (pip --no-index); tests/python/test_vectors.py,
#           tests/python/test_testing_helpers.py (descope_mgmt.testing and its pytest
#           fixture, on the bundled emulator) and examples/python/*.py; the emulator every
#           check uses is the wheel's own `descope-emulator` command.
#   Node    both npm tarballs into a fresh folder (npm --offline: no registry; the main
#           package has no install script: the platform package is the install); the vectors
#           suite tests/node/vectors.test.mjs redirected to the installed package, the
#           package smoke tests and examples/node/*; descope-mgmt/testing (startEmulator on
#           the platform package's emulator); then a missing and a damaged platform
#           package: require() and `npx descope-mgmt` name what to run, which repairs it.
#   C       the tarball into a prefix; tests/c and examples/c built once through pkg-config
#           and once by a small CMake project (find_package(descope_mgmt), shared and
#           static imported targets), run against the emulator started by the tarball's
#           bin/with-emulator.
#   CLI     the `descope-mgmt` command of each artifact (the wheel's console script,
#           `npx descope-mgmt` in the npm install folder, the C tarball's bin/) against the
#           emulator: --help, --version, `rotate --out-file --json` (exit 0, a 0600 file whose
#           secret the emulator accepts, nothing of it on stdout/stderr), an OUTCOME_UNKNOWN
#           rotate (exit 8, no file) and `tokens upload --dry-run` of a JSON Lines file.
#   All     the lifecycle scenarios of tests/lifecycle/ (exit, fork, Ctrl-C, worker
#           termination, pthread_cancel, dlclose while calls are in flight).
#
# Prints the install time of each artifact. Run after scripts/dist.sh (`make test-dist`
# runs both). Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
DIST=$ROOT/dist
WORK=$ROOT/.tmp/test-dist
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false npm_config_loglevel=error
export npm_config_omit_lockfile_registry_resolved=true

started=$SECONDS
step() { printf '\n== test-dist [%ss] %s\n' "$((SECONDS - started))" "$*"; }
die() { echo "test-dist.sh: $*" >&2; exit 1; }
now() { date +%s.%N; }
INSTALL_TIMES=()
record() { INSTALL_TIMES+=("$(printf '%-34s %6.2f s' "$1" "$(echo "$(now) - $2" | bc)")"); }

step "version numbers (sources and dist/)"
scripts/test-dist-versions.sh

wheel=$(ls "$DIST"/descope_mgmt-"$VERSION"-cp39-abi3-manylinux*_x86_64.whl 2>/dev/null | head -n 1 || true)
sdist=$DIST/descope_mgmt-$VERSION.tar.gz
npm_main=$DIST/descope-mgmt-$VERSION.tgz
npm_plat=$DIST/descope-mgmt-linux-x64-gnu-$VERSION.tgz
ctar=$DIST/descope-mgmt-$VERSION-x86_64-linux-gnu.tar.gz
for f in "$wheel" "$sdist" "$npm_main" "$npm_plat" "$ctar"; do
  [ -n "$f" ] && [ -f "$f" ] || die "missing artifact ${f:-(wheel)}: run scripts/dist.sh (make dist)"
done
(cd "$DIST" && sha256sum --quiet -c SHA256SUMS) || die "dist/SHA256SUMS does not match the artifacts"

step "tools (bc, cmake, pkg-config, C compiler)"
missing=()
command -v bc >/dev/null || missing+=(bc)
command -v cmake >/dev/null || missing+=(cmake)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v cc >/dev/null || missing+=(gcc)
if ((${#missing[@]})); then
  SUDO=
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
python3 -m venv --help >/dev/null 2>&1 || die "python3 -m venv is unavailable (apt-get install python3-venv)"

rm -rf "$WORK"
mkdir -p "$WORK"

# Runs the descope-mgmt command given as arguments against the emulator of
# scripts/with-emulator.sh (DESCOPE_* in the environment). Usage: cli_check.py LABEL CMD...
cat >"$WORK/cli_check.py" <<'EOF'
import json
import os
import subprocess
import sys
import urllib.request

label, cmd = sys.argv[1], sys.argv[2:]
work = os.path.join(os.environ["TEST_DIST_WORK"], "cli-" + label)
os.makedirs(work)
version = os.environ["TEST_DIST_VERSION"]
base = os.environ["DESCOPE_BASE_URI"]
ROTATE = "/v1/mgmt/accesskey/rotate"
BATCH = "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fail(msg):
    sys.exit(f"test-dist: descope-mgmt from the {label}: {msg}")


def admin(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with NO_PROXY.open(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def run(*args, expect=0):
    p = subprocess.run([*cmd, *args], cwd=work, capture_output=True, text=True, timeout=120)
    if p.returncode != expect:
        fail(f"`descope-mgmt {' '.join(args)}` exited {p.returncode}, expected {expect}: {p.stderr.strip()[-800:]}")
    return p


help_text = run("--help").stdout
if "Usage: descope-mgmt" not in help_text:
    fail(f"--help prints no usage: {help_text[:200]!r}")
got = run("--version").stdout.strip()
if got != f"descope-mgmt {version}":
    fail(f"--version prints {got!r}, expected 'descope-mgmt {version}'")

admin("POST", "/emulator/reset")
# Absolute paths: a wrapper (npx in the npm install folder) may run in another folder.
out_file = os.path.join(work, "key.secret")
p = run("rotate", "K2active", "--out-file", out_file, "--json")
mode = os.stat(out_file).st_mode & 0o777
if mode != 0o600:
    fail(f"the out file has mode {mode:o}, expected 600")
with open(out_file) as f:
    secret = f.read()
if len(secret) < 32:
    fail("the out file holds no secret")
if secret in p.stdout or secret in p.stderr:
    fail("the secret is on stdout or stderr")
result = json.loads(p.stdout)
if result.get("ok") is not True or result.get("exitCode") != 0:
    fail(f"unexpected --json result: {result}")
if not admin("POST", "/emulator/accesskeys/verify", {"id": "K2active", "secret": secret})["valid"]:
    fail("the emulator does not accept the secret in the out file")

admin("POST", "/emulator/faults", {"method": "POST", "path": ROTATE, "action": "drop_after_apply"})
p = run("rotate", "K2active", "--out-file", os.path.join(work, "unknown.secret"), "--json", expect=8)
if json.loads(p.stdout)["error"]["code"] != "OUTCOME_UNKNOWN" or os.path.exists(os.path.join(work, "unknown.secret")):
    fail(f"an OUTCOME_UNKNOWN rotate: {p.stdout.strip()}")

rows = [{"tenantId": f"T{i}", "accessToken": f"tok-secret-{i}"} for i in range(3)]
tokens_file = os.path.join(work, "tokens.jsonl")
with open(tokens_file, "w") as f:
    f.writelines(json.dumps(r) + "\n" for r in rows)
before = admin("GET", "/emulator/journal?path=" + BATCH)["count"]
p = run("tokens", "upload", "--app-id", "google-drive", "--file", tokens_file, "--dry-run", "--json")
result = json.loads(p.stdout)
if result.get("rows") != 3 or result.get("dryRun") is not True:
    fail(f"unexpected tokens upload --dry-run result: {result}")
if "tok-secret" in p.stdout + p.stderr:
    fail("a token value is on stdout or stderr")
if admin("GET", "/emulator/journal?path=" + BATCH)["count"] != before:
    fail("tokens upload --dry-run sent a request")
print(f"descope-mgmt from the {label}: --help, --version, rotate (0600, accepted), OUTCOME_UNKNOWN (8), tokens upload --dry-run: ok")
EOF
export TEST_DIST_WORK=$WORK TEST_DIST_VERSION=$VERSION
# cli_check LABEL CMD...: the checks above, against a fresh emulator (with-emulator.sh
# by default; the C tarball passes its own bin/with-emulator as WITH_EMULATOR).
cli_check() { "${WITH_EMULATOR:-scripts/with-emulator.sh}" python3 "$WORK/cli_check.py" "$@"; }

# Test tools that are not the artifacts under test come first, from the registry by name.
step "pytest for the Python checks (not part of the install timing)"
python3 -m venv "$WORK/tools"
"$WORK/tools/bin/pip" install -q --disable-pip-version-check pytest

step "PATH without Rust"
clean=()
IFS=: read -ra entries <<<"$PATH"
for d in "${entries[@]}"; do
  [ -n "$d" ] || continue
  case "$d" in */.cargo/* | */.rustup/* | "$ROOT"/*) continue ;; esac
  [ -e "$d/cargo" ] || [ -e "$d/rustc" ] || [ -e "$d/rustup" ] && continue
  clean+=("$d")
done
NO_RUST_PATH=$(IFS=:; echo "${clean[*]}")
export PATH=$NO_RUST_PATH
unset RUSTUP_TOOLCHAIN RUSTC CARGO CARGO_BUILD_TARGET
! command -v cargo >/dev/null || die "cargo is still on PATH ($(command -v cargo))"
! command -v rustc >/dev/null || die "rustc is still on PATH ($(command -v rustc))"
echo "PATH=$PATH (no cargo, no rustc)"

# ---------------------------------------------------------------------------------------
step "Python: pip install the wheel into a fresh venv"
VENV=$WORK/venv
python3 -m venv "$VENV"
t=$(now)
"$VENV/bin/pip" install -q --disable-pip-version-check --no-index --no-deps "$wheel"
record "Python wheel (pip install)" "$t"
# pytest from the tools venv, run by the venv's interpreter (it sees both site-packages).
tools_site=$("$WORK/tools/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
where=$(cd "$WORK" && "$VENV/bin/python" -c 'import descope_mgmt; print(descope_mgmt.__file__, descope_mgmt.__version__)')
echo "import descope_mgmt: $where"
case "$where" in "$VENV"/*" $VERSION") ;; *) die "descope_mgmt does not come from the venv or has the wrong version: $where" ;; esac

# The emulator of every check below is the one the wheel installs as `descope-emulator`.
EMULATOR=$VENV/bin/descope-emulator
[ -x "$EMULATOR" ] || die "the wheel did not install the descope-emulator command"
export DESCOPE_EMULATOR_BIN=$EMULATOR
# tests/python/conftest.py runs $CARGO_TARGET_DIR/debug/descope-emulator: point it there.
mkdir -p "$WORK/emulator-dir/debug"
ln -s "$EMULATOR" "$WORK/emulator-dir/debug/descope-emulator"
export CARGO_TARGET_DIR=$WORK/emulator-dir

step "Python: shared vectors (tests/python/test_vectors.py) against the installed wheel"
PYTHONPATH=$tools_site "$VENV/bin/python" -m pytest -p no:cacheprovider -q tests/python/test_vectors.py

step "Python: descope_mgmt.testing and its pytest fixture (tests/python/test_testing_helpers.py), bundled emulator"
# Without DESCOPE_EMULATOR_BIN the helpers must find the emulator the wheel bundles.
env -u DESCOPE_EMULATOR_BIN PYTHONPATH="$tools_site" "$VENV/bin/python" -m pytest -p no:cacheprovider -q -rs tests/python/test_testing_helpers.py

step "Python: the wheel's descope-mgmt command against the emulator"
[ -x "$VENV/bin/descope-mgmt" ] || die "the wheel did not install the descope-mgmt command"
cli_check wheel "$VENV/bin/descope-mgmt"

step "Python: examples against the emulator"
scripts/with-emulator.sh bash -c '"$1" examples/python/demo.py && "$1" examples/python/demo_async.py' _ "$VENV/bin/python" >"$WORK/python-examples.log"
tail -n 3 "$WORK/python-examples.log"

# How an artifact is linked changes what happens at exit (issue 20: the zig-linked wheel
# crashed when daemon threads came back from a call during finalization), so the lifecycle
# scenarios of the dev builds run against each installed artifact too.
LIFECYCLE=(python3 tests/lifecycle/run.py --emulator "$EMULATOR" --runs "${LIFECYCLE_RUNS:-5}")
step "Python lifecycle: exit, fork and Ctrl-C while calls are in flight (installed wheel)"
"${LIFECYCLE[@]}" --python "$VENV/bin/python"

step "Python: the sdist carries the Rust sources (building it needs cargo: not done here)"
sdist_files=$(tar -tzf "$sdist")
for f in pyproject.toml Cargo.toml Cargo.lock core/src/lib.rs bindings-python/src/lib.rs python/descope_mgmt/__init__.py; do
  grep -q "^descope_mgmt-$VERSION/\(.*/\)\?$f$" <<<"$sdist_files" || die "the sdist lacks $f"
done
if grep -q 'descope-emulator$' <<<"$sdist_files"; then die "the sdist must not carry the emulator binary"; fi

# ---------------------------------------------------------------------------------------
step "Node: npm install both tarballs into a fresh folder (offline)"
NODE_DIR=$WORK/node
mkdir -p "$NODE_DIR"
(cd "$NODE_DIR" && npm init -y >/dev/null)
t=$(now)
(cd "$NODE_DIR" && npm install --offline --no-audit --no-fund "$npm_plat" "$npm_main")
record "npm tarballs (npm install)" "$t"
ADDON_DIR=$NODE_DIR/node_modules/descope-mgmt-linux-x64-gnu
ADDON=$ADDON_DIR/descope-mgmt.linux-x64-gnu.node
MAIN_DIR=$NODE_DIR/node_modules/descope-mgmt
[ -f "$ADDON" ] || die "the platform package did not install its addon"
[ ! -e "$MAIN_DIR/descope-mgmt.node" ] || die "the install built or copied an addon into the main package"
if [ -d "$NODE_DIR/node_modules/@napi-rs" ]; then die "@napi-rs/* was installed: it must be a devDependency only"; fi

node_loaded() {
  (cd "$NODE_DIR" && node -e '
    require("descope-mgmt")
    const addon = Object.keys(require.cache).find((f) => f.endsWith(".node"))
    console.log(addon)')
}
loaded=$(node_loaded)
[ "$loaded" = "$ADDON" ] || die "descope-mgmt loaded $loaded instead of the platform package's addon"
echo "require('descope-mgmt') loads $loaded"

# Redirect the vectors suite's import of the repository's bindings-node/index.mjs to the
# installed package (and fail on any other import of the repository's binding).
cat >"$WORK/redirect-hooks.mjs" <<'EOF'
import { appendFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
const repoBinding = pathToFileURL(process.env.TEST_DIST_REPO_BINDING + '/').href
const installed = pathToFileURL(process.env.TEST_DIST_INSTALLED + '/index.mjs').href
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (result.url === repoBinding + 'index.mjs') {
    appendFileSync(process.env.TEST_DIST_REDIRECT_LOG, `${result.url} -> ${installed}\n`)
    return { ...result, url: installed, shortCircuit: true }
  }
  if (result.url.startsWith(repoBinding)) throw new Error(`test-dist: unexpected import of ${result.url}`)
  return result
}
EOF
cat >"$WORK/redirect.mjs" <<'EOF'
import { register } from 'node:module'
register('./redirect-hooks.mjs', import.meta.url)
EOF

step "Node: shared vectors (tests/node/vectors.test.mjs) against the installed package"
: >"$WORK/redirect.log"
TEST_DIST_REPO_BINDING=$ROOT/bindings-node TEST_DIST_INSTALLED=$MAIN_DIR TEST_DIST_REDIRECT_LOG=$WORK/redirect.log \
  NODE_OPTIONS="--import=$WORK/redirect.mjs" node --test tests/node/vectors.test.mjs
[ -s "$WORK/redirect.log" ] || die "the vectors suite did not import the installed package"

step "Node: package smoke tests and examples against the emulator"
cp tests/node/package-smoke.cjs tests/node/package-smoke.mjs examples/node/demo.cjs examples/node/demo.mjs "$NODE_DIR/"
node_smoke() {
  scripts/with-emulator.sh bash -c 'cd "$1" && node package-smoke.cjs && node package-smoke.mjs' _ "$NODE_DIR"
}
node_smoke
scripts/with-emulator.sh bash -c 'cd "$1" && node demo.cjs && node demo.mjs' _ "$NODE_DIR" >"$WORK/node-examples.log"
tail -n 2 "$WORK/node-examples.log"

step "Node: descope-mgmt/testing (startEmulator with the platform package's emulator)"
cat >"$NODE_DIR/testing-smoke.mjs" <<'EOF'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { startEmulator, ROTATE_ACCESS_KEY } from 'descope-mgmt/testing'
assert.equal(createRequire(import.meta.url)('descope-mgmt/testing').startEmulator, startEmulator)
const emu = await startEmulator()
try {
  assert.equal(emu.binary, process.argv[2])
  await emu.fault({ method: 'POST', path: ROTATE_ACCESS_KEY, action: 'drop_after_apply' })
  const err = await emu.client().rotateAccessKey('K2active').catch((e) => e)
  assert.equal(err.code, 'OUTCOME_UNKNOWN')
  assert.equal((await emu.journal({ method: 'POST', path: ROTATE_ACCESS_KEY })).length, 1)
  await emu.reset()
  assert.deepEqual(await emu.journal(), [])
} finally {
  await emu.stop()
}
console.log(`descope-mgmt/testing from ${import.meta.resolve('descope-mgmt/testing')}: ok`)
EOF
(cd "$NODE_DIR" && env -u DESCOPE_EMULATOR_BIN node testing-smoke.mjs "$ADDON_DIR/descope-emulator")

step "Node: npx descope-mgmt (the platform package's command) against the emulator"
[ -x "$ADDON_DIR/descope-mgmt" ] || die "the platform package did not install the descope-mgmt executable"
[ "$(cd "$NODE_DIR" && npx --offline --no-install descope-mgmt --version)" = "descope-mgmt $VERSION" ] || die "npx descope-mgmt --version is wrong"
cli_check npm bash -c 'cd "$1" && shift && exec npx --offline --no-install descope-mgmt "$@"' _ "$NODE_DIR"

step "Node lifecycle: process.exit and worker termination while calls are in flight (installed packages)"
"${LIFECYCLE[@]}" --node-package "$MAIN_DIR"
[ "$(node_loaded)" = "$ADDON" ] || die "the lifecycle run did not use the platform package's addon"

step "Node: without its platform package, require() names the package to install"
rm -rf "$ADDON_DIR"
if out=$(cd "$NODE_DIR" && node -e 'require("descope-mgmt")' 2>&1); then die "descope-mgmt loaded without its platform package"; fi
grep -qF "Install it: npm install descope-mgmt-linux-x64-gnu@$VERSION" <<<"$out" || die "the load error does not name the package to install: $out"
echo "as expected: $(grep -m 1 -o 'descope-mgmt: .*' <<<"$out")"
if out=$(cd "$NODE_DIR" && npx --offline --no-install descope-mgmt --help 2>&1); then die "npx descope-mgmt ran without its platform package"; fi
grep -qF "Install it: npm install descope-mgmt-linux-x64-gnu@$VERSION" <<<"$out" || die "npx descope-mgmt does not name the package to install: $out"
echo "as expected (npx descope-mgmt): $(grep -m 1 -o 'descope-mgmt: .*' <<<"$out")"
# The package is not published: npm install restores it from the project's lockfile (the
# tarball) instead of the registry.
(cd "$NODE_DIR" && npm install --offline --no-audit --no-fund)
[ "$(node_loaded)" = "$ADDON" ] || die "after npm install the platform package's addon is not the one loaded"
node_smoke

step "Node: a damaged prebuilt addon: require() says how to reinstall it; doing so repairs it"
# Not an ELF file; a truncated ELF would crash dlopen with SIGBUS before the loader could
# explain anything (npm checks each package's integrity when it installs it).
printf 'damaged\n' >"$ADDON"
if out=$(cd "$NODE_DIR" && node -e 'require("descope-mgmt")' 2>&1); then die "a damaged prebuilt addon loaded"; fi
grep -qF 'SHA-256 does not match' <<<"$out" || die "the load error does not name the checksum mismatch: $out"
grep -qF "Reinstall the platform package: delete the folder $ADDON_DIR and run npm install in your project." <<<"$out" ||
  die "the load error does not say how to reinstall the platform package: $out"
echo "as expected: $(grep -m 1 -o 'descope-mgmt: .*' <<<"$out")"
rm -rf "$ADDON_DIR"
(cd "$NODE_DIR" && npm install --offline --no-audit --no-fund)
[ "$(node_loaded)" = "$ADDON" ] || die "after reinstalling, the platform package's addon is not the one loaded"
node_smoke

# ---------------------------------------------------------------------------------------
step "C: unpack the tarball into a prefix"
PREFIX=$WORK/c-prefix
t=$(now)
mkdir -p "$PREFIX"
tar -xzf "$ctar" -C "$PREFIX" --strip-components=1
record "C tarball (tar -x into a prefix)" "$t"
[ "$(readlink "$PREFIX/lib/libdescope_mgmt.so.0")" = "libdescope_mgmt.so.$VERSION" ] || die "libdescope_mgmt.so.0 is not a link to libdescope_mgmt.so.$VERSION"
readelf -d "$PREFIX/lib/libdescope_mgmt.so.$VERSION" | grep -q 'Library soname: \[libdescope_mgmt.so.0\]' || die "wrong soname"
CBUILD=$WORK/c-build
mkdir -p "$CBUILD"
CFLAGS=(-std=c11 -Wall -Wextra -Werror -O1 -pthread "-DEXPECTED_VERSION=\"$VERSION\"")
TEST_SOURCES=(tests/c/test_descope_mgmt.c tests/c/json.c tests/c/http.c)

step "C: build tests/c and examples/c through pkg-config"
export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
[ "$(pkg-config --modversion descope_mgmt)" = "$VERSION" ] || die "pkg-config --modversion says $(pkg-config --modversion descope_mgmt)"
# shellcheck disable=SC2046
cc "${CFLAGS[@]}" "${TEST_SOURCES[@]}" -o "$CBUILD/test_pkgconfig" $(pkg-config --cflags --libs descope_mgmt)
# shellcheck disable=SC2046
cc "${CFLAGS[@]}" examples/c/descope_mgmt_demo.c -o "$CBUILD/demo_pkgconfig" $(pkg-config --cflags --libs descope_mgmt)
readelf -d "$CBUILD/test_pkgconfig" | grep -q 'NEEDED.*\[libdescope_mgmt.so.0\]' || die "the program does not depend on libdescope_mgmt.so.0"

step "C: build tests/c and examples/c with CMake (find_package(descope_mgmt))"
mkdir -p "$WORK/cmake-project"
cat >"$WORK/cmake-project/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.16)
project(descope_mgmt_consumer C)
set(CMAKE_C_STANDARD 11)
find_package(descope_mgmt $VERSION REQUIRED)
message(STATUS "descope_mgmt \${descope_mgmt_VERSION} from \${descope_mgmt_DIR}")
set(SRC "$ROOT")
add_executable(test_cmake \${SRC}/tests/c/test_descope_mgmt.c \${SRC}/tests/c/json.c \${SRC}/tests/c/http.c)
target_compile_definitions(test_cmake PRIVATE EXPECTED_VERSION="\${descope_mgmt_VERSION}")
target_link_libraries(test_cmake PRIVATE descope_mgmt::descope_mgmt)
add_executable(demo_cmake \${SRC}/examples/c/descope_mgmt_demo.c)
target_link_libraries(demo_cmake PRIVATE descope_mgmt::descope_mgmt)
add_executable(demo_cmake_static \${SRC}/examples/c/descope_mgmt_demo.c)
target_link_libraries(demo_cmake_static PRIVATE descope_mgmt::descope_mgmt_static)
EOF
cmake -S "$WORK/cmake-project" -B "$CBUILD/cmake" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_BUILD_TYPE=Release >"$WORK/cmake-configure.log" \
  || { cat "$WORK/cmake-configure.log"; die "cmake configure failed"; }
grep 'descope_mgmt ' "$WORK/cmake-configure.log"
cmake --build "$CBUILD/cmake" -j 2 >"$WORK/cmake-build.log" || { cat "$WORK/cmake-build.log"; die "cmake build failed"; }
if readelf -d "$CBUILD/cmake/demo_cmake_static" | grep -q 'libdescope_mgmt'; then die "the static demo depends on the shared library"; fi

step "C: run the C tests (pkg-config and CMake builds) against the emulator"
mkdir -p "$WORK/c-run"
"$EMULATOR" --port 0 >"$WORK/c-run/emulator.out" 2>"$WORK/c-run/emulator.err" &
EMULATOR_PID=$!
trap 'kill "$EMULATOR_PID" 2>/dev/null || true; wait "$EMULATOR_PID" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [ -s "$WORK/c-run/emulator.out" ] && break
  kill -0 "$EMULATOR_PID" 2>/dev/null || { cat "$WORK/c-run/emulator.err" >&2; die "the emulator did not start"; }
  sleep 0.1
done
(
  DESCOPE_EMULATOR_INFO=$(head -n 1 "$WORK/c-run/emulator.out")
  export DESCOPE_EMULATOR_INFO DESCOPE_VECTORS_DIR=$ROOT/tests/vectors
  unset DESCOPE_PROJECT_ID DESCOPE_MANAGEMENT_KEY DESCOPE_BASE_URI
  echo "-- pkg-config build"; "$CBUILD/test_pkgconfig" | tail -n 1
  echo "-- CMake build"; "$CBUILD/cmake/test_cmake" | tail -n 1
)
kill "$EMULATOR_PID" 2>/dev/null || true
wait "$EMULATOR_PID" 2>/dev/null || true
trap - EXIT

step "C: bin/ of the tarball: descope-mgmt, descope-emulator (and descope-mgmt-emulator), with-emulator"
for f in descope-mgmt descope-emulator descope-mgmt-emulator with-emulator; do [ -x "$PREFIX/bin/$f" ] || die "the tarball has no executable bin/$f"; done
# with-emulator runs the tarball's own emulator (not DESCOPE_EMULATOR_BIN) and exits with
# the command's status.
status=0
env -u DESCOPE_EMULATOR_BIN "$PREFIX/bin/with-emulator" python3 -c '
import os, sys, urllib.request
urllib.request.build_opener(urllib.request.ProxyHandler({})).open(os.environ["DESCOPE_BASE_URI"] + "/emulator/health")
assert os.environ["DESCOPE_PROJECT_ID"] == "P2EmulatorProject00000000000" and os.environ["DESCOPE_MANAGEMENT_KEY"]
sys.exit(7)' || status=$?
[ "$status" = 7 ] || die "bin/with-emulator did not run the command against its emulator and pass on its status (got $status, expected 7)"
WITH_EMULATOR="$PREFIX/bin/with-emulator" cli_check c-tarball "$PREFIX/bin/descope-mgmt"

step "C: the README's OUTCOME_UNKNOWN test (share/doc/descope_mgmt/README.md) with bin/with-emulator"
# Its C program and its shell commands, exactly as the tarball's README shows them, run in a
# folder where bin/ is the tarball's.
mkdir -p "$WORK/c-readme"
ln -s "$PREFIX/bin" "$WORK/c-readme/bin"
python3 - "$PREFIX/share/doc/descope_mgmt/README.md" "$WORK/c-readme" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"```c\n(/\* test_rotate_unknown\.c.*?)```\n\n```sh\n(.*?)```", text, re.S)
if not m:
    sys.exit("test-dist: the C README has no test_rotate_unknown.c example")
open(sys.argv[2] + "/test_rotate_unknown.c", "w").write(m.group(1))
open(sys.argv[2] + "/run.sh", "w").write(m.group(2))
EOF
(cd "$WORK/c-readme" && env -u DESCOPE_EMULATOR_BIN bash -euo pipefail run.sh) || die "the C README's OUTCOME_UNKNOWN test failed"
echo "the C README's OUTCOME_UNKNOWN test passed"

step "C: the examples (pkg-config, CMake shared, CMake static) against the emulator of bin/with-emulator"
"$PREFIX/bin/with-emulator" bash -c 'for p in "$@"; do echo "-- $p"; "$p" | tail -n 1; done' _ \
  "$CBUILD/demo_pkgconfig" "$CBUILD/cmake/demo_cmake" "$CBUILD/cmake/demo_cmake_static"

step "C lifecycle: exit(), pthread_cancel and dlclose while calls are in flight (unpacked tarball)"
"${LIFECYCLE[@]}" --c-include "$PREFIX/include" --c-libs "-L$PREFIX/lib -ldescope_mgmt" --c-lib "$PREFIX/lib/libdescope_mgmt.so.0"

step "install times"
printf '  %s\n' "${INSTALL_TIMES[@]}"
echo "test-dist: 4 passed, 0 failed"
