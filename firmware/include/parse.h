/* Splitting a command line into words (pure code, tested on the host). */
#ifndef FIRMWARE_PARSE_H
#define FIRMWARE_PARSE_H

/*
 * Split line in place at spaces and tabs into at most max words; returns the count, or -1 if there
 * are more than max.
 */
int shell_split(char *line, char **argv, int max);

#endif
