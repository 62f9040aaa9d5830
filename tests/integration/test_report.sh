#!/usr/bin/env bash
# Integration tests of `carbontracker --report`: the hand-written parse documents of
# tests/fixtures/report (cpu-only, gpu+cpu, killed-run, multi-run) drawn as PDF, SVG, PNG and
# HTML, the PDF's text (pdftotext) and its pages not blank (pdftoppm), the SVG and HTML against
# golden files (tests/fixtures/report/golden), then real logs written by
# the command and by examples/train against fake powercap trees (CPU only, GPU+CPU, several runs,
# a run killed with SIGKILL), and the errors: unknown extension, missing input, bad documents.
# Env (set by ctest): CT_BIN, CT_FIXTURE, CT_EXAMPLE, CT_SOURCE_DIR, CT_TMP.
# Needs poppler-utils (pdftotext, pdftoppm, pdfinfo), file and python3 (scripts/install-deps.sh).
set -u

: "${CT_BIN:?CT_BIN must name the carbontracker command}"
: "${CT_FIXTURE:?CT_FIXTURE must name the ct-fixture helper}"
: "${CT_SOURCE_DIR:?CT_SOURCE_DIR must name the source tree}"
. "$(dirname "$0")/lib.sh"
ct_setup report
FIX="$CT_SOURCE_DIR/tests/fixtures/report"


for tool in pdftotext pdftoppm pdfinfo file python3; do
    check "tool $tool is installed (scripts/install-deps.sh)" command -v "$tool"
done

# Deterministic date in the subtitle and the PDF metadata.
export SOURCE_DATE_EPOCH=1700000000
DATE="2023-11-14 22:13"
version=$(sed -n 's/^project(carbontracker VERSION \([0-9.]*\).*/\1/p' "$CT_SOURCE_DIR/CMakeLists.txt")

# The page checks. ppm FILE...: each page (pdftoppm's PPM) has ink (>= 1% of the pixels not
# white) in several colours. png FILE PAGES: each page-high band of the PNG has many different
# rows (a blank band has one or two). selftest: both reject blank pages.
cat >"$T/pages.py" <<'EOF'
import struct, sys, zlib

PAGE_ROWS = 1584  # 792 pt at 2 px/pt


def ppm(path):
    data = open(path, "rb").read()
    fields, i = [], 0
    while len(fields) < 4:
        while data[i:i + 1].isspace():
            i += 1
        if data[i:i + 1] == b"#":
            i = data.index(b"\n", i)
            continue
        j = i
        while not data[j:j + 1].isspace():
            j += 1
        fields.append(data[i:j])
        i = j
    w, h = int(fields[1]), int(fields[2])
    px = data[i + 1:i + 1 + w * h * 3]
    pixels = [px[k:k + 3] for k in range(0, len(px), 3)]
    ink = sum(1 for p in pixels if p != b"\xff\xff\xff") / float(w * h)
    colours = len(set(pixels))
    return fields[0] == b"P6" and ink >= 0.01 and colours >= 8, "ink %.3f, %d colours" % (ink, colours)


