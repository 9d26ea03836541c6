#!/usr/bin/env bash
# door probe on MongoDB doors: an OP_MSG hello proves MongoDB and gives its
# release line, buildInfo the exact version. mongod is not packaged for
# Debian and cannot be downloaded here, so these run against
# tests/cli/mongo_standin.py, a stand-in that speaks the wire protocol with
# BSON encoded by Debian's python3-bson (pymongo's, not door's code) and
# answers as mongod 7.0 does. The parsers are also checked on its recorded
# replies (tests/unit/test-probe-mongo.c) and fuzzed.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door

STANDIN=$LIB_DIR/mongo_standin.py

json_field() {
    "$PY" -c 'import json,sys; v=json.loads(sys.argv[1])[0][sys.argv[2]]; print("" if v is None else v)' "$DOOR_OUT" "$1" 2>/dev/null
}

# start_mongo PORT NAME [OPTS]: the stand-in, run from a copy named NAME
# (the process name is a clue door reads, so the tests choose it).
start_mongo() {
    local port=$1 name=$2 dir
    shift 2
    /usr/bin/python3 -c 'import bson' 2>/dev/null ||
        { echo "python3-bson missing (scripts/deps.sh test installs python3-pymongo)"; return 2; }
    dir=$(mk_tmpdir mongo) || return 1
    cp "$STANDIN" "$dir/$name" && chmod 755 "$dir/$name" || return 1
    start_cmd "$name" "$port" "$dir" "$dir/$name" --port "$port" "$@"
}

try_start() {
    local name=$1 fn=$2 port=$3 msg rc
    shift 3
    msg=$($fn "$port" "$@" 2>&1) && return 0
    rc=$?
    if [ "$rc" = 2 ]; then skip "$name" "${msg%%$'\n'*}"; else fail "$name: server starts" "$(printf '%s' "$msg" | tail -5)"; fi
    return 1
}

# A standalone server whose process name says mongo: hello first.
p=$(free_port)
if try_start "mongo standalone" start_mongo "$p" mongod.py; then
    run_door probe "127.0.0.1:$p" --json
    check_eq "standalone: exit 0" 0 "$DOOR_RC" || diag "$DOOR_OUT" "$DOOR_ERR"
    check_eq "standalone: service" mongodb "$(json_field service)"
    check_eq "standalone: product" MongoDB "$(json_field product)"
    check_eq "standalone: version from buildInfo" 7.0.14 "$(json_field version)"
    check_eq "standalone: confidence" probe "$(json_field confidence)"
    check_eq "standalone: detail" standalone "$(json_field detail)"
    run_door "$p" --no-color
    check_match "standalone: door who's card says what answers" \
        "answers +MongoDB 7\.0\.14, standalone \(probe\)" "$DOOR_OUT"
    run_door ls --probe "$p" --json
    check_match "standalone: door ls --probe reports it" '"service": "mongodb"' "$DOOR_OUT"
fi

# Replica-set members say so in hello.
p=$(free_port)
if try_start "mongo replica set" start_mongo "$p" mongod.py --replset rs0; then
    run_door probe "127.0.0.1:$p" --json
    check_eq "replica set: detail" "replica set rs0, primary" "$(json_field detail)"
fi
p=$(free_port)
if try_start "mongo secondary" start_mongo "$p" mongod.py --replset rs0 --secondary; then
    run_door probe "127.0.0.1:$p" --json
    check_eq "secondary: detail" "replica set rs0, secondary" "$(json_field detail)"
fi

# mongos (a sharded cluster's router) answers hello with msg: isdbgrid.
p=$(free_port)
if try_start "mongos" start_mongo "$p" mongos.py --mongos; then
    run_door probe "127.0.0.1:$p" --json
    check_eq "mongos: product" "MongoDB mongos" "$(json_field product)"
fi

# A server that wants a login for buildInfo: hello's release line stays,
# and the detail says why there is no exact version.
p=$(free_port)
if try_start "mongo with auth" start_mongo "$p" mongod.py --auth; then
    run_door probe "127.0.0.1:$p" --json
    check_eq "auth: exit 0 (hello proved it)" 0 "$DOOR_RC"
    check_eq "auth: version is the wire protocol's release line" 7.0 "$(json_field version)"
    check_match "auth: detail says buildInfo wants a login" "auth required" "$(json_field detail)"
fi

# An old server answering in OP_REPLY.
p=$(free_port)
if try_start "old mongo" start_mongo "$p" mongod.py --old; then
    run_door probe "127.0.0.1:$p" --json
    check_eq "OP_REPLY: service" mongodb "$(json_field service)"
fi

# No clue at all (a neutral process name on a free port): door asks HTTP
# first; mongod's answer to HTTP names it, then hello and buildInfo.
p=$(free_port)
if try_start "mongo, no clue" start_mongo "$p" dbserver.py; then
    run_door probe "127.0.0.1:$p" --json
    check_eq "no clue: the clue was nothing" "" "$(json_field clue)"
    check_eq "no clue: service" mongodb "$(json_field service)"
    check_eq "no clue: version" 7.0.14 "$(json_field version)"
fi

# The number lies: MongoDB on a port the table calls Redis. door sends no
# HTTP (the clue says Redis), PING fails, and hello proves MongoDB.
if [ -z "$(ss -Hltn 'sport = :6379')" ]; then
    if try_start "mongo on 6379" start_mongo 6379 dbserver.py; then
        run_door probe 127.0.0.1:6379 --json
        check_eq "6379: service" mongodb "$(json_field service)"
        check_eq "6379: the port lied" True "$(json_field port_lied)"
    fi
else
    skip "mongo on 6379" "port 6379 is taken on this machine"
fi

finish
