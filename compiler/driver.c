/* ridl compiler: the command line and the order of the phases. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontend.h"
#include "layout.h"
#include "ridl_config.h"

static const char usage_text[] =
	"Usage: ridl [OPTION]... FILE.idl\n"
	"Compile a MIDL interface definition (and its ACF) into a C header and stubs.\n"
	"\n"
	"Input:\n"
	"      --acf FILE           application configuration file (default: FILE.acf beside\n"
	"                           the IDL when it exists; 'none' for no ACF)\n"
	"  -I DIR                   add DIR to the import and #include search path\n"
	"  -D NAME[=VALUE]          define a preprocessor macro\n"
	"  -U NAME                  undefine a preprocessor macro\n"
	"      --no-cpp             the input is already preprocessed\n"
	"\n"
	"Output:\n"
	"  -o, --out DIR            write generated files into DIR (default: .)\n"
	"      --header FILE        header name (default: NAME.h)\n"
	"      --cstub FILE         client stub name (default: NAME_c.c)\n"
	"      --sstub FILE         server stub name (default: NAME_s.c)\n"
	"      --client none|stub   generate the client stub file or not (default: none)\n"
	"      --server none|stub   generate the server stub file or not (default: none)\n"
	"      --server-prefix PREFIX\n"
	"                           the server stubs call the manager routines PREFIX##Proc,\n"
	"                           declared in the header too (MIDL's /prefix server), so that\n"
	"                           one program can hold the client and server of an interface\n"
	"  -M, --depfile FILE       write make-style dependencies of the header to FILE\n"
	"      --syntax-only        check the input (and, with stubs requested, their layout),\n"
	"                           write nothing\n"
	"      --dump=ast|types|layout\n"
	"                           print the syntax tree, the resolved types or the NDR layout\n"
	"                           of the remote procedures, write nothing\n"
	"\n"
	"Diagnostics:\n"
	"      --max-errors N       stop after N errors (default 50, 0 = no limit)\n"
	"  -w                       suppress warnings\n"
	"      --Werror             treat warnings as errors\n"
	"      --no-source-lines    do not quote the source line under a diagnostic\n"
	"      --list-diagnostics   list every diagnostic ridl can emit, and exit\n"
	"\n"
	"  -h, --help               show this help and exit\n"
	"      --version            show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 errors in the input, 2 internal error.\n";

enum {
	OPT_ACF = 256, OPT_HEADER, OPT_CSTUB, OPT_SSTUB, OPT_CLIENT, OPT_SERVER, OPT_NO_CPP,
	OPT_SYNTAX_ONLY, OPT_DUMP, OPT_VERSION, OPT_MAX_ERRORS, OPT_WERROR, OPT_NO_SOURCE,
	OPT_LIST_DIAG, OPT_SERVER_PREFIX,
};

static const struct option long_opts[] = {
	{"acf", required_argument, NULL, OPT_ACF},
	{"out", required_argument, NULL, 'o'},
	{"header", required_argument, NULL, OPT_HEADER},
	{"cstub", required_argument, NULL, OPT_CSTUB},
	{"sstub", required_argument, NULL, OPT_SSTUB},
	{"client", required_argument, NULL, OPT_CLIENT},
	{"server", required_argument, NULL, OPT_SERVER},
	{"server-prefix", required_argument, NULL, OPT_SERVER_PREFIX},
	{"no-cpp", no_argument, NULL, OPT_NO_CPP},
	{"syntax-only", no_argument, NULL, OPT_SYNTAX_ONLY},
	{"depfile", required_argument, NULL, 'M'},
	{"dump", required_argument, NULL, OPT_DUMP},
	{"max-errors", required_argument, NULL, OPT_MAX_ERRORS},
	{"Werror", no_argument, NULL, OPT_WERROR},
	{"no-source-lines", no_argument, NULL, OPT_NO_SOURCE},
	{"list-diagnostics", no_argument, NULL, OPT_LIST_DIAG},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

/* A prefix of C identifiers: letters, digits and '_', not starting with a digit. */
static bool
is_ident_prefix(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static bool
parse_side(const char *arg, enum rc_side_mode *ret)
{
	if (strcmp(arg, "none") == 0)
		*ret = RC_GEN_NONE;
	else if (strcmp(arg, "stub") == 0)
		*ret = RC_GEN_STUB;
	else
		return false;
	return true;
}

/* Returns -1 to continue, or an exit code. */
static int
parse_args(int argc, char **argv, struct rc_options *o, struct rc_diag *d)
{
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:I:D:U:M:hw", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_ACF: o->acf = optarg; break;
		case 'o': o->out_dir = optarg; break;
		case OPT_HEADER: o->header = optarg; break;
		case OPT_CSTUB: o->cstub = optarg; break;
		case OPT_SSTUB: o->sstub = optarg; break;
		case OPT_CLIENT:
		case OPT_SERVER:
			if (!parse_side(optarg, c == OPT_CLIENT ? &o->client : &o->server)) {
				rc_error_noloc(d, RC_E_USAGE, "--%s takes 'none' or 'stub', not '%s'",
				               c == OPT_CLIENT ? "client" : "server", optarg);
				return 1;
			}
			break;
		case OPT_SERVER_PREFIX:
			if (!is_ident_prefix(optarg)) {
				rc_error_noloc(d, RC_E_USAGE,
				               "--server-prefix takes the start of a C identifier, not '%s'",
				               optarg);
				return 1;
			}
			o->server_prefix = optarg;
			break;
		case 'I': rc_vec_push(&o->include_dirs, optarg); break;
		case 'D':
			if (!optarg[0] || optarg[0] == '=') {
				rc_error_noloc(d, RC_E_USAGE, "-D needs a macro name");
				return 1;
			}
			rc_vec_push(&o->defines, optarg);
			break;
		case 'U': rc_vec_push(&o->undefines, optarg); break;
		case OPT_NO_CPP: o->no_cpp = true; break;
		case OPT_SYNTAX_ONLY: o->syntax_only = true; break;
		case 'M': o->depfile = optarg; break;
		case OPT_DUMP:
			if (strcmp(optarg, "ast") != 0 && strcmp(optarg, "types") != 0 &&
			    strcmp(optarg, "layout") != 0) {
				rc_error_noloc(d, RC_E_USAGE, "--dump takes 'ast', 'types' or 'layout', not '%s'", optarg);
				return 1;
			}
			o->dump = optarg;
			break;
		case OPT_MAX_ERRORS: {
			char *end;
			errno = 0;
			unsigned long n = strtoul(optarg, &end, 10);
			if (errno || *end || !optarg[0] || n > 100000) {
				rc_error_noloc(d, RC_E_USAGE, "--max-errors takes a number, not '%s'", optarg);
				return 1;
			}
			d->max_errors = (unsigned)n;
			break;
		}
		case 'w': d->no_warnings = true; break;
		case OPT_WERROR: d->warnings_are_errors = true; break;
		case OPT_NO_SOURCE: d->show_source = false; break;
		case OPT_LIST_DIAG:
			for (unsigned i = 0; i < RC_DIAG_COUNT; i++)
				printf("%-16s %-8s %s\n", rc_diag_code_name(i),
				       rc_diag_code_severity(i) == RC_SEV_ERROR ? "error" : "warning",
				       rc_diag_code_doc(i));
			return 0;
		case 'h': fputs(usage_text, stdout); return 0;
		case OPT_VERSION: printf("ridl %s\n", RIDL_VERSION); return 0;
		case ':':
			rc_error_noloc(d, RC_E_USAGE, "option '%s' needs an argument (see ridl --help)", argv[optind - 1]);
			return 1;
		default:
			rc_error_noloc(d, RC_E_USAGE, "unknown option '%s' (see ridl --help)", argv[optind - 1]);
			return 1;
		}
	}
	if (optind >= argc) {
		rc_error_noloc(d, RC_E_USAGE, "no input file (see ridl --help)");
		return 1;
	}
	if (optind + 1 < argc) {
		rc_error_noloc(d, RC_E_USAGE, "only one input file is allowed, got '%s' and '%s'", argv[optind], argv[optind + 1]);
		return 1;
	}
	o->input = argv[optind];
	return -1;
}