def png_bands(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return []
    pos, idat, w, h, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = 1 + w * {2: 3, 6: 4}[ctype]
    if len(raw) != stride * h:
        return []
    rows = [raw[r * stride:(r + 1) * stride] for r in range(h)]
    return [len(set(rows[b:b + PAGE_ROWS])) for b in range(0, h, PAGE_ROWS)]


def write_blank(ppm_path, png_path):
    open(ppm_path, "wb").write(b"P6\n100 100\n255\n" + b"\xff" * 30000)
    row = b"\x00" + b"\xff" * 300
    ihdr = struct.pack(">IIBBBBB", 100, PAGE_ROWS, 8, 2, 0, 0, 0)
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    open(png_path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(
        b"IDAT", zlib.compress(row * PAGE_ROWS)) + chunk(b"IEND", b""))


mode = sys.argv[1]
if mode == "ppm":
    good = True
    for path in sys.argv[2:]:
        fine, why = ppm(path)
        print("%s: %s" % (path, why))
        good = good and fine
    sys.exit(0 if good and len(sys.argv) > 2 else 1)
if mode == "png":
    bands = png_bands(sys.argv[2])
    print("distinct rows per page:", bands)
    sys.exit(0 if len(bands) == int(sys.argv[3]) and min(bands) >= 40 else 1)
if mode == "selftest":
    write_blank(sys.argv[2] + ".ppm", sys.argv[2] + ".png")
    blank_ppm = not ppm(sys.argv[2] + ".ppm")[0]
    blank_png = min(png_bands(sys.argv[2] + ".png")) < 40
    sys.exit(0 if blank_ppm and blank_png else 1)
sys.exit(2)
EOF
check "the page checker rejects blank pages" python3 "$T/pages.py" selftest "$T/blank"

# pdf_pages_ok PDF N: N pages, each rendered by pdftoppm -r 50 is not blank.
pdf_pages_ok() {
    local n
    n=$(pdfinfo "$1" 2>/dev/null | sed -n 's/^Pages: *//p')
    [ "$n" = "$2" ] || {
        echo "pages: $n, expected $2" >"$T/err"
        return 1
    }
    rm -f "$T"/pg-*.ppm
    pdftoppm -r 50 "$1" "$T/pg" 2>"$T/err" || return 1
    python3 "$T/pages.py" ppm "$T"/pg-*.ppm >"$T/err" 2>&1
}
# pdf_has PDF STRING...: pdftotext's text (whitespace runs made one space) holds every STRING.
pdf_has() {
    local pdf=$1 s
    shift
    pdftotext "$pdf" - 2>/dev/null | tr -s ' \n\t' '   ' >"$T/text"
    for s in "$@"; do
        if ! grep -qF -- "$s" "$T/text"; then
            echo "missing in the PDF text: $s" >"$T/err"
            return 1
        fi
    done
}
# file_has FILE STRING...: FILE holds every STRING.
file_has() {
    local f=$1 s
    shift
    for s in "$@"; do
        if ! grep -qF -- "$s" "$f"; then
            echo "missing in $f: $s" >"$T/err"
            return 1
        fi
    done
}
# svg_ok FILE HEIGHT: well-formed SVG, 612pt wide, HEIGHT pt high.
svg_ok() {
    python3 - "$1" "$2" <<'EOF' 2>"$T/err"
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ok = (root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("width") == "612pt"
      and root.get("height") == sys.argv[2] + "pt")
sys.exit(0 if ok else 1)
EOF
}
# html_ok FILE: a self-contained page: inline SVG, nothing loaded from elsewhere, no script.
html_ok() {
    head -1 "$1" | grep -qx '<!DOCTYPE html>' && grep -q '<svg ' "$1" && grep -q '</html>' "$1" &&
        ! grep -qiE '<script|<link|<img|<iframe| src=|href="(https?:|//)|url\((https?:|//)' "$1"
}

# report_all NAME PAGES STRING...: the fixture NAME as PDF, SVG, PNG and HTML, each checked.
report_all() {
    local name=$1 pages=$2 in="$FIX/$1.json" o="$T/$1"
    shift 2
    ct --report "$in" --output "$o.pdf"
    check "$name: PDF written (exit 0, 'Report generated: FILE')" \
        test "$rc:$(cat "$T/out")" = "0:Report generated: $o.pdf"
    check "$name: file(1) says PDF" sh -c "file -b '$o.pdf' | grep -q '^PDF document'"
    check "$name: PDF has $pages page(s), none blank" pdf_pages_ok "$o.pdf" "$pages"
    check "$name: PDF is US letter" sh -c "pdfinfo '$o.pdf' | grep -q 'Page size: *612 x 792 pts (letter)'"
    check "$name: PDF text has the title, date and version" pdf_has "$o.pdf" \
        "Carbon Emissions Report" "Generated by carbontracker v$version • $DATE"
    check "$name: PDF text has the expected figures" pdf_has "$o.pdf" "$@"
    check "$name: no temporary file left" test ! -e "$o.pdf.tmp"

    ct --report "$in" --output "$o.svg"
    check "$name: SVG written" test "$rc" = 0
    check "$name: SVG is well-formed, pages stacked" svg_ok "$o.svg" $((792 * pages))

    ct --report "$in" --output "$o.png"
    check "$name: PNG written" test "$rc" = 0
    check "$name: file(1) says PNG 1224 x $((1584 * pages))" sh -c \
        "file -b '$o.png' | grep -q '^PNG image data, 1224 x $((1584 * pages)), 8-bit/color RGB'"
    check "$name: PNG decodes, no page blank" python3 "$T/pages.py" png "$o.png" "$pages"

    ct --report "$in" --output "$o.html"
    check "$name: HTML written" test "$rc" = 0
    check "$name: HTML is self-contained with inline SVG" html_ok "$o.html"
}

# ---- the fixtures -------------------------------------------------------------------------
report_all cpu-only 1 "Run: 1234.5678_2026-03-01T120000Z_carbontracker.log" \
    "CO2EQ EMISSIONS" "0.4797 g" "≈ 0.004463 km travelled by car" \
    "ENERGY WITH PUE" "0.003164 kWh" "PUE 1.58, as printed on the console" \
    "ENERGY WITHOUT PUE" "0.002002 kWh" "7208 J at the devices" \
    "DURATION" "3min" "EPOCHS" "AVERAGE POWER" "40.0 W" "CPU only, without PUE" \
    "cpu:0" "dram:0" "rapl-powercap" "measured" "6000" "1208" \
    "Carbon intensity: 151.65 gCO2/kWh at DK (set by option)" \
    "Prediction for 3 epochs: 0.003160 kWh, 0.4792 g CO2eq, 3min." \
    "Power over time (without PUE)" "per-epoch averages" "Energy per epoch (PUE 1.58 included)" \
    "CO2eq per epoch" "Carbon intensity over time" "one value for the whole run" \
    "Prediction vs actual" "predicted (3 epochs)" "actual (3 epochs)" "Page 1 of 1"
check "cpu-only: no GPU in the legend or notes" sh -c "! grep -q 'GPU' '$T/text'"
check "cpu-only: HTML has the figures" file_has "$T/cpu-only.html" "0.4797 g" \
    "0.003164 kWh (PUE 1.58)" "0.002002 kWh" "<td>cpu:0</td>" "<td>rapl-powercap</td>" \
    "151.65 gCO2/kWh at DK (set by option)" "<td>3min</td>"

report_all gpu+cpu 1 "71.98 g" "0.4999 kWh" "0.3164 kWh" "1139040 J at the devices" "1h" \
    "316.4 W" "CPU 65.2 W + GPU 251.2 W, without PUE" "NVIDIA A100-SXM4-40GB" "nvml" \
    "904320" "17360" "143.98 gCO2/kWh on average over the run at Copenhagen, Capital Region, DK" \
    "4 logged values from energidataservice" "360 samples" "logged values" \
    "Logs (JSONL records, carbontracker 0.1.0)" "Prediction for 5 epochs: 0.4977 kWh, 59.72 g"

report_all killed-run 1 "This run was cut short" "CO2EQ (LOGGED EPOCHS)" "0.7950 g" \
    "0.001653 kWh" "0.001046 kWh" "1min 1s" "of 10 predicted" "61.7 W" \
    "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz" "cpu-tdp" "estimated" \
    "481.00 gCO2/kWh at World (no zone found)" "Prediction for 10 epochs: 0.008229 kWh"
check "killed-run: no prediction-vs-actual chart without an actual block" \
    sh -c "! grep -q 'Prediction vs actual' '$T/text'"

report_all multi-run 5 "4 runs from $FIX/multi-run.json" "TOTAL CO2EQ" "80.89 g" \
    "TOTAL ENERGY WITH PUE" "0.5262 kWh" "1h 7min 21s" "RUNS" "1 file skipped" "Runs compared" \
    "1234.5678_2026-03-01T120000Z" "4242.1_2026-03-02T080000Z" "99.3_2026-03-04T100000Z" \
    "777.2_2026-03-03T090000Z" "complete" "early stop" "cut short" "prediction" \
    "Total (as --parse aggregates)" "0.5262" "80.89" \
    "Skipped: logs/5.5_2026-03-05T000000Z_carbontracker.log (no matching output log)" \
    "CO2eq per run" "Energy per run (PUE included)" "Run 1 of 4" "Run 4 of 4" \
    "Training was interrupted" "This run was cut short" "Page 5 of 5"
check "multi-run: HTML has the comparison table" file_has "$T/multi-run.html" \
    "<h2>Runs compared</h2>" "Total (as --parse aggregates)" ">0.5262<" ">80.89<" \
    "<td>prediction</td>" "<td>early stop</td>"

# ---- golden output ------------------------------------------------------------------------
# Each fixture's SVG and HTML against tests/fixtures/report/golden/, so that a change to the
# report's figures, layout or drawing shows as a diff. Normalised only for what the report's
# code does not decide: the SVG without its glyph outlines (<symbol> elements: the installed
# DejaVu font as cairo and FreeType trace it; the glyph references and positions stay), the HTML
# without its inline SVG (checked equal to the .svg file instead) and with the version as
# vVERSION. The input is named relative to the fixture directory, so its path is not in them.
# A deliberate change to the report (or a new version: the SVG draws it) regenerates them with
#     CT_UPDATE_GOLDEN=1 ctest -R integration_test_report
GOLDEN="$FIX/golden"
cat >"$T/golden.py" <<'EOF'
import re, sys
mode, path, arg = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path, encoding="utf-8").read()
if mode == "svg":
    text = re.sub(r'<symbol [^>]*>.*?</symbol>\n?', "", text, flags=re.S)
