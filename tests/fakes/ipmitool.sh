#!/bin/sh
# A fake ipmitool for the ipmi-dcmi meter's tests: answers `ipmitool dcmi power reading` with the
# lines the real one prints (ipmitool's lib/ipmi_dcmi.c; integration/test_node.sh checks each
# format string below against the installed ipmitool). Tests install it as "ipmitool" in a
# directory they put first on PATH; beside it, `watts` holds the power to report and `mode`
# (optional) one of: ok, error (ipmitool's message when there is no BMC device), garbage, hang.
dir=$(dirname "$0")
if [ "$1 $2 $3" != "dcmi power reading" ]; then
    echo "fake ipmitool: only 'dcmi power reading' is played, not: $*" >&2
    exit 1
fi
echo "$$" >>"$dir/calls"
mode=$(cat "$dir/mode" 2>/dev/null || echo ok)
case $mode in
error)
    echo "Could not open device at /dev/ipmi0 or /dev/ipmi/0 or /dev/ipmidev/0: No such file or directory" >&2
    exit 1
    ;;
garbage)
    echo "Power: lots"
    exit 0
    ;;
hang) exec sleep 60 ;;
esac
w=$(cat "$dir/watts")
printf '\n\n'
printf '    Instantaneous power reading:              %8d Watts\n' "$w"
printf '    Minimum during sampling period:           %8d Watts\n' "$((w - 20))"
printf '    Maximum during sampling period:           %8d Watts\n' "$((w + 30))"
printf '    Average power reading over sample period: %8d Watts\n' "$w"
printf '    IPMI timestamp:                           %s' "Sat Dec  5 15:41:00 2026
"
printf '    Sampling period:                          '
printf '%08u Seconds.\n' 1
printf '    Power reading state is:                   '
printf 'activated'
printf '\n\n\n'
