/*
 * The ACPI parser on fake physical memory: a q35-like table set parsed
 * whole, the RSDP found each way (loader copy, EBDA, BIOS area), and every
 * kind of bad table reported and ignored: bad checksums, lengths past the
 * end of memory, tables outside RAM, loops in the XSDT, malformed MADT
 * entries and \_S5 packages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "acpi_builder.h"
#include <json.h>

static struct acpi_info info;

static bool warned(const char *text)
{
	for (unsigned i = 0; i < info.nr_warnings; i++)
		if (strstr(info.warnings[i], text))
			return true;
	return false;
}

static void dump_warnings(void)
{
	for (unsigned i = 0; i < info.nr_warnings; i++)
		printf("warning: %s\n", info.warnings[i]);
}

static void test_q35_set(void **state)
{
	build_q35();
	assert_true(acpi_parse(&fake_reader, NULL, 0, true, &info));
	dump_warnings();
	assert_int_equal(info.nr_warnings, 0);
	assert_false(info.rsdp_from_loader);
	assert_int_equal(info.rsdp_pa, RSDP_PA);
	assert_int_equal(info.rsdp_revision, 2);
	assert_true(info.use_xsdt);
	assert_string_equal(info.root.sig, "XSDT");
	/* FACP, DSDT, FACS (from the FADT), APIC, SPCR, MCFG, HPET. */
	assert_int_equal(info.nr_tables, 7);
	assert_non_null(acpi_find_table(&info, "DSDT"));
	assert_non_null(acpi_find_table(&info, "FACS"));

	assert_true(info.have_fadt);
	assert_int_equal(info.pm1a_cnt.space_id, ACPI_GAS_IO);
	assert_int_equal(info.pm1a_cnt.address, 0x604);
	assert_int_equal(info.pm1b_cnt.address, 0);
	assert_true(info.have_reset_reg);
	assert_int_equal(info.reset_reg.address, 0xCF9);
	assert_int_equal(info.reset_value, 0x0F);
	assert_int_equal(info.dsdt_pa, DSDT_PA);
	assert_int_equal(info.iapc_boot_arch, ACPI_BOOT_8042 | ACPI_BOOT_LEGACY_DEVICES);
	assert_int_equal(info.pm_tmr.address, 0x608);
	assert_true(info.pm_tmr_32bit);
	assert_true(info.have_s5);
	assert_int_equal(info.s5_slp_typa, 5);
	assert_int_equal(info.s5_slp_typb, 7);

	assert_true(info.have_madt);
	assert_int_equal(info.lapic_pa, 0xFEE10000u); /* the 64-bit override wins */
	assert_true(info.lapic_override);
	assert_int_equal(info.nr_cpus, 1); /* the disabled one is not counted */
	assert_int_equal(info.nr_ioapics, 2);
	assert_int_equal(info.ioapics[1].pa, 0xFEC01000u);
	assert_int_equal(info.ioapics[1].gsi_base, 24);
	assert_int_equal(info.nr_overrides, 1);
	assert_int_equal(info.overrides[0].gsi, 2);
	assert_true(info.madt_flags & ACPI_MADT_PCAT_COMPAT);

	assert_true(info.have_spcr);
	assert_int_equal(info.spcr_base.address, 0x2F8);
	assert_int_equal(info.spcr_baud, 115200);
	assert_int_equal(info.spcr_irq, 3);
	assert_int_equal(info.nr_mcfg, 1);
	assert_int_equal(info.mcfg[0].base, 0xB0000000u);
	assert_int_equal(info.mcfg[0].bus_end, 0xFF);
	assert_true(info.have_hpet);
	assert_int_equal(info.hpet_base.address, 0xFED00000u);
}

static void test_rsdp_sources(void **state)
{
	uint8_t copy[36];

	build_q35();
	/* The loader's copy wins over the scan. */
	put_rsdp(copy, 0, RSDT_PA, 0);
	assert_true(acpi_parse(&fake_reader, copy, 20, true, &info));
	assert_true(info.rsdp_from_loader);
	assert_false(info.use_xsdt);
	assert_string_equal(info.root.sig, "RSDT");
	assert_int_equal(info.nr_tables, 7);

	/* A broken copy is reported; the scan still finds the BIOS one. */
	copy[8] ^= 1;
	assert_true(acpi_parse(&fake_reader, copy, 20, true, &info));
	assert_true(warned("loader's copy of the RSDP is invalid"));
	assert_int_equal(info.rsdp_pa, RSDP_PA);

	/* No scan (UEFI): nothing. */
	assert_false(acpi_parse(&fake_reader, NULL, 0, false, &info));

	/* In the EBDA: segment 0x9FC0 at 0x40E. */
	memset(fake_mem + RSDP_PA, 0, 36);
	assert_false(acpi_parse(&fake_reader, NULL, 0, true, &info));
	put16(fake_mem + 0x40E, 0x9FC0);
	put_rsdp(fake_mem + 0x9FC00 + 0x30, 2, RSDT_PA, XSDT_PA);
	assert_true(acpi_parse(&fake_reader, NULL, 0, true, &info));
	assert_int_equal(info.rsdp_pa, 0x9FC30);

	/* An RSDP whose extended checksum is wrong is not taken. */
	fake_mem[0x9FC30 + 32] ^= 0x55;
	assert_false(acpi_parse(&fake_reader, NULL, 0, true, &info));
}

