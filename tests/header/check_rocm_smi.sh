#!/bin/bash
# check_rocm_smi.sh CC SOURCE_DIR - compile rocm_smi_check.c against AMD's rocm_smi.h: it must
# compile as is and fail with -DCT_WRONG. Exits 77 (skipped) when the header is not installed.
set -u
cc=$1 src=$2
header=$(echo '#include <rocm_smi/rocm_smi.h>' | "$cc" -E -x c - 2>/dev/null | grep -m1 -o '/[^"]*rocm_smi/rocm_smi.h')
if [ -z "$header" ]; then
    echo "SKIP: rocm_smi/rocm_smi.h is not installed (Debian: librocm-smi-dev)"
    exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(-std=c17 -Wall -Wextra -Werror -I"$src/src/lib" -I"$src/include")
if ! "$cc" "${flags[@]}" "$src/tests/header/rocm_smi_check.c" -o "$out/check"; then
    echo "FAIL: our ROCm SMI declarations differ from $header"
    exit 1
fi
if "$cc" "${flags[@]}" -DCT_WRONG "$src/tests/header/rocm_smi_check.c" -o "$out/wrong" 2>"$out/err"; then
    echo "FAIL: a wrong declaration passed the check: the check does not bite"
    exit 1
fi
grep -q "differs from wrong_energy_fn" "$out/err" || { cat "$out/err"; echo "FAIL: unexpected error"; exit 1; }
echo "OK: ${header}: 10 functions and 10 status codes match rocm_smi_types.h"
