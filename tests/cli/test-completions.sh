#!/usr/bin/env bash
# door completions bash|zsh|fish, driven through the real shells: bash with
# bash-completion (COMP_WORDS/COMP_CWORD and the completion function), fish
# (complete -C), zsh (its completion system in a pseudo-terminal:
# zcomplete.zsh). Every verb and option of door --help must be offered by
# all three, and a real listener started here must be among the PORT
# candidates, with its process name where the shell shows descriptions.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door
for sh in bash zsh fish; do
	if ! command -v "$sh" >/dev/null; then
		fail "$sh is installed" "scripts/deps.sh test installs bash-completion, zsh and fish"
		finish
	fi
done
bc=/usr/share/bash-completion/bash_completion
[ -f "$bc" ] || { fail "bash-completion is installed" "no $bc (scripts/deps.sh test)"; finish; }

# The scripts call `door` from PATH at TAB time: this door.
bin=$(mk_tmpdir bin)
ln -s "$DOOR" "$bin/door"
export PATH="$bin:$PATH"
gen=$(mk_tmpdir gen)
for sh in bash zsh fish; do
	run_door completions "$sh"
	check_eq "door completions $sh exits 0" 0 "$DOOR_RC"
	cp "$DOOR_OUT_FILE" "$gen/door.$sh"
done
cp "$gen/door.zsh" "$gen/_door"
check "the bash script parses" bash -n "$gen/door.bash"
check "the zsh script parses" zsh -n "$gen/_door"
check "the fish script parses" fish --no-config -n "$gen/door.fish"
run_door completions tcsh
check_eq "door completions tcsh is a usage error" 2 "$DOOR_RC"
run_door --help
check_nomatch "door --help does not list the hidden verb" 'completions' "$DOOR_OUT"

# bash_complete WORD...: COMPREPLY for the words, the last being completed
# (bash splits --opt=value into --opt = value, as COMP_WORDBREAKS says).
bash_complete() {
	timeout -k 2 "$CHECK_TIMEOUT" bash --norc --noprofile -c '
		. "$1"; . "$2"; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE= p=
		for w in "$@"; do   # "--signal=K" is one word of the line
			if [[ $w == = || $p == = ]]; then COMP_LINE+=$w; else COMP_LINE+="${COMP_LINE:+ }$w"; fi
			p=$w
		done
		COMP_POINT=${#COMP_LINE}
		_door door "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$bc" "$gen/door.bash" "$@"
}
# fish_complete LINE: "MATCH<TAB>DESCRIPTION" lines.
fish_complete() {
	timeout -k 2 "$CHECK_TIMEOUT" fish --no-config -c 'source $argv[1]; complete -C $argv[2]' \
	    "$gen/door.fish" "$1"
}
# zsh_complete LINE: "<<MATCH>>DESCRIPTION" lines.
zsh_complete() {
	timeout -k 2 "$CHECK_TIMEOUT" zsh -f "$LIB_DIR/zcomplete.zsh" "$gen" "$1"
}
words_of() { # the first field of each line: the matches
	sed -e 's/^<<\([^>]*\)>>.*/\1/' -e 's/\t.*//'
}
has_line() { # WORD: a line of stdin is exactly WORD
	grep -qxF -- "$1"
}

# ---- every verb, and every option of every verb, in all three
run_door --help
verbs=$(printf '%s\n' "$DOOR_OUT" | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}')
[ -n "$verbs" ] || fail "found the verbs in door --help"
b=$(bash_complete door '')
f=$(fish_complete 'door ' | words_of)
z=$(zsh_complete 'door ' | words_of)
for v in $verbs; do
	for sh in b f z; do
		case $sh in b) got=$b n=bash ;; f) got=$f n=fish ;; z) got=$z n=zsh ;; esac
		if printf '%s\n' "$got" | has_line "$v"; then
			pass "$n offers the verb $v"
		else
			fail "$n offers the verb $v" "got:" "$(printf '%s\n' "$got" | head -20)"
		fi
	done
done
for v in $verbs; do
	run_door "$v" --help
	opts=$(printf '%s\n' "$DOOR_OUT" | grep -oE '(^| )--?[a-z0-9][a-z0-9-]*' | sed 's/^ //' | sort -u)
	b=$(bash_complete door "$v" -)
	f=$(fish_complete "door $v -" | words_of)
	z=$(zsh_complete "door $v -" | words_of)
	missing_b= missing_f= missing_z=
	for o in $opts; do
		printf '%s\n' "$b" | has_line "$o" || missing_b="$missing_b $o"
		printf '%s\n' "$f" | has_line "$o" || missing_f="$missing_f $o"
		printf '%s\n' "$z" | has_line "$o" || missing_z="$missing_z $o"
	done
	check_eq "bash offers every option of door $v" "" "${missing_b# }"
	check_eq "fish offers every option of door $v" "" "${missing_f# }"
	check_eq "zsh offers every option of door $v" "" "${missing_z# }"
