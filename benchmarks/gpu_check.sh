#!/usr/bin/env bash
# The GPU check, for a CUDA machine with no network whose Python already has torch and JAX
# (both built for CUDA). In under 8 minutes it
#   1. installs Keras and deepfit's pure-Python dependencies from a folder of wheels into a
#      venv that sees the machine's own packages (torch and JAX are never downloaded),
#   2. runs the CUDA tests (tests skipped without a CUDA device; benchmarks/cuda_tests.py),
#   3. runs the GPU benchmark (benchmarks/gpu_bench.py: MLP, convnet, LSTM, ResNet; deepfit
#      eager and jit_compile=True vs Keras on JAX vs a plain torch loop, all on the GPU),
# and prints one table. Without a CUDA device it says so and exits 0 having changed nothing.
#
# Usage, from anywhere:
#   benchmarks/gpu_check.sh                  # wheels from ./gpu-wheels (or $DEEPFIT_GPU_WHEELS)
#   benchmarks/gpu_check.sh --wheels DIR
#   PYTHON=/opt/py/bin/python benchmarks/gpu_check.sh
#   benchmarks/gpu_check.sh --dry-run-cpu   # the same steps on the CPU, 256 samples a workload
# Preparing the wheels, on a machine with network, for the GPU machine's Python version:
#   benchmarks/gpu_check.sh --prepare gpu-wheels [--python-version 3.11]
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
WHEELS="${DEEPFIT_GPU_WHEELS:-$ROOT/gpu-wheels}"
OUT="${OUT:-$ROOT/gpu-results}"
VENV="${DEEPFIT_GPU_VENV:-${TMPDIR:-/tmp}/deepfit-gpu-venv}"
# What the tests and the benchmark import besides torch and JAX (Keras's own dependencies are
# pulled in by pip from the same folder).
REQUIREMENTS=(keras numpy h5py pillow pytest pytest-timeout)
PREPARE=""
DRY_RUN=""
PY_VERSION=""
TESTS_TIMEOUT=120
BENCH_BUDGET=260

while [ $# -gt 0 ]; do
    case "$1" in
        --wheels) WHEELS="$2"; shift 2 ;;
        --prepare) PREPARE="$2"; shift 2 ;;
        --python-version) PY_VERSION="$2"; shift 2 ;;
        --dry-run-cpu) DRY_RUN="--dry-run-cpu"; shift ;;
        -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "gpu_check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

if [ -n "$PREPARE" ]; then
    mkdir -p "$PREPARE"
    version_args=()
    if [ -n "$PY_VERSION" ]; then
        version_args=(--python-version "$PY_VERSION" --platform manylinux2014_x86_64
                      --only-binary=:all:)
    fi
    exec "$PYTHON" -m pip download --disable-pip-version-check -d "$PREPARE" \
        "${version_args[@]}" "${REQUIREMENTS[@]}"
fi

START=$(date +%s)
elapsed() { echo $(( $(date +%s) - START )); }

# 0. Is there a GPU? (Nothing below runs without one.)
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "gpu_check: no Python at '$PYTHON' (set PYTHON=...)"; exit 2
fi
PROBE=$("$PYTHON" - <<'EOF' 2>&1
try:
    import torch
except Exception as error:  # noqa: BLE001
    print(f"NOTORCH torch is not importable: {error}")
else:
    if torch.cuda.is_available():
        print(f"CUDA {torch.cuda.get_device_name(0)} (torch {torch.__version__})")
    else:
        print(f"NOCUDA torch {torch.__version__} sees no CUDA device")
EOF
)
case "$PROBE" in
    CUDA*) echo "gpu_check: ${PROBE#CUDA }" ;;
    NOCUDA*) if [ -z "$DRY_RUN" ]; then
                 echo "gpu_check: no CUDA device (${PROBE#NOCUDA }); nothing to check."; exit 0
             fi
             echo "gpu_check: dry run on the CPU (${PROBE#NOCUDA })" ;;
    *) echo "gpu_check: this Python cannot run the check: ${PROBE#NOTORCH }"; exit 2 ;;
