/*
 * The shell's line editor: turns received bytes into a command line and
 * the terminal output that shows it.  Pure code (no I/O of its own), so the
 * host tests drive it byte by byte.
 */
#ifndef FIRMWARE_LINE_EDITOR_H
#define FIRMWARE_LINE_EDITOR_H

#include <stdbool.h>
#include <stddef.h>

#define LINE_MAX_CHARS 255
#define LINE_HISTORY 16

enum le_result {
	LE_MORE,        /* nothing to do yet */
	LE_LINE,        /* le->buf holds a complete line (possibly empty) */
	LE_CANCEL,      /* Ctrl-C dropped the line */
	LE_REJECT_LONG, /* the line grew past LINE_MAX_CHARS and was discarded */
	LE_REJECT_BYTE, /* the line held NUL, a control byte or a non-ASCII byte and was discarded */
	LE_REJECT_LOST, /* received bytes were dropped inside the line (see le_input_lost); discarded */
};

struct line_editor {
	char buf[LINE_MAX_CHARS + 1];
	size_t len, cur;
	bool too_long, bad_byte, last_cr;
	bool damaged;       /* input was lost inside this line: it is discarded at its end */
	unsigned long lost; /* bytes reported lost while this line was typed (for the message) */
	int esc;            /* 0: none, 1: after ESC, 2: inside "ESC [" (CSI), 3: after "ESC O" (SS3) */
	unsigned esc_param; /* first numeric parameter of "ESC [ n ; m ~" */
	bool esc_more;      /* past the first parameter (a ';' seen) */
	bool esc_ignore;    /* private (?, <, =, >) or intermediate bytes: consume, do nothing */
	char history[LINE_HISTORY][LINE_MAX_CHARS + 1];
	unsigned hist_count, hist_next, hist_browse; /* hist_browse 0: editing a new line */
	unsigned long hist_total; /* lines ever added: the number of the newest, as `history` shows */
	const char *prompt;       /* drawn again before the line after Tab lists the candidates */
	void (*out)(void *ctx, const char *s, size_t n);
	/*
	 * Optional: complete buf[0..len) in place (a command name); returns the candidates to list,
	 * or NULL.
	 */
	const char *(*complete)(void *ctx, char *buf, size_t *len, size_t max);
	void *ctx;
};

/* Prepare le with an output callback (and optional completion) and an empty line. */
void le_init(struct line_editor *le, void (*out)(void *ctx, const char *s, size_t n),
	     const char *(*complete)(void *ctx, char *buf, size_t *len, size_t max), void *ctx);

/* Start a new, empty line (after a prompt). */
void le_reset(struct line_editor *le);

/* Feed one received byte; returns what happened. */
enum le_result le_feed(struct line_editor *le, unsigned char c);

/* Tell le that received bytes were dropped at this point: the line is discarded at its end. */
void le_input_lost(struct line_editor *le, unsigned long bytes);

/* True while an escape sequence is unfinished (the caller starts its ESC timeout). */
bool le_escape_pending(const struct line_editor *le);

/* No byte came within the ESC timeout: drop a lone ESC or an unfinished sequence. */
void le_escape_timeout(struct line_editor *le);

/* Append line to the history (not empty, not a repeat of the newest). */
void le_history_add(struct line_editor *le, const char *line);

/*
 * The i-th line of the history, oldest first (i below le->hist_count), with its number (1 for
 * the first line ever added) in *number; NULL when i is out of range.
 */
const char *le_history_get(const struct line_editor *le, unsigned i, unsigned long *number);

/* Set the prompt that Tab draws again after listing candidates (NULL: none). */
void le_set_prompt(struct line_editor *le, const char *prompt);

#endif