done

# ---- option values: the words the help lists, users
b=$(bash_complete door kill --signal '')
check_match "bash: door kill --signal offers KILL" $'(^|\n)KILL(\n|$)' "$b"
b=$(bash_complete door kill --signal = K)
check_eq "bash: door kill --signal=K offers KILL" "KILL" "$b"
f=$(fish_complete 'door kill --signal ' | words_of)
check_match "fish: door kill --signal offers TERM" $'(^|\n)TERM(\n|$)' "$f"
z=$(zsh_complete 'door kill -s ' | words_of)
check_match "zsh: door kill -s offers HUP" $'(^|\n)HUP(\n|$)' "$z"
b=$(bash_complete door ls --user ro)
check_match "bash: door ls --user offers users" $'(^|\n)root(\n|$)' "$b"
z=$(zsh_complete 'door ls --user=ro' | words_of)
check_match "zsh: door ls --user= offers users" $'(^|\n)root(\n|$)' "$z"

# ---- door known: the names of data/ports.tsv
want=$(awk -F'\t' '!/^#/ && NF >= 3 && !seen[$3]++ {print $3}' "$REPO_ROOT/data/ports.tsv" | sort)
b=$(bash_complete door known '' | sort)
check_eq "bash: door known offers exactly the names of data/ports.tsv" "$want" "$b"
f=$(fish_complete 'door known post')
check_match "fish: door known post offers postgresql, described" $'(^|\n)postgresql\tPostgreSQL(\n|$)' "$f"
z=$(zsh_complete 'door known redi')
check_match "zsh: door known redi offers redis, described" $'(^|\n)<<redis>>redis +-- Redis' "$z"

# ---- PORT: a real listener, with its name
port=$(free_port) || { fail "free port"; finish; }
pid=$(start_py_listener "$port" 127.0.0.1 --name dcomplete) || { fail "listener started on $port"; finish; }
pre=${port%?}
# The names are read only up to so many sockets (a TAB must stay fast):
# on a machine with more, the port is still offered, without its name.
run_door ls --no-owners -q
nsock=$(printf '%s\n' "$DOOR_OUT" | tail -n +2 | wc -l)
run_door completions ports
if [ "$nsock" -le 256 ]; then
	check_match "door completions ports lists the listener with its name" $'(^|\n)'"$port"$'\tdcomplete(\n|$)' "$DOOR_OUT"
else
	check_match "door completions ports lists the listener" $'(^|\n)'"$port"$'(\t|\n|$)' "$DOOR_OUT"
fi
for ctx in "" who kill check probe wait; do
	words=(door)
	[ -n "$ctx" ] && words+=("$ctx")
	b=$(bash_complete "${words[@]}" "$pre")
	check_match "bash: door${ctx:+ $ctx} $pre<TAB> offers $port" $'(^|\n)'"$port"$'(\n|$)' "$b"
done
f=$(fish_complete "door kill $pre")
z=$(zsh_complete "door who $pre")
if [ "$nsock" -le 256 ]; then
	check_match "fish: door kill offers $port described by its process" $'(^|\n)'"$port"$'\tdcomplete(\n|$)' "$f"
	check_match "zsh: door who offers $port described by its process" "<<$port>>$port +-- dcomplete" "$z"
else
	check_match "fish: door kill offers $port" $'(^|\n)'"$port"$'(\t|\n|$)' "$f"
	check_match "zsh: door who offers $port" "<<$port>>" "$z"
	skip "descriptions name the process" "$nsock sockets are open here: past 256, door completions lists the ports without looking for owners"
