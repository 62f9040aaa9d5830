# lib.sh - what every integration test script shares: a scratch directory under $CT_TMP removed
# on exit, ok/not_ok/check with TAP-like lines, `ct` to run the command with its output captured,
# and the closing "N passed, M failed" line CI reads. Source it after `set -u`:
#     . "$(dirname "$0")/lib.sh"; ct_setup NAME
# Afterwards: $T (scratch dir), $rc (status of the last `ct`), $T/out and $T/err (its output).

# ct_setup NAME: create the scratch directory $T ("$CT_TMP/NAME.XXXXXX").
ct_setup() {
    CT_TMP=${CT_TMP:-/tmp}
    mkdir -p "$CT_TMP"
    T=$(mktemp -d "$CT_TMP/$1.XXXXXX") || exit 1
    trap 'ct_cleanup' EXIT
}
# Scripts may add their own cleanup in ct_on_exit (a function), run before $T is removed.
ct_cleanup() {
    if declare -F ct_on_exit >/dev/null; then ct_on_exit; fi
    rm -rf "$T"
}

pass=0
fail=0
ok() {
    echo "ok - $1"
    pass=$((pass + 1))
}
# not_ok NAME: a failure; shows what the last run printed, to make failures readable.
not_ok() {
    echo "not ok - $1"
    fail=$((fail + 1))
    for f in "$T/out" "$T/err"; do
        [ -s "$f" ] && sed 's/^/#   /' "$f" | head -40
    done
    return 0
}
# check NAME COMMAND...: ok when COMMAND succeeds.
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else not_ok "$name"; fi
}
# ct ARGS...: run the command with stdout in $T/out, stderr in $T/err, status in $rc.
rc=0
ct() {
    "$CT_BIN" "$@" >"$T/out" 2>"$T/err"
    rc=$?
}
# ct_finish: the closing line CI reads, and the script's status.
ct_finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
