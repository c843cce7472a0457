/*
 * The JSON writer behind the `-j` forms of the reports.  Strings are escaped as RFC 8259 §7 says:
 * the quotation mark, the reverse solidus and the control characters U+0000-U+001F; bytes above
 * 0x7e (the shell prints only ASCII) are written as \u00XX so the line stays valid UTF-8.
 */
#include <string.h>

#include <json.h>

/* Write the n bytes at s escaped, without quotes. */
static void escape(FILE *out, const char *s, size_t n)
{
	for (const unsigned char *p = (const unsigned char *)s; n--; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		default:
			if (*p < 0x20 || *p > 0x7e)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
}

void json_write_string(FILE *out, const char *s)
{
	fputc('"', out);
	escape(out, s, strlen(s));
	fputc('"', out);
}

/* The separator and the key before a value at the current level. */
static void member(struct json_writer *w, const char *key)
{
	if (!w->first[w->depth - 1])
		fputc(',', w->out);
	w->first[w->depth - 1] = false;
	if (key) {
		json_write_string(w->out, key);
		fputc(':', w->out);
	}
}

static void open(struct json_writer *w, const char *key, char opener, char closer)
{
	if (w->depth == JSON_MAX_DEPTH) {
		w->overflow = true;
		w->refused++;
		return;
	}
	member(w, key);
	fputc(opener, w->out);
	w->first[w->depth] = true;
	w->closer[w->depth] = closer;
	w->depth++;
}

void json_begin(struct json_writer *w, FILE *out)
{
	w->out = out;
	w->depth = 1;
	w->first[0] = true;
	w->closer[0] = '}';
	w->overflow = false;
	w->refused = 0;
	fputc('{', out);
}

void json_object(struct json_writer *w, const char *key)
{
	open(w, key, '{', '}');
}

void json_array(struct json_writer *w, const char *key)
{
	open(w, key, '[', ']');
}

void json_end(struct json_writer *w)
{
	if (w->refused) {
		w->refused--;
		return;
	}
	if (w->depth > 1) {
		w->depth--;
		fputc(w->closer[w->depth], w->out);
	}
}

int json_finish(struct json_writer *w)
{
	while (w->depth > 1)
		json_end(w);
	fputs("}\n", w->out);
	w->depth = 0;
	return w->overflow ? -1 : 0;
}

void json_uint(struct json_writer *w, const char *key, uint64_t v)
{
	member(w, key);
	fprintf(w->out, "%llu", (unsigned long long)v);
}

void json_int(struct json_writer *w, const char *key, int64_t v)
{
	member(w, key);
	fprintf(w->out, "%lld", (long long)v);
}

void json_bool(struct json_writer *w, const char *key, bool v)
{
	member(w, key);
	fputs(v ? "true" : "false", w->out);
}

void json_null(struct json_writer *w, const char *key)
{
	member(w, key);
	fputs("null", w->out);
}

void json_key(struct json_writer *w, const char *key)
{
	member(w, key);
}

void json_string(struct json_writer *w, const char *key, const char *s)
{
	if (!s) {
		json_null(w, key);
		return;
	}
	member(w, key);
	json_write_string(w->out, s);
}

void json_lines(struct json_writer *w, const char *key, const char *text)
{
	json_array(w, key);
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n) {
			member(w, NULL);
			fputc('"', w->out);
			escape(w->out, p, n);
			fputc('"', w->out);
		}
		p += n + (nl != NULL);
	}
	json_end(w);
}
