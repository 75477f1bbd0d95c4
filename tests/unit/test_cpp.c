/* Unit tests for the built-in C preprocessor (compiler/cpp.c): exact output text, including
 * line markers and columns, and exact diagnostics for every error it reports. */
#define _GNU_SOURCE
#include "check_main.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpp.h"

#define MARK "# 1 \"t.idl\"\n"

/* Preprocesses src as "t.idl"; diagnostics are captured without source lines. */
static char *
pp(const struct rc_cpp_opts *o, const char *src, size_t len, struct rc_diag *d, unsigned *errors)
{
	rc_diag_init(d, NULL);
	d->show_source = false;
	char *out = NULL;
	size_t out_len = 0;
	*errors = rc_cpp_run_text(d, o, "t.idl", src, len, &out, &out_len, NULL);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(out[out_len], '\0');
	return out;
}

static void
check_full(const struct rc_cpp_opts *o, const char *src, const char *want, const char *want_diag,
	   unsigned want_errors)
{
	struct rc_diag d;
	unsigned errors;
	char *out = pp(o, src, strlen(src), &d, &errors);
	ck_assert_str_eq(out, want);
	ck_assert_str_eq(rc_sb_str(&d.captured), want_diag);
	ck_assert_uint_eq(errors, want_errors);
	free(out);
	rc_diag_free(&d);
}

/* Output without diagnostics. */
static void
check_out(const char *src, const char *want)
{
	check_full(NULL, src, want, "", 0);
}

/* Only the diagnostics and the error count. */
static void
check_diag(const char *src, const char *want_diag, unsigned want_errors)
{
	struct rc_diag d;
	unsigned errors;
	char *out = pp(NULL, src, strlen(src), &d, &errors);
	ck_assert_str_eq(rc_sb_str(&d.captured), want_diag);
	ck_assert_uint_eq(errors, want_errors);
	free(out);
	rc_diag_free(&d);
}

/* Evaluates an #if expression: 1 true, 0 false. */
static int
eval(const char *expr)
{
	char src[512];
	snprintf(src, sizeof(src), "#if %s\nT\n#else\nF\n#endif\n", expr);
	struct rc_diag d;
	unsigned errors;
	char *out = pp(NULL, src, strlen(src), &d, &errors);
	ck_assert_msg(errors == 0, "#if %s: %s", expr, rc_sb_str(&d.captured));
	int r = strstr(out, "T\n") ? 1 : strstr(out, "F\n") ? 0 : -1;
	free(out);
	rc_diag_free(&d);
	return r;
}

/* ---- temporary directories ---- */

static char tmpdir[64];

