# Shared settings for scripts/{setup,test,run} and .ci/run (sourced, not executed).
# One cargo target dir outside the clone, reused by every build and every clean CI clone.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/guardia-target}"
# Tools the project installs for itself (binaryen's wasm-opt from npm).
export GUARDIA_TOOLS="${GUARDIA_TOOLS:-$HOME/.cache/guardia-tools}"
export PATH="$GUARDIA_TOOLS/binaryen/node_modules/.bin:$HOME/.cargo/bin:$PATH"

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
NEXTEST_VERSION=0.9.143

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# The wasm-bindgen version Cargo.lock resolved: the CLI must match it exactly.
locked_wasm_bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}
