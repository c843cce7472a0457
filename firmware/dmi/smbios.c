/*
 * The SMBIOS entry point and structure table (firmware/include/smbios.h).
 * A structure is its formatted area (length in its header) followed by
 * its strings, each NUL-terminated, the set ended by a second NUL; a string
 * field holds the 1-based number of its string, 0 for none.
 */
#include <string.h>

#include <json.h>
#include <le_bytes.h>
#include <smbios.h>

#define SCAN_START 0xF0000u
#define SCAN_END 0x100000u

bool smbios_entry_parse(const uint8_t *b, uint32_t len, struct smbios_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (len >= 24 && !memcmp(b, "_SM3_", 5)) {
		if (b[6] < 24 || b[6] > len || byte_sum(b, b[6]) != 0)
			return false;
		e->v3 = true;
		e->major = b[7];
		e->minor = b[8];
		e->docrev = b[9];
		e->table_len = le32_get(b + 12);
		e->table_pa = (uint64_t)le32_get(b + 16) | (uint64_t)le32_get(b + 20) << 32;
		return e->table_len != 0;
	}
	if (len >= 31 && !memcmp(b, "_SM_", 4)) {
		if (b[5] < 31 || b[5] > len || byte_sum(b, b[5]) != 0 ||
		    memcmp(b + 16, "_DMI_", 5) != 0 || byte_sum(b + 16, 15) != 0)
			return false;
		e->major = b[6];
		e->minor = b[7];
		e->table_len = le16_get(b + 22);
		e->table_pa = le32_get(b + 24);
		e->nr_structures = le16_get(b + 28);
		return e->table_len != 0;
	}
	return false;
}

bool smbios_find_entry(smbios_read_fn read, void *ctx, const uint8_t *copy, uint32_t copy_len,
		       bool scan, struct smbios_entry *e)
{
	uint8_t buf[32];

	if (copy && copy_len && smbios_entry_parse(copy, copy_len, e))
		return true;
	if (!scan)
		return false;
	for (uint32_t pa = SCAN_START; pa + sizeof(buf) <= SCAN_END; pa += 16) {
		if (!read(ctx, pa, buf, sizeof(buf)))
			continue;
		if (smbios_entry_parse(buf, sizeof(buf), e)) {
			e->entry_pa = pa;
			return true;
		}
	}
	return false;
}

/* One structure: its formatted area and its strings. */
struct dmi_struct {
	const uint8_t *p;
	uint8_t type, length;
	uint16_t handle;
	const char *strings;  /* the first string */
	uint32_t strings_len; /* bytes of the string set, both final NULs included */
};

/* String number n of s, "Not Specified" for 0, "<BAD INDEX>" past the set (dmidecode's words). */
static const char *dmi_string(const struct dmi_struct *s, uint8_t n)
{
	const char *p = s->strings;

	if (n == 0)
		return "Not Specified";
	while (--n) {
		size_t l = strlen(p);

		if (l == 0)
			return "<BAD INDEX>";
		p += l + 1;
	}
	return *p ? p : "<BAD INDEX>";
}

/* The string field at offset off, when the formatted area holds it. */
static const char *field_str(const struct dmi_struct *s, unsigned off)
{
	return off < s->length ? dmi_string(s, s->p[off]) : "Not Specified";
}

/* A memory device's size in kB into *kb (*in_kb: the structure gives it in kB, not MB): true, or
 * false when the structure says "Unknown" (no module installed is a size of 0). */
static bool memory_device_kb(const struct dmi_struct *s, uint64_t *kb, bool *in_kb)
{
	const uint8_t *p = s->p;
	uint16_t size = s->length >= 0x0E ? le16_get(p + 0x0C) : 0xFFFF;

	*in_kb = size != 0xFFFF && (size & 0x8000);
	if (size == 0xFFFF)
		return false;
	if (size & 0x8000)
		*kb = size & 0x7FFF;
	else if (size == 0x7FFF && s->length >= 0x20)
		*kb = (uint64_t)(le32_get(p + 0x1C) & 0x7FFFFFFFu) << 10;
	else
		*kb = (uint64_t)size << 10;
	return true;
}

/* A memory device's speed in MT/s; 0 for unknown. */
static uint16_t memory_device_speed(const struct dmi_struct *s)
{
	return s->length >= 0x17 ? le16_get(s->p + 0x15) : 0;
}

