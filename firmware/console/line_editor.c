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
	le->too_long = le->bad_byte = le->damaged = false;
	le->lost = 0;
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
	le->hist_total++;
}

const char *le_history_get(const struct line_editor *le, unsigned i, unsigned long *number)
{
	if (i >= le->hist_count)
		return NULL;
	*number = le->hist_total - le->hist_count + i + 1;
	return le->history[(le->hist_next + LINE_HISTORY - le->hist_count + i) % LINE_HISTORY];
}

void le_set_prompt(struct line_editor *le, const char *prompt)
{
	le->prompt = prompt;
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

/* Forget what a now-empty line was rejected for: what the screen shows is what runs. */
static void line_emptied(struct line_editor *le)
{
	if (le->len == 0)
		le->too_long = le->bad_byte = le->damaged = false;
}

static void backspace(struct line_editor *le)
{
	if (!le->cur)
		return;
	memmove(le->buf + le->cur - 1, le->buf + le->cur, le->len - le->cur + 1);
	le->cur--;
	le->len--;
	le->too_long = false; /* room again: the line is what the screen shows */
	emits(le, "\b");
	redraw_tail(le);
	line_emptied(le);
}

static void delete_at_cursor(struct line_editor *le)
{
	if (le->cur == le->len)
		return;
	memmove(le->buf + le->cur, le->buf + le->cur + 1, le->len - le->cur);
	le->len--;
	le->too_long = false;
	redraw_tail(le);
	line_emptied(le);
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
		/* The list ends the line: draw the prompt and the line again below it. */
		emits(le, "\n");
		emits(le, list);
		emits(le, "\n");
		if (le->prompt)
			emits(le, le->prompt);
		emit(le, le->buf, le->len);
	}
}

/* The final byte of "ESC [ ... F" or "ESC O F": the key it names. */
static void escape_key(struct line_editor *le, unsigned char c)
{
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
	case '~': /* VT220 editing keys: 1 and 7 Home, 4 and 8 End, 3 Delete */
		if (le->esc_param == 1 || le->esc_param == 7)
			escape_key(le, 'H');
		else if (le->esc_param == 4 || le->esc_param == 8)
			escape_key(le, 'F');
		else if (le->esc_param == 3)
			delete_at_cursor(le);
		break;
	default:
		break; /* an unknown sequence is consumed and ignored */
	}
}

/*
 * One byte inside an escape sequence, shaped as ECMA-48 §5.4 says: after
 * "ESC [" come parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F and
 * one final byte 0x40-0x7E; "ESC O" (SS3) takes one final byte.  Anything
 * else (a control key, a non-ASCII byte) is not part of the sequence:
 * returns false to have le_feed() treat it as a byte of its own.
 */
static bool escape(struct line_editor *le, unsigned char c)
{
	if (c < 0x20 || c > 0x7e) {
		le->esc = 0;
		return false;
	}
	if (le->esc == 1) {
		le->esc = c == '[' ? 2 : c == 'O' ? 3 : 0; /* ESC and another key (Alt-key): ignored */
		le->esc_param = 0;
		le->esc_more = le->esc_ignore = false;
		return true;
	}
	if (le->esc == 2 && c >= 0x30 && c <= 0x3f) {
		if (c >= '0' && c <= '9') {
			if (!le->esc_more && le->esc_param < 1000)
				le->esc_param = le->esc_param * 10 + (c - '0');
		} else if (c == ';' || c == ':') {
			le->esc_more = true;
		} else {
			le->esc_ignore = true; /* '<', '=', '>', '?': a private sequence */
		}
		return true;
	}
	if (le->esc == 2 && c < 0x40) {
		le->esc_ignore = true; /* intermediate byte */
		return true;
	}
	le->esc = 0;
	if (!le->esc_ignore)
		escape_key(le, c);
	return true;
}

void le_input_lost(struct line_editor *le, unsigned long bytes)
{
	le->damaged = true;
	le->lost += bytes;
}

bool le_escape_pending(const struct line_editor *le)
{
	return le->esc != 0;
}

void le_escape_timeout(struct line_editor *le)
{
	le->esc = 0;
}

enum le_result le_feed(struct line_editor *le, unsigned char c)
{
	bool after_cr = le->last_cr;

	le->last_cr = c == '\r';
	if (c == 0x1b) {
		le->esc = 1; /* also restarts an unfinished sequence */
		return LE_MORE;
	}
	if (le->esc && escape(le, c))
		return LE_MORE;
	if (c == '\r' || c == '\n') {
		if (c == '\n' && after_cr)
			return LE_MORE; /* the LF of a CR LF pair */
		emits(le, "\n");
		if (le->damaged)
			return LE_REJECT_LOST;
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
		if (le->cur)
			le->too_long = false;
		le->len -= le->cur;
		le->cur = 0;
		redraw_tail(le);
		line_emptied(le);
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
	default:
		le->bad_byte = true; /* NUL, other control bytes, non-ASCII: not echoed */
		break;
	}
	return LE_MORE;
}
