# tests/cli/zcomplete.zsh FPATH_DIR LINE: what zsh's real completion system offers
# for LINE, one "<<MATCH>>DESCRIPTION" line each. An interactive zsh in a
# pseudo-terminal (zsh/zpty) loads compinit with FPATH_DIR first in $fpath,
# LINE is typed and TAB pressed; compadd is wrapped so that every match the
# completion functions add (with _describe's description) is printed.
# Each step waits for the prompt, so typing never races the shell.
zmodload zsh/zpty || exit 3
fdir=$1 line=$2
zpty z zsh -f -i
# every step waits for the prompt (ZLE is reading) before typing
step() { zpty -r -m z __out '*<P>*' || exit 4; zpty -w z "$1"; }
zpty -w z "PROMPT='<''P>' RPROMPT=''"
step "fpath=($fdir \$fpath); autoload -Uz compinit; compinit -u -D"
step 'zstyle ":completion:*" list-grouped false'
# no listing (a long one would ask "do you wish to see all N possibilities?")
step 'unsetopt auto_list list_ambiguous list_beep beep'
step 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
  typeset -a __hits __dscr
  if (( $@[(I)-d] )); then
    local __tmp=${@[$[${@[(i)-d]}+1]]}
    if [[ $__tmp == \(* ]]; then eval "__dscr=$__tmp"; else __dscr=( "${(@P)__tmp}" ); fi
  fi
  builtin compadd -A __hits -D __dscr "$@"
  (( $#__hits )) || return
  local i
  for i in {1..$#__hits}; do
    print -r -- "<""<${__hits[$i]}>>${__dscr[$i]}"
  done
}'
step "bindkey '^I' complete-word"
step "zstyle ':completion:*' completer _complete"
zpty -r -m z __out '*<P>*' || exit 4
zpty -w -n z "$line"$'\t'$'\C-u'"print -r -- '#''#END'"$'\n'
zpty -r -m z out '*##END*'
zpty -d z
print -r -- "$out" | tr -d '\r' | grep -a -o '<<.*'
