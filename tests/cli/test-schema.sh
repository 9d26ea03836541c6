#!/usr/bin/env bash
# docs/schema/: one JSON Schema (draft 2020-12) per verb's --json output.
# Every verb of door --help has one and a part in door(1)'s JSON OUTPUT;
# the keys door(1) documents and the schema's agree both ways; schemas
# forbid keys they do not name (additionalProperties: false), so an
# undocumented key in real output fails validation. Real outputs of every
# verb are validated here; scripts/test.sh validates every --json output of
# the whole suite (tests/tools/json-schema-check.py).
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door
schemas=$REPO_ROOT/docs/schema
tools=$REPO_ROOT/tests/tools
if ! "$PY" -c 'import jsonschema' 2>/dev/null; then
	fail "python3-jsonschema is installed" "scripts/deps.sh test installs it ($PY)"
	finish
fi
check "jsonschema knows draft 2020-12" "$PY" -c 'import jsonschema; jsonschema.Draft202012Validator'

run_door --help
verbs=$(printf '%s\n' "$DOOR_OUT" | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}')
[ -n "$verbs" ] || { fail "found the verbs in door --help"; finish; }

# ---- each schema is a valid draft 2020-12 schema, and belongs to a verb
for f in "$schemas"/*.json; do
	n=$(basename "$f" .json)
	check "docs/schema/$n.json is a valid draft 2020-12 schema" "$PY" -c '
import json, sys, jsonschema
s = json.load(open(sys.argv[1], encoding="utf-8"))
assert s.get("$schema") == "https://json-schema.org/draft/2020-12/schema", "no draft 2020-12 $schema"
jsonschema.Draft202012Validator.check_schema(s)' "$f"
	case " $(echo $verbs) " in
		*" $n "*) pass "docs/schema/$n.json is the schema of a verb" ;;
		*) fail "docs/schema/$n.json is the schema of a verb" "door --help has no verb '$n'" ;;
	esac
done

# ---- door(1)'s keys and the schemas' keys, both ways, for every verb
keys=$("$PY" "$tools/schema-doc-keys.py" "$REPO_ROOT/door.1" "$schemas" "$(echo $verbs)")
for v in $verbs; do
	line=$(printf '%s\n' "$keys" | awk -F'\t' -v v="$v" '$1 == v')
	doc=$(printf '%s' "$line" | cut -f2)
	sch=$(printf '%s' "$line" | cut -f3)
	if [ "$sch" = - ] || [ -z "$line" ]; then
		fail "door $v --json has a schema" "no docs/schema/$v.json: every verb's --json output needs one"
		continue
	fi
	pass "door $v --json has a schema"
	if [ "$doc" = - ]; then
		fail "door(1) documents the keys of door $v --json" "no '.B door $v \\-\\-json' part in JSON OUTPUT"
		continue
	fi
	pass "door(1) documents the keys of door $v --json"
	only_doc=$(comm -23 <(tr , '\n' <<<"$doc" | sort) <(tr , '\n' <<<"$sch" | sort) | tr '\n' ' ')
	only_sch=$(comm -13 <(tr , '\n' <<<"$doc" | sort) <(tr , '\n' <<<"$sch" | sort) | tr '\n' ' ')
	check_eq "door $v: every key door(1) documents is in docs/schema/$v.json" "" "${only_doc% }"
	check_eq "door $v: every key of docs/schema/$v.json is documented in door(1)" "" "${only_sch% }"
done

# ---- every object forbids keys it does not name
check "every object schema has additionalProperties: false" "$PY" -c '
import json, sys, glob
bad = []
def walk(n, where):
    if isinstance(n, dict):
        if "properties" in n and n.get("additionalProperties") is not False:
            bad.append(where)
        for k, v in n.items():
            if k != "if":   # a condition, not an object
                walk(v, where + "/" + k)
    elif isinstance(n, list):
        for i, v in enumerate(n):
            walk(v, "%s/%d" % (where, i))
for f in sorted(glob.glob(sys.argv[1] + "/*.json")):
    walk(json.load(open(f)), f.rsplit("/", 1)[1] + "#")
if bad:
    sys.exit("open objects: " + ", ".join(bad))' "$schemas"

# ---- real outputs of every verb, validated
rec=$(mk_tmpdir json)
saved=${DOOR_JSON_RECORD:-}
export DOOR_JSON_RECORD=$rec
port=$(free_port) || { fail "free port"; finish; }
start_http_server "$port" >/dev/null || fail "http.server on $port"
udp=$(free_port udp) && start_py_listener "$udp" 127.0.0.1 --udp --name 'sch"\e[1m\xff' >/dev/null
run_door ls --json
run_door ls "$port" --probe --json
run_door ls --all --json
run_door --json
run_door "$port" --json
run_door who "$udp" --json
run_door check "$port" 127.0.0.1:1 nonexistent.invalid:80 --json --timeout 1s
run_door wait "$port" --json --timeout 2s --http /
run_door next "$port" --json
run_door next --json --count 2 --reserve 2s
run_door kill "$port" --dry-run --json
run_door explain --json "Error: listen EADDRINUSE: address already in use :::$port"
run_door explain --json "all is well"
run_door known --json
run_door known postgresql --json
run_door probe "$port" 127.0.0.1:1 --json
run_door url --json "http://localhost:$port/"
run_door url --json --timeout 2s "http://localhost:$port/nothing-here"
# door ui serves until stopped: its one --json object, then a Ctrl-C
uip=$(free_port) && uid=$(mk_tmpdir ui) && {
	"$DOOR" ui --json --port "$uip" >"$uid/out" 2>/dev/null </dev/null &
	uipid=$!
	on_exit_kill "$uipid"
	for _ in $(seq 100); do [ -s "$uid/out" ] && break; sleep 0.1; done
	kill -INT "$uipid"
	wait "$uipid"
	record_json ui --json --port "$uip" <"$uid/out"
}
# door watch streams until its reader leaves: the first event, NDJSON
out=$(timeout 20 "$DOOR" watch --json --initial "$port" | head -1)
record_json watch --json --initial "$port" <<<"$out"
export DOOR_JSON_RECORD=$saved
n=$(find "$rec" -type f ! -name '*.out' | wc -l)
check_eq "20 --json outputs were recorded" 20 "$n"
out=$("$PY" "$tools/json-schema-check.py" "$schemas" "$rec" "$(echo $verbs)" 2>&1)
check_eq "every output matches its schema" 0 "$?" || diag "$out"
for v in $verbs; do
	check_match "door $v was validated" "(^|"$'\n'")ok - json schema: door $v \\(" "$out"
done

# ---- the check fails when it should: an unknown key, a verb without
# schema, an output that is not JSON
bad=$(mk_tmpdir bad)
printf '%s\0' next --json >"$bad/a"
printf '{"ports":[],"proto":"tcp","range":{"from":1,"to":2},"random":false,"reserved_until_ms":null,"reservation_file":null,"surprise":1}\n' >"$bad/a.out"
out=$("$PY" "$tools/json-schema-check.py" "$schemas" "$bad" "$(echo $verbs)" 2>&1)
check_eq "a key the schema lacks fails the check" 1 "$?"
check_match "... and says which" "not ok - json schema: door next.*surprise" "$out"
printf '%s\0' frobnicate --json >"$bad/a"
out=$("$PY" "$tools/json-schema-check.py" "$schemas" "$bad" "frobnicate $(echo $verbs)" 2>&1)
check_match "a verb without a schema fails the check" "not ok - json schema: door frobnicate --json has no schema" "$out"
printf '%s\0' known --json >"$bad/a"
printf 'PORT  PROTO\n' >"$bad/a.out"
out=$("$PY" "$tools/json-schema-check.py" "$schemas" "$bad" "$(echo $verbs)" 2>&1)
check_match "an output that is not JSON fails the check" "not ok - json schema: door known.*not JSON" "$out"

# ---- the installed schemas
dest=$(mk_tmpdir dest)
out=$(cd "$REPO_ROOT" && make -s install DESTDIR="$dest" PREFIX=/usr 2>&1)
check_eq "make install exits 0" 0 "$?" || diag "$out"
got=$(cd "$dest/usr/share/door/schema" 2>/dev/null && ls)
check_eq "make install puts every schema in share/door/schema" "$(cd "$schemas" && ls)" "$got"

finish
