/*
 * Boot options on the kernel command line (boot_params.cmdline), as Linux
 * reads them: words separated by spaces, a word either a flag ("nopse") or
 * key=value ("console=uart,io,0x2f8,115200").
 */
#ifndef FIRMWARE_BOOT_OPTIONS_H
#define FIRMWARE_BOOT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* True if the word flag appears on the command line cmdline. */
bool boot_option_flag(const char *cmdline, const char *flag);

/* Copy the value of the last key=value word for key into buf (len bytes) and return buf; NULL if
 * absent or longer than buf. */
const char *boot_option_value(const char *cmdline, const char *key, char *buf, size_t len);

#endif
