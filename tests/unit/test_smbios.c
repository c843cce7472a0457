/*
 * The SMBIOS parser: 2.x and 3.x entry points (checksums, anchors, the
 * loader's copy and the 0xF0000 scan), dmidecode-style output of types 0,
 * 1, 2 and 17, and corrupt tables (short structure, structure past the end,
 * unterminated strings, bad string numbers) reported without reading past
 * the table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <json.h>
#include <smbios.h>

static uint8_t mem[0x100000];

static bool rd(void *ctx, uint64_t pa, void *buf, uint32_t len)
{
	(void)ctx;
	if (pa > sizeof(mem) || len > sizeof(mem) - pa)
		return false;
	memcpy(buf, mem + pa, len);
	return true;
}

static uint8_t csum(const uint8_t *p, unsigned n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return (uint8_t)-s;
}

static void entry2(uint8_t *b, uint32_t table, uint16_t len, uint16_t n)
{
	memset(b, 0, 31);
	memcpy(b, "_SM_", 4);
	b[5] = 31;
	b[6] = 2;
	b[7] = 8;
	memcpy(b + 16, "_DMI_", 5);
	b[22] = (uint8_t)len;
	b[23] = (uint8_t)(len >> 8);
	memcpy(b + 24, &table, 4);
	b[28] = (uint8_t)n;
	b[21] = csum(b + 16, 15);
	b[4] = csum(b, 31);
}

/* Types 0, 1, 2, 17 (8 GiB via the extended size, 3200 MT/s), 17 (empty slot), 127. */
static const uint8_t table[] = {
	0, 24, 0x00, 0x00, 1, 2, 0, 0xE8, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	'V', 'e', 'n', 'd', 0, '1', '.', '2', 0, '0', '1', '/', '0', '2', '/', '2', '0', '2', '4', 0, 0,
	1, 27, 0x00, 0x01, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	'A', 'c', 'm', 'e', 0, 'R', 'R', 0, 'v', '1', 0, 'S', 'N', '9', 0, 0,
	2, 8, 0x00, 0x02, 1, 2, 0, 9, 'B', 'o', 'a', 'r', 'd', 'C', 'o', 0, 'X', '1', 0, 0,
	17, 40, 0x00, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0x7F, 0, 0, 1, 0, 0x1A, 0, 0, 0x80, 0x0C, 2,
	0, 0, 0, 0, 0x00, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	'D', 'I', 'M', 'M', ' ', '0', 0, 'M', 'i', 'c', 'r', 'o', 0, 0,
	17, 23, 0x01, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	'D', 'I', 'M', 'M', ' ', '1', 0, 0,
	127, 4, 0xFF, 0xFF, 0, 0,
};

static char *print(const struct smbios_entry *e, const uint8_t *t, uint32_t len, unsigned *problems)
{
	char *text;
	size_t n;
	FILE *out = open_memstream(&text, &n);

	*problems = dmi_print(out, e, t, len);
	fclose(out);
	return text;
}

static void test_entry_points(void **state)
{
	struct smbios_entry e;
	uint8_t b3[24] = { '_', 'S', 'M', '3', '_', 0, 24, 3, 2, 0, 1, 0, 0x00, 0x10, 0, 0, 0x00, 0x00, 0x0F, 0 };

	memset(mem, 0, sizeof(mem));
	entry2(mem + 0xF5A00, 0xF5A20, sizeof(table), 6);
	assert_true(smbios_find_entry(rd, NULL, NULL, 0, true, &e));
	assert_int_equal(e.entry_pa, 0xF5A00);
	assert_int_equal(e.major, 2);
	assert_int_equal(e.minor, 8);
	assert_int_equal(e.table_pa, 0xF5A20);
	assert_int_equal(e.table_len, sizeof(table));
	/* Intermediate checksum wrong: not taken, and the scan finds nothing else. */
	mem[0xF5A00 + 21] ^= 1;
	assert_false(smbios_find_entry(rd, NULL, NULL, 0, true, &e));
	/* A 3.x copy from the loader. */
	b3[5] = csum(b3, 24);
	assert_true(smbios_find_entry(rd, NULL, b3, 24, false, &e));
	assert_true(e.v3);
	assert_int_equal(e.table_pa, 0xF0000);
	assert_int_equal(e.table_len, 0x1000);
	assert_int_equal(e.docrev, 0);
	b3[6] = 40; /* longer than the copy */
	assert_false(smbios_entry_parse(b3, 24, &e));
	assert_false(smbios_find_entry(rd, NULL, NULL, 0, false, &e));
}

static void test_print(void **state)
{
	struct smbios_entry e = { .major = 2, .minor = 8, .table_pa = 0xF5A20, .table_len = sizeof(table),
				  .nr_structures = 6 };
	unsigned problems;
	char *text = print(&e, table, sizeof(table), &problems), id[128];

	assert_int_equal(problems, 0);
	assert_non_null(strstr(text, "SMBIOS 2.8 present.\n6 structures occupying"));
	assert_non_null(strstr(text, "BIOS Information\n\tVendor: Vend\n\tVersion: 1.2\n\tRelease Date: 01/02/2024\n"));
	assert_non_null(strstr(text, "System Information\n\tManufacturer: Acme\n\tProduct Name: RR\n\tVersion: v1\n"
				     "\tSerial Number: SN9\n"));
	assert_non_null(strstr(text, "Base Board Information\n\tManufacturer: BoardCo\n\tProduct Name: X1\n"
				     "\tVersion: Not Specified\n\tSerial Number: <BAD INDEX>\n"));
	assert_non_null(strstr(text, "Memory Device\n\tSize: 8 GB\n\tLocator: DIMM 0\n\tBank Locator: Not Specified\n"
				     "\tSpeed: 3200 MT/s\n\tManufacturer: Micro\n"));
	assert_non_null(strstr(text, "Memory Device\n\tSize: No Module Installed\n\tLocator: DIMM 1\n"));
	free(text);
	dmi_identity(table, sizeof(table), id, sizeof(id));
	assert_string_equal(id, "Acme RR, BIOS 1.2 01/02/2024");
}