static void test_bad_checksum(void **state)
{
	build_q35();
	fake_mem[APIC_PA + 50] ^= 0x01;
	assert_true(acpi_parse(&fake_reader, NULL, 0, true, &info));
	assert_true(warned("APIC at 0x102000: bad checksum"));
	assert_null(acpi_find_table(&info, "APIC"));
	assert_false(info.have_madt);
	assert_true(info.have_fadt); /* the others still count */
	assert_int_equal(info.nr_tables, 6);
}

static void test_length_past_end(void **state)
{
	uint8_t *t;

	build_q35();
	/* A table in the last bytes of memory whose length runs off the end. */
	t = table_at(FAKE_MEM_SIZE - 64, "SSDT", 64, 1);
	put32(t + 4, 0x1000);
	xsdt_entries[nr_xsdt_entries++] = FAKE_MEM_SIZE - 64;
	build_roots();
	assert_true(acpi_parse(&fake_reader, NULL, 0, true, &info));
	assert_true(warned("SSDT at 0x1fffc0: length 4096 runs past readable memory"));
	assert_null(acpi_find_table(&info, "SSDT"));
	/* A silly length is refused before anything is read. */
	put32(fake_mem + HPET_PA + 4, 0x7fffffff);
	assert_true(acpi_parse(&fake_reader, NULL, 0, true, &info));
	assert_true(warned("HPET at 0x102400 has length 2147483647"));
	assert_false(info.have_hpet);
	/* A MADT entry that runs past its table stops the walk. */
	build_q35();
	fake_mem[APIC_PA + 44 + 8 + 1] = 200;
	table_seal(APIC_PA);
	assert_true(acpi_parse(&fake_reader, NULL, 0, true, &info));
	assert_true(warned("APIC: entry type 0 at +0x34 has length 200"));
	assert_int_equal(info.nr_ioapics, 0);
	assert_int_equal(info.nr_cpus, 1);
	/* A zero-length entry would loop for ever. */
	fake_mem[APIC_PA + 44 + 8 + 1] = 0;
	table_seal(APIC_PA);
	assert_true(acpi_parse(&fake_reader, NULL, 0, true, &info));
	assert_true(warned("has length 0"));
}

static void test_xsdt_loops(void **state)
{
	build_q35();
	xsdt_entries[nr_xsdt_entries++] = XSDT_PA; /* itself */
	xsdt_entries[nr_xsdt_entries++] = APIC_PA; /* twice */
	xsdt_entries[nr_xsdt_entries++] = RSDT_PA; /* the other root */
	build_roots();
	assert_true(acpi_parse(&fake_reader, NULL, 0, true, &info));
	assert_true(warned("XSDT: entry 5 points back at the XSDT itself"));
	assert_true(warned("XSDT: entry 6 repeats table 0x102000"));
	assert_true(warned("XSDT: entry 7 is a RSDT"));
	assert_int_equal(info.nr_tables, 7);
	/* The FADT's DSDT pointing at a listed table is a loop too. */
	build_q35();
	put64(fake_mem + FACP_PA + 140, APIC_PA);
	table_seal(FACP_PA);
	assert_true(acpi_parse(&fake_reader, NULL, 0, true, &info));
	assert_true(warned("FACP: DSDT pointer 0x102000 names a table already listed"));
	assert_false(info.have_s5);
}

static void test_table_outside_ram(void **state)
{
	build_q35();
	xsdt_entries[nr_xsdt_entries++] = 0xFEBF0000u;
	build_roots();
	assert_true(acpi_parse(&fake_reader, NULL, 0, true, &info));
	assert_true(warned("table at 0xfebf0000 cannot be read"));
	assert_int_equal(info.nr_tables, 7);
	/* An XSDT outside RAM: no tables at all, and said so. */
	put_rsdp(fake_mem + RSDP_PA, 2, RSDT_PA, 0x80000000u);
	assert_true(acpi_parse(&fake_reader, NULL, 0, true, &info));
	assert_true(warned("XSDT at 0x80000000 cannot be read"));
	assert_int_equal(info.nr_tables, 0);
	assert_false(info.have_fadt);
}