elif mode == "html":
    text = re.sub(r'<svg .*</svg>', "<!-- the SVG report -->", text, count=1, flags=re.S)
    text = text.replace("carbontracker v" + arg + " ", "carbontracker vVERSION ")
elif mode == "inline":  # the HTML's inline SVG is the SVG report (arg: the .svg file)
    inline = re.search(r'<svg .*</svg>', text, flags=re.S).group(0)
    svg = open(arg, encoding="utf-8").read()
    sys.exit(0 if inline == svg[svg.index("<svg "):].rstrip("\n") else 1)
sys.stdout.write(text)
EOF
# golden_same NAME EXT: the normalised $T/g/NAME.EXT equals the golden file (or becomes it).
golden_same() {
    python3 "$T/golden.py" "$2" "$T/g/$1.$2" "$version" >"$T/g/$1.$2.norm" || return 1
    if [ -n "${CT_UPDATE_GOLDEN:-}" ]; then
        cp "$T/g/$1.$2.norm" "$GOLDEN/$1.$2"
    fi
    diff -u "$GOLDEN/$1.$2" "$T/g/$1.$2.norm" | head -40 >"$T/err"
    [ ! -s "$T/err" ]
}
mkdir -p "$T/g"
for name in cpu-only gpu+cpu killed-run multi-run; do
    for ext in svg html; do
        (cd "$FIX" && TZ=UTC "$CT_BIN" --report "$name.json" --output "$T/g/$name.$ext" \
            >"$T/out" 2>"$T/err")
        check "$name: $ext written for the golden comparison" test -s "$T/g/$name.$ext"
        check "$name: $ext as tests/fixtures/report/golden/$name.$ext" golden_same "$name" "$ext"
    done
    check "$name: the HTML's inline SVG is the SVG report" \
        python3 "$T/golden.py" inline "$T/g/$name.html" "$T/g/$name.svg"
