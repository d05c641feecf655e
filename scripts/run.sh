#!/usr/bin/env bash
# Quick start, part 1: install what is missing, build, and run `edgewatch run` with the example
# rules. Extra arguments go to `edgewatch run` (e.g. --webhook http://127.0.0.1:8080/alerts).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
"$top/scripts/build.sh"
exec "${BUILD_DIR:-$top/build}/cmd/edgewatch" run --rules "$top/rules/examples" "$@"
