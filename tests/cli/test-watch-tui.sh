#!/usr/bin/env bash
# door watch's full-screen view in a real terminal: tmux (new-session,
# send-keys, capture-pane) against real servers. Rows appear and vanish,
# Enter opens the card, p probes, x frees a real listener through door
# kill's path, / filters, s sorts, resizes keep it readable, hostile names
# stay text, and the terminal is given back on q, SIGTERM and a crash.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door
command -v tmux >/dev/null || { skip "door watch in tmux" "tmux is not installed (scripts/deps.sh test installs it)"; finish; }
dir=$(mk_tmpdir tui)
sock=$dir/tmux.sock
T() { tmux -S "$sock" "$@"; }
on_exit_run tmux -S "$sock" kill-server

# A plain shell in a 120x40 terminal, UTF-8, colours, no rc files.
T -f /dev/null new-session -d -s w -x 120 -y 40 \
    "env -i PATH=$PATH HOME=$dir LANG=C.UTF-8 TERM=screen-256color PS1='$ ' bash --norc --noprofile" ||
    { fail "tmux starts a session"; finish; }
T set-option -t w -g default-terminal screen-256color >/dev/null 2>&1
T set-window-option -t w -g aggressive-resize on >/dev/null 2>&1
pane() { T capture-pane -p -t w; }
pane_e() { T capture-pane -p -e -t w; }
type_line() { T send-keys -t w -l "$1"; T send-keys -t w Enter; }
keys() { T send-keys -t w "$@"; }

# wait_pane NAME REGEX [SECONDS=10]: passes once the pane matches; on a
# time-out, fails with the last frame shown.
wait_pane() {
    local name=$1 re=$2 t=${3:-10} i frame
    for ((i = 0; i < t * 10; i++)); do
        frame=$(pane)
        if [[ $frame =~ $re ]]; then pass "$name"; return 0; fi
        sleep 0.1
    done
    fail "$name" "pane did not match: $re" "last frame:" "$frame"
    return 1
}
wait_pane_not() {
    local name=$1 re=$2 t=${3:-10} i frame
    for ((i = 0; i < t * 10; i++)); do
        frame=$(pane)
        if ! [[ $frame =~ $re ]]; then pass "$name"; return 0; fi
        sleep 0.1
    done
    fail "$name" "pane still matches: $re" "last frame:" "$frame"
    return 1
}
# the door watch process running in the pane (the shell's child)
door_pid() {
    local sh
    sh=$(T display -p -t w '#{pane_pid}')
    pgrep -P "$sh" -x door 2>/dev/null | head -1 || pgrep -P "$sh" | head -1
}
alt_on() { T display -p -t w '#{alternate_on}'; }

type_line "clear; echo before-door"
wait_pane "the shell is ready" "before-door" 10 || finish

p1=$(free_port)
p2=$(free_port)
p3=$(free_port)
lo=$p1 hi=$p1
for p in $p2 $p3; do [ "$p" -lt "$lo" ] && lo=$p; [ "$p" -gt "$hi" ] && hi=$p; done
type_line "$DOOR watch --interval 250ms $p1 $p2 $p3; echo door-exit=\$?"
wait_pane "the view starts: header with doors, source and interval" \
    "door watch · 0 doors · last change none yet · (netlink|/proc/net) · every 250ms · sort port" 15 || finish
check_eq "the view is on the alternate screen" 1 "$(alt_on)"
wait_pane "no door yet: said so" "no open doors" 5

# ---- a real server starts: its row appears, marked new; ss agrees
# started in the background, so that the 3 s of the mark are not spent
# waiting for the server
"$PY" -m http.server "$p1" --bind 127.0.0.1 --directory "$dir" >/dev/null 2>&1 &
pid1=$!
on_exit_kill "$pid1"
wait_pane "a server that starts appears, marked +" "\\+ +$p1 +tcp +127\\.0\\.0\\.1 +$pid1 +python3 +root +python http\\.server \\(process\\)" 10
check_eq "the row's pid is ss's" "$pid1" "$(ss_pids "$p1" | head -1)"
wait_pane "the + mark goes after a few seconds" $'\n'">  +$p1 +tcp" 8

# ---- Enter: the card, while the table keeps ticking
keys Enter
wait_pane "Enter shows the card (door who)" "door who $p1 .*listening +127\\.0\\.0\\.1:$p1.*process +python3, pid $pid1" 15
wait_pane "the card says what answers (probe)" "answers +Python http\\.server.*HTTP 200" 5
keys Escape
wait_pane "Esc closes the card" "PORT +PROTO +ADDRESS +PID +PROCESS +USER +SERVICE" 5

# ---- p: a probe, its answer in SERVICE
keys p
wait_pane "p probes the door: the answer is in the row" "$p1 +tcp .*HTTP 200 \\(probe\\)" 15

# ---- a hostile name is shown escaped, never interpreted
start_py_listener "$p3" 127.0.0.1 --name '\e[5mblink\n\xff' >/dev/null || finish
wait_pane "a hostile process name shows as escaped text" "$p3 +tcp .*\\\\x1b\\[5mblink\\\\x0a\\\\xff" 10
check_nomatch "...and its escape never reaches the terminal (no blink)" $'\e\\[5m' "$(pane_e)"