done

# ---- options and errors -------------------------------------------------------------------
ct --report "$FIX/cpu-only.json" --output "$T/r.doc"
check "unknown extension: exit 64" test "$rc" = 64
check "unknown extension: the message names the formats" \
    grep -qF "cannot tell the report format from '$T/r.doc': the --output file must end in .pdf, .svg, .png or .html" "$T/err"
check "unknown extension: nothing written" test ! -e "$T/r.doc"
ct --report "$FIX/cpu-only.json" --output "$T/noext"
check "no extension: exit 64" test "$rc" = 64
ct --report "$FIX/cpu-only.json" --output "$T/UPPER.HTML"
check "extensions in any case (.HTML)" test "$rc:$(head -1 "$T/UPPER.HTML")" = "0:<!DOCTYPE html>"
ct --report "$FIX/cpu-only.json" --output "$T/x.htm"
check ".htm is HTML" test "$rc" = 0

ct --report "$T/no-such-log.log"
check "missing input: exit 66" test "$rc" = 66
check "missing input: upstream's message" \
    grep -qxF "Error: Log file $T/no-such-log.log does not exist" "$T/err"

(cd "$T" && "$CT_BIN" --report "$FIX/killed-run.json" >"$T/out" 2>"$T/err")
check "default output is carbon_report.pdf" \
    test "$(cat "$T/out")" = "Report generated: carbon_report.pdf" -a -s "$T/carbon_report.pdf"