static void print_memory_device(FILE *out, const struct dmi_struct *s)
{
	uint16_t speed = memory_device_speed(s);
	uint64_t kb;
	bool in_kb;

	fprintf(out, "Memory Device\n");
	if (!memory_device_kb(s, &kb, &in_kb))
		fprintf(out, "\tSize: Unknown\n");
	else if (kb == 0 && !in_kb)
		fprintf(out, "\tSize: No Module Installed\n");
	else if (in_kb && kb)
		fprintf(out, "\tSize: %llu kB\n", (unsigned long long)kb);
	else if ((kb >> 10) % 1024 == 0)
		fprintf(out, "\tSize: %llu GB\n", (unsigned long long)(kb >> 20));
	else
		fprintf(out, "\tSize: %llu MB\n", (unsigned long long)(kb >> 10));
	fprintf(out, "\tLocator: %s\n", field_str(s, 0x10));
	fprintf(out, "\tBank Locator: %s\n", field_str(s, 0x11));
	if (speed == 0)
		fprintf(out, "\tSpeed: Unknown\n");
	else
		fprintf(out, "\tSpeed: %u MT/s\n", speed);
	fprintf(out, "\tManufacturer: %s\n", field_str(s, 0x17));
}

static void print_struct(FILE *out, const struct dmi_struct *s)
{
	switch (s->type) {
	case 0:
		fprintf(out, "BIOS Information\n\tVendor: %s\n\tVersion: %s\n\tRelease Date: %s\n",
			field_str(s, 4), field_str(s, 5), field_str(s, 8));
		break;
	case 1:
		fprintf(out,
			"System Information\n\tManufacturer: %s\n\tProduct Name: %s\n\tVersion: "
			"%s\n"
			"\tSerial Number: %s\n",
			field_str(s, 4), field_str(s, 5), field_str(s, 6), field_str(s, 7));
		break;
	case 2:
		fprintf(out,
			"Base Board Information\n\tManufacturer: %s\n\tProduct Name: "
			"%s\n\tVersion: %s\n"
			"\tSerial Number: %s\n",
			field_str(s, 4), field_str(s, 5), field_str(s, 6), field_str(s, 7));
		break;
	case 17:
		print_memory_device(out, s);
		break;
	default:
		return;
	}
	fputc('\n', out);
}

/* Walk the structures; call fn on each well-formed one until it returns false or the table ends;
 * false if a malformed one stopped the walk (its description in why). */
static bool walk(const uint8_t *table, uint32_t len,
		 bool (*fn)(const struct dmi_struct *s, void *ctx), void *ctx, char *why,
		 size_t whylen)
{
	uint32_t off = 0;
	unsigned n = 0;

	while (off + 4 <= len && n++ < 4096) {
		struct dmi_struct s;
		uint32_t str, end;

		s.p = table + off;
		s.type = s.p[0];
		s.length = s.p[1];
		s.handle = le16_get(s.p + 2);
		if (s.length < 4 || off + s.length > len) {
			snprintf(why, whylen,
				 "handle 0x%04X, type %u, length %u at offset 0x%x (table is %u "
				 "bytes)",
				 s.handle, s.type, s.length, off, len);
			return false;
		}
		/* The string set ends at the first double NUL after the formatted area. */
		str = off + s.length;
		end = str;
		while (end + 1 < len && !(table[end] == 0 && table[end + 1] == 0))
			end++;
		if (end + 1 >= len) {
			snprintf(why, whylen,
				 "handle 0x%04X, type %u: its strings run past the table end",
				 s.handle, s.type);
			return false;
		}
		s.strings = (const char *)table + str;
		s.strings_len = end + 2 - str;
		if (s.type == 127 || !fn(&s, ctx))
			return true;
		off = end + 2;
	}
	return true;
}

static bool print_one(const struct dmi_struct *s, void *ctx)
{
	FILE *out = ctx;

	if (s->type == 0 || s->type == 1 || s->type == 2 || s->type == 17) {
		fprintf(out, "Handle 0x%04X, DMI type %u, %u bytes\n", s->handle, s->type,
			s->length);
		print_struct(out, s);
	}
	return true;
}

struct identity {
	const char *vendor, *product, *bios_version, *bios_date;
};

