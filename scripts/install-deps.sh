#!/usr/bin/env bash
# Install the Debian packages the build and the tests need, and say what is installed.
# Runs apt-get (through sudo when not root) only when something is missing.
#   scripts/install-deps.sh          what `make`, `make test` and `make run` need
#   scripts/install-deps.sh --bench  also what `make bench` needs (valgrind, for callgrind)
set -euo pipefail

# libcurl4-openssl-dev: the header only (the library loads libcurl.so.4, Debian's libcurl4, at
# run time for live intensity; the -dev package depends on it).
need=(cmake make gcc pkg-config libjansson-dev libcurl4-openssl-dev ca-certificates libcmocka-dev
      clang-format tzdata python3
      # libxml2: the ENTSO-E provider's XML, loaded at run time (libxml2.so.2) only when used;
      # the tests parse recorded replies with it.
      libxml2
      # --report: cairo draws it, fontconfig finds the font (DejaVu Sans); the tests read the PDF
      # with poppler-utils (pdftotext, pdftoppm, pdfinfo) and look at files with file(1).
      libcairo2-dev libfontconfig-dev fonts-dejavu-core poppler-utils file
      # The Python package's tests: the parser on a fake file system (pyfakefs, as upstream's
      # tests use it) and an offline `pip install --no-build-isolation` of the package.
      python3-pyfakefs python3-pip python3-setuptools
      # the node meters' tests check their fake ipmitool against the real one's output format
      ipmitool
      # carbontracker serve: /metrics through libmicrohttpd (its header at build time; the
      # library loads libmicrohttpd.so.12 at run time); the tests check the exposition with
      # promtool and scrape it with a real Prometheus (both in Debian's prometheus), curl.
      libmicrohttpd-dev prometheus curl
      # make test's second build (build-ubsan/) and make fuzz: clang's UndefinedBehaviorSanitizer
      # with float-cast-overflow, which gcc's lacks, and libFuzzer (its runtime: libclang-rt).
      clang libclang-rt-14-dev
      # the live status line's tests: script(1) (bsdutils) and a terminal that renders it (tmux)
      bsdutils tmux

      # Distributed jobs end to end: a real Open MPI mpirun, and a PyTorch DDP job (gloo, CPU)
      # launched by torchrun under Debian's python3
      openmpi-bin python3-torch)
# AMD GPUs: librocm-smi-dev holds rocm_smi.h (our declarations are checked against it) and pulls
# librocm-smi64-1, the real library `--list-devices` is tested with on a machine without an AMD
# GPU. Debian builds ROCm for these architectures only.
case "$(dpkg --print-architecture 2>/dev/null)" in
amd64 | arm64 | ppc64el) need+=(librocm-smi-dev) ;;
esac
case "${1:-}" in
"") ;;
--bench) need+=(valgrind) ;;
*)
    echo "usage: $0 [--bench]" >&2
    exit 2
    ;;
esac
missing=()
for p in "${need[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "carbontracker: installing missing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo="sudo"
    else
        echo "carbontracker: not root and no sudo; please install: ${missing[*]}" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "carbontracker: installed ${missing[*]}"