ct -q --report "$FIX/cpu-only.json" --output "$T/q.pdf"
check "-q: nothing on stdout" test "$rc:$(wc -c <"$T/out")" = "0:0" -a -s "$T/q.pdf"
ct --report="$FIX/cpu-only.json" --output="$T/eq.pdf"
check "--report=FILE --output=FILE" test "$rc" = 0 -a -s "$T/eq.pdf"

ct --output "$T/o.pdf" -- true
check "--output without --report: exit 64" test "$rc" = 64
check "--output without --report: message" grep -qF -- "--output needs --report" "$T/err"
ct --report "$FIX/cpu-only.json" -- true
check "--report with a command: exit 64" test "$rc" = 64

ct --report "$FIX/cpu-only.json" --output "$T/no/such/dir/r.pdf"
check "unwritable output: exit 73" test "$rc" = 73
check "unwritable output: the message names the file" grep -qF "cannot write $T/no/such/dir/r.pdf" "$T/err"

echo '{"format": "something-else", "runs": []}' >"$T/other.json"
ct --report "$T/other.json" --output "$T/o.pdf"
check "a JSON document of another format: exit 65" test "$rc" = 65
check "a JSON document of another format: message" grep -qF "not a carbontracker-parse document" "$T/err"
echo '{"format": "carbontracker-parse", "format_version": 2, "runs": []}' >"$T/v2.json"
ct --report "$T/v2.json" --output "$T/o.pdf"
check "an unknown format_version: exit 65" test "$rc" = 65
echo '{"format": "carbontracker-parse", "format_version": 1, "runs": [], "skipped": []}' >"$T/none.json"
ct --report "$T/none.json" --output "$T/o.pdf"
check "a document without runs: exit 66" test "$rc" = 66
check "a document without runs: message" grep -qF "no carbontracker run found" "$T/err"
printf '{"format": "carbontracker-parse", "format_version": 1, "runs": [' >"$T/broken.json"
ct --report "$T/broken.json" --output "$T/o.pdf"
check "broken JSON: exit 65, nothing written" test "$rc" = 65 -a ! -e "$T/o.pdf"
# A run with a version and a device but no figures still gives a page (empty charts say why).
echo '{"format": "carbontracker-parse", "format_version": 1, "runs": [{"standard_filename": "x_carbontracker.log", "carbontracker_version": "1.5.0", "devices": [{"component": "cpu", "name": "cpu:0"}]}]}' >"$T/bare.json"
ct --report "$T/bare.json" --output "$T/bare.pdf"
check "a run without figures: exit 0" test "$rc" = 0
check "a run without figures: the charts say why" pdf_has "$T/bare.pdf" \
    "No power figures in the logs." "No epoch in the logs." "No carbon intensity in the logs."

printf 'just some notes\nnothing to see\n' >"$T/notes.txt"
ct --report "$T/notes.txt" --output "$T/o.pdf"
check "a file that is not a carbontracker log: exit 65" test "$rc" = 65 -a ! -e "$T/o.pdf"
check "a file that is not a carbontracker log: message" grep -qF "no carbontracker record" "$T/err"
echo '{"format": "carbontracker-parse", "format_version": 1, "runs": [{"standard_filename": "x_carbontracker.log"}]}' >"$T/nothing.json"
ct --report "$T/nothing.json" --output "$T/o.pdf"
check "a document whose runs hold nothing: exit 65" test "$rc" = 65

mkdir -p "$T/empty"
ct --report "$T/empty" --output "$T/o.pdf"
check "a directory without logs: exit 66" test "$rc" = 66
check "a directory without logs: message" grep -qF "no carbontracker run found" "$T/err"

# ---- real logs ----------------------------------------------------------------------------
for v in CARBONTRACKER_PUE CARBONTRACKER_LOCALTIME CARBONTRACKER_ZONEINFO TZ; do
    unset "$v"
