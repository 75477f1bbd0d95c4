#!/usr/bin/env bash
# Real-world corpus test: ridl --syntax-only accepts every standalone IDL file of Wine's
# include/windows (files written for Microsoft's MIDL and Wine's widl), and rejects the
# fragments listed in not-standalone.txt.
#   run-corpus.sh RIDL CORPUS_DIR LIST      (TAP output; a TAP skip when there is no corpus,
#   unless RIDL_REQUIRE_CORPUS=1, as ./dev test sets, makes that a failure)
set -u
ridl=$1
dir=$2
list=$3
if [ -z "$dir" ] || [ ! -f "$dir/objidl.idl" ]; then
	if [ -n "${RIDL_REQUIRE_CORPUS:-}" ]; then
		echo "1..1"
		echo "not ok 1 - corpus not found in '$dir' (configure with -Dcorpus_dir=DIR)"
		exit 1
	fi
	echo "1..0 # SKIP corpus not available (configure with -Dcorpus_dir=DIR; ./dev test fetches it)"
	exit 0
fi
mapfile -t files < <(cd "$dir" && ls ./*.idl | sed 's|^\./||' | sort)
echo "1..${#files[@]}"
n=0 fail=0 accepted=0
for f in "${files[@]}"; do
	n=$((n + 1))
	# The files test __WIDL__ to pick the syntax they were written for.
	err=$("$ridl" --syntax-only --no-source-lines --max-errors 5 -D__WIDL__ -I "$dir" "$dir/$f" 2>&1 >/dev/null)
	status=$?
	if grep -qx "$f" "$list"; then
		if [ $status -eq 1 ]; then
			echo "ok $n - $f (not standalone, rejected)"
		else
			echo "not ok $n - $f is listed as not standalone but ridl exited $status"
			fail=1
		fi
	elif [ $status -eq 0 ]; then
		accepted=$((accepted + 1))
		echo "ok $n - $f"
	else
		echo "not ok $n - $f (exit $status)"
		printf '%s\n' "$err" | head -n 5 | sed 's/^/#   /'
		fail=1
	fi
done
echo "# accepted $accepted of ${#files[@]} files"
exit $fail