fi
# door -t ...: door ls; no verb can follow an option
b=$(bash_complete door -t '')
check_match "bash: door -t <TAB> offers $port" $'(^|\n)'"$port"$'(\n|$)' "$b"
check_nomatch "bash: door -t <TAB> offers no verb" $'(^|\n)kill(\n|$)' "$b"
f=$(fish_complete "door -t " | words_of)
check_match "fish: door -t <TAB> offers $port" $'(^|\n)'"$port"$'(\n|$)' "$f"
check_nomatch "fish: door -t <TAB> offers no verb" $'(^|\n)kill(\n|$)' "$f"
z=$(zsh_complete "door -t " | words_of)
check_match "zsh: door -t <TAB> offers $port" $'(^|\n)'"$port"$'(\n|$)' "$z"
check_nomatch "zsh: door -t <TAB> offers no verb" $'(^|\n)kill(\n|$)' "$z"
f=$(fish_complete "door $pre")
check_match "fish: door $pre<TAB> offers $port" $'(^|\n)'"$port"$'(\t|\n|$)' "$f"
z=$(zsh_complete "door $pre")
check_match "zsh: door $pre<TAB> offers $port" "<<$port>>" "$z"

# ---- door kill offers only doors with an owner: as nobody, the owner of
# this root listener is hidden; door who still offers it.
nb=$(door_path_for nobody)
if [ "$nsock" -le 256 ]; then
	owned=$(run_as nobody timeout 10 "$nb" completions owned)
	all=$(run_as nobody timeout 10 "$nb" completions ports)
	check_match "as nobody, door completions ports lists $port as hidden" $'(^|\n)'"$port"$'\t\\(hidden\\)(\n|$)' "$all"
	check_nomatch "as nobody, door completions owned leaves $port out" $'(^|\n)'"$port"$'(\t|\n|$)' "$owned"
	nbin=$(mk_tmpdir nbin)
	ln -s "$nb" "$nbin/door"
	b=$(PATH="$nbin:$PATH" run_as nobody bash --norc --noprofile -c '
		. "$1"; . "$2"; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_door door "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$bc" "$gen/door.bash" door kill "$pre")
	check_nomatch "as nobody, bash: door kill $pre<TAB> does not offer $port" $'(^|\n)'"$port"'(\n|$)' "$b"
else
	skip "door kill offers only owned doors" "$nsock sockets are open here: past 256, owners are not looked for"
fi

# ---- a hostile process name stays on its line
hport=$(free_port) || { fail "free port"; finish; }
start_py_listener "$hport" 127.0.0.1 --name 'a\tb\nc\e[31m' >/dev/null || fail "hostile listener started"
run_door completions ports
check_nomatch "no raw control byte but tab and newline in door completions ports" $'[\x01-\x08\x0b-\x1f\x7f]' "$DOOR_OUT"
if [ "$nsock" -le 256 ]; then
	check_match "the hostile name is escaped on its one line" $'(^|\n)'"$hport"$'\ta\\\\x09b\\\\x0ac\\\\x1b\\[31m(\n|$)' "$DOOR_OUT"
fi

# ---- past 256 open sockets no holder is looked for: a TAB stays fast
many=$(mk_tmpdir many)
"$PY" -c '
import socket, sys, time
socks = []
for _ in range(300):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    socks.append(s)
open(sys.argv[1] + "/ready", "w").close()
time.sleep(120)' "$many" &
mpid=$!
on_exit_kill "$mpid"
for _ in $(seq 100); do [ -e "$many/ready" ] && break; sleep 0.1; done
check "300 more listeners are open" test -e "$many/ready"
run_door completions ports
check_match "with 300 more sockets, the listener is still offered" $'(^|\n)'"$port"$'(\t|\n|$)' "$DOOR_OUT"
check_nomatch "... without its name (no owner scan)" $'(^|\n)'"$port"$'\t' "$DOOR_OUT"
run_door completions owned
check_match "... and owned lists it too (nobody looked)" $'(^|\n)'"$port"$'(\t|\n|$)' "$DOOR_OUT"
kill "$mpid" 2>/dev/null; wait "$mpid" 2>/dev/null

# ---- make install puts each where its shell looks
dest=$(mk_tmpdir dest)
out=$(cd "$REPO_ROOT" && make -s install DESTDIR="$dest" PREFIX=/usr/local 2>&1)
check_eq "make install DESTDIR exits 0" 0 "$?" || diag "$out"
check "bash-completion's directory has door" test -s "$dest/usr/local/share/bash-completion/completions/door"
check "zsh's site-functions has _door" test -s "$dest/usr/local/share/zsh/site-functions/_door"
check "fish's vendor_completions.d has door.fish" test -s "$dest/usr/local/share/fish/vendor_completions.d/door.fish"
zl=$(head -1 "$dest/usr/local/share/zsh/site-functions/_door")
check_eq "the installed _door is a #compdef file" "#compdef door" "$zl"

finish