# ---- / filters by text
keys / 
T send-keys -t w -l "blink"
wait_pane "/ shows what is typed" "/blink_" 5
keys Enter
wait_pane "the filter keeps the matching row only" "filter \"blink\"" 5
check_nomatch "...the other row is hidden" " $p1 +tcp" "$(pane)"
keys Escape
wait_pane "Esc clears the filter" " $p1 +tcp" 5

# ---- s sorts
keys s
wait_pane "s sorts by process" "sort process" 5
keys s s s
wait_pane "s cycles back to port" "sort port" 5

# ---- x frees a real listener, through door kill's plan and report
pid2=$(start_py_listener "$p2" 127.0.0.1 --name victim) || finish
wait_pane "the second server appears" " $p2 +tcp .*victim" 10
keys /
T send-keys -t w -l "victim"
keys Enter
wait_pane "filtered to the victim" "filter \"victim\"" 5
keys x
wait_pane "x shows door kill's plan and asks" "door kill: 1 process holds $p2/tcp.*victim \\($pid2\\).*plan: TERM.*stop it\\? \\[y/N\\]" 20
keys n
wait_pane "any other key keeps it" "kept: nothing was stopped" 5
check "...and the victim still runs" proc_alive "$pid2"
keys x
wait_pane "x again: the plan again" "stop it\\? \\[y/N\\]" 20
keys y
wait_pane "y: the report says what was done" "victim \\($pid2\\) exited [0-9]+ ms after TERM.*free: nothing listens on $p2/tcp" 20
check "the victim is gone" wait_gone "$pid2" 5
check "ss: nothing listens on the freed door" wait_unlisten "$p2" tcp 5
keys Escape
keys Escape
wait_pane_not "the freed door's row goes away" " $p2 +tcp .*victim" 10

# ---- a server that stops: marked -, then gone
kill "$pid1"
wait_pane "a server that stops is marked -" "\\- +$p1 +tcp" 10
wait_pane_not "...and then its row goes" " $p1 +tcp" 10

# ---- help
keys '?'
wait_pane "? shows the keys" "door watch: keys.*free the selected door" 5
keys Escape

# ---- sizes: 80x24, 60 columns, very wide
for size in 80x24 60x24 250x50; do
    T resize-window -t w -x "${size%x*}" -y "${size#*x}"
    sleep 1
    frame=$(pane)
    widest=$(printf '%s\n' "$frame" | "$PY" -c 'import sys; print(max(len(l) for l in sys.stdin.buffer.read().decode("utf-8", "replace").splitlines()))')
    if [ "$widest" -le "${size%x*}" ]; then pass "$size: no line wider than the screen"; else fail "$size: no line wider than the screen" "widest $widest" "$frame"; fi
    check_match "$size: header, column titles, the row and the keys" \
        "door watch · 1 door.*PORT +PROTO +ADDRESS +PID +PROCESS.* $p3 +tcp .*q quit" "$frame"
done
T resize-window -t w -x 120 -y 40

# ---- q gives the terminal back
keys q
wait_pane "q quits with status 0" "door-exit=0" 10
check_eq "q: the alternate screen is left" 0 "$(alt_on)"
check_nomatch "q: no table left on the screen" "PORT +PROTO" "$(pane)"
check_match "q: the shell's screen is as it was" "before-door" "$(pane)"

# ---- SIGTERM, and a crash, give it back too (modes included)
for sig in TERM SEGV; do
    type_line "clear; $DOOR watch $p3; echo door-exit=\$?"
    wait_pane "SIG$sig: the view is up" "door watch · 1 door" 15 || break
    dp=$(door_pid)
    kill -s "$sig" "$dp"
    if [ "$sig" = TERM ]; then
        wait_pane "SIGTERM: exit 0" "door-exit=0" 10
    else
        wait_pane "SIGSEGV: door dies of it (non-zero status)" "door-exit=[1-9][0-9]*" 20
    fi
    check_eq "SIG$sig: the alternate screen is left" 0 "$(alt_on)"
    type_line "stty -a | tr ' ' '\\n' | grep -xE -- '-?(icanon|echo)' | tr '\\n' ' '; echo"
    wait_pane "SIG$sig: the terminal's modes are back (icanon echo)" "icanon echo" 5
done

# ---- colour: on by default, none with NO_COLOR; TERM=dumb streams instead
type_line "clear; $DOOR watch $p3; echo door-exit=\$?"
wait_pane "colour run: up" "door watch · 1 door" 15
check_match "colours are used on a colour terminal" $'\e\\[[0-9;]*3[0-7]m' "$(pane_e)"
keys q
wait_pane "colour run: q" "door-exit=0" 10
type_line "clear; NO_COLOR=1 $DOOR watch $p3; echo door-exit=\$?"
wait_pane "NO_COLOR run: up" "door watch · 1 door" 15
check_nomatch "NO_COLOR: no colour at all" $'\e\\[[0-9;]*(3[0-7]|4[0-7]|38;5;[0-9]+)m' "$(pane_e)"
keys q
wait_pane "NO_COLOR run: q" "door-exit=0" 10
type_line "clear; TERM=dumb $DOOR watch --initial $p3; echo door-exit=\$?"
wait_pane "TERM=dumb: the event stream instead, with a note" "door watch: TERM is dumb: writing events instead.*\\{\"event\":\"open\".*\"port\":$p3" 15
keys C-c
wait_pane "TERM=dumb: Ctrl-C ends it with status 0" "door-exit=0" 10

finish