static void test_wrong_signatures(void **state)
{
	build_q35();
	memcpy(fake_mem + XSDT_PA, "XS\x01T", 4);
	table_seal(XSDT_PA);
	assert_true(acpi_parse(&fake_reader, NULL, 0, true, &info));
	assert_true(warned("XSDT at 0x100000 has signature 58530154, expected XSDT"));
	assert_int_equal(info.nr_tables, 0);
}

static void test_s5_decoding(void **state)
{
	uint8_t a, b;

	assert_true(
		acpi_find_s5((const uint8_t *)"\x08_S5_\x12\x06\x04\x00\x00\x00\x00", 12, &a, &b));
	assert_int_equal(a, 0);
	assert_int_equal(b, 0);
	assert_true(acpi_find_s5((const uint8_t *)"xx\x08_S5_\x12\x06\x02\x01\x0b\x07\x00", 14, &a,
				 &b));
	assert_int_equal(a, 1);
	assert_int_equal(b, 7);
	/* One element: SLP_TYPb is SLP_TYPa. */
	assert_true(acpi_find_s5((const uint8_t *)"\x08_S5_\x12\x04\x01\x0a\x06", 10, &a, &b));
	assert_int_equal(b, 6);
	/* A 2-byte PkgLength. */
	assert_true(acpi_find_s5((const uint8_t *)"\x08_S5_\x12\x47\x00\x02\x0a\x03\x0a\x04", 13,
				 &a, &b));
	assert_int_equal(a, 3);
	assert_int_equal(b, 4);
	/* Not a definition: no NameOp. */
	assert_false(acpi_find_s5((const uint8_t *)"\x70_S5_\x12\x04\x01\x0a\x06", 10, &a, &b));
	/* Not a package. */
	assert_false(acpi_find_s5((const uint8_t *)"\x08_S5_\x0a\x05", 7, &a, &b));
	/* Truncated: the package runs past the buffer. */
	assert_false(acpi_find_s5((const uint8_t *)"\x08_S5_\x12\x08\x02\x0a\x05", 10, &a, &b));
	/* A value that does not fit SLP_TYP's 3 bits. */
	assert_false(acpi_find_s5((const uint8_t *)"\x08_S5_\x12\x05\x02\x0a\x09\x00", 11, &a, &b));
	/* A method call, not a constant. */
	assert_false(acpi_find_s5((const uint8_t *)"\x08_S5_\x12\x05\x02\x5b\x00\x00", 11, &a, &b));
	/* A DSDT without one. */
	build_q35();
	memset(fake_mem + DSDT_PA + 0x1400, 0, 16);
	table_seal(DSDT_PA);
	assert_true(acpi_parse(&fake_reader, NULL, 0, true, &info));
	assert_false(info.have_s5);
	assert_true(warned("DSDT: no \\_S5 package"));
}

static void test_print_and_dump(void **state)
{
	char *text;
	size_t len;
	FILE *out;

	build_q35();
	assert_true(acpi_parse(&fake_reader, NULL, 0, true, &info));
	out = open_memstream(&text, &len);
	acpi_print_tables(out, &info);
	fclose(out);
	assert_non_null(strstr(text, "ACPI: RSDP 0x00000000000F5A40 000024 (v02 BOCHS )\n"));
	assert_non_null(strstr(text, "ACPI: XSDT 0x0000000000100000 00004C (v01 BOCHS  BXPC     "
				     "00000001 BXPC 00000001)\n"));
	assert_non_null(strstr(text, "ACPI: APIC 0x0000000000102000 00006A (v01 BOCHS  BXPC     "
				     "00000001 BXPC 00000001)\n"));
	assert_non_null(strstr(text, "ACPI: FACS 0x0000000000102500 000040\n"));
	free(text);

	out = open_memstream(&text, &len);
	assert_true(acpi_dump_table(out, &fake_reader, acpi_find_table(&info, "HPET")));
	fclose(out);
	assert_non_null(
		strstr(text, "HPET @ 0x0000000000102400\n    0000: 48 50 45 54 38 00 00 00 01 "));
	assert_non_null(strstr(text, "  HPET8...."));
	assert_non_null(strstr(text, "    0030: "));
	assert_null(strstr(text, "    0040: "));
	free(text);
}

