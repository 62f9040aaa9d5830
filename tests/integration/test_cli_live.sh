#!/usr/bin/env bash
# The command's live carbon intensity end to end, against a local HTTP server replaying
# Electricity Maps replies: --api_keys reaches the provider (only in the auth-token header),
# the fetched value is the one accounted, --offline makes no request, a dead server falls back to
# the table and says so. No other network: every URL points at 127.0.0.1.
set -u
: "${CT_BIN:?}" "${CT_FIXTURE:?}" "${CT_SOURCE_DIR:?}" "${CT_TMP:?}"
. "$(dirname "$0")/lib.sh"
ct_setup cli-live
ct_on_exit() {
    [ -n "${server:-}" ] && kill "$server" 2>/dev/null
    return 0
}

"$CT_FIXTURE" powercap "$T/sys" server2 >/dev/null || exit 1
mkdir -p "$T/proc"
printf 'processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz\n\n' >"$T/proc/cpuinfo"
echo "cpu  100 0 100 800 0 0 0 0 0 0" >"$T/proc/stat"
for v in CARBONTRACKER_OFFLINE ELECTRICITYMAPS_API_KEY CARBONTRACKER_ZONE TZ CUDA_VISIBLE_DEVICES; do
    unset "$v"
done
export CARBONTRACKER_SYSFS_ROOT="$T/sys" CARBONTRACKER_PROC_ROOT="$T/proc"
export CARBONTRACKER_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1

# The value is from this hour: older ones are used with a warning, or skipped past 12 hours.
hour=$(date -u +%Y-%m-%dT%H:00:00.000Z)
cat >"$T/routes.json" <<JSON
{"routes": [
 {"path": "/v3/carbon-intensity/latest", "query": "zone=DE",
  "responses": [{"status": 200, "body": "{\\"zone\\": \\"DE\\", \\"carbonIntensity\\": 312, \\"datetime\\": \\"$hour\\"}"}]},
 {"path": "/v3/carbon-intensity/forecast", "query": "zone=DE",
  "responses": [{"status": 200, "body": "{\\"zone\\": \\"DE\\", \\"forecast\\": []}"}]}
]}
JSON
python3 "$CT_SOURCE_DIR/tests/fakes/http_server.py" --port 0 --port-file "$T/port" \
    --routes "$T/routes.json" --log "$T/requests.log" --max-requests 50 --max-seconds 120 &
server=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
port=$(cat "$T/port")
export CARBONTRACKER_ELECTRICITYMAPS_URL="http://127.0.0.1:$port/v3"
# Geolocation and the keyless providers must not leave the machine either.
export CARBONTRACKER_GEOLOCATION_URL="http://127.0.0.1:$port/geo"
export CARBONTRACKER_UKGRID_URL="http://127.0.0.1:$port/uk"
export CARBONTRACKER_ENERGIDATASERVICE_URL="http://127.0.0.1:$port/eds"
export CARBONTRACKER_ENERGYCHARTS_URL="http://127.0.0.1:$port/ec"
export CARBONTRACKER_EIRGRID_URL="http://127.0.0.1:$port/eirgrid"
export CARBONTRACKER_ODRE_URL="http://127.0.0.1:$port/odre"

"$CT_BIN" --log_dir "$T/logs" --json "$T/s.json" --zone DE \
    --api_keys '{"electricitymaps": "K3Y-secret"}' -- sleep 0.5 >"$T/out" 2>"$T/err"
rc=$?
check "live run exits 0" test "$rc" = 0
check "the provider got the key in the auth-token header" \
    python3 -c 'import json,sys
reqs=[json.loads(l) for l in open(sys.argv[1])]
ok=any(r["path"].startswith("/v3/carbon-intensity/latest") and
       {k.lower():v for k,v in r["headers"].items()}.get("auth-token")=="K3Y-secret" for r in reqs)
sys.exit(0 if ok else 1)' "$T/requests.log"
check "the fetched intensity is the one accounted" grep -qF \
    "Average carbon intensity during training was 312.00 gCO2/kWh" "$T/out"
check "the JSON names the live source" python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
sys.exit(0 if d["intensity_g_per_kwh"]==312 and "electricitymaps" in d["intensity_source"] else 1)' "$T/s.json"
check "the key is nowhere in the output, logs or JSON" \
    test -z "$(grep -rl 'K3Y-secret' "$T/out" "$T/err" "$T/logs" "$T/s.json")"

# Without a key, DE's keyless source: Energy-Charts, one request for the value and the forecast.
python3 - "$T/routes.json" <<'PY'
import json, sys, time
q = int(time.time()) // 900 * 900
ts = [q + 900 * i for i in range(-8, 96)]
reply = {"unix_seconds": ts, "co2eq": [410.5 if t < q else None for t in ts],
         "co2eq_forecast": [None if t < q else 400.0 for t in ts], "deprecated": False}
