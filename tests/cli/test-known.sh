#!/usr/bin/env bash
# door known: the table of what port numbers usually mean (data/ports.tsv).
# No servers: this verb reads only the table built into door.
. "$(dirname "$0")/lib.sh"

need_door
TSV=$REPO_ROOT/data/ports.tsv

# the table itself: every row parses (the build's generator is the judge),
# and it is the curated registry, not the seed
rows=$(grep -cvE '^(#|[[:space:]]*$)' "$TSV")
check "every row of data/ports.tsv parses" \
	awk -f "$REPO_ROOT/scripts/ports-gen.awk" "$TSV"
check "data/ports.tsv has at least 140 rows ($rows)" test "$rows" -ge 140
bad=$(awk -F'\t' '!/^#/ && !/^[[:space:]]*$/ && (NF < 4 || NF > 5) {print NR}' "$TSV")
check_eq "every row has 4 or 5 tab-separated fields" "" "$bad"
printf '80\ttcp\tBad Name\tx\n' >"$_T_ROOT/bad.tsv"
check_rc "the generator refuses a malformed row" 1 \
	awk -f "$REPO_ROOT/scripts/ports-gen.awk" "$_T_ROOT/bad.tsv"

run_door known
check_eq "door known exits 0" 0 "$DOOR_RC"
check_match "door known has the columns" "^ *PORT +PROTO +NAME +USUALLY +NOTE" "$DOOR_OUT"
lines=$(printf '%s\n' "$DOOR_OUT" | tail -n +2 | wc -l)
check_eq "door known prints every row" "$rows" "$lines"
first=$(printf '%s\n' "$DOOR_OUT" | sed -n 2p | awk '{print $1}')
check_eq "door known is sorted by port" 21 "$first"

run_door known 5432
check_eq "door known 5432 exits 0" 0 "$DOOR_RC"
check_match "5432 is PostgreSQL" "5432 +tcp +postgresql +PostgreSQL" "$DOOR_OUT"
check_match "door known PORT says a number is only a clue" "only a clue.*door 5432" "$DOOR_ERR"

run_door known 5000
check_match "5000 is Flask" "5000 +tcp +flask +Flask" "$DOOR_OUT"
check_match "5000 is also macOS AirPlay" "5000 +tcp +airplay +AirPlay Receiver +macOS" "$DOOR_OUT"

run_door known :3000
check_match "3000 is React / Next.js first" "^ *PORT[^"$'\n'"]*"$'\n'" *3000 +tcp +node-dev +React / Next.js" "$DOOR_OUT"
check_match "3000 is also Grafana" "3000 +tcp +grafana +Grafana" "$DOOR_OUT"

run_door known 53
check_match "53 lists tcp and udp" "53 +tcp +dns.*"$'\n'" *53 +udp +dns" "$DOOR_OUT"
run_door known 53 --udp
check_eq "--udp keeps the udp row only" 1 "$(printf '%s\n' "$DOOR_OUT" | tail -n +2 | wc -l)"

run_door known redis
check_eq "door known redis exits 0" 0 "$DOOR_RC"
check_match "redis by name is 6379" "6379 +tcp +redis +Redis" "$DOOR_OUT"
check_eq "an exact name gives only its rows" 1 "$(printf '%s\n' "$DOOR_OUT" | tail -n +2 | wc -l)"

run_door known airplay
check_eq "airplay by name gives 5000 and 7000" "5000 7000" \
	"$(printf '%s\n' "$DOOR_OUT" | tail -n +2 | awk '{print $1}' | xargs)"

run_door known postgres
check_eq "a substring search exits 0" 0 "$DOOR_RC"
check_match "a substring finds PostgreSQL" "5432 +tcp +postgresql" "$DOOR_OUT"
check_match "a substring search says it was one" "no port is named 'postgres'" "$DOOR_ERR"
run_door known POSTGRESQL
check_match "substrings ignore case" "5432 +tcp +postgresql" "$DOOR_OUT"

run_door known 3000-3999
check_eq "a range exits 0" 0 "$DOOR_RC"
ports=$(printf '%s\n' "$DOOR_OUT" | tail -n +2 | awk '{print $1}' | sort -un | xargs)
check_match "a range lists the ports in it" "^3000 3001 .*3333 " "$ports"
check_eq "a range stays in range" "" \
	"$(printf '%s\n' "$DOOR_OUT" | tail -n +2 | awk '$1 < 3000 || $1 > 3999')"

run_door known 4001
check_eq "an unknown port exits 1" 1 "$DOOR_RC"
check_match "an unknown port is said so" "nothing is known about 4001" "$DOOR_OUT"
run_door known no-such-thing-here
check_eq "an unknown name exits 1" 1 "$DOOR_RC"
run_door known 40000-40100 --json
check_eq "an empty range exits 1" 1 "$DOOR_RC"
check_eq "an empty --json answer is []" "[]" "$DOOR_OUT"

for bad in 0 70000 3000-2000 3000x :; do
	run_door known "$bad"
	check_eq "door known '$bad' is a usage error" 2 "$DOOR_RC"
done
run_door known 5432 6379
check_eq "two arguments are a usage error" 2 "$DOOR_RC"
run_door known --bogus
check_eq "an unknown option is a usage error" 2 "$DOOR_RC"

run_door known 5000 --json
check_eq "door known --json exits 0" 0 "$DOOR_RC"
check "door known --json is valid JSON" "$PY" -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert isinstance(rows, list) and len(rows) >= 2, rows
for r in rows:
    assert set(r) == {"port", "proto", "name", "usually", "note"}, r
    assert r["port"] == 5000 and r["proto"] in ("tcp", "udp"), r
assert {r["name"] for r in rows} >= {"flask", "airplay"}, rows
' "$DOOR_OUT_FILE"
run_door known --json
check "the whole table as JSON has every row" "$PY" -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == int(sys.argv[2]), (len(rows), sys.argv[2])
' "$DOOR_OUT_FILE" "$rows"

run_door known --help
check_match "door known --help names its arguments" "door known \[PORT\|NAME\]" "$DOOR_OUT"

finish
