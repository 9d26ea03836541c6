#!/usr/bin/env bash
# door ls --format openmetrics: the Prometheus text format, checked by
# Debian's promtool on real output (hostile process names included), and
# read back by a real node_exporter's textfile collector on loopback.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door
tmp=$(mk_tmpdir metrics)

# parse_metrics FILE: one line per sample, "name<TAB>label=value,... (sorted,
# values unescaped and then shown with Python's repr)<TAB>value", sorted; fails
# on a line that is neither a sample, a comment nor empty. Values are shown
# as Python floats (1.0).
parse_metrics() {
	"$PY" - "$1" <<'EOF'
import re, sys
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
out = []
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    m = sample.match(line)
    if not m:
        sys.exit("line %d is no sample: %r" % (n, line))
    labels, body, i = [], m.group(3) or "", 0
    while i < len(body):
        eq = body.index("=", i)
        name = body[i:eq]
        assert body[eq + 1] == '"', line
        j, val = eq + 2, ""
        while body[j] != '"':
            if body[j] == "\\":
                val += {"\\": "\\", '"': '"', "n": "\n"}[body[j + 1]]
                j += 2
            else:
                val += body[j]
                j += 1
        labels.append("%s=%r" % (name, val))
        i = j + 1
        if i < len(body):
            assert body[i] == ",", line
            i += 1
    # the value as a number: node_exporter writes 0.00938 for door's 0.009380
    out.append("%s\t%s\t%r" % (m.group(1), ",".join(sorted(labels)), float(m.group(4))))
print("\n".join(sorted(out)))
EOF
}

# ---- real listeners, hostile names among them
p1=$(free_port) && p2=$(free_port) && p3=$(free_port) && p4=$(free_port udp) || { fail "free ports"; finish; }
start_py_listener "$p1" 127.0.0.1 --name 'q"b\\c' >/dev/null || fail "listener q\"b\\c on $p1"
start_py_listener "$p2" 127.0.0.1 --name 'nl\nx\e[31m\xff' >/dev/null || fail "hostile listener on $p2"
start_py_listener "$p3" 127.0.0.1 --name dmworkers --fork 2 >/dev/null || fail "forked listener on $p3"
start_py_listener "$p4" 127.0.0.1 --udp --name dmudp >/dev/null || fail "udp listener on $p4"

run_door ls --format openmetrics
check_eq "door ls --format openmetrics exits 0" 0 "$DOOR_RC"
cp "$DOOR_OUT_FILE" "$tmp/all.prom"
if command -v promtool >/dev/null; then
	out=$(promtool check metrics <"$tmp/all.prom" 2>&1)
	check_eq "promtool check metrics: this machine's doors" "0" "$?" || diag "$out"
else
	fail "promtool is installed" "scripts/deps.sh test installs prometheus"
fi
check_nomatch "no raw control byte in the metrics" $'[\x01-\x09\x0b-\x1f\x7f]' "$DOOR_OUT"

run_door ls "$p1" "$p2" "$p3" "$p4" --format openmetrics
cp "$DOOR_OUT_FILE" "$tmp/ours.prom"
out=$(promtool check metrics <"$tmp/ours.prom" 2>&1)
check_eq "promtool check metrics: the hostile names" "0" "$?" || diag "$out"
got=$(parse_metrics "$tmp/ours.prom" | grep -v '^door_scrape_duration_seconds')
want=$(sort <<EOF
door_listener_info	address='127.0.0.1',confidence='',family='ipv4',port='$p1',process='q"b\\\\\\\\c',proto='tcp',service='',user='root'	1.0
door_listener_info	address='127.0.0.1',confidence='',family='ipv4',port='$p2',process='nl\\\\x0ax\\\\x1b[31m\\\\xff',proto='tcp',service='',user='root'	1.0
door_listener_info	address='127.0.0.1',confidence='',family='ipv4',port='$p3',process='dmworkers',proto='tcp',service='',user='root'	1.0
door_listener_info	address='127.0.0.1',confidence='',family='ipv4',port='$p4',process='dmudp',proto='udp',service='',user='root'	1.0
door_listeners	proto='tcp'	3.0
door_listeners	proto='udp'	1.0
door_owners_hidden		0.0
EOF
)
check_eq "the series: one per door and process name (forked workers are one), counts" "$want" "$got"
check_match "door_scrape_duration_seconds is a number" $'\ndoor_scrape_duration_seconds [0-9]+\\.[0-9]{6}\n?$' "$DOOR_OUT"
check_match "HELP and TYPE precede each family" $'^# HELP door_listener_info [^\n]+\n# TYPE door_listener_info gauge\n' "$DOOR_OUT"