routes = json.load(open(sys.argv[1]))
routes["routes"].append({"path": "/ec/co2eq", "query": "country=de",
                         "responses": [{"status": 200, "body": json.dumps(reply)}]})
json.dump(routes, open(sys.argv[1], "w"))
PY
: >"$T/requests.log"
"$CT_BIN" --log_dir "$T/logs-ec" --json "$T/ec.json" --zone DE -- sleep 0.3 >"$T/out" 2>"$T/err"
check "a keyless zone runs live" test "$?" = 0
check "Energy-Charts answered DE, in one request" python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
reqs=[json.loads(l)["path"] for l in open(sys.argv[2])]
sys.exit(0 if d["intensity_source"]=="energycharts:DE" and d["intensity_g_per_kwh"]==410.5
         and reqs==["/ec/co2eq?country=de"] else 1)' "$T/ec.json" "$T/requests.log"

# --zones: every zone with live data, its providers, whether a key is needed.
"$CT_BIN" --zones --json "$T/zones.json" >"$T/out" 2>"$T/err"
check "--zones exits 0" test "$?" = 0
check "--zones lists Ireland's keyless source" grep -qE \
    "^IE +not needed +electricitymaps \(key, forecast\), eirgrid, entsoe \(key\)$" "$T/out"
check "--zones lists a US balancing authority's source, which needs a key" grep -qE \
    "^US-MIDA-PJM +needed +electricitymaps \(key, forecast\), eia \(key\)$" "$T/out"
check "--zones says a key is needed elsewhere" grep -qE "^any +needed +electricitymaps" "$T/out"
check "--zones --json has every zone, sorted, with its providers" python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
z={e["zone"]: [p["name"] for p in e["providers"]] for e in d["zones"]}
ok=z["FR"]==["electricitymaps","energycharts","odre","entsoe"] and z["GB-NIR"]==["electricitymaps","eirgrid"]
ok=ok and z["SE-SE3"]==["electricitymaps","entsoe"] and z["US-TEX-ERCO"]==["electricitymaps","eia"]
ok=ok and list(z)==sorted(z) and d["any_zone"]["key_needed"] is True
sys.exit(0 if ok else 1)' "$T/zones.json"
"$CT_BIN" --zones -- true >"$T/out" 2>"$T/err"
check "--zones takes no command" test "$?" = 64

# A cloud region by name: its grid zone is the zone, the region is kept beside it.
"$CT_BIN" --offline --log_dir "$T/logs-cloud" --json "$T/cloud.json" --zone azure:westeurope \
    -- true >"$T/out" 2>"$T/err"
check "--zone azure:westeurope is the grid zone NL" python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
sys.exit(0 if d["zone"]=="NL" and d["cloud_region"]=="azure:westeurope"
         and d["intensity_source"].startswith("table:owid:NL:") else 1)' "$T/cloud.json"
check "the location names both" grep -qF "NL (azure:westeurope, set by option)" "$T/out"
"$CT_BIN" --offline --log_dir "$T/logs-cloud" --json "$T/cloud.json" --zone aws:mars-north-1 \
    -- true >"$T/out" 2>"$T/err"
check "an unknown cloud region is a usage error" test "$?" = 64
check "which says what to do" grep -qF "zone 'aws:mars-north-1' is not a cloud region \
carbontracker knows: give aws:REGION, gcp:REGION or azure:REGION" "$T/err"

n_before=$(wc -l <"$T/requests.log")
"$CT_BIN" --offline --log_dir "$T/logs2" --zone DE --api_keys '{"electricitymaps": "K3Y-secret"}' \
    -- true >"$T/out" 2>"$T/err"
check "--offline makes no request" test "$(wc -l <"$T/requests.log")" = "$n_before"
check "--offline uses the yearly table" grep -qF \
    "Average carbon intensity during training was 380.95 gCO2/kWh" "$T/out"

kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
server=
"$CT_BIN" --log_dir "$T/logs3" --zone DE --api_keys '{"electricitymaps": "K3Y-secret"}' \
    -- sleep 0.3 >"$T/out" 2>"$T/err"
rc=$?
check "a dead server does not fail the run" test "$rc" = 0
check "it falls back to the table and says so" grep -qF \
    "Failed to retrieve carbon intensity" "$T/out"
check "the fallback value is DE's yearly average" grep -qE \
    "Average carbon intensity during training was 380\.95 gCO2/kWh" "$T/out"

ct_finish
