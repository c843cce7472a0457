/*
 * `acpi` lists the tables found at boot as Linux's boot log does, then what
 * the firmware took from them; `acpi dump SIG` prints every table with that
 * signature in acpidump's layout, mapped once with ioremap (or read through
 * the linear map where ioremap refuses RAM the allocator owns).  With -j each
 * prints one JSON object on one line (acpi_json(), acpi_dump_json()).
 */
#include <stdio.h>
#include <string.h>

#include <acpi_boot.h>
#include <hal/ptr.h>
#include <json.h>
#include <mm/io.h>
#include <shell.h>

struct window {
	uint64_t pa;
	uint32_t len;
	vaddr_t va;
};

static bool read_window(void *ctx, uint64_t pa, void *buf, uint32_t len)
{
	const struct window *w = ctx;

	if (pa < w->pa || pa - w->pa > w->len || len > w->len - (pa - w->pa))
		return false;
	memcpy(buf, hal_va_ptr(w->va + (vaddr_t)(pa - w->pa)), len);
	return true;
}

/* Dump table t in acpidump's layout, or as an element of w's open array when w is not NULL. */
static bool dump_one(const struct acpi_table_desc *t, struct json_writer *w)
{
	struct window win = { t->pa, t->length, 0 };
	struct acpi_reader r = { read_window, &win };
	bool ok;

	if (!acpi_range_allowed(t->pa, t->length)) {
		printf("acpi: %.4s at 0x%llx is outside the memory map; not read\n", t->sig,
		       (unsigned long long)t->pa);
		return false;
	}
	win.va = ioremap((paddr_t)t->pa, t->length);
	if (!win.va)
		return w ? acpi_dump_json(w, &acpi_phys_reader, t)
			 : acpi_dump_table(stdout, &acpi_phys_reader, t);
	ok = w ? acpi_dump_json(w, &r, t) : acpi_dump_table(stdout, &r, t);
	iounmap(win.va);
	return ok;
}

static void show_gas(const char *name, const struct acpi_gas *g)
{
	printf("  %-10s %s 0x%llx (%u bits)\n", name,
	       g->space_id == ACPI_GAS_IO	? "io "
	       : g->space_id == ACPI_GAS_MEMORY ? "mem"
						: "?  ",
	       (unsigned long long)g->address, g->bit_width);
}

static void show_summary(void)
{
	if (acpi.have_madt) {
		printf("MADT: local APIC 0x%08llx%s, %u CPU%s, %u IO-APIC%s",
		       (unsigned long long)acpi.lapic_pa,
		       acpi.lapic_override ? " (64-bit override)" : "", acpi.nr_cpus,
		       acpi.nr_cpus == 1 ? "" : "s", acpi.nr_ioapics,
		       acpi.nr_ioapics == 1 ? "" : "s");
		for (unsigned i = 0; i < acpi.nr_ioapics; i++)
			printf("%s id %u at 0x%08x GSI %u", i ? "," : ":", acpi.ioapics[i].id,
			       acpi.ioapics[i].pa, acpi.ioapics[i].gsi_base);
		printf("; 8259 %s\n", acpi.madt_flags & ACPI_MADT_PCAT_COMPAT
					      ? "present (PCAT_COMPAT)"
					      : "absent");
	}
	if (acpi.have_fadt) {
		printf("FADT: revision %u, SCI IRQ %u, IAPC_BOOT_ARCH 0x%04x\n", acpi.fadt_revision,
		       acpi.sci_irq, acpi.iapc_boot_arch);
		show_gas("PM1a_CNT", &acpi.pm1a_cnt);
		if (acpi.pm1b_cnt.address)
			show_gas("PM1b_CNT", &acpi.pm1b_cnt);
		if (acpi.pm_tmr.address)
			show_gas("PM_TMR", &acpi.pm_tmr);
		if (acpi.have_reset_reg) {
			show_gas("RESET_REG", &acpi.reset_reg);
			printf("  RESET_VALUE 0x%02x\n", acpi.reset_value);
		}
	}
	if (acpi.have_s5)
		printf("\\_S5: SLP_TYPa %u, SLP_TYPb %u\n", acpi.s5_slp_typa, acpi.s5_slp_typb);
	if (acpi.have_spcr)
		printf("SPCR: interface %u, %s 0x%llx, IRQ %u, GSI %u, %u baud\n",
		       acpi.spcr_interface, acpi.spcr_base.space_id == ACPI_GAS_IO ? "io" : "mmio",
		       (unsigned long long)acpi.spcr_base.address, acpi.spcr_irq, acpi.spcr_gsi,
		       acpi.spcr_baud);
	for (unsigned i = 0; i < acpi.nr_mcfg; i++)
		printf("MCFG: segment %u, buses %02x-%02x at 0x%llx\n", acpi.mcfg[i].segment,
		       acpi.mcfg[i].bus_start, acpi.mcfg[i].bus_end,
		       (unsigned long long)acpi.mcfg[i].base);
	if (acpi.have_hpet)
		printf("HPET: block %u at 0x%llx, minimum tick %u\n", acpi.hpet_number,
		       (unsigned long long)acpi.hpet_base.address, acpi.hpet_min_tick);
}