static bool find_identity(const struct dmi_struct *s, void *ctx)
{
	struct identity *id = ctx;

	if (s->type == 0 && !id->bios_version) {
		id->bios_version = field_str(s, 5);
		id->bios_date = field_str(s, 8);
	} else if (s->type == 1 && !id->vendor) {
		id->vendor = field_str(s, 4);
		id->product = field_str(s, 5);
	}
	return !(id->vendor && id->bios_version);
}

void dmi_identity(const uint8_t *table, uint32_t len, char *buf, size_t buflen)
{
	struct identity id = { NULL, NULL, NULL, NULL };
	char why[96];

	walk(table, len, find_identity, &id, why, sizeof(why));
	snprintf(buf, buflen, "%s %s, BIOS %s %s", id.vendor ? id.vendor : "unknown",
		 id.product ? id.product : "unknown", id.bios_version ? id.bios_version : "unknown",
		 id.bios_date ? id.bios_date : "");
}

unsigned dmi_print(FILE *out, const struct smbios_entry *e, const uint8_t *table, uint32_t len)
{
	char why[96];

	if (e->v3)
		fprintf(out, "SMBIOS %u.%u.%u present.\n", e->major, e->minor, e->docrev);
	else
		fprintf(out, "SMBIOS %u.%u present.\n", e->major, e->minor);
	if (e->nr_structures)
		fprintf(out, "%u structures occupying %u bytes.\n", e->nr_structures, e->table_len);
	fprintf(out, "Table at 0x%08llX.\n\n", (unsigned long long)e->table_pa);
	if (!walk(table, len, print_one, out, why, sizeof(why))) {
		fprintf(out, "Wrong DMI structure: %s; stopped\n", why);
		return 1;
	}
	return 0;
}

/* The structures print_one() prints, as elements of the array json_one()'s ctx is inside. */
static bool json_one(const struct dmi_struct *s, void *ctx)
{
	static const char *const names[] = { "BIOS Information", "System Information",
					      "Base Board Information" };
	struct json_writer *w = ctx;
	uint64_t kb;
	uint16_t speed;
	bool in_kb;

	if (s->type > 2 && s->type != 17)
		return true;
	json_object(w, NULL);
	json_uint(w, "handle", s->handle);
	json_uint(w, "type", s->type);
	json_uint(w, "length", s->length);
	json_string(w, "name", s->type <= 2 ? names[s->type] : "Memory Device");
	switch (s->type) {
	case 0:
		json_string(w, "vendor", field_str(s, 4));
		json_string(w, "version", field_str(s, 5));
		json_string(w, "release_date", field_str(s, 8));
		break;
	case 1:
	case 2:
		json_string(w, "manufacturer", field_str(s, 4));
		json_string(w, "product_name", field_str(s, 5));
		json_string(w, "version", field_str(s, 6));
		json_string(w, "serial_number", field_str(s, 7));
		break;
	default:
		if (memory_device_kb(s, &kb, &in_kb))
			json_uint(w, "size_kb", kb);
		else
			json_null(w, "size_kb");
		json_string(w, "locator", field_str(s, 0x10));
		json_string(w, "bank_locator", field_str(s, 0x11));
		speed = memory_device_speed(s);
		if (speed)
			json_uint(w, "speed_mts", speed);
		else
			json_null(w, "speed_mts");
		json_string(w, "manufacturer", field_str(s, 0x17));
		break;
	}
	json_end(w);
	return true;
}

unsigned dmi_json(struct json_writer *w, const struct smbios_entry *e, const uint8_t *table,
		  uint32_t len)
{
	char version[16], why[96];
	bool ok;

	if (e->v3)
		snprintf(version, sizeof(version), "%u.%u.%u", e->major, e->minor, e->docrev);
	else
		snprintf(version, sizeof(version), "%u.%u", e->major, e->minor);
	json_string(w, "version", version);
	if (e->entry_pa)
		json_uint(w, "entry", e->entry_pa);
	else
		json_null(w, "entry");
	json_uint(w, "table", e->table_pa);
	json_uint(w, "table_len", e->table_len);
	if (e->nr_structures)
		json_uint(w, "nr_structures", e->nr_structures);
	else
		json_null(w, "nr_structures");
	json_array(w, "structures");
	ok = walk(table, len, json_one, w, why, sizeof(why));
	json_end(w);
	json_string(w, "error", ok ? NULL : why);
	return ok ? 0 : 1;
}
