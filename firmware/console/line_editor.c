/* The shell's line editor: insertion at a cursor, history, completion, and rejection of junk. */
#include <stdio.h>
#include <string.h>

#include <line_editor.h>

static void emit(struct line_editor *le, const char *s, size_t n)
{
	if (n)
		le->out(le->ctx, s, n);
}

static void emits(struct line_editor *le, const char *s)
{
	emit(le, s, strlen(s));
}

static void cursor_left(struct line_editor *le, size_t n)
{
	char seq[32];

	if (n) {
		snprintf(seq, sizeof(seq), "\x1b[%zuD", n);
		emits(le, seq);
	}
}

/*
 * Redraw from the cursor to the end of the line, erase what is left over, and put the cursor back.
 */
static void redraw_tail(struct line_editor *le)
{
	emit(le, le->buf + le->cur, le->len - le->cur);
	emits(le, "\x1b[K");
	cursor_left(le, le->len - le->cur);
}

/* Replace the whole visible line with text. */
static void replace_line(struct line_editor *le, const char *text)
{
	cursor_left(le, le->cur);
	le->len = strlen(text);
	memcpy(le->buf, text, le->len + 1);
	le->cur = 0;
	redraw_tail(le);
	emit(le, le->buf, le->len);
	le->cur = le->len;
}

void le_init(struct line_editor *le, void (*out)(void *ctx, const char *s, size_t n),
	     const char *(*complete)(void *ctx, char *buf, size_t *len, size_t max), void *ctx)
{
	memset(le, 0, sizeof(*le));
	le->out = out;
	le->complete = complete;
	le->ctx = ctx;
}

void le_reset(struct line_editor *le)
{
	le->len = le->cur = 0;
	le->buf[0] = '\0';
	le->too_long = le->bad_byte = false;
	le->esc = 0;
	le->hist_browse = 0;
}

void le_history_add(struct line_editor *le, const char *line)
{
	unsigned newest = (le->hist_next + LINE_HISTORY - 1) % LINE_HISTORY;

	if (!line[0] || (le->hist_count && !strcmp(le->history[newest], line)))
		return;
	snprintf(le->history[le->hist_next], sizeof(le->history[0]), "%s", line);
	le->hist_next = (le->hist_next + 1) % LINE_HISTORY;
	if (le->hist_count < LINE_HISTORY)
		le->hist_count++;
}

static void history_step(struct line_editor *le, int dir)
{
	unsigned want = le->hist_browse + (dir < 0 ? 1u : 0u) - (dir > 0 ? 1u : 0u);

	if (dir > 0 && le->hist_browse == 0)
		return;
	if (want > le->hist_count)
		return;
	le->hist_browse = want;
	if (want == 0)
		replace_line(le, "");
	else
		replace_line(le, le->history[(le->hist_next + LINE_HISTORY - want) % LINE_HISTORY]);
}

static void insert(struct line_editor *le, char c)
{
	if (le->len == LINE_MAX_CHARS) {
		le->too_long = true;
		return;
	}
	memmove(le->buf + le->cur + 1, le->buf + le->cur, le->len - le->cur + 1);
	le->buf[le->cur] = c;
	le->len++;
	emit(le, &c, 1);
	le->cur++;
	if (le->cur != le->len)
		redraw_tail(le);
}

static void backspace(struct line_editor *le)
{
	if (!le->cur)
		return;
	memmove(le->buf + le->cur - 1, le->buf + le->cur, le->len - le->cur + 1);
	le->cur--;
	le->len--;
	emits(le, "\b");
	redraw_tail(le);
}

static void delete_at_cursor(struct line_editor *le)
{
	if (le->cur == le->len)
		return;
	memmove(le->buf + le->cur, le->buf + le->cur + 1, le->len - le->cur);
	le->len--;
	redraw_tail(le);
}

static void tab(struct line_editor *le)
{
	const char *list;
	size_t old = le->len;

	if (!le->complete || le->cur != le->len || memchr(le->buf, ' ', le->len))
		return;
	list = le->complete(le->ctx, le->buf, &le->len, LINE_MAX_CHARS);
	le->buf[le->len] = '\0';
	if (le->len > old) {
		emit(le, le->buf + old, le->len - old);
		le->cur = le->len;
	} else if (list) {
		emits(le, "\n");
		emits(le, list);
		emits(le, "\n");
		emit(le, le->buf, le->len);
	}
}

static enum le_result escape(struct line_editor *le, unsigned char c)
{
	if (le->esc == 1) {
		le->esc = c == '[' ? 2 : 0;
		le->esc_param = 0;
		return LE_MORE;
	}
	if (c >= '0' && c <= '9') {
		if (le->esc_param < 1000)
			le->esc_param = le->esc_param * 10 + (c - '0');
		return LE_MORE;
	}
	if (c == ';')
		return LE_MORE;
	le->esc = 0;
	switch (c) {
	case 'A':
		history_step(le, -1);
		break;
	case 'B':
		history_step(le, 1);
		break;
	case 'C':
		if (le->cur < le->len) {
			emits(le, "\x1b[C");
			le->cur++;
		}
		break;
	case 'D':
		if (le->cur) {
			emits(le, "\x1b[D");
			le->cur--;
		}
		break;
	case 'H':
		cursor_left(le, le->cur);
		le->cur = 0;
		break;
	case 'F':
		emit(le, le->buf + le->cur, le->len - le->cur);
		le->cur = le->len;
		break;
	case '~':
		if (le->esc_param == 3)
			delete_at_cursor(le);
		break;
	default:
		break; /* an unknown sequence is consumed and ignored */
	}
	return LE_MORE;
}

enum le_result le_feed(struct line_editor *le, unsigned char c)
{
	bool after_cr = le->last_cr;

	le->last_cr = c == '\r';
	if (le->esc)
		return escape(le, c);
	if (c == '\r' || c == '\n') {
		if (c == '\n' && after_cr)
			return LE_MORE; /* the LF of a CR LF pair */
		emits(le, "\n");
		if (le->too_long)
			return LE_REJECT_LONG;
		if (le->bad_byte)
			return LE_REJECT_BYTE;
		le->buf[le->len] = '\0';
		return LE_LINE;
	}
	if (c >= 0x20 && c < 0x7f) {
		insert(le, (char)c);
		return LE_MORE;
	}
	switch (c) {
	case 0x03: /* Ctrl-C */
		emits(le, "^C\n");
		return LE_CANCEL;
	case 0x08:
	case 0x7f:
		backspace(le);
		break;
	case 0x15: /* Ctrl-U */
		cursor_left(le, le->cur);
		memmove(le->buf, le->buf + le->cur, le->len - le->cur + 1);
		le->len -= le->cur;
		le->cur = 0;
		redraw_tail(le);
		break;
	case 0x01: /* Ctrl-A */
		cursor_left(le, le->cur);
		le->cur = 0;
		break;
	case 0x05: /* Ctrl-E */
		emit(le, le->buf + le->cur, le->len - le->cur);
		le->cur = le->len;
		break;
	case 0x09:
		tab(le);
		break;
	case 0x1b:
		le->esc = 1;
		break;
	default:
		le->bad_byte = true; /* NUL, other control bytes, non-ASCII: not echoed */
		break;
	}
	return LE_MORE;
}