/* `acpi [-j]`: the table list as Linux's boot log prints it, then what the firmware took. */
static int cmd_acpi(const struct shell_call *call, int argc, char **argv)
{
	bool json;
	int bad;

	if ((bad = shell_json_flag(call, argc, argv, &json)))
		return bad;
	if (json) {
		struct json_writer w;

		json_begin(&w, stdout);
		acpi_json(&w, &acpi);
		return json_finish(&w) || !acpi.present ? SHELL_STATUS_FAIL : SHELL_STATUS_OK;
	}
	acpi_print_tables(stdout, &acpi);
	if (!acpi.present)
		return 1;
	show_summary();
	for (unsigned i = 0; i < acpi.nr_warnings; i++)
		printf("warning: %s\n", acpi.warnings[i]);
	return 0;
}

/* The tables with signature sig (the root table included): how many, and each one dumped until one
 * fails (then *ok is false). */
static unsigned dump_all(const char *sig, struct json_writer *w, bool *ok)
{
	unsigned found = 0;

	*ok = true;
	if (acpi.root.pa && !strcmp(sig, acpi.root.sig)) {
		found++;
		if (!(*ok = dump_one(&acpi.root, w)))
			return found;
	}
	for (unsigned i = 0; i < acpi.nr_tables; i++) {
		if (strncmp(acpi.tables[i].sig, sig, 4) != 0)
			continue;
		found++;
		if (!(*ok = dump_one(&acpi.tables[i], w)))
			return found;
	}
	return found;
}

/* The tables with signature sig, or a message saying there are none (ACPI or that table). */
static unsigned count_tables(const char *sig)
{
	unsigned found = 0;

	if (!acpi.present) {
		printf("acpi: no ACPI tables on this machine\n");
		return 0;
	}
	found += acpi.root.pa && !strcmp(sig, acpi.root.sig);
	for (unsigned i = 0; i < acpi.nr_tables; i++)
		found += !strncmp(acpi.tables[i].sig, sig, 4);
	if (!found)
		printf("acpi: no table with signature %s (see `acpi`)\n", sig);
	return found;
}

/* `acpi dump SIG [-j]`: every table with that signature in acpidump's hex layout, or as JSON. */
static int cmd_acpi_dump(const struct shell_call *call, int argc, char **argv)
{
	struct json_writer w;
	bool json, ok;
	int bad;

	/* "-j" may follow SIG: the flag check sees the words after it. */
	if ((bad = shell_json_flag(call, argc - 1, argv + 1, &json)))
		return bad;
	if (strlen(argv[1]) != 4)
		return shell_usage_error(call, "dump takes one 4-character table signature");
	if (!count_tables(argv[1]))
		return 1;
	if (!json) {
		dump_all(argv[1], NULL, &ok);
		return ok ? 0 : 1;
	}
	/* Refused before the object starts, so that the line stays the message alone. */
	for (int i = -1; i < (int)acpi.nr_tables; i++) {
		const struct acpi_table_desc *t = i < 0 ? &acpi.root : &acpi.tables[i];

		if (t->pa && !strncmp(t->sig, argv[1], 4) &&
		    !acpi_range_allowed(t->pa, t->length)) {
			printf("acpi: %.4s at 0x%llx is outside the memory map; not read\n", t->sig,
			       (unsigned long long)t->pa);
			return 1;
		}
	}
	json_begin(&w, stdout);
	json_string(&w, "sig", argv[1]);
	json_array(&w, "tables");
	dump_all(argv[1], &w, &ok);
	json_end(&w);
	return json_finish(&w) || !ok ? SHELL_STATUS_FAIL : SHELL_STATUS_OK;
}

static const struct shell_cmd acpi_subs[] = {
	SHELL_SUB("dump", "SIG [-j]", 1, 2,
		  "dump the tables with signature SIG in acpidump's hex (-j: JSON sig, tables "
		  "[{sig, pa, length, data, unreadable_from}])",
		  cmd_acpi_dump),
	{ 0 },
};
SHELL_CMD_DESC(acpi, .name = "acpi", .usage = "[-j]", .min_args = 0, .max_args = 1,
	       .subs = acpi_subs,
	       .summary = "list the ACPI tables (as Linux's boot log) or dump one (-j: JSON)",
	       .fn = cmd_acpi);
