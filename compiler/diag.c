/* ridl compiler: diagnostics output, GCC-shaped, with the source line and a caret. */
#include "diag.h"

#include <stdlib.h>
#include <string.h>

struct rc_diag_source {
	struct rc_diag_source *next;
	char *file;
	char *text; /* NULL when the file could not be read */
	size_t len;
	size_t *line_starts;
	size_t nlines;
};

static const struct {
	const char *name, *doc;
	enum rc_severity sev;
} registry[] = {
#define RC_DIAG(id, sev, name, doc) {name, doc, RC_SEV_##sev},
#include "diag_codes.def"
#undef RC_DIAG
};

const char *
rc_diag_code_name(enum rc_diag_code code)
{
	return code < RC_DIAG_COUNT ? registry[code].name : "?";
}

const char *
rc_diag_code_doc(enum rc_diag_code code)
{
	return code < RC_DIAG_COUNT ? registry[code].doc : "?";
}

enum rc_severity
rc_diag_code_severity(enum rc_diag_code code)
{
	return code < RC_DIAG_COUNT ? registry[code].sev : RC_SEV_ERROR;
}

void
rc_diag_init(struct rc_diag *d, FILE *out)
{
	memset(d, 0, sizeof(*d));
	d->out = out;
	d->show_source = true;
	d->max_errors = 50;
}

void
rc_diag_free(struct rc_diag *d)
{
	struct rc_diag_source *s = d->sources;
	while (s) {
		struct rc_diag_source *next = s->next;
		free(s->file);
		free(s->text);
		free(s->line_starts);
		free(s);
		s = next;
	}
	d->sources = NULL;
	rc_sb_free(&d->captured);
}

static void
index_lines(struct rc_diag_source *s)
{
	size_t n = 1;
	for (size_t i = 0; i < s->len; i++)
		if (s->text[i] == '\n')
			n++;
	s->line_starts = rc_xmalloc(n * sizeof(size_t));
	s->line_starts[0] = 0;
	s->nlines = 1;
	for (size_t i = 0; i < s->len; i++)
		if (s->text[i] == '\n')
			s->line_starts[s->nlines++] = i + 1;
}

static struct rc_diag_source *
add_source(struct rc_diag *d, const char *file, char *text, size_t len)
{
	struct rc_diag_source *s = rc_xcalloc(1, sizeof(*s));
	s->file = rc_xstrdup(file);
	s->text = text;
	s->len = len;
	s->next = d->sources;
	d->sources = s;
	return s;
}

void
rc_diag_set_source(struct rc_diag *d, const char *file, const char *text, size_t len)
{
	for (struct rc_diag_source *s = d->sources; s; s = s->next)
		if (strcmp(s->file, file) == 0)
			return;
	add_source(d, file, rc_xstrndup(text, len), len);
}

static struct rc_diag_source *
find_source(struct rc_diag *d, const char *file)
{
	for (struct rc_diag_source *s = d->sources; s; s = s->next)
		if (strcmp(s->file, file) == 0)
			return s;
	char *text = NULL;
	size_t len = 0;
	if (rc_read_file(file, &text, &len) != 0)
		text = NULL;
	return add_source(d, file, text, len);
}

static void
emit(struct rc_diag *d, const char *s, size_t n)
{
	if (d->out)
		fwrite(s, 1, n, d->out);
	else
		rc_sb_append(&d->captured, s, n);
}

/* Prints "   12 | text" and "      |    ^~~~" for loc. Tabs in the line are kept in the caret
 * line so the caret stays under the right column in a terminal. */
