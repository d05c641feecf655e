#!/usr/bin/env bash
# Style checks: clang-format on every tracked C/C++ file (kernel style under bpf/, see
# bpf/.clang-format) and, with --tidy, clang-tidy over the build's compile_commands.json.
#   scripts/lint.sh            format check (fast; part of the test suite)
#   scripts/lint.sh --tidy     also clang-tidy over the product code (minutes; what CI runs)
#   scripts/lint.sh --tidy-all also clang-tidy over the tests (twice as long)
#   scripts/lint.sh --fix      reformat in place
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
git rev-parse --git-dir >/dev/null 2>&1 || { echo "lint: $top is not a git checkout" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.c' '*.cc' '*.h' | grep -v '^bpf/vmlinux/')
if [[ "${1:-}" == "--fix" ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi
clang-format --dry-run --Werror "${files[@]}"
echo "lint: clang-format clean on ${#files[@]} files"
if [[ "${1:-}" == "--tidy" || "${1:-}" == "--tidy-all" ]]; then
  build=${BUILD_DIR:-$top/build}
  # The tests are half the translation units; gcc's -Werror and running them check them, and
  # CI's time goes to the product code (--tidy-all adds them).
  if [[ "$1" == "--tidy-all" ]]; then
    mapfile -t sources < <(git ls-files '*.cc')
  else
    mapfile -t sources < <(git ls-files '*.cc' | grep -v '^tests/')
  fi
  # -Wno-error: compiler warnings are gcc's job (-Werror in CI); clang's pedantic ones about
  # libbpf macros and the generated skeleton are not findings.
  run-clang-tidy -quiet -extra-arg=-Wno-error -p "$build" -j "$(nproc)" "${sources[@]/#/$top/}"
fi
