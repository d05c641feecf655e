#!/usr/bin/env bash
# Regenerates the pinned vmlinux.h from the running kernel's BTF.
# The pinned copy only supplies type *definitions* for compilation: CO-RE relocations make the
# objects portable to other kernels, so this needs rerunning only to use new kernel types.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-x86_64}
btf=${BTF:-/sys/kernel/btf/vmlinux}
[ -r "$btf" ] || { echo "gen_vmlinux: $btf not readable (kernel built without CONFIG_DEBUG_INFO_BTF?)" >&2; exit 1; }
mkdir -p "$here/vmlinux/$arch"
bpftool btf dump file "$btf" format c > "$here/vmlinux/$arch/vmlinux.h"
echo "wrote $here/vmlinux/$arch/vmlinux.h from $btf ($(uname -r))"
