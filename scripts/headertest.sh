#!/usr/bin/env bash
# The public header must compile alone as C99 -pedantic and as C++.
set -euo pipefail
cc=$1 inc=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include <carbontracker.h>\nint main(void){ct_options o = CT_OPTIONS_INIT; (void)o; return 0;}\n' >"$tmp/h.c"
"$cc" -std=c99 -pedantic -Wall -Wextra -Werror -I"$inc" -c "$tmp/h.c" -o "$tmp/h.o"
if command -v g++ >/dev/null 2>&1; then
    printf '#include <carbontracker.h>\nint main(){ct_options o; ct_options_init(&o); return 0;}\n' >"$tmp/h.cc"
    g++ -std=c++17 -Wall -Wextra -Werror -I"$inc" -c "$tmp/h.cc" -o "$tmp/hc.o"
fi
echo "headertest: ok"
