/*
 * A small JSON writer for the `-j` forms of the shell's reports: one object on one line, keys in
 * the order written, strings escaped as RFC 8259 §7 requires.  Pure code on a FILE, tested on the
 * host.
 */
#ifndef FIRMWARE_JSON_H
#define FIRMWARE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 8

struct json_writer {
	FILE *out;
	unsigned depth;                  /* open objects and arrays, the outermost object included */
	bool first[JSON_MAX_DEPTH];      /* nothing written yet at that level */
	char closer[JSON_MAX_DEPTH];     /* '}' or ']' */
	bool overflow;                   /* nesting past JSON_MAX_DEPTH was refused */
	unsigned refused;                /* refused opens not yet matched by json_end() */
};

/* Start the outermost object on out. */
void json_begin(struct json_writer *w, FILE *out);

/* Close whatever is still open and end the line; returns 0, or -1 if nesting was refused. */
int json_finish(struct json_writer *w);

/* Open an object (key is NULL for an element of an array). */
void json_object(struct json_writer *w, const char *key);

/* Open an array (key is NULL for an element of an array). */
void json_array(struct json_writer *w, const char *key);

/* Close the innermost open object or array. */
void json_end(struct json_writer *w);

/* Write "key": v, an unsigned number (key NULL inside an array). */
void json_uint(struct json_writer *w, const char *key, uint64_t v);

/* Write "key": v, a signed number (key NULL inside an array). */
void json_int(struct json_writer *w, const char *key, int64_t v);

/* Write "key": true or false (key NULL inside an array). */
void json_bool(struct json_writer *w, const char *key, bool v);

/* Write "key": null (key NULL inside an array). */
void json_null(struct json_writer *w, const char *key);

/* Write "key": "s", s escaped; NULL writes null (key NULL inside an array). */
void json_string(struct json_writer *w, const char *key, const char *s);

/* Write "key": [lines of text], one string per non-empty line (key NULL inside an array). */
void json_lines(struct json_writer *w, const char *key, const char *text);

/*
 * Write the separator and "key": (key NULL inside an array) for a value the caller then writes
 * itself on w->out as exactly one JSON value (for a value too long to hold, streamed in pieces).
 */
void json_key(struct json_writer *w, const char *key);

/* Write s as a JSON string (quotes included) on out. */
void json_write_string(FILE *out, const char *s);

#endif
