#!/usr/bin/env bash
# Command-line behaviour of ridl: exit codes, output names (files, stub functions, the
# --server-prefix of manager routines), the ACF default, depfiles, and
# that a failed run writes nothing (and leaves an existing output untouched). TAP output.
#   run-cli.sh RIDL
set -u
ridl=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); echo "not ok $n - $1"; fail=1; }
check() { if eval "$2"; then ok "$1"; else no "$1"; fi; }

cat > calc.idl <<'IDL'
[uuid(12345678-1234-1234-1234-123456789abc), version(2.1)]
interface calc { long Add([in] long a, [in] long b); }
IDL
cat > calc.acf <<'ACF'
[implicit_handle(handle_t calc_h)] interface calc { [async] Add(); }
ACF
printf 'import "calc.idl";\ntypedef short T;\n' > user.idl

echo "1..35"
"$ridl" --version > out.txt; st=$?
check "--version exits 0 and names ridl" '[ $st = 0 ] && grep -q "^ridl [0-9]" out.txt'
"$ridl" --help > out.txt; st=$?
check "--help exits 0 and lists --acf and --server-prefix" '[ $st = 0 ] && grep -q -- "--acf FILE" out.txt && grep -q -- "--server-prefix PREFIX" out.txt'
"$ridl" --bogus calc.idl 2> err.txt; st=$?
check "unknown option: exit 1 with a message" '[ $st = 1 ] && [ "$(cat err.txt)" = "ridl: error: unknown option '"'"'--bogus'"'"' (see ridl --help)" ]'
"$ridl" 2> err.txt; st=$?
check "no input: exit 1" '[ $st = 1 ] && grep -q "no input file" err.txt'
"$ridl" a.idl b.idl 2> err.txt; st=$?
check "two inputs: exit 1" '[ $st = 1 ] && grep -q "only one input file" err.txt'
"$ridl" --dump=bad calc.idl 2> err.txt; st=$?
check "--dump takes ast, types or layout" '[ $st = 1 ] && grep -q "takes '"'"'ast'"'"', '"'"'types'"'"' or '"'"'layout'"'"'" err.txt'
"$ridl" --dump=layout calc.idl > out.txt; st=$?
check "--dump=layout prints the procedures and writes nothing" '[ $st = 0 ] && grep -q "^proc 0 Add " out.txt && [ ! -e calc.h ]'

"$ridl" calc.idl; st=$?
check "default output NAME.h in the current directory" '[ $st = 0 ] && [ -f calc.h ]'
check "the ACF beside the IDL is used by default" 'grep -q "PRPC_ASYNC_STATE Add_AsyncHandle" calc.h && grep -q "extern handle_t calc_h;" calc.h'
check "interface handles carry the version" 'grep -q "calc_v2_1_c_ifspec" calc.h'
"$ridl" --acf none --out . --header other.h calc.idl; st=$?
check "--acf none and --header FILE" '[ $st = 0 ] && grep -q "int32_t Add(int32_t a, int32_t b);" other.h'
mkdir -p out
"$ridl" -o out -M out/calc.d calc.idl; st=$?
check "-o DIR and -M depfile" '[ $st = 0 ] && [ -f out/calc.h ] && [ "$(cat out/calc.d)" = "out/calc.h: \\
 calc.idl \\
 calc.acf" ]'
"$ridl" -o out -M out/user.d user.idl; st=$?
check "depfile lists imports" '[ $st = 0 ] && grep -q "^ calc.idl" out/user.d && grep -q "^out/user.h:" out/user.d'
check "an import becomes an #include" 'grep -q "#include \"calc.h\"" out/user.h'