esac

# 1. The venv: the machine's torch and JAX, plus the wheels.
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv --system-site-packages "$VENV" || { echo "gpu_check: venv failed"; exit 2; }
fi
PY="$VENV/bin/python"
# If the machine's Python is itself a venv, --system-site-packages does not reach its packages:
# a .pth file in the new venv points at them (pip then counts torch, JAX, numpy as installed).
"$PYTHON" -c "import sysconfig; p = sysconfig.get_paths(); print(p['purelib']); print(p['platlib'])" \
    >"$("$PY" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")/_machine_site.pth"
# (found, not imported: Keras's import needs a backend chosen)
if ! "$PY" -c "import importlib.util as u, sys
sys.exit(any(u.find_spec(m) is None for m in ('keras', 'pytest', 'h5py', 'PIL')))"; then
    if [ ! -d "$WHEELS" ]; then
        echo "gpu_check: Keras/pytest are missing and there is no wheel folder at $WHEELS"
        echo "  (make one with: benchmarks/gpu_check.sh --prepare gpu-wheels --python-version X.Y)"
        exit 2
    fi
    "$PY" -m pip install --disable-pip-version-check -q --no-index --find-links "$WHEELS" \
        "${REQUIREMENTS[@]}" || { echo "gpu_check: installing from $WHEELS failed"; exit 2; }
fi
"$PY" - <<'EOF' || echo "gpu_check: warning: JAX does not see a GPU; keras-jax will fail"
import jax
print(f"gpu_check: JAX {jax.__version__} on {jax.default_backend()}: {jax.devices()}")
assert jax.default_backend() == "gpu"
EOF
export PYTHONPATH="$ROOT:$ROOT/benchmarks${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONWARNINGS=ignore TF_CPP_MIN_LOG_LEVEL=3
# Keras on JAX must not take the whole GPU's memory up front: torch shares the device.
export XLA_PYTHON_CLIENT_PREALLOCATE=false
cd "$ROOT" || exit 2

# 2. The CUDA tests.
echo "gpu_check: CUDA tests ($(elapsed) s in)"
# Only the test files that mention CUDA are collected; the plugin keeps their CUDA tests.
mapfile -t CUDA_FILES < <(grep -rli "cuda" tests --include="test_*.py" | sort)
timeout "$TESTS_TIMEOUT" "$PY" -m pytest "${CUDA_FILES[@]}" -p cuda_tests -p no:cacheprovider \
    -rfs \
    >"${TMPDIR:-/tmp}/gpu_check_tests.log" 2>&1
TESTS_RC=$?
TESTS_LINE=$(grep -E "[0-9]+ (passed|failed|skipped|deselected|errors?)|no tests ran" \
             "${TMPDIR:-/tmp}/gpu_check_tests.log" | tail -1)
[ "$TESTS_RC" -eq 124 ] && TESTS_LINE="timed out after ${TESTS_TIMEOUT} s"
tail -25 "${TMPDIR:-/tmp}/gpu_check_tests.log"

# 3. The GPU benchmark.
echo "gpu_check: GPU benchmark ($(elapsed) s in)"
timeout $((BENCH_BUDGET + 40)) "$PY" benchmarks/gpu_bench.py --budget "$BENCH_BUDGET" \
    --out "$OUT" $DRY_RUN
BENCH_RC=$?

echo
echo "gpu_check: CUDA tests: ${TESTS_LINE:-no summary (rc $TESTS_RC)}"
echo "gpu_check: benchmark exit status $BENCH_RC; table in $OUT/gpu-table.md"
echo "gpu_check: done in $(elapsed) s"
[ "$TESTS_RC" -eq 0 ] && [ "$BENCH_RC" -eq 0 ]
