#!/usr/bin/env bash
# test_advise.sh - `carbontracker --advise DURATION` against a local HTTP server serving a
# carbonintensity.org.uk forecast built around the current time with a known greenest window:
# the exact start, its intensity, now's and the saving, the JSON keys; durations in every
# spelling; a horizon shorter than DURATION, gaps (null slots), zones without a forecast and
# offline are clear answers (exit 69). No other network: every URL points at 127.0.0.1.
set -u
: "${CT_BIN:?}" "${CT_SOURCE_DIR:?}" "${CT_TMP:?}"
. "$(dirname "$0")/lib.sh"
ct_setup advise
ct_on_exit() {
    [ -n "${server:-}" ] && kill "$server" 2>/dev/null
    return 0
}
for v in CARBONTRACKER_OFFLINE ELECTRICITYMAPS_API_KEY CARBONTRACKER_ZONE TZ; do unset "$v"; done

# Forecasts from the half hour now is in (and the next, should the clock pass it meanwhile):
# "full": 48 slots of 200 g/kWh except slots 10-13 (2 h) at 50; "short": 4 slots (2 h);
# "gaps": every third slot null. Energy-Charts (DE): hourly, actual values for the past two hours,
# then a forecast of 300 with 120 from hour 6 to 9.
python3 - "$T" <<'PY'
import json, sys, time
T = sys.argv[1]
t0 = int(time.time() // 1800 * 1800)
def iso(t): return time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(t))
def body(values):
    return json.dumps({"data": [{"from": iso(t0 + i * 1800), "to": iso(t0 + (i + 1) * 1800),
                                 "intensity": {"forecast": v, "actual": None, "index": "x"}}
                                for i, v in enumerate(values)]})
full = [50 if 10 <= i < 14 else 200 for i in range(48)]
series = {"full": full, "short": [120] * 4, "gaps": [None if i % 3 == 2 else 100 for i in range(48)]}
routes = []
for name, values in series.items():
    for start in (t0, t0 + 1800):
        for h in ("fw24h", "fw48h"):
            routes.append({"path": f"/{name}/intensity/{iso(start)}/{h}",
                           "responses": [{"status": 200, "body": body(values)}]})
h0 = int(time.time() // 3600 * 3600)
hours = list(range(-2, 30))
ec = {"unix_seconds": [h0 + i * 3600 for i in hours],
      "co2eq": [400 if i < 0 else None for i in hours],
      "co2eq_forecast": [None if i < 0 else 120 if 6 <= i < 9 else 300 for i in hours]}
routes.append({"path": "/ec/co2eq", "query": "country=de",
               "responses": [{"status": 200, "body": json.dumps(ec)}]})
json.dump({"routes": routes}, open(f"{T}/routes.json", "w"))
open(f"{T}/best_ec", "w").write(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(h0 + 6 * 3600)))
open(f"{T}/best", "w").write(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0 + 10 * 1800)))
PY
python3 "$CT_SOURCE_DIR/tests/fakes/http_server.py" --port 0 --port-file "$T/port" \
    --routes "$T/routes.json" --log "$T/requests.log" --max-requests 200 --max-seconds 120 &
server=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
base="http://127.0.0.1:$(cat "$T/port")"
export CARBONTRACKER_GEOLOCATION_URL="$base/geo" CARBONTRACKER_ELECTRICITYMAPS_URL="$base/em"
export CARBONTRACKER_ENERGIDATASERVICE_URL="$base/eds" CARBONTRACKER_ENERGYCHARTS_URL="$base/ec"
export CARBONTRACKER_EIRGRID_URL="$base/eirgrid" CARBONTRACKER_ODRE_URL="$base/odre"
best=$(cat "$T/best")

ct --advise 2h --zone GB --set "ukgrid.url=$base/full" --json "$T/a.json"
check "advice: exit 0" [ "$rc" -eq 0 ]
check "advice: the exact greenest start, its intensity, now's and the saving" \
    grep -qF "The greenest start for 2:00:00 in GB is $best at 50.00 gCO2eq/kWh (starting now: 200.00 gCO2eq/kWh; 75.0 % less)" "$T/out"
check "advice: the forecast's source" grep -qF "Forecast: ukgrid" "$T/out"
check "advice: JSON keys" python3 -c "
import json, sys
d = json.load(open('$T/a.json'))
want = {'best_start': '$best', 'best_intensity_g_per_kwh': 50, 'now_intensity_g_per_kwh': 200,
        'saving_percent': 75, 'zone': 'GB'}
sys.exit(not (all(d[k] == v for k, v in want.items()) and d['source'].startswith('ukgrid')))"
for spelling in 120m 1h60m 7200; do
    ct --advise "$spelling" --zone GB --set "ukgrid.url=$base/full"
    check "advice: duration '$spelling' is 2 h" grep -qF "start for 2:00:00 in GB is $best" "$T/out"
done
for spelling in 90m 1h30m 5400; do
    ct --advise "$spelling" --zone GB --set "ukgrid.url=$base/full"
    check "advice: '$spelling' starts in the low window too" \
        grep -qF "start for 1:30:00 in GB is $best at 50.00" "$T/out"
done

# A provider added beside the first ones (Energy-Charts) through the same vtable: no more code.
ct --advise 3h --zone DE --json "$T/de.json"
check "Energy-Charts: the exact greenest start" \
    grep -qF "The greenest start for 3:00:00 in DE is $(cat "$T/best_ec") at 120.00 gCO2eq/kWh (starting now: 300.00 gCO2eq/kWh; 60.0 % less)" "$T/out"
check "Energy-Charts: named as the source" python3 -c "
import json, sys
d = json.load(open('$T/de.json'))
sys.exit(not (d['source'].startswith('energycharts') and d['zone'] == 'DE'))"

ct --advise 3h --zone GB --set "ukgrid.url=$base/short"
check "short horizon: exit 69" [ "$rc" -eq 69 ]
check "short horizon: says how far the forecast reaches" \
    grep -qE "ukgrid: the forecast covers only [0-2]:[0-9]{2}:[0-9]{2} from now, less than the 3:00:00 asked for" "$T/err"
ct --advise 2h --zone GB --set "ukgrid.url=$base/gaps"
check "gaps and nulls: exit 69" [ "$rc" -eq 69 ]
check "gaps and nulls: said" grep -qF "the forecast has gaps (missing or unusable slots): no 2:00:00 without one" "$T/err"
ct --advise 40m --zone GB --set "ukgrid.url=$base/gaps"
check "gaps: a duration that fits between them is advised" [ "$rc" -eq 0 ]
ct --advise 2h --zone PL
check "zone without a forecast: exit 69" [ "$rc" -eq 69 ]
check "zone without a forecast: says where forecasts exist" grep -qF "no carbon intensity forecast for PL" "$T/err"
ct --advise 2h --zone GB --offline
check "offline: exit 69 and why" bash -c "[ $rc -eq 69 ] && grep -q 'needs the live forecasts' '$T/err'"
ct --advise 2x
check "bad duration: usage error" [ "$rc" -eq 64 ]
ct --advise 0
check "zero duration: usage error" [ "$rc" -eq 64 ]
ct --advise 2h -- true
check "--advise with a command: usage error" [ "$rc" -eq 64 ]
ct_finish