static char *
out_path(const struct rc_options *o, const char *explicit_name, const char *base, const char *suffix)
{
	struct rc_strbuf sb = {0};
	if (explicit_name) {
		if (o->out_dir && explicit_name[0] != '/')
			rc_sb_printf(&sb, "%s/%s", o->out_dir, explicit_name);
		else
			rc_sb_puts(&sb, explicit_name);
	} else {
		if (o->out_dir)
			rc_sb_printf(&sb, "%s/", o->out_dir);
		rc_sb_printf(&sb, "%s%s", base, suffix);
	}
	return rc_sb_take(&sb);
}

/* Make-style escaping of a path in a depfile. */
static void
dep_escape(struct rc_strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ' || *s == '#' || *s == '\\')
			rc_sb_putc(sb, '\\');
		else if (*s == '$')
			rc_sb_putc(sb, '$');
		rc_sb_putc(sb, *s);
	}
}

static bool
write_depfile(struct rc_ctx *ctx, const char *target)
{
	struct rc_strbuf sb = {0};
	dep_escape(&sb, target);
	rc_sb_putc(&sb, ':');
	struct rc_map seen = {0};
	for (size_t i = 0; i < ctx->deps.n; i++) {
		const char *p = rc_intern(&ctx->strings, ctx->deps.items[i]);
		if (rc_map_put(&seen, p, (void *)p))
			continue;
		rc_sb_puts(&sb, " \\\n ");
		dep_escape(&sb, p);
	}
	rc_map_free(&seen);
	rc_sb_putc(&sb, '\n');
	int err = rc_write_file_atomic(ctx->opts->depfile, sb.buf, sb.len);
	rc_sb_free(&sb);
	if (err) {
		rc_error_noloc(ctx->diag, RC_E_FILE, "cannot write '%s': %s", ctx->opts->depfile, strerror(err));
		return false;
	}
	return true;
}

