/* ridl compiler: the output helper (indentation and line handling for emitters and dumps). */
#include "output.h"

#include <string.h>

void
rc_out_init(struct rc_out *o, struct rc_strbuf *sb, const char *unit)
{
	o->sb = sb;
	o->unit = unit ? unit : "\t";
	o->indent = 0;
	o->bol = sb->len == 0 || sb->buf[sb->len - 1] == '\n';
}

void
rc_out_indent(struct rc_out *o)
{
	o->indent++;
}

void
rc_out_dedent(struct rc_out *o)
{
	if (o->indent)
		o->indent--;
}

void
rc_out_putn(struct rc_out *o, const char *s, size_t n)
{
	while (n) {
		const char *nl = memchr(s, '\n', n);
		size_t len = nl ? (size_t)(nl - s) : n;
		if (len && o->bol) {
			for (unsigned i = 0; i < o->indent; i++)
				rc_sb_puts(o->sb, o->unit);
			o->bol = false;
		}
		rc_sb_append(o->sb, s, len);
		if (!nl)
			break;
		rc_sb_putc(o->sb, '\n');
		o->bol = true;
		s += len + 1;
		n -= len + 1;
	}
}

void
rc_out_puts(struct rc_out *o, const char *s)
{
	rc_out_putn(o, s, strlen(s));
}

void
rc_out_vprintf(struct rc_out *o, const char *fmt, va_list ap)
{
	struct rc_strbuf tmp = { 0 };
	rc_sb_vprintf(&tmp, fmt, ap);
	rc_out_putn(o, rc_sb_str(&tmp), tmp.len);
	rc_sb_free(&tmp);
}

void
rc_out_printf(struct rc_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rc_out_vprintf(o, fmt, ap);
	va_end(ap);
}

void
rc_out_line(struct rc_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rc_out_vprintf(o, fmt, ap);
	va_end(ap);
	rc_out_nl(o);
}

void
rc_out_nl(struct rc_out *o)
{
	rc_sb_putc(o->sb, '\n');
	o->bol = true;
}

void
rc_out_raw_line(struct rc_out *o, const char *s)
{
	if (!o->bol)
		rc_out_nl(o);
	rc_sb_puts(o->sb, s);
	rc_out_nl(o);
}

int
rc_out_write_file(const struct rc_out *o, const char *path)
{
	return rc_write_file_atomic(path, rc_sb_str(o->sb), o->sb->len);
}