# the service label: what the process is, or what the probe heard
hp=$(free_port) || fail "free port"
start_http_server "$hp" >/dev/null || fail "http.server on $hp"
run_door ls "$hp" --format openmetrics
check_match "service and confidence from the process" 'service="python http.server",confidence="process"' "$DOOR_OUT"
run_door ls "$hp" --probe --format openmetrics
check_match "with --probe, from the answer" 'service="Python http.server",confidence="probe"' "$DOOR_OUT"

# hidden owners, seen as nobody
run_door_as nobody ls "$p1" "$p3" --tcp --format openmetrics
check_eq "as nobody, door ls --format openmetrics exits 0" 0 "$DOOR_RC"
check_match "as nobody, both doors' owners are hidden" $'\ndoor_owners_hidden 2\n' "$DOOR_OUT"
check_match "as nobody, a hidden owner is an empty process label" "port=\"$p1\",proto=\"tcp\",address=\"127.0.0.1\",family=\"ipv4\",process=\"\",user=\"root\"" "$DOOR_OUT"

# nothing open: still an answer
free=$(free_port) || fail "free port"
run_door ls "$free" --format openmetrics
check_eq "no doors: exit 0 (a scrape with nothing open)" 0 "$DOOR_RC"
check_match "no doors: door_listeners 0" $'door_listeners\\{proto="tcp"\\} 0\n' "$DOOR_OUT"
out=$(promtool check metrics <"$DOOR_OUT_FILE" 2>&1)
check_eq "promtool check metrics: nothing open" "0" "$?" || diag "$out"

run_door ls --format yaml
check_eq "--format yaml is a usage error" 2 "$DOOR_RC"
run_door ls --json --format openmetrics
check_eq "--json with --format openmetrics is a usage error" 2 "$DOOR_RC"
run_door ls --all --format openmetrics
check_eq "--all with --format openmetrics is a usage error" 2 "$DOOR_RC"
run_door ls "$p1" --format json
check_match "--format json is --json" '^\[' "$DOOR_OUT"

# ---- a real node_exporter reads the textfile and serves the series back
ne=$(command -v prometheus-node-exporter || true)
if [ -z "$ne" ]; then
	fail "prometheus-node-exporter is installed" "scripts/deps.sh test installs it"
	finish
fi
tdir=$(mk_tmpdir textfile)
# the atomic write door(1) shows: a temp file in the same directory, renamed
"$DOOR" ls -q "$p1" "$p2" "$p3" "$p4" --format openmetrics >"$tdir/door.prom.$$" &&
    mv "$tdir/door.prom.$$" "$tdir/door.prom"
check "the textfile is written" test -s "$tdir/door.prom"
np=$(free_port) || fail "free port"
nd=$(mk_tmpdir node-exporter)
if start_cmd node-exporter "$np" "$nd" "$ne" --web.listen-address="127.0.0.1:$np" \
    --collector.disable-defaults --collector.textfile \
    --collector.textfile.directory="$tdir" >/dev/null; then
	pass "node_exporter listens on 127.0.0.1:$np"
	scraped=$(curl -sS --max-time 10 "http://127.0.0.1:$np/metrics")
	check_eq "curl scraped node_exporter" 0 "$?"
	printf '%s\n' "$scraped" | grep -E '^door_' >"$tmp/scraped.prom"
	check_eq "node_exporter serves door's series as written" \
	    "$(parse_metrics "$tdir/door.prom")" "$(parse_metrics "$tmp/scraped.prom")"
	check_match "node_exporter read the file without error" $'\nnode_textfile_scrape_error 0(\n|$)' "$scraped"
	check_match "node_exporter keeps door's HELP" '# HELP door_listeners Listening TCP and bound UDP sockets, by protocol.' "$scraped"
else
	fail "node_exporter listens on 127.0.0.1:$np" "$(tail -20 "$nd/server.log" 2>/dev/null)"
fi

finish