static void
mk_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/ridl-cpp-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
rm_tmpdir(void)
{
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes tmpdir/rel (creating one level of directory) and returns its path (static). */
static const char *
put(const char *rel, const char *text)
{
	static char path[4][256];
	static int k;
	char *p = path[k++ % 4];
	snprintf(p, 256, "%s/%s", tmpdir, rel);
	char *slash = strrchr(p, '/');
	*slash = '\0';
	mkdir(p, 0700);
	*slash = '/';
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static char *
pp_file(const struct rc_cpp_opts *o, const char *path, struct rc_diag *d, unsigned *errors,
	struct rc_vec *deps)
{
	rc_diag_init(d, NULL);
	d->show_source = false;
	char *out = NULL;
	size_t len = 0;
	*errors = rc_cpp_run(d, o, path, &out, &len, deps);
	ck_assert_ptr_nonnull(out);
	return out;
}

/* s with every "@" replaced by tmpdir (static buffer). */
static const char *
T(const char *s)
{
	static char buf[4][4096];
	static int k;
	char *b = buf[k++ % 4], *o = b;
	for (; *s; s++) {
		if (*s == '@')
			o += sprintf(o, "%s", tmpdir);
		else
			*o++ = *s;
	}
	*o = '\0';
	return b;
}

/* ---- object-like and function-like macros ---- */

START_TEST(object_macro)
{
	check_out("#define N 42\nint a[N];\n", MARK "\nint a[42];\n");
	check_out("#define EMPTY\nx EMPTY y;\n", MARK "\nx  y;\n");
	check_out("#define A B\n#define B C\nA\n", MARK "\n\nC\n");
	/* The expansion replaces the invocation in place; the rest of the line is kept. */
	check_out("#define LONGNAME 1\n\tLONGNAME\t+  x; // c\n", MARK "\n\t1\t+  x; \n");
}
END_TEST

START_TEST(function_macro)
{
	check_out("#define ADD(a, b) ((a) + (b))\nx = ADD(1, 2);\n", MARK "\nx = ((1) + (2));\n");
	check_out("#define F(x) [x]\nF( 1 ) F() F((a, b)) F([c d)\n",
		  MARK "\n[1] [] [(a, b)] [[c d]\n");
	/* A function-like macro name without '(' is an ordinary identifier. */
	check_out("#define F(x) x\nint F; F\n", MARK "\nint F; F\n");
	check_out("#define Z() zero\nZ() Z( )\n", MARK "\nzero zero\n");
	/* Arguments are expanded before substitution. */
	check_out("#define ONE 1\n#define ID(x) x\nID(ONE) ID(ID(ONE))\n", MARK "\n\n1 1\n");
}
END_TEST

START_TEST(stringize)
{
	check_out("#define S(x) #x\nS( a  +\tb ) S(\"q\\n\" 'c') S() S(\\n)\n",
		  MARK "\n\"a + b\" \"\\\"q\\\\n\\\" 'c'\" \"\" \"\\n\"\n");
	/* # stringizes the argument unexpanded; an extra level expands it first. */
	check_out("#define S(x) #x\n#define XS(x) S(x)\n#define V 3\nS(V) XS(V)\n",
		  MARK "\n\n\n\"V\" \"3\"\n");
}
END_TEST

START_TEST(paste)
{
	check_out("#define CAT(a, b) a ## b\nCAT(foo, bar) CAT(1, 2) CAT(, x) CAT(x, ) CAT(,)!\n",
		  MARK "\nfoobar 12 x x !\n");
	check_out("#define CAT3(a, b, c) a##b##c\nCAT3(x, y, z) CAT3(<, <, =)\n",
		  MARK "\nxyz <<=\n");
	/* The result of ## is rescanned; its operands are not expanded first. */
	check_out("#define AB done\n#define A nope\n#define CAT(a, b) a ## b\nCAT(A, B)\n",
		  MARK "\n\n\ndone\n");
	/* ## in an object-like macro. */
	check_out("#define X a ## b\nX\n", MARK "\nab\n");
	check_out("#define CAT(a, b) a ## b\nCAT(L, \"s\")\n", MARK "\nL\"s\"\n");
}
END_TEST

START_TEST(variadic)
{
	check_out("#define V(f, ...) f(__VA_ARGS__)\nV(g, 1, (2, 3)) V(g) V(g,)\n",
		  MARK "\ng(1, (2, 3)) g() g()\n");
	check_out("#define P(...) [__VA_ARGS__] #__VA_ARGS__\nP(a,b , c)\n",
		  MARK "\n[a,b , c] \"a,b , c\"\n");
	/* GNU named variadic parameter and comma elision. */
	check_out("#define N(fmt, args...) f(fmt, args)\nN(1, 2, 3)\n", MARK "\nf(1, 2, 3)\n");
	check_out("#define G(fmt, ...) f(fmt, ## __VA_ARGS__)\nG(1) G(1, 2) G(1,)\n",
		  MARK "\nf(1) f(1,2) f(1,)\n");
}
END_TEST

START_TEST(rescan)
{
	check_out("#define A B\n#define B(x) [x]\nA(1)\n", MARK "\n\n[1]\n");
	/* A space keeps the argument's last token from pasting onto the body's next (as GCC). */
	check_out("#define f(x) g(x)\n#define g(x) x+1\nf(f(2))\n", MARK "\n\n2 +1 +1\n");
	/* A function-like macro at the end of an expansion takes its arguments from the text. */
	check_out("#define h f(\n#define f(x) <x>\nh 1)\n", MARK "\n\n<1>\n");
	/* The example of C11 6.10.3.5p5. */
	check_out("#define x 3\n"
		  "#define f(a) f(x * (a))\n"
		  "#undef x\n"
		  "#define x 2\n"
		  "#define g f\n"
		  "#define z z[0]\n"
		  "#define h g(~\n"
		  "#define m(a) a(w)\n"
		  "#define w 0,1\n"
		  "#define t(a) a\n"
		  "#define p() int\n"
		  "#define q(x) x\n"
		  "#define r(x,y) x ## y\n"
		  "#define str(x) # x\n"
		  "f(y+1) + f(f(z)) % t(t(g)(0) + t)(1);\n"
		  "g(x+(3,4)-w) | h 5) & m\n"
		  "(f)^m(m);\n"
		  "p() i[q()] = { q(1), r(2,3), r(4,), r(,5), r(,) };\n"
		  "char c[2][6] = { str(hello), str() };\n",
		  MARK "# 15 \"t.idl\"\n"
		       "f(2 * (y+1)) + f(2 * (f(2 * (z[0])))) % f(2 * (0)) + t(1);\n"
		       "f(2 * (2 +(3,4)-0,1)) | f(2 * (~ 5)) & f(2 * (0,1))^m(0,1);\n"
		       "\n"
		       "int i[] = { 1, 23, 4, 5,  };\n"
		       "char c[2][6] = { \"hello\", \"\" };\n");
}
END_TEST

START_TEST(self_reference)
{
	check_out("#define foo foo + 1\nfoo\n", MARK "\nfoo + 1\n");
	check_out("#define a b\n#define b a\na b\n", MARK "\n\na b\n");
	check_out("#define f(x) x f\nf(1)(2)\n", MARK "\n1 f(2)\n");
	/* A painted name stays unexpanded when passed on as an argument. */
	check_out("#define foo(x) bar x\nfoo(foo) (2)\n", MARK "\nbar foo (2)\n");
	check_out("#define EXP(x) x\n#define LOOP EXP(LOOP)\nLOOP\n", MARK "\n\nLOOP\n");
}
END_TEST

START_TEST(literals_not_expanded)
{
	check_out("#define x y\n\"x\" 'x' L\"x\" x\n", MARK "\n\"x\" 'x' L\"x\" y\n");
	check_out("#define x y\n\"a\\\"x\" x\n", MARK "\n\"a\\\"x\" y\n");
	check_out("#define e 1\n1e+5 0x1e e\n", MARK "\n1e+5 0x1e 1\n");
}
END_TEST

START_TEST(file_and_line)
{
	check_out("a __LINE__\n\nb __LINE__ __FILE__\n", MARK "a 1\n\nb 3 \"t.idl\"\n");
	check_out("#define L __LINE__\nL\n", MARK "\n2\n");
	check_out("#line 100 \"x.idl\"\n__LINE__ __FILE__\n",
		  MARK "# 100 \"x.idl\"\n100 \"x.idl\"\n");
	check_out("#line 7\na\n", MARK "# 7 \"t.idl\"\na\n");
	check_out("# 20 \"g.idl\" 2\na\n", MARK "# 20 \"g.idl\"\na\n");
	check_out("#define N 50\n#line N\na\n", MARK "# 50 \"t.idl\"\na\n");
}
END_TEST

START_TEST(predefined)
{
	check_out("__RIDL__ __midl\n#ifdef __WIDL__\nwidl\n#endif\n", MARK "1 501\n");
	const char *defs[] = { "A", "B=2", "C=", "F(x)=<x>", "U=5" };
	const char *undefs[] = { "U", "__RIDL__" };
	struct rc_cpp_opts o = {
		.defines = defs, .n_defines = 5, .undefines = undefs, .n_undefines = 2
	};
	check_full(&o, "A B [C] F(3) U __RIDL__\n", MARK "1 2 [] <3> U __RIDL__\n", "", 0);
	const char *bad[] = { "3=x", "defined" };
	struct rc_cpp_opts ob = { .defines = bad, .n_defines = 2 };
	check_full(&ob, "x\n", MARK "x\n",
		   "ridl: error: in '3=x': macro names must be identifiers\n"
		   "ridl: error: in 'defined': 'defined' cannot be used as a macro name\n",
		   2);
}
END_TEST

START_TEST(redefinition)
{
	/* An identical redefinition is allowed; whitespace amounts do not matter. */
	check_diag("#define A(x) x  +  1\n#define A(x) x + 1\n", "", 0);
	check_diag("#define A 1\n#define A 2\n",
		   "t.idl:2:9: warning: 'A' redefined\n"
		   "t.idl:1:9: note: previous definition is here\n",
		   0);
	check_diag("#define A(x) x\n#define A(y) y\n",
		   "t.idl:2:9: warning: 'A' redefined\n"
		   "t.idl:1:9: note: previous definition is here\n",
		   0);
	check_out("#define A 1\n#undef A\n#define A 2\nA\n#undef A\nA\n#undef NEVER\n",
		  MARK "\n\n\n2\n\nA\n");
}
END_TEST

/* ---- conditionals ---- */

START_TEST(conditionals)
{
	check_out("#if 1\na\n#else\nb\n#endif\n", MARK "\na\n");
	check_out("#if 0\na\n#elif 0\nb\n#elif 2\nc\n#elif 1\nd\n#else\ne\n#endif\n",
		  MARK "\n\n\n\n\nc\n");
	check_out("#if 0\na\n#elif 0\nb\n#else\ne\n#endif\nz\n", MARK "\n\n\n\n\ne\n\nz\n");
	check_out("#define X\n#ifdef X\na\n#endif\n#ifndef X\nb\n#endif\n#ifdef Y\nc\n#else\nd\n"
		  "#endif\n",
		  MARK "\n\na\n\n\n\n\n\n\n\nd\n");
	/* Nested groups inside a skipped group stay skipped, whatever their conditions; their
	 * directives are not checked. */
	check_out("#if 0\n#if 1\na\n#else\nb\n#endif\n#foo\n#define X\n#endif\n"
		  "#ifdef X\nx\n#endif\nend\n",
		  MARK "# 13 \"t.idl\"\nend\n");
	check_out("#if 1\na\n#elif garbage (\n#else\n#foo\n#endif\n", MARK "\na\n");
	check_out("#if 1\n#if 0\na\n#elif 1\nb\n#endif\n#else\nc\n#endif\n", MARK "\n\n\n\nb\n");
	/* #elif after a taken group is not evaluated. */
	check_diag("#if 1\n#elif 1/0\n#endif\n", "", 0);
	check_out("#if defined X || defined(Y) || !defined __midl\nno\n#else\nyes\n#endif\n",
		  MARK "\n\n\nyes\n");
	check_out("#define D defined(__midl)\n#if D\nyes\n#endif\n", MARK "\n\nyes\n");
}
END_TEST

START_TEST(expressions)
{
	ck_assert_int_eq(eval("1 + 2 * 3 == 7"), 1);
	ck_assert_int_eq(eval("(1 + 2) * 3 == 9"), 1);
	ck_assert_int_eq(eval("10 / 3 == 3 && 10 % 3 == 1 && -7 / 2 == -3"), 1);
	ck_assert_int_eq(eval("1 << 4 == 16 && 256 >> 4 == 16 && -16 >> 2 == -4"), 1);
	ck_assert_int_eq(eval("(5 & 3) == 1 && (5 | 3) == 7 && (5 ^ 3) == 6 && ~0 == -1"), 1);
	ck_assert_int_eq(eval("!0 && !!5 && !5 == 0"), 1);
	ck_assert_int_eq(eval("1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3 && 1 != 2"), 1);
	ck_assert_int_eq(eval("0 || 0"), 0);
	ck_assert_int_eq(eval("1 ? 2 : 0"), 1);
	ck_assert_int_eq(eval("0 ? 1 : 0 ? 1 : 0"), 0);
	ck_assert_int_eq(eval("(1, 0)"), 0);
	ck_assert_int_eq(eval("0x10 == 16 && 010 == 8 && 0b101 == 5 && 10UL == 10"), 1);
	ck_assert_int_eq(eval("18446744073709551615u == -1"), 1);
	ck_assert_int_eq(eval("0xFFFFFFFFFFFFFFFF > 0"), 1);
	/* Unsigned arithmetic: -1 converts to the largest unsigned value. */
	ck_assert_int_eq(eval("-1 < 0u"), 0);
	ck_assert_int_eq(eval("-1 < 0"), 1);
	ck_assert_int_eq(eval("(0 ? 1u : -1) > 0"), 1);
	ck_assert_int_eq(eval("(0u ? 1 : -1) > 0"), 0);
	ck_assert_int_eq(eval("'a' == 97 && '\\n' == 10 && '\\x41' == 65 && '\\101' == 65"), 1);
	ck_assert_int_eq(eval("'\\377' < 0 && L'\\377' > 0 && 'ab' == 24930 && '\\'' == 39"), 1);
	/* Identifiers that are not macros are 0. */
	ck_assert_int_eq(eval("UNDEFINED_THING == 0 && !true"), 1);
	/* Short circuits do not evaluate (or complain about) the dead side. */
	ck_assert_int_eq(eval("0 && 1 / 0"), 0);
	ck_assert_int_eq(eval("1 || 1 / 0"), 1);
	ck_assert_int_eq(eval("1 ? 1 : 1 / 0"), 1);
	ck_assert_int_eq(eval("-9223372036854775807 - 1 < 0"), 1);
	ck_assert_int_eq(eval("__midl >= 500 && __RIDL__"), 1);
	ck_assert_int_eq(eval("1i64 == 1"), 1);
}
END_TEST

START_TEST(expression_errors)
{
	check_diag("#if 1 +\n#endif\n", "t.idl:1:7: error: operator '+' has no right operand\n", 1);
	check_diag("#if (1\n#endif\n", "t.idl:1:5: error: missing ')' in expression\n", 1);
	check_diag("#if 1 2\n#endif\n",
		   "t.idl:1:7: error: missing binary operator before token '2'\n", 1);
	check_diag("#if 08\n#endif\n", "t.idl:1:5: error: invalid digit '8' in octal constant\n",
		   1);
	check_diag("#if 1.0\n#endif\n",
		   "t.idl:1:5: error: floating constant in preprocessor expression\n", 1);
	check_diag("#if 1/0\n#endif\n", "t.idl:1:6: error: division by zero in #if\n", 1);
	check_diag("#if defined\n#endif\n",
		   "t.idl:1:5: error: operator 'defined' requires an identifier\n", 1);
	check_diag("#if defined(X\n#endif\n", "t.idl:1:13: error: missing ')' after 'defined'\n",
		   1);
	check_diag("#if \"x\"\n#endif\n",
		   "t.idl:1:5: error: token '\"x\"' is not valid in preprocessor expressions\n", 1);
	check_diag("#if 1 = 2\n#endif\n",
		   "t.idl:1:7: error: token '=' is not valid in preprocessor expressions\n", 1);
	check_diag("#if\n#endif\n", "t.idl:1:2: error: #if with no expression\n", 1);
	check_diag("#define E\n#if E\n#endif\n", "t.idl:2:2: error: #if with no expression\n", 1);
	check_diag("#if * 2\n#endif\n", "t.idl:1:5: error: operator '*' has no left operand\n", 1);
	check_diag("#if 1 ? 2\n#endif\n", "t.idl:1:7: error: '?' without following ':'\n", 1);
	check_diag("#if 1 : 2\n#endif\n", "t.idl:1:7: error: ':' without preceding '?'\n", 1);
	check_diag("#if 1 )\n#endif\n", "t.idl:1:7: error: missing '(' in expression\n", 1);
	check_diag("#if 0x\n#endif\n", "t.idl:1:5: error: invalid suffix 'x' on integer constant\n",
		   1);
	check_diag("#if 1u2\n#endif\n",
		   "t.idl:1:5: error: invalid suffix 'u2' on integer constant\n", 1);
	check_diag("#if 99999999999999999999\n#endif\n",
		   "t.idl:1:5: error: integer constant is too large for its type\n", 1);
	check_diag("#if ''\n#endif\n", "t.idl:1:5: error: empty character constant\n", 1);
	/* An error inside a macro expansion points at the invocation. */
	check_diag("#define BAD 1 +\n#if BAD\n#endif\n",
		   "t.idl:2:5: error: operator '+' has no right operand\n", 1);
	/* A bad #if is false; an #elif after it is still considered. */
	check_full(NULL, "#if (\na\n#elif 1\nb\n#endif\n", MARK "\n\n\nb\n",
		   "t.idl:1:5: error: missing ')' in expression\n", 1);
	check_diag("#if ()\n#endif\n", "t.idl:1:6: error: missing expression between '(' and ')'\n",
		   1);
}
END_TEST

START_TEST(conditional_errors)
{
	check_diag("#else\n#endif\n#elif 1\n",
		   "t.idl:1:2: error: #else without #if\n"
		   "t.idl:2:2: error: #endif without #if\n"
		   "t.idl:3:2: error: #elif without #if\n",
		   3);
	check_diag("#if 1\n#else\n#else\n#elif 1\n#endif\n",
		   "t.idl:3:2: error: #else after #else\n"
		   "t.idl:4:2: error: #elif after #else\n",
		   2);
	check_diag("#if 1\n#ifdef X\n",
		   "t.idl:2:2: error: unterminated #ifdef\n"
		   "t.idl:1:2: error: unterminated #if\n",
		   2);
	check_diag("#ifdef\n#endif\n#ifndef 3\n#endif\n",
		   "t.idl:1:2: error: no macro name given in #ifdef directive\n"
		   "t.idl:3:9: error: macro names must be identifiers\n",
		   2);
}
END_TEST

/* ---- directives ---- */

START_TEST(directive_errors)
{
	check_diag("#foo\n# 3x\n#!\n  #  \n",
		   "t.idl:1:2: error: invalid preprocessing directive #foo\n"
		   "t.idl:2:3: error: '3x' after #line is not a positive integer below 2^31\n"
		   "t.idl:3:2: error: invalid preprocessing directive '!'\n",
		   3);
	check_diag("#error  hello  /* c */ world \n#warning careful\n",
		   "t.idl:1:2: error: #error hello          world\n"
		   "t.idl:2:2: warning: #warning careful\n",
		   1);
	check_diag("#error\n", "t.idl:1:2: error: #error\n", 1);
	check_diag(
		"#line x\n#line 2147483648\n#line 5 x\n",
		"t.idl:1:7: error: 'x' after #line is not a positive integer below 2^31\n"
		"t.idl:2:7: error: '2147483648' after #line is not a positive integer below 2^31\n"
		"t.idl:3:9: error: invalid filename 'x'\n",
		3);
	/* Errors in skipped groups are not reported. */
	check_diag("#if 0\n#foo\n#error no\n#include <none.h>\n#endif\n", "", 0);
}
END_TEST

START_TEST(define_errors)
{
	check_diag("#define\n#define 3\n#define defined\n#undef defined\n#undef\n",
		   "t.idl:1:2: error: no macro name given in #define directive\n"
		   "t.idl:2:9: error: macro names must be identifiers\n"
		   "t.idl:3:9: error: 'defined' cannot be used as a macro name\n"
		   "t.idl:4:8: error: 'defined' cannot be used as a macro name\n"
		   "t.idl:5:2: error: no macro name given in #undef directive\n",
		   5);
	check_diag("#define f(x x\n#define g(x,x) x\n#define h(x) #y\n#define i ## x\n"
		   "#define j(x) x ##\n#define k(\n#define l(1) x\n#define m(...,x) x\n"
		   "#define n(__VA_ARGS__) x\n",
		   "t.idl:1:13: error: expected ',' or ')', found 'x'\n"
		   "t.idl:2:13: error: duplicate macro parameter 'x'\n"
		   "t.idl:3:14: error: '#' is not followed by a macro parameter\n"
		   "t.idl:4:11: error: '##' cannot appear at either end of a macro expansion\n"
		   "t.idl:5:16: error: '##' cannot appear at either end of a macro expansion\n"
		   "t.idl:6:10: error: missing ')' in macro parameter list\n"
		   "t.idl:7:11: error: expected parameter name, found '1'\n"
		   "t.idl:8:14: error: expected ')' after '...', found ','\n"
		   "t.idl:9:11: error: '__VA_ARGS__' can not be used as a parameter name\n",
		   9);
	/* The bad definitions were not made. */
	check_full(NULL, "#define f(x x\nf\n", MARK "\nf\n",
		   "t.idl:1:13: error: expected ',' or ')', found 'x'\n", 1);
}
END_TEST

START_TEST(invocation_errors)
{
	check_full(NULL, "#define f(x, y) x y\nf(1) z\nf(1,2,3) q\n#define g() G\ng(1) g()\n",
		   MARK "\nf z\nf q\n\ng G\n",
		   "t.idl:2:1: error: macro 'f' requires 2 arguments, but only 1 given\n"
		   "t.idl:3:1: error: macro 'f' passed 3 arguments, but takes just 2\n"
		   "t.idl:5:1: error: macro 'g' passed 1 arguments, but takes just 0\n",
		   3);
	/* The argument list runs to the end of the file: the rest is dropped, as GCC does. */
	check_full(NULL, "#define f(x) x\na f(1,\nb\n", MARK "\na f\n",
		   "t.idl:2:3: error: unterminated argument list invoking macro 'f'\n", 1);
	/* ... or to a directive. */
	check_full(NULL, "#define f(x) x\nf(1,\n#define Y\nY after\n", MARK "\nf\n\n after\n",
		   "t.idl:2:1: error: unterminated argument list invoking macro 'f'\n", 1);
	check_full(NULL, "#define CAT(a, b) a ## b\nCAT(1, +)\n", MARK "\n1 +\n",
		   "t.idl:2:5: error: pasting '1' and '+' does not give a valid preprocessing "
		   "token\n",
		   1);
}
END_TEST

START_TEST(expansion_limits)
{
	/* Each level doubles: 2^40 tokens would never finish. */
	struct rc_strbuf sb = { 0 };
	rc_sb_puts(&sb, "#define L0 x x\n");
	for (int i = 1; i <= 40; i++)
		rc_sb_printf(&sb, "#define L%d L%d L%d\n", i, i - 1, i - 1);
	rc_sb_puts(&sb, "a L40 b\nnext\n");
	struct rc_diag d;
	unsigned errors;
	char *out = pp(NULL, sb.buf, sb.len, &d, &errors);
	ck_assert_str_eq(rc_sb_str(&d.captured), "t.idl:42:3: error: macro expansion too large\n");
	ck_assert_uint_eq(errors, 1);
	ck_assert_ptr_nonnull(strstr(out, "\na L40 b\nnext\n"));
	free(out);
	rc_diag_free(&d);
	rc_sb_free(&sb);

	/* The same through arguments. */
	check_diag("#define D(x) x x x x x x x x\nD(D(D(D(D(D(D(D(1))))))))\n",
		   "t.idl:2:1: error: macro expansion too large\n", 1);
	/* Deeply nested arguments. */
	rc_sb_puts(&sb, "#define f(x) x\n");
	for (int i = 0; i < 5000; i++)
		rc_sb_puts(&sb, "f(");
	for (int i = 0; i < 5000; i++)
		rc_sb_puts(&sb, ")");
	rc_sb_puts(&sb, "\n");
	out = pp(NULL, sb.buf, sb.len, &d, &errors);
	ck_assert_str_eq(rc_sb_str(&d.captured), "t.idl:2:1: error: macro expansion too large\n");
	free(out);
	rc_diag_free(&d);
	rc_sb_free(&sb);
	/* Deeply nested #if parentheses. */
	rc_sb_puts(&sb, "#if ");
	for (int i = 0; i < 5000; i++)
		rc_sb_puts(&sb, "(");
	rc_sb_puts(&sb, "1\n#endif\n");
	out = pp(NULL, sb.buf, sb.len, &d, &errors);
	ck_assert_str_eq(rc_sb_str(&d.captured),
			 "t.idl:1:205: error: expression nested too deeply\n");
	free(out);
	rc_diag_free(&d);
	rc_sb_free(&sb);
}
END_TEST

/* ---- comments, continuations, columns ---- */

START_TEST(comments)
{
	/* Comments become spaces of the same width; at the end of a line they are dropped. */
	check_out("a /* x */ b\nc // d\n/* e */f\n", MARK "a         b\nc \n       f\n");
	/* Newlines inside a comment are kept, so lines and columns after it are exact. */
	check_out("a /* x\n  y\n */ b\n", MARK "a \n\n    b\n");
	check_out("\"/* not */\" '//' \"//\" x\n", MARK "\"/* not */\" '//' \"//\" x\n");
	/* A comment is whitespace: it separates tokens and may hide a directive's #. */
	check_out("/* c */ #define X 1\nX/**/X\n", MARK "\n1    1\n");
	check_out("#define X 1 /* multi\nline */\nX\n", MARK "\n\n1\n");
	/* A line comment continues over a backslash-newline. */
	check_out("a // c \\\nstill comment\nb\n", MARK "a \n\nb\n");
	/* CRLF line ends. */
	check_out("a\r\nb /* c */\r\n", MARK "a\nb \n");
	check_full(NULL, "a\n  /* never closed\nb\n", MARK "a\n",
		   "t.idl:2:3: error: unterminated comment\n", 1);
	check_full(NULL, "#define X /* open\n", MARK, "t.idl:1:11: error: unterminated comment\n",
		   1);
}
END_TEST

START_TEST(continuations)
{
	check_out("#define LONG 1 + \\\n  2\nLONG\n", MARK "\n\n1 + 2\n");
	/* Spliced lines are joined; the next line is back in sync. */
	check_out("a \\\nb\nc\n", MARK "a b\n\nc\n");
	check_out("ab\\\ncd\n#def\\\nine X 1\nX\n", MARK "abcd\n\n\n\n1\n");
	check_out("\"str\\\ning\"\n", MARK "\"string\"\n");
}
END_TEST

START_TEST(columns)
{
	/* A line without expansion is copied exactly: tabs, spaces and all. */
	check_out("\t  interface\tI  {\t/* x */ long f([in] long a); };  \n",
		  MARK "\t  interface\tI  {\t        long f([in] long a); };  \n");
	/* Text after a macro invocation keeps its spacing. */
	check_out("#define T long\nT  x;\t// y\n", MARK "\nlong  x;\t\n");
}
END_TEST

START_TEST(line_markers)
{
	/* A short gap is filled with blank lines, a long one gets a marker. */
	check_out("a\n#if 0\n1\n2\n#endif\nb\n", MARK "a\n\n\n\n\nb\n");
	check_out("a\n#if 0\n1\n2\n3\n4\n5\n6\n7\n8\n#endif\nb\n", MARK "a\n# 12 \"t.idl\"\nb\n");
	/* A macro invocation over several lines is output on one line, then resynchronised. */
	check_out("#define f(x, y) x y\nf(1,\n\n\n2) tail\nnext\n",
		  MARK "\n1 2 tail\n\n\n\nnext\n");
	check_out("#define f(x) [x]\nf\n\n(1)\nnext\n", MARK "\n[1]\n\n\nnext\n");
	/* A function-like macro name followed by something else keeps both lines intact. */
	check_out("#define f(x) [x]\nf\n+1\n", MARK "\nf\n+1\n");
	check_out("", MARK);
	check_out("no newline", MARK "no newline\n");
	check_out("\n\n\n\n\n\n\n\n\n\nx\n", MARK "# 11 \"t.idl\"\nx\n");
}
END_TEST

START_TEST(pragmas)
{
	check_out("#pragma midl_echo(\"x\")\n#  pragma pack(2)\n#pragma winrt ns_prefix\nx\n",
		  MARK "#pragma midl_echo(\"x\")\n#  pragma pack(2)\n#pragma winrt ns_prefix\nx\n");
	/* Not expanded; comments removed; continuations joined; skipped groups dropped. */
	check_out(
		"#define pack nope\n#pragma pack(1) /* c */\n#pragma a \\\n b\n#if 0\n#pragma no\n"
		"#endif\n",
		MARK "\n#pragma pack(1) \n#pragma a  b\n");
	check_out("#pragma once\nx\n", MARK "\nx\n");
}
END_TEST

/* ---- files ---- */

START_TEST(include_search)
{
	mk_tmpdir();
	put("inc1/a.h", "inc1_a\n");
	put("inc2/a.h", "inc2_a\n");
	put("inc2/b.h", "inc2_b\n");
	put("inc1/sub/c.h", "#include \"d.h\"\n");
	put("inc1/sub/d.h", "sub_d\n");
	put("inc2/d.h", "inc2_d\n");
	put("src/a.h", "src_a\n");
	const char *main =
		put("src/main.idl", "#include \"a.h\"\n#include <a.h>\n#include <b.h>\n"
				    "#include \"sub/c.h\"\n#include \"inc2/b.h\"\nend\n");
	char i1[256], i2[256];
	snprintf(i1, sizeof(i1), "%s/inc1", tmpdir);
	snprintf(i2, sizeof(i2), "%s/inc2/", tmpdir);
	const char *dirs[] = { i1, i2, tmpdir };
	struct rc_cpp_opts o = { .include_dirs = dirs, .n_include_dirs = 3 };
	struct rc_diag d;
	unsigned errors;
	struct rc_vec deps = { 0 };
	char *out = pp_file(&o, main, &d, &errors, &deps);
	/* "x" looks beside the including file first, <x> only on the path, in order; a file
	 * in a subdirectory looks in its own directory first. */
	ck_assert_str_eq(out, T("# 1 \"@/src/main.idl\"\n"
				"# 1 \"@/src/a.h\" 1\n"
				"src_a\n"
				"# 2 \"@/src/main.idl\" 2\n"
				"# 1 \"@/inc1/a.h\" 1\n"
				"inc1_a\n"
				"# 3 \"@/src/main.idl\" 2\n"
				"# 1 \"@/inc2/b.h\" 1\n"
				"inc2_b\n"
				"# 4 \"@/src/main.idl\" 2\n"
				"# 1 \"@/inc1/sub/c.h\" 1\n"
				"# 1 \"@/inc1/sub/d.h\" 1\n"
				"sub_d\n"
				"# 2 \"@/inc1/sub/c.h\" 2\n"
				"# 5 \"@/src/main.idl\" 2\n"
				"# 1 \"@/inc2/b.h\" 1\n"
				"inc2_b\n"
				"# 6 \"@/src/main.idl\" 2\n"
				"end\n"));
	ck_assert_str_eq(rc_sb_str(&d.captured), "");
	ck_assert_uint_eq(errors, 0);
	/* Dependencies: the input first, then each file once. */
	ck_assert_uint_eq(deps.n, 6);
	ck_assert_str_eq(deps.items[0], main);
	ck_assert_str_eq(deps.items[1], T("@/src/a.h"));
	ck_assert_str_eq(deps.items[2], T("@/inc1/a.h"));
	ck_assert_str_eq(deps.items[3], T("@/inc2/b.h"));
	ck_assert_str_eq(deps.items[4], T("@/inc1/sub/c.h"));
	ck_assert_str_eq(deps.items[5], T("@/inc1/sub/d.h"));
	for (size_t i = 0; i < deps.n; i++)
		free(deps.items[i]);
	rc_vec_free(&deps);
	free(out);
	rc_diag_free(&d);

	char *p = rc_cpp_find_file(&o, main, "a.h");
	ck_assert_str_eq(p, T("@/src/a.h"));
	free(p);
	p = rc_cpp_find_file(&o, NULL, "a.h");
	ck_assert_str_eq(p, T("@/inc1/a.h"));
	free(p);
	p = rc_cpp_find_file(&o, NULL, "d.h");
	ck_assert_str_eq(p, T("@/inc2/d.h"));
	free(p);
	/* Directories are not files. */
	ck_assert_ptr_null(rc_cpp_find_file(&o, NULL, "sub"));
	ck_assert_ptr_null(rc_cpp_find_file(&o, main, "missing.h"));
	rm_tmpdir();
}
END_TEST

START_TEST(include_markers)
{
	mk_tmpdir();
	put("h.h", "#ifndef H\n#define H\nint h;\n#pragma pack(2)\n#endif\n");
	const char *main = put("m.idl", "a\n#if 0\n\n\n\n\n\n\n\n#endif\n#include \"h.h\"\nb\n"
					"#include \"h.h\"\nc\n");
	struct rc_diag d;
	unsigned errors;
	char *out = pp_file(NULL, main, &d, &errors, NULL);
	/* The second #include is skipped without reading: the guard macro is defined. */
	ck_assert_str_eq(out, T("# 1 \"@/m.idl\"\n"
				"a\n"
				"# 1 \"@/h.h\" 1\n"
				"\n\n"
				"int h;\n"
				"#pragma pack(2)\n"
				"# 12 \"@/m.idl\" 2\n"
				"b\n"
				"\n"
				"c\n"));
	ck_assert_uint_eq(errors, 0);
	free(out);
	rc_diag_free(&d);
	rm_tmpdir();
}
END_TEST

START_TEST(include_computed)
{
	mk_tmpdir();
	put("inc/b.h", "__FILE__ __LINE__\n#line 10 \"virtual.h\"\n__FILE__ __LINE__\n");
	const char *main = put("m.idl", "#define HDR <b.h>\n#define Q \"inc/b.h\"\n#include HDR\n"
					"#include Q\n__FILE__\n");
	char inc[256];
	snprintf(inc, sizeof(inc), "%s/inc", tmpdir);
	const char *dirs[] = { inc };
	struct rc_cpp_opts o = { .include_dirs = dirs, .n_include_dirs = 1 };
	struct rc_diag d;
	unsigned errors;
	char *out = pp_file(&o, main, &d, &errors, NULL);
	ck_assert_str_eq(out, T("# 1 \"@/m.idl\"\n"
				"# 1 \"@/inc/b.h\" 1\n"
				"\"@/inc/b.h\" 1\n"
				"# 10 \"virtual.h\"\n"
				"\"virtual.h\" 10\n"
				"# 4 \"@/m.idl\" 2\n"
				"# 1 \"@/inc/b.h\" 1\n"
				"\"@/inc/b.h\" 1\n"
				"# 10 \"virtual.h\"\n"
				"\"virtual.h\" 10\n"
				"# 5 \"@/m.idl\" 2\n"
				"\"@/m.idl\"\n"));
	ck_assert_str_eq(rc_sb_str(&d.captured), "");
	ck_assert_uint_eq(errors, 0);
	free(out);
	rc_diag_free(&d);
	rm_tmpdir();
}
END_TEST

START_TEST(include_guards)
{
	mk_tmpdir();
	/* Not a guard: text after #endif. Included twice. */
	put("a.h", "#ifndef A\n#define A\n#endif\na\n");
	/* Guard in the "#if !defined(X)" form. */
	put("b.h", "/* c */\n#if !defined(B)\n#define B\nb\n#endif\n");
	put("c.h", "#pragma once\nc\n");
	/* A guard macro undefined in between: read again. */
	put("d.h", "#ifndef D\n#define D\nd\n#endif\n");
	const char *main = put("m.idl", "#include \"a.h\"\n#include \"a.h\"\n#include \"b.h\"\n"
					"#include \"b.h\"\n#include \"c.h\"\n#include \"c.h\"\n"
					"#include \"d.h\"\n#undef D\n#include \"d.h\"\n");
	struct rc_diag d;
	unsigned errors;
	struct rc_vec deps = { 0 };
	char *out = pp_file(NULL, main, &d, &errors, &deps);
	ck_assert_str_eq(out, T("# 1 \"@/m.idl\"\n"
				"# 1 \"@/a.h\" 1\n\n\n\na\n# 2 \"@/m.idl\" 2\n"
				"# 1 \"@/a.h\" 1\n\n\n\na\n# 3 \"@/m.idl\" 2\n"
				"# 1 \"@/b.h\" 1\n\n\n\nb\n# 4 \"@/m.idl\" 2\n"
				"# 1 \"@/c.h\" 1\n\nc\n# 6 \"@/m.idl\" 2\n"
				"# 1 \"@/d.h\" 1\n\n\nd\n# 8 \"@/m.idl\" 2\n"
				"# 1 \"@/d.h\" 1\n\n\nd\n# 10 \"@/m.idl\" 2\n"));
	ck_assert_uint_eq(errors, 0);
	ck_assert_uint_eq(deps.n, 5);
	for (size_t i = 0; i < deps.n; i++)
		free(deps.items[i]);
	rc_vec_free(&deps);
	free(out);
	rc_diag_free(&d);
	rm_tmpdir();
}
END_TEST

START_TEST(include_errors)
{
	mk_tmpdir();
	mkdir(T("@/dir.h"), 0700);
	put("self.h", "#include \"self.h\"\n");
	put("bad.h", "#if 1\n#else\n#else\n");
	const char *main = put("m.idl", "#include \"nothere.h\"\n#include <nothere.h>\n"
					"#include\n#include x\n#include \"\"\n#include \"dir.h\"\n"
					"#define H \"bad.h\"\n#include H\nafter\n");
	struct rc_diag d;
	unsigned errors;
	char *out = pp_file(NULL, main, &d, &errors, NULL);
	ck_assert_str_eq(rc_sb_str(&d.captured),
			 T("@/m.idl:1:10: error: file 'nothere.h' not found\n"
			   "@/m.idl:2:10: error: file 'nothere.h' not found\n"
			   "@/m.idl:3:2: error: #include expects \"FILENAME\" or <FILENAME>\n"
			   "@/m.idl:4:10: error: #include expects \"FILENAME\" or <FILENAME>\n"
			   "@/m.idl:5:10: error: empty filename in #include\n"
			   "@/m.idl:6:10: error: file 'dir.h' not found\n"
			   "@/bad.h:3:2: error: #else after #else\n"
			   "@/bad.h:1:2: error: unterminated #if\n"));
	ck_assert_uint_eq(errors, 8);
	ck_assert_ptr_nonnull(strstr(out, "after\n"));
	free(out);
	rc_diag_free(&d);

	/* An include cycle stops at depth 200 and ends preprocessing. */
	main = put("cyc.idl", "#include \"self.h\"\n#include \"self.h\"\nafter\n");
	out = pp_file(NULL, main, &d, &errors, NULL);
	ck_assert_str_eq(rc_sb_str(&d.captured),
			 T("@/self.h:1:10: error: #include nested more than 200 levels deep (an "
			   "include cycle?)\n"));
	ck_assert_uint_eq(errors, 1);
	free(out);
	rc_diag_free(&d);

	out = pp_file(NULL, T("@/none.idl"), &d, &errors, NULL);
	ck_assert_str_eq(rc_sb_str(&d.captured),
			 T("ridl: error: cannot read '@/none.idl': No such file or directory\n"));
	ck_assert_uint_eq(errors, 1);
	ck_assert_str_eq(out, "");
	free(out);
	rc_diag_free(&d);
	rm_tmpdir();
}
END_TEST

START_TEST(marker_escapes)
{
	struct rc_diag d;
	rc_diag_init(&d, NULL);
	char *out;
	size_t len;
	ck_assert_uint_eq(rc_cpp_run_text(&d, NULL, "a\"b\\c.idl", "x\n", 2, &out, &len, NULL), 0);
	ck_assert_str_eq(out, "# 1 \"a\\\"b\\\\c.idl\"\nx\n");
	free(out);
	rc_diag_free(&d);
}
END_TEST

START_TEST(caret_output)
{
	struct rc_diag d;
	rc_diag_init(&d, NULL);
	char *out;
	size_t len;
	const char *src = "#define f(a, b) a\n\tx = f(1);\n";
	ck_assert_uint_eq(rc_cpp_run_text(&d, NULL, "t.idl", src, strlen(src), &out, &len, NULL),
			  1);
	ck_assert_str_eq(rc_sb_str(&d.captured),
			 "t.idl:2:6: error: macro 'f' requires 2 arguments, but only 1 given\n"
			 "    2 | \tx = f(1);\n"
			 "      | \t    ^\n");
	free(out);
	rc_diag_free(&d);

	rc_diag_init(&d, NULL);
	src = "#include \"missing.h\"\n";
	ck_assert_uint_eq(rc_cpp_run_text(&d, NULL, "t.idl", src, strlen(src), &out, &len, NULL),
			  1);
	ck_assert_str_eq(rc_sb_str(&d.captured), "t.idl:1:10: error: file 'missing.h' not found\n"
						 "    1 | #include \"missing.h\"\n"
						 "      |          ^~~~~~~~~~~\n");
	free(out);
	rc_diag_free(&d);
}
END_TEST

START_TEST(warnings_as_errors)
{
	struct rc_diag d;
	rc_diag_init(&d, NULL);
	d.show_source = false;
	d.warnings_are_errors = true;
	char *out;
	size_t len;
	const char *src = "#warning w\n";
	ck_assert_uint_eq(rc_cpp_run_text(&d, NULL, "t.idl", src, strlen(src), &out, &len, NULL),
			  1);
	ck_assert_str_eq(rc_sb_str(&d.captured), "t.idl:1:2: error: #warning w\n");
	free(out);
	rc_diag_free(&d);
}
END_TEST

/* ---- robustness ---- */

START_TEST(junk)
{
	/* Binary input, NUL bytes included: no crash, no hang, output of the right length. */
	static const char bin[] = "\0\x01#\xff\"\\\n'/*\0*/#define \0x(\x80) \0\n#if\0\n\xfe\xff\\";
	struct rc_diag d;
	unsigned errors;
	char *out = pp(NULL, bin, sizeof(bin) - 1, &d, &errors);
	free(out);
	rc_diag_free(&d);

	unsigned seed = 12345;
	static const char *const frags[] = {
		"#define ",  "#if ",    "#elif ",   "#else\n",  "#endif\n",    "#undef ",
		"#include ", "(",       ")",        ",",        "##",          "#",
		"x",         "y",       "f",        "g",        "__VA_ARGS__", "...",
		"\n",        " ",       "/*",       "*/",       "//",          "\"",
		"'",         "\\\n",    "\\",       "1",        "0x",          "defined",
		"?",         ":",       "<",        ">",        "\0",          "#line ",
		"#pragma ",  "#error ", "__LINE__", "__FILE__", "-",           "+",
		"/",         "%",
	};
	for (int iter = 0; iter < 3000; iter++) {
		struct rc_strbuf sb = { 0 };
		rc_sb_puts(&sb, "#define f(x, ...) x f(__VA_ARGS__) #x\n#define g(a) a ## a f\n");
		int n = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 60;
		for (int i = 0; i < n; i++) {
			unsigned r = (seed = seed * 1103515245u + 12345u) >> 16;
			const char *fr = frags[r % RC_ARRAY_SIZE(frags)];
			rc_sb_append(&sb, fr, fr[0] ? strlen(fr) : 1);
		}
		out = pp(NULL, sb.buf, sb.len, &d, &errors);
		free(out);
		rc_diag_free(&d);
		rc_sb_free(&sb);
	}
}
END_TEST

START_TEST(long_lines)
{
	struct rc_strbuf sb = { 0 };
	rc_sb_puts(&sb, "#define X y\n");
	for (int i = 0; i < 100000; i++)
		rc_sb_puts(&sb, "X ab ");
	rc_sb_puts(&sb, "\n");
	struct rc_diag d;
	unsigned errors;
	char *out = pp(NULL, sb.buf, sb.len, &d, &errors);
	ck_assert_uint_eq(errors, 0);
	ck_assert_uint_eq(strlen(out), strlen(MARK) + 1 + 100000 * 5 + 1);
	free(out);
	rc_diag_free(&d);
	rc_sb_free(&sb);

	/* An unterminated argument list does not make later lines quadratic. */
	rc_sb_puts(&sb, "#define f(x) x\n");
	for (int i = 0; i < 20000; i++)
		rc_sb_puts(&sb, "f(\n");
	out = pp(NULL, sb.buf, sb.len, &d, &errors);
	ck_assert_uint_eq(errors, 1);
	free(out);
	rc_diag_free(&d);
	rc_sb_free(&sb);
}
END_TEST

static Suite *
cpp_suite(void)
{
	Suite *s = suite_create("cpp");
	TCase *tc = tcase_create("macros");
	tcase_add_test(tc, object_macro);
	tcase_add_test(tc, function_macro);
	tcase_add_test(tc, stringize);
	tcase_add_test(tc, paste);
	tcase_add_test(tc, variadic);
	tcase_add_test(tc, rescan);
	tcase_add_test(tc, self_reference);
	tcase_add_test(tc, literals_not_expanded);
	tcase_add_test(tc, file_and_line);
	tcase_add_test(tc, predefined);
	tcase_add_test(tc, redefinition);
	suite_add_tcase(s, tc);

	tc = tcase_create("conditionals");
	tcase_add_test(tc, conditionals);
	tcase_add_test(tc, expressions);
	tcase_add_test(tc, expression_errors);
	tcase_add_test(tc, conditional_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("directives");
	tcase_add_test(tc, directive_errors);
	tcase_add_test(tc, define_errors);
	tcase_add_test(tc, invocation_errors);
	tcase_add_test(tc, expansion_limits);
	tcase_add_test(tc, pragmas);
	suite_add_tcase(s, tc);

	tc = tcase_create("text");
	tcase_add_test(tc, comments);
	tcase_add_test(tc, continuations);
	tcase_add_test(tc, columns);
	tcase_add_test(tc, line_markers);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_test(tc, include_search);
	tcase_add_test(tc, include_markers);
	tcase_add_test(tc, include_computed);
	tcase_add_test(tc, include_guards);
	tcase_add_test(tc, include_errors);
	tcase_add_test(tc, marker_escapes);
	tcase_add_test(tc, caret_output);
	tcase_add_test(tc, warnings_as_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("robustness");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, junk);
	tcase_add_test(tc, long_lines);
	suite_add_tcase(s, tc);
	return s;
}

RC_CHECK_MAIN(cpp_suite)