done
mkdir -p "$T/proc"
printf 'processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz\n\n' >"$T/proc/cpuinfo"
echo "cpu  100 0 100 800 0 0 0 0 0 0" >"$T/proc/stat"
export CARBONTRACKER_PROC_ROOT="$T/proc" CARBONTRACKER_ZONE=DK
sys="$T/sys"
mkdir -p "$sys" && "$CT_FIXTURE" powercap "$sys" server2 >/dev/null || exit 1
export CARBONTRACKER_SYSFS_ROOT="$sys"

# console_fig OUT LABEL: the console's "Energy:" or "CO2eq:" number to 4 significant digits,
# formatted as the report does.
console_fig() {
    python3 - "$1" "$2" <<'EOF'
import math, re, sys
text = open(sys.argv[1]).read()
v = float(re.search(r"^\t" + sys.argv[2] + r":\t([0-9.]+)", text, re.M).group(1))
dec = max(0, min(12, 3 - math.floor(math.log10(abs(v))))) if v else 0
print("%.*f" % (dec, v) if v else "0")
EOF
}

# CPU only: RAPL driven at 20 W for 1 s.
"$CT_BIN" --log_dir "$T/cpu" --interval 0.1 -- "$CT_FIXTURE" drive "$sys" intel-rapl:0 20 1 \
    >"$T/cpu.out" 2>&1
cpu_kwh=$(console_fig "$T/cpu.out" Energy)
cpu_g=$(console_fig "$T/cpu.out" CO2eq)
ct --report "$T/cpu" --output "$T/cpu.pdf"
check "real CPU-only logs (directory): PDF written" test "$rc" = 0
check "real CPU-only logs: one page, not blank" pdf_pages_ok "$T/cpu.pdf" 1
check "real CPU-only logs: the console's energy (PUE included) and CO2eq" \
    pdf_has "$T/cpu.pdf" "$cpu_kwh kWh" "$cpu_g g"
check "real CPU-only logs: devices, meter, intensity" pdf_has "$T/cpu.pdf" "cpu:0" "dram:1" \
    "rapl-powercap" "measured" "151.65 gCO2/kWh" "DK (set by option)" "PUE 1.58" \
    "CPU only, without PUE"
std_log=$(find "$T/cpu" -name '*_carbontracker.log' | head -1)
out_log=$(find "$T/cpu" -name '*_carbontracker_output.log' | head -1)
ct --report "$std_log" --output "$T/cpu-std.pdf"
check "real logs: --report on the standard log (upstream's form)" \
    pdf_has "$T/cpu-std.pdf" "$cpu_kwh kWh" "$cpu_g g" "cpu:0"
ct --report "$out_log" --output "$T/cpu-out.png"
check "real logs: --report on the output log, as PNG" test "$rc" = 0 -a -s "$T/cpu-out.png"

# GPU + CPU: a simulated GPU beside the driven RAPL zone.
"$CT_BIN" --log_dir "$T/gpu" --interval 0.1 --sim-gpu "Tesla T4" --sim-gpu-watts 70 \
    -- "$CT_FIXTURE" drive "$sys" intel-rapl:0 30 1 >"$T/gpu.out" 2>&1
gpu_kwh=$(console_fig "$T/gpu.out" Energy)
ct --report "$T/gpu" --output "$T/gpu.pdf"
check "real GPU+CPU logs: PDF written" test "$rc" = 0
check "real GPU+CPU logs: one page, not blank" pdf_pages_ok "$T/gpu.pdf" 1
check "real GPU+CPU logs: both components and the console's energy" pdf_has "$T/gpu.pdf" \
    "Tesla T4" "sim-gpu" "simulated" "cpu:0" "GPU" "$gpu_kwh kWh"