static void
show_line(struct rc_diag *d, struct rc_loc loc, struct rc_strbuf *sb)
{
	if (!d->show_source || !loc.file || loc.line == 0)
		return;
	struct rc_diag_source *s = find_source(d, loc.file);
	if (s->text && !s->line_starts)
		index_lines(s); /* on first use: most files never get a diagnostic */
	if (!s->text || loc.line > s->nlines)
		return;
	const char *line = s->text + s->line_starts[loc.line - 1];
	const char *end = s->text + s->len;
	size_t n = 0;
	while (line + n < end && line[n] != '\n' && line[n] != '\r')
		n++;
	if (n > 1000)
		return; /* minified or binary input: the caret would not help */
	rc_sb_printf(sb, "%5u | ", loc.line);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];
		rc_sb_putc(sb, (c < 32 && c != '\t') || c == 127 ? ' ' : (char)c);
	}
	rc_sb_puts(sb, "\n      | ");
	size_t col = loc.col ? loc.col - 1 : 0;
	for (size_t i = 0; i < col && i < n; i++)
		rc_sb_putc(sb, line[i] == '\t' ? '\t' : ' ');
	rc_sb_putc(sb, '^');
	for (uint32_t i = 1; i < loc.len && col + i < n; i++)
		rc_sb_putc(sb, '~');
	rc_sb_putc(sb, '\n');
}

static void
report(struct rc_diag *d, enum rc_severity sev, enum rc_diag_code code, const struct rc_loc *loc,
       const char *fmt, va_list ap)
{
	if (d->stopped)
		return;
	/* A note belongs to the diagnostic before it: it goes where that one went. */
	if (sev == RC_SEV_NOTE && d->last_suppressed)
		return;
	d->last_suppressed = false;
	if (sev == RC_SEV_WARNING) {
		if (d->no_warnings) {
			d->last_suppressed = true;
			return;
		}
		if (d->warnings_are_errors)
			sev = RC_SEV_ERROR;
	}
	struct rc_strbuf sb = {0};
	if (loc && loc->file) {
		if (loc->line && loc->col)
			rc_sb_printf(&sb, "%s:%u:%u: ", loc->file, loc->line, loc->col);
		else if (loc->line)
			rc_sb_printf(&sb, "%s:%u: ", loc->file, loc->line);
		else
			rc_sb_printf(&sb, "%s: ", loc->file);
	} else {
		rc_sb_puts(&sb, "ridl: ");
	}
	rc_sb_puts(&sb, sev == RC_SEV_ERROR ? "error: " : sev == RC_SEV_WARNING ? "warning: " : "note: ");
	rc_sb_vprintf(&sb, fmt, ap);
	rc_sb_putc(&sb, '\n');
	if (loc)
		show_line(d, *loc, &sb);
	emit(d, sb.buf, sb.len);
	rc_sb_free(&sb);
	if (sev == RC_SEV_ERROR) {
		d->errors++;
		if (code < RC_DIAG_COUNT)
			d->counts[code]++;
		if (d->max_errors && d->errors >= d->max_errors) {
			static const char msg[] = "ridl: note: too many errors, stopping (--max-errors)\n";
			emit(d, msg, sizeof(msg) - 1);
			d->stopped = true;
		}
	} else if (sev == RC_SEV_WARNING) {
		d->warnings++;
		if (code < RC_DIAG_COUNT)
			d->counts[code]++;
	}
}

void
rc_error(struct rc_diag *d, enum rc_diag_code code, struct rc_loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(d, RC_SEV_ERROR, code, &loc, fmt, ap);
	va_end(ap);
}

void
rc_warning(struct rc_diag *d, enum rc_diag_code code, struct rc_loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(d, RC_SEV_WARNING, code, &loc, fmt, ap);
	va_end(ap);
}

void
rc_note(struct rc_diag *d, struct rc_loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(d, RC_SEV_NOTE, RC_DIAG_COUNT, &loc, fmt, ap);
	va_end(ap);
}

void
rc_error_noloc(struct rc_diag *d, enum rc_diag_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(d, RC_SEV_ERROR, code, NULL, fmt, ap);
	va_end(ap);
}

void
rc_warning_noloc(struct rc_diag *d, enum rc_diag_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(d, RC_SEV_WARNING, code, NULL, fmt, ap);
	va_end(ap);
}
