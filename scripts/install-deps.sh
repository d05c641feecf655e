#!/usr/bin/env bash
# Installs the Debian 12 packages edgewatch needs to build, run and test. Idempotent: packages
# already installed are skipped, and apt is not touched at all when nothing is missing.
#   scripts/install-deps.sh           build + run dependencies
#   scripts/install-deps.sh --test    also the test peers
set -euo pipefail

build_pkgs=(
  cmake ninja-build g++ pkg-config clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
  librdkafka-dev prometheus-cpp-dev libeigen3-dev nlohmann-json3-dev libsimdjson-dev
  libyaml-cpp-dev libcurl4-openssl-dev libssl-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
run_pkgs=(iproute2 iptables)
test_pkgs=(conntrack util-linux procps curl python3 clang-format clang-tidy git kcat bc dnsmasq-base nginx-light prometheus-alertmanager)

want=("${build_pkgs[@]}" "${run_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then want+=("${test_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