static void test_corrupt(void **state)
{
	struct smbios_entry e = { .major = 2, .minor = 8 };
	uint8_t *t = malloc(sizeof(table));
	unsigned problems;
	char *text;

	/* Cut inside the System structure's strings: reported, nothing read past the end (ASan). */
	memcpy(t, table, sizeof(table));
	text = print(&e, t, 80, &problems);
	assert_int_equal(problems, 1);
	assert_non_null(strstr(text, "BIOS Information"));
	assert_non_null(strstr(text, "Wrong DMI structure: handle 0x0100, type 1: its strings run past the table end"));
	free(text);
	/* A structure shorter than its header. */
	memcpy(t, table, sizeof(table));
	t[1] = 3;
	text = print(&e, t, sizeof(table), &problems);
	assert_int_equal(problems, 1);
	assert_non_null(strstr(text, "type 0, length 3 at offset 0x0"));
	free(text);
	/* A formatted area running past the table. */
	memcpy(t, table, sizeof(table));
	t[1] = 200;
	text = print(&e, t, sizeof(table), &problems);
	assert_non_null(strstr(text, "length 200 at offset 0x0"));
	free(text);
	/* An empty or tiny table prints the header only. */
	text = print(&e, t, 3, &problems);
	assert_int_equal(problems, 0);
	assert_null(strstr(text, "Handle"));
	free(text);
	free(t);
}

static char *json(const struct smbios_entry *e, const uint8_t *t, uint32_t len, unsigned *problems)
{
	struct json_writer w;
	char *text;
	size_t n;
	FILE *out = open_memstream(&text, &n);

	json_begin(&w, out);
	*problems = dmi_json(&w, e, t, len);
	assert_int_equal(json_finish(&w), 0);
	fclose(out);
	return text;
}

static void test_json(void **state)
{
	struct smbios_entry e = { .major = 2, .minor = 8, .table_pa = 0xF5A20, .table_len = sizeof(table),
				  .nr_structures = 6 };
	uint8_t *t = malloc(sizeof(table));
	unsigned problems;
	char *text = json(&e, table, sizeof(table), &problems), head[96];

	assert_int_equal(problems, 0);
	snprintf(head, sizeof(head), "{\"version\":\"2.8\",\"entry\":null,\"table\":1006112,\"table_len\":%zu,",
		 sizeof(table));
	assert_memory_equal(text, head, strlen(head));
	assert_string_equal(text + strlen(head),
		"\"nr_structures\":6,\"structures\":["
		"{\"handle\":0,\"type\":0,\"length\":24,\"name\":\"BIOS Information\",\"vendor\":\"Vend\","
		"\"version\":\"1.2\",\"release_date\":\"01/02/2024\"},"
		"{\"handle\":256,\"type\":1,\"length\":27,\"name\":\"System Information\","
		"\"manufacturer\":\"Acme\",\"product_name\":\"RR\",\"version\":\"v1\",\"serial_number\":\"SN9\"},"
		"{\"handle\":512,\"type\":2,\"length\":8,\"name\":\"Base Board Information\","
		"\"manufacturer\":\"BoardCo\",\"product_name\":\"X1\",\"version\":\"Not Specified\","
		"\"serial_number\":\"<BAD INDEX>\"},"
		"{\"handle\":4352,\"type\":17,\"length\":40,\"name\":\"Memory Device\",\"size_kb\":8388608,"
		"\"locator\":\"DIMM 0\",\"bank_locator\":\"Not Specified\",\"speed_mts\":3200,"
		"\"manufacturer\":\"Micro\"},"
		"{\"handle\":4353,\"type\":17,\"length\":23,\"name\":\"Memory Device\",\"size_kb\":0,"
		"\"locator\":\"DIMM 1\",\"bank_locator\":\"Not Specified\",\"speed_mts\":null,"
		"\"manufacturer\":\"Not Specified\"}],"
		"\"error\":null}\n");
	free(text);
	/* A 3.x entry point's version has three numbers; a malformed table is one problem, said. */
	e.v3 = true;
	e.major = 3;
	e.minor = 0;
	e.entry_pa = 0xF0000;
	e.nr_structures = 0;
	memcpy(t, table, sizeof(table));
	t[1] = 3;
	text = json(&e, t, sizeof(table), &problems);
	assert_int_equal(problems, 1);
	assert_non_null(strstr(text, "{\"version\":\"3.0.0\",\"entry\":983040,"));
	assert_non_null(strstr(text, "\"nr_structures\":null,\"structures\":[],"
				     "\"error\":\"handle 0x0000, type 0, length 3 at offset 0x0"));
	free(text);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_points),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
