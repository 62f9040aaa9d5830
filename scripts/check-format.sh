#!/usr/bin/env bash
# Fails when a C source or header differs from what clang-format (.clang-format) would write.
set -euo pipefail
cf=${1:-clang-format}
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find src include tests examples tools -name '*.[ch]')
[ -n "$files" ] || exit 0
# shellcheck disable=SC2086
"$cf" --dry-run --Werror $files
echo "format: $(echo "$files" | wc -w) files clean"
