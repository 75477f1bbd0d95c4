#!/usr/bin/env bash
# Diagnostic tests: every case NAME.idl in this directory must make ridl print exactly the
# line recorded for NAME in expected.txt as its first diagnostic, and every diagnostic in
# ridl's registry (ridl --list-diagnostics) must have a case.
#   run-diag.sh RIDL DIAG_DIR        (RIDL_UPDATE_GOLDEN=1 rewrites expected.txt)
# Output is TAP.
set -u
ridl=$(realpath "$1")
dir=$2
cd "$dir" || exit 1
expected=expected.txt
update=${RIDL_UPDATE_GOLDEN:-}
new=$(mktemp)
trap 'rm -f "$new"' EXIT

mapfile -t codes < <("$ridl" --list-diagnostics | awk '{print $1}')
mapfile -t cases < <(ls ./*.idl | sed 's|^\./||; s|\.idl$||' | sort)
echo "1..$(( ${#cases[@]} + 1 ))"
n=0
fail=0
for c in "${cases[@]}"; do
	n=$((n + 1))
	args=$(sed -n 's|^/\* args: \(.*\) \*/$|\1|p' "$c.idl")
	# shellcheck disable=SC2086
	out=$("$ridl" --syntax-only --no-source-lines $args "$c.idl" 2>&1 >/dev/null)
	status=$?
	first=$(printf '%s\n' "$out" | head -n 1)
	printf '%s\t%s\n' "$c" "$first" >> "$new"
	want=$(awk -F '\t' -v c="$c" '$1 == c { sub(/^[^\t]*\t/, ""); print; exit }' "$expected" 2>/dev/null)
	case "$first" in
	*": error: "*) want_status=1 ;;
	*) want_status=0 ;;
	esac
	if [ -n "$update" ]; then
		echo "ok $n - $c (recorded)"
	elif [ "$first" = "$want" ] && [ "$status" = "$want_status" ]; then
		echo "ok $n - $c"
	else
		echo "not ok $n - $c"
		echo "#   expected: $want (exit $want_status)"
		echo "#   got:      $first (exit $status)"
		fail=1
	fi
done
[ -n "$update" ] && cp "$new" "$expected"

n=$((n + 1))
missing=()
for code in "${codes[@]}"; do
	[ -f "$code.idl" ] || missing+=("$code")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "ok $n - every diagnostic in the registry has a case"
else
	echo "not ok $n - diagnostics without a case: ${missing[*]}"
	fail=1
fi
exit $fail