/* acpi_json() of the q35 set, as one line. */
static char *info_json(void)
{
	struct json_writer w;
	char *text;
	size_t len;
	FILE *out = open_memstream(&text, &len);

	json_begin(&w, out);
	acpi_json(&w, &info);
	assert_int_equal(json_finish(&w), 0);
	fclose(out);
	return text;
}

static void test_json(void **state)
{
	struct json_writer w;
	struct acpi_table_desc past_end;
	char *text;
	size_t len;
	FILE *out;

	build_q35();
	assert_true(acpi_parse(&fake_reader, NULL, 0, true, &info));
	text = info_json();
	assert_int_equal(strncmp(text, "{\"present\":true,\"rsdp\":{\"pa\":1006144,\"revision\":2,"
				       "\"oem_id\":\"BOCHS \",\"from_loader\":false},\"tables\":[", 94), 0);
	assert_non_null(strstr(text, "{\"sig\":\"XSDT\",\"pa\":1048576,\"length\":76,\"revision\":1,"
				     "\"oem_id\":\"BOCHS \",\"oem_table_id\":\"BXPC    \",\"oem_revision\":1,"
				     "\"creator_id\":\"BXPC\",\"creator_revision\":1}"));
	assert_non_null(strstr(text, "{\"sig\":\"FACS\",\"pa\":1058048,\"length\":64,\"revision\":null,"));
	assert_non_null(strstr(text, "\"madt\":{\"lapic\":4276158464,\"lapic_override\":true,\"cpus\":1,"));
	assert_non_null(strstr(text, "{\"id\":1,\"pa\":4273999872,\"gsi_base\":24}],\"pcat_compat\":true}"));
	assert_non_null(strstr(text, "\"pm1a_cnt\":{\"space\":\"io\",\"address\":1540,\"bit_width\":"));
	assert_non_null(strstr(text, "\"pm1b_cnt\":null,\"pm_tmr\":{\"space\":\"io\",\"address\":1544,"));
	assert_non_null(strstr(text, "\"reset_reg\":{\"space\":\"io\",\"address\":3321,"));
	assert_non_null(strstr(text, "\"reset_value\":15}"));
	assert_non_null(strstr(text, "\"s5\":{\"slp_typa\":5,\"slp_typb\":7}"));
	assert_non_null(strstr(text, "\"spcr\":{\"interface\":0,\"base\":{\"space\":\"io\",\"address\":760,"
				     "\"bit_width\":8},\"irq\":3,\"gsi\":0,\"baud\":115200}"));
	assert_non_null(strstr(text, "\"mcfg\":[{\"segment\":0,\"bus_start\":0,\"bus_end\":255,"
				     "\"base\":2952790016}]"));
	assert_non_null(strstr(text, "\"hpet\":{\"number\":"));
	assert_non_null(strstr(text, "\"warnings\":[]}\n"));
	free(text);

	/* A table dumped whole, and one whose end cannot be read: where reading stopped. */
	out = open_memstream(&text, &len);
	json_begin(&w, out);
	json_array(&w, "tables");
	assert_true(acpi_dump_json(&w, &fake_reader, acpi_find_table(&info, "HPET")));
	past_end = *acpi_find_table(&info, "HPET");
	past_end.pa = FAKE_MEM_SIZE - 0x50;
	past_end.length = 0x100;
	assert_false(acpi_dump_json(&w, &fake_reader, &past_end));
	assert_int_equal(json_finish(&w), 0);
	fclose(out);
	assert_int_equal(strncmp(text, "{\"tables\":[{\"sig\":\"HPET\",\"pa\":1057792,\"length\":56,"
				       "\"data\":\"485045543800000001", 75), 0);
	assert_non_null(strstr(text, "\",\"unreadable_from\":null},{\"sig\":\"HPET\","));
	assert_non_null(strstr(text, "\"unreadable_from\":64}]}\n"));
	free(text);

	/* Without ACPI: present false, nothing else. */
	memset(&info, 0, sizeof(info));
	text = info_json();
	assert_string_equal(text, "{\"present\":false}\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_q35_set),		 cmocka_unit_test(test_rsdp_sources),
		cmocka_unit_test(test_bad_checksum),	 cmocka_unit_test(test_length_past_end),
		cmocka_unit_test(test_xsdt_loops),	 cmocka_unit_test(test_table_outside_ram),
		cmocka_unit_test(test_wrong_signatures), cmocka_unit_test(test_s5_decoding),
		cmocka_unit_test(test_print_and_dump), cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