static int
compile(struct rc_options *o, struct rc_diag *d)
{
	struct rc_ctx ctx;
	rc_ctx_init(&ctx, o, d);
	unsigned errors = 0;
	int ret = 0;

	struct stat st;
	int st_ok = stat(o->input, &st) == 0;
	if (!st_ok || S_ISDIR(st.st_mode)) {
		rc_error_noloc(d, RC_E_FILE, "cannot read '%s': %s", o->input,
		               !st_ok ? strerror(errno) : "is a directory");
		rc_ctx_free(&ctx);
		return 1;
	}

	ctx.main = rc_parse_file(&ctx, o->input, false, false, &errors);

	/* The ACF: --acf FILE, or FILE.acf beside the IDL when it exists (as MIDL does). */
	char *acf = NULL;
	if (o->acf && strcmp(o->acf, "none") != 0) {
		acf = rc_xstrdup(o->acf);
		if (access(acf, R_OK) != 0) {
			rc_error_noloc(d, RC_E_FILE, "cannot read ACF '%s': %s", acf, strerror(errno));
			errors++;
			free(acf);
			acf = NULL;
		}
	} else if (!o->acf) {
		const char *dot = strrchr(o->input, '.');
		const char *slash = strrchr(o->input, '/');
		size_t n = dot && (!slash || dot > slash) ? (size_t)(dot - o->input) : strlen(o->input);
		struct rc_strbuf sb = {0};
		rc_sb_append(&sb, o->input, n);
		rc_sb_puts(&sb, ".acf");
		acf = rc_sb_take(&sb);
		if (access(acf, R_OK) != 0) {
			free(acf);
			acf = NULL;
		}
	}
	if (acf && !errors)
		ctx.acf = rc_parse_file(&ctx, acf, false, true, &errors);
	free(acf);

	if (!errors && o->dump && strcmp(o->dump, "ast") == 0) {
		struct rc_strbuf out = {0};
		rc_dump_ast(&ctx, &out);
		fwrite(rc_sb_str(&out), 1, out.len, stdout);
		rc_sb_free(&out);
		goto done;
	}
	if (!errors)
		errors += rc_analyse(&ctx);
	if (!errors && o->dump && strcmp(o->dump, "types") == 0) {
		struct rc_strbuf out = {0};
		rc_dump_types(&ctx, &out);
		fwrite(rc_sb_str(&out), 1, out.len, stdout);
		rc_sb_free(&out);
		goto done;
	}
	/* The layout phase runs only where stubs need it: a header needs no NDR layout, and many
	 * interfaces written for headers use what stubs cannot carry. */
	bool stubs = o->client == RC_GEN_STUB || o->server == RC_GEN_STUB;
	struct rl_layout *layout = NULL;
	if (!errors && (stubs || (o->dump && strcmp(o->dump, "layout") == 0)))
		errors += rc_layout(&ctx, &layout);
	if (!errors && o->dump) {
		struct rc_strbuf out = {0};
		rc_dump_layout(&ctx, layout, &out);
		fwrite(rc_sb_str(&out), 1, out.len, stdout);
		rc_sb_free(&out);
		goto done;
	}
	if (errors || o->syntax_only)
		goto done;

	/* Every output is generated before any is written. */
	struct rc_strbuf text[3] = {{0}};
	char *paths[3] = {NULL};
	paths[0] = out_path(o, o->header, ctx.main->base, ".h");
	errors += rc_emit_header(&ctx, ctx.main->base, &text[0]);
	if (o->client == RC_GEN_STUB || o->server == RC_GEN_STUB) {
		/* The stub files include the header by the name it is written under. */
		const char *slash = strrchr(paths[0], '/');
		const char *hname = slash ? slash + 1 : paths[0];
		for (int side = 0; side < 2; side++) {
			if ((side ? o->server : o->client) != RC_GEN_STUB)
				continue;
			paths[1 + side] = out_path(o, side ? o->sstub : o->cstub, ctx.main->base,
			                           side ? "_s.c" : "_c.c");
			errors += rc_emit_tables(&ctx, layout, side == 1, hname, &text[1 + side]);
		}
	}
	for (int i = 0; i < 3 && !errors; i++) {
		if (!paths[i])
			continue;
		int err = rc_write_file_atomic(paths[i], text[i].buf ? text[i].buf : "", text[i].len);
		if (err) {
			rc_error_noloc(d, RC_E_FILE, "cannot write '%s': %s", paths[i], strerror(err));
			errors++;
		} else if (i == 0 && o->depfile && !write_depfile(&ctx, paths[0])) {
			errors++;
		}
	}
	for (int i = 0; i < 3; i++) {
		rc_sb_free(&text[i]);
		free(paths[i]);
	}

done:
	if (errors || d->errors)
		ret = 1;
	rc_ctx_free(&ctx);
	return ret;
}

int
rc_main(int argc, char **argv)
{
	struct rc_options o;
	memset(&o, 0, sizeof(o));
	struct rc_diag d;
	rc_diag_init(&d, stderr);
	int r = parse_args(argc, argv, &o, &d);
	if (r < 0)
		r = compile(&o, &d);
	rc_diag_free(&d);
	rc_vec_free(&o.include_dirs);
	rc_vec_free(&o.defines);
	rc_vec_free(&o.undefines);
	return r;
}