# GPU + CPU: the fake libnvidia-ml (one A100 at 250 W with an energy counter) beside RAPL.
if [ -n "${CT_FAKE_NVML:-}" ] && [ -e "$CT_FAKE_NVML" ]; then
    printf 'driver = 550.54.14\n[device]\nname = NVIDIA A100-SXM4-40GB\nuuid = GPU-aaaa1111-2222-3333-4444-555555555555\nwatts = 250\n' \
        >"$T/scenario"
    FAKE_NVML_SCENARIO="$T/scenario" FAKE_NVML_LOG="$T/nvml.log" \
        CARBONTRACKER_NVML_LIBRARY="$CT_FAKE_NVML" "$CT_BIN" --log_dir "$T/nvml" --interval 0.1 \
        -- "$CT_FIXTURE" drive "$sys" intel-rapl:0 30 1 >"$T/nvml.out" 2>&1
    nvml_kwh=$(console_fig "$T/nvml.out" Energy)
    ct --report "$T/nvml" --output "$T/nvml.pdf"
    check "real NVML GPU+CPU logs: PDF written" test "$rc" = 0
    check "real NVML GPU+CPU logs: one page, not blank" pdf_pages_ok "$T/nvml.pdf" 1
    check "real NVML GPU+CPU logs: the GPU, its meter and the console's energy" \
        pdf_has "$T/nvml.pdf" "NVIDIA A100-SXM4-40GB" "nvml" "rapl-powercap" "$nvml_kwh kWh" \
        "CPU" "GPU"
else
    not_ok "CT_FAKE_NVML names the fake libnvidia-ml"
fi

# A long run (4000 epochs, more than the 1500 points a chart shows): the report reads the
# library's reduced document (ct_parse_json_reduced), epochs in groups of 3.
python3 "$CT_SOURCE_DIR/bench/gen_biglog.py" "$T/long" --epochs 4000 >/dev/null
ct --report "$T/long" --output "$T/long.html"
check "long run: HTML written" test "$rc" = 0
check "long run: 1334 rows of epochs (1333 groups of 3, then the last)" test \
    "$(grep -c '^<tr><td class="n">[0-9–]*</td><td class="n">' "$T/long.html")" = 1334
check "long run: groups from the first epoch to the last" file_has "$T/long.html" \
    '<tr><td class="n">1–3</td>' '<tr><td class="n">3997–3999</td>' \
    '<tr><td class="n">4000</td>' "<tr><th>Epochs</th><td>4000</td></tr>"
ct --report "$T/long" --output "$T/long.pdf"
check "long run: PDF, one page, not blank" pdf_pages_ok "$T/long.pdf" 1

# Several runs in one directory.
mkdir -p "$T/both" && cp "$T"/cpu/* "$T"/gpu/* "$T/both/"
ct --report "$T/both" --output "$T/both.pdf"
check "real logs, two runs: PDF written" test "$rc" = 0
check "real logs, two runs: overview plus a page per run" pdf_pages_ok "$T/both.pdf" 3
check "real logs, two runs: comparison table" pdf_has "$T/both.pdf" "2 runs from $T/both" \
    "Runs compared" "Total (as --parse aggregates)" "$cpu_kwh" "$gpu_kwh" "Run 2 of 2"

# A training run killed with SIGKILL after two epochs: no actual block, no final lines.
if [ -n "${CT_EXAMPLE:-}" ] && [ -x "$CT_EXAMPLE" ]; then
    "$CT_FIXTURE" drive "$sys" intel-rapl:0 25 30 >/dev/null 2>&1 &
    drive=$!
    "$CT_EXAMPLE" --epochs 500 --samples 20000 --log_dir "$T/killed" >"$T/train.out" 2>&1 &
    train=$!
    for _ in $(seq 1 300); do
        grep -qs "Epoch 2:" "$T"/killed/*_carbontracker.log && break
        sleep 0.1
    done
    kill -KILL "$train" 2>/dev/null
    wait "$train" 2>/dev/null
    kill "$drive" 2>/dev/null
    wait "$drive" 2>/dev/null
    ct --report "$T/killed" --output "$T/killed.pdf"
    check "real killed run: PDF written" test "$rc" = 0
    check "real killed run: one page, not blank" pdf_pages_ok "$T/killed.pdf" 1
    check "real killed run: it says the run was cut short" pdf_has "$T/killed.pdf" \
        "This run was cut short" "rebuilt from the JSON-lines run log" "of 500 predicted" \
        "Prediction for 500 epochs"
    ct --report "$T/killed" --output "$T/killed.html"
    check "real killed run: HTML says cut short" file_has "$T/killed.html" "<td>cut short</td>"
else
    not_ok "CT_EXAMPLE names the example training loop"
fi

ct_finish