mkdir -p st
"$ridl" --client stub -o st calc.idl; st=$?
check "--client stub writes NAME_c.c beside the header, not NAME_s.c" '[ $st = 0 ] && [ -f st/calc.h ] && [ -f st/calc_c.c ] && [ ! -e st/calc_s.c ]'
check "the client tables include the header and define the client handle" 'grep -q "^#include \"calc.h\"" st/calc_c.c && grep -q "^RPC_IF_HANDLE calc_v2_1_c_ifspec = " st/calc_c.c && grep -q "^handle_t calc_h;" st/calc_c.c'
"$ridl" --server stub --sstub srv.c --header calc-types.h -o st calc.idl 2> err.txt; st=$?
check "--server stub with --sstub: the server handle, the header by the name it was given" '[ $st = 0 ] && [ -f st/srv.c ] && grep -q "^RPC_IF_HANDLE calc_v2_1_s_ifspec = " st/srv.c && grep -q "^#include \"calc-types.h\"" st/srv.c'
check "the client stub function calls the runtime with its opnum" 'grep -q "^Add(PRPC_ASYNC_STATE Add_AsyncHandle, int32_t a, int32_t b)$" st/calc_c.c && grep -q "ridl_client_call_async(&calc_interface, 0, Add_AsyncHandle, _args);" st/calc_c.c'
check "the server without --server-prefix: the EPV names the procedures" 'grep -q "^	(void (\*)(void))Add,$" st/srv.c && grep -q "calc_manager_epv,$" st/srv.c'
mkdir -p pre
"$ridl" --client stub --server stub --server-prefix s_ -o pre calc.idl; st=$?
check "--server-prefix s_: the server EPV names s_Add, the client keeps Add" '[ $st = 0 ] && grep -q "^	(void (\*)(void))s_Add,$" pre/calc_s.c && grep -q "^Add(" pre/calc_c.c && ! grep -qw "s_Add" pre/calc_c.c'
check "--server-prefix s_: the header declares the prefixed manager routine too" 'grep -q "^void s_Add(PRPC_ASYNC_STATE Add_AsyncHandle, int32_t a, int32_t b);$" pre/calc.h && grep -q "^void Add(PRPC_ASYNC_STATE Add_AsyncHandle, int32_t a, int32_t b);$" pre/calc.h'
"$ridl" --server-prefix 1x calc.idl 2> err.txt; st=$?
check "--server-prefix takes the start of an identifier" '[ $st = 1 ] && [ "$(cat err.txt)" = "ridl: error: --server-prefix takes the start of a C identifier, not '"'"'1x'"'"'" ]'
printf '[implicit_handle(handle_t calc_h)] interface calc { [nocode] Add(); }\n' > nocode.acf
"$ridl" --client stub --acf nocode.acf -o pre calc.idl; st=$?
check "ACF [nocode]: the table keeps the procedure, no client function" '[ $st = 0 ] && grep -q "&calc_p_Add," pre/calc_c.c && ! grep -q "^Add(" pre/calc_c.c'
"$ridl" --client stub --syntax-only -o nowhere calc.idl; st=$?
check "--client stub --syntax-only writes nothing" '[ $st = 0 ] && [ ! -e nowhere ]'
cp st/calc_c.c keep_c.c
cp st/calc.h keep_h.h
cat > ctx.idl <<'IDL'
[uuid(12345678-1234-1234-1234-123456789abd), version(1.0)]
interface calc { typedef [context_handle] void *CTX; void Open([out] CTX *h); }
IDL
cp ctx.idl st/calc.idl
"$ridl" --client stub --no-source-lines -o st st/calc.idl 2> err.txt; st=$?
check "a layout error: exit 1, context handles named, old outputs untouched, no temporary files" '[ $st = 1 ] && grep -q "context handles are not supported yet" err.txt && cmp -s keep_c.c st/calc_c.c && cmp -s keep_h.h st/calc.h && [ -z "$(ls st | grep -v "^calc\.idl$" | grep -v "^calc\.h$" | grep -v "^calc_c\.c$" | grep -v "^srv\.c$" | grep -v "^calc-types\.h$")" ]'
"$ridl" ctx.idl; st=$?
check "without stubs, the same file still gives a header" '[ $st = 0 ] && [ -f ctx.h ]'

cp out/user.h keep.h
printf 'import "calc.idl";\ntypedef NOPE T;\n' > user.idl
"$ridl" -o out -M out/user.d user.idl 2> err.txt; st=$?
check "errors: exit 1, the old header untouched" '[ $st = 1 ] && cmp -s keep.h out/user.h'
check "errors: no temporary files left behind" '[ -z "$(ls out | grep -v "^calc\.[hd]$" | grep -v "^user\.[hd]$")" ]'
"$ridl" --syntax-only --no-source-lines -o nowhere calc.idl; st=$?
check "--syntax-only writes nothing" '[ $st = 0 ] && [ ! -e nowhere ]'
"$ridl" -o no-such-dir calc.idl 2> err.txt; st=$?
check "unwritable output: exit 1 with the path" '[ $st = 1 ] && grep -q "cannot write '"'"'no-such-dir/calc.h'"'"'" err.txt'
mkdir -p w
printf 'typedef long T;\n' > w/a.idl
printf 'import "a.idl";\ntypedef short T;\n' > w/b.idl
"$ridl" --syntax-only --no-source-lines w/b.idl 2> err.txt; st=$?
check "a warning and its note" '[ $st = 0 ] && [ "$(cat err.txt)" = "w/a.idl:1:14: warning: '"'"'T'"'"' redefined with a different type; the first definition is used
w/b.idl:2:15: note: first definition of '"'"'T'"'"' is here" ]'
"$ridl" -w --syntax-only w/b.idl 2> err.txt; st=$?
check "-w hides warnings and their notes" '[ $st = 0 ] && [ ! -s err.txt ]'
printf 'interface n {\n  long \000 }\n' > nul.idl
"$ridl" --syntax-only --no-source-lines nul.idl 2> err.txt; st=$?
check "a NUL byte: exit 1 at its line and column" '[ $st = 1 ] && [ "$(cat err.txt)" = "nul.idl:2:8: error: stray NUL byte in the input; IDL files are text" ]'
printf 'import "nul.idl";\n' > imp.idl
"$ridl" --syntax-only --no-source-lines imp.idl 2> err.txt; st=$?
check "a NUL byte in an imported file" '[ $st = 1 ] && grep -q "^nul.idl:2:8: error: stray NUL byte" err.txt'
"$ridl" --syntax-only --no-cpp --no-source-lines nul.idl 2> err.txt; st=$?
check "a NUL byte with --no-cpp" '[ $st = 1 ] && [ "$(cat err.txt)" = "nul.idl:2:8: error: stray NUL byte in the input; IDL files are text" ]'
exit $fail
