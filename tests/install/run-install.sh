#!/usr/bin/env bash
# Integration as a user sees it: `meson install` into a staging directory, then the installed
# pkg-config module (cflags, libs, the `ridl` variable naming the compiler) and the build
# tree's uninstalled module both build and run a program against librpcrt, and the installed
# compiler turns an IDL file into a header that compiles with the installed flags.
#   run-install.sh BUILD_ROOT SOURCE_ROOT SANITIZE     (TAP output)
set -u
build=$1
src=$2
san=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); echo "not ok $n - $1"; fail=1; }
cc=${CC:-cc}
sanflags=()
[ "$san" != none ] && sanflags=("-fsanitize=$san")

cat > "$tmp/prog.c" <<'C'
#include <rpc.h>
#include <rpcasync.h>
#include <stdio.h>
int main(void)
{
	RPC_ASYNC_STATE a;
	RPC_STATUS ok = RpcAsyncInitializeHandle(&a, sizeof(a));
	RPC_STATUS bad = RpcAsyncInitializeHandle(&a, sizeof(a) - 1);
	printf("%d %d %08x\n", (int)ok, (int)bad, (unsigned)a.Signature);
	return 0;
}
C
echo "1..7"
if meson install -C "$build" --destdir "$tmp/stage" --no-rebuild --quiet >"$tmp/install.log" 2>&1; then
	ok "meson install into a staging directory"
else
	no "meson install into a staging directory"
	sed 's/^/#   /' "$tmp/install.log" | tail -n 20
	exit 1
fi
pc=$(find "$tmp/stage" -name ridl.pc | head -n 1)
export PKG_CONFIG_SYSROOT_DIR="$tmp/stage"
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
flags=$(pkg-config --cflags --libs ridl)
if [ -n "$pc" ] && grep -q -- "-I$tmp/stage[^ ]*/include/ridl" <<<"$flags" && grep -q -- "-lrpcrt" <<<"$flags"; then
	ok "installed module: include/ridl on the include path, -lrpcrt ($flags)"
else
	no "installed module flags: '$flags'"
fi
# pkgconf puts the sysroot in front of variables too; other implementations do not.
staged() { case $1 in "$tmp/stage"/*) echo "$1" ;; *) echo "$tmp/stage$1" ;; esac; }
libdir=$(staged "$(pkg-config --variable=libdir ridl)")
# shellcheck disable=SC2086
if "$cc" -std=c11 -Wall -Wextra -Werror "${sanflags[@]}" "$tmp/prog.c" $flags -o "$tmp/prog" 2>"$tmp/cc.log" &&
	[ "$(LD_LIBRARY_PATH="$libdir" "$tmp/prog")" = "0 87 43595341" ]; then
	ok "a program builds and runs against the installed librpcrt"
else
	no "a program builds and runs against the installed librpcrt"
	sed 's/^/#   /' "$tmp/cc.log" | head -n 10
fi
ridl=$(staged "$(pkg-config --variable=ridl ridl)")
if [ -x "$ridl" ] && "$ridl" --out "$tmp" "$src/idl-samples/calc/calc.idl"; then
	ok "the 'ridl' variable names the installed compiler, which compiles calc.idl"
else
	no "the 'ridl' variable names the installed compiler ($ridl)"
fi
cflags=$(pkg-config --cflags ridl)
# shellcheck disable=SC2086
if "$cc" -std=c11 -Wall -Wextra -Werror -fsyntax-only $cflags -x c "$tmp/calc.h" 2>"$tmp/cc.log"; then
	ok "the generated header compiles with the installed flags"
else
	no "the generated header compiles with the installed flags"
	sed 's/^/#   /' "$tmp/cc.log" | head -n 10
fi
if [ -n "$(find "$tmp/stage" -path '*/man1/ridl.1')" ]; then
	ok "the manual page is installed"
else
	no "the manual page is installed"
fi
unset PKG_CONFIG_SYSROOT_DIR
PKG_CONFIG_PATH="$build/meson-uninstalled"
uflags=$(pkg-config --cflags --libs ridl)
# shellcheck disable=SC2086
if "$cc" -std=c11 -Wall -Wextra -Werror "${sanflags[@]}" "$tmp/prog.c" $uflags -o "$tmp/prog2" 2>"$tmp/cc.log" &&
	[ "$(LD_LIBRARY_PATH="$build/runtime" "$tmp/prog2")" = "0 87 43595341" ] &&
	[ "$(pkg-config --variable=ridl ridl)" = "$build/compiler/ridl" ]; then
	ok "the uninstalled module works from the build tree"
else
	no "the uninstalled module works from the build tree ($uflags)"
	sed 's/^/#   /' "$tmp/cc.log" | head -n 10
fi
exit $fail
