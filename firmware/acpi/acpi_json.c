/*
 * The `-j` forms of `acpi` and `acpi dump SIG`: what acpi_parse() found (the table list of Linux's
 * boot log and the fields the firmware took from the MADT, FADT, \_S5, SPCR, MCFG and HPET;
 * ACPI Specification 6.5, §5.2) and a table's bytes, each as members of one JSON object.
 */
#include <string.h>

#include <acpi.h>
#include <json.h>

static void gas_json(struct json_writer *w, const char *key, const struct acpi_gas *g)
{
	json_object(w, key);
	json_string(w, "space", g->space_id == ACPI_GAS_IO       ? "io"
			       : g->space_id == ACPI_GAS_MEMORY ? "mem"
			       : g->space_id == ACPI_GAS_PCI_CONFIG ? "pci_config"
								 : "other");
	json_uint(w, "address", g->address);
	json_uint(w, "bit_width", g->bit_width);
	json_end(w);
}

/* One table of the list; the FACS has no OEM fields (its header is not the common one). */
static void desc_json(struct json_writer *w, const struct acpi_table_desc *d)
{
	bool facs = !memcmp(d->sig, "FACS", 4);

	json_object(w, NULL);
	json_string(w, "sig", d->sig);
	json_uint(w, "pa", d->pa);
	json_uint(w, "length", d->length);
	if (facs) {
		json_null(w, "revision");
		json_null(w, "oem_id");
		json_null(w, "oem_table_id");
		json_null(w, "oem_revision");
		json_null(w, "creator_id");
		json_null(w, "creator_revision");
	} else {
		json_uint(w, "revision", d->revision);
		json_string(w, "oem_id", d->oem_id);
		json_string(w, "oem_table_id", d->oem_table_id);
		json_uint(w, "oem_revision", d->oem_revision);
		json_string(w, "creator_id", d->creator_id);
		json_uint(w, "creator_revision", d->creator_revision);
	}
	json_end(w);
}

static void madt_json(struct json_writer *w, const struct acpi_info *a)
{
	json_object(w, "madt");
	json_uint(w, "lapic", a->lapic_pa);
	json_bool(w, "lapic_override", a->lapic_override);
	json_uint(w, "cpus", a->nr_cpus);
	json_array(w, "cpu_apic_ids");
	for (unsigned i = 0; i < a->nr_cpus && i < ACPI_MAX_CPUS; i++)
		json_uint(w, NULL, a->cpu_apic_id[i]);
	json_end(w);
	json_array(w, "ioapics");
	for (unsigned i = 0; i < a->nr_ioapics; i++) {
		json_object(w, NULL);
		json_uint(w, "id", a->ioapics[i].id);
		json_uint(w, "pa", a->ioapics[i].pa);
		json_uint(w, "gsi_base", a->ioapics[i].gsi_base);
		json_end(w);
	}
	json_end(w);
	json_bool(w, "pcat_compat", a->madt_flags & ACPI_MADT_PCAT_COMPAT);
	json_end(w);
}

static void fadt_json(struct json_writer *w, const struct acpi_info *a)
{
	json_object(w, "fadt");
	json_uint(w, "revision", a->fadt_revision);
	json_uint(w, "sci_irq", a->sci_irq);
	json_uint(w, "iapc_boot_arch", a->iapc_boot_arch);
	gas_json(w, "pm1a_cnt", &a->pm1a_cnt);
	if (a->pm1b_cnt.address)
		gas_json(w, "pm1b_cnt", &a->pm1b_cnt);
	else
		json_null(w, "pm1b_cnt");
	if (a->pm_tmr.address)
		gas_json(w, "pm_tmr", &a->pm_tmr);
	else
		json_null(w, "pm_tmr");
	if (a->have_reset_reg) {
		gas_json(w, "reset_reg", &a->reset_reg);
		json_uint(w, "reset_value", a->reset_value);
	} else {
		json_null(w, "reset_reg");
		json_null(w, "reset_value");
	}
	json_end(w);
}

void acpi_json(struct json_writer *w, const struct acpi_info *a)
{
	json_bool(w, "present", a->present);
	if (!a->present)
		return;
	json_object(w, "rsdp");
	json_uint(w, "pa", a->rsdp_pa);
	json_uint(w, "revision", a->rsdp_revision);
	json_string(w, "oem_id", a->rsdp_oem_id);
	json_bool(w, "from_loader", a->rsdp_from_loader);
	json_end(w);
	json_array(w, "tables");
	if (a->root.pa)
		desc_json(w, &a->root);
	for (unsigned i = 0; i < a->nr_tables; i++)
		desc_json(w, &a->tables[i]);
	json_end(w);
	if (a->have_madt)
		madt_json(w, a);
	else
		json_null(w, "madt");
	if (a->have_fadt)
		fadt_json(w, a);
	else
		json_null(w, "fadt");
	if (a->have_s5) {
		json_object(w, "s5");
		json_uint(w, "slp_typa", a->s5_slp_typa);
		json_uint(w, "slp_typb", a->s5_slp_typb);
		json_end(w);
	} else {
		json_null(w, "s5");
	}
	if (a->have_spcr) {
		json_object(w, "spcr");
		json_uint(w, "interface", a->spcr_interface);
		gas_json(w, "base", &a->spcr_base);
		json_uint(w, "irq", a->spcr_irq);
		json_uint(w, "gsi", a->spcr_gsi);
		json_uint(w, "baud", a->spcr_baud);
		json_end(w);
	} else {
		json_null(w, "spcr");
	}
	json_array(w, "mcfg");
	for (unsigned i = 0; i < a->nr_mcfg; i++) {
		json_object(w, NULL);
		json_uint(w, "segment", a->mcfg[i].segment);
		json_uint(w, "bus_start", a->mcfg[i].bus_start);
		json_uint(w, "bus_end", a->mcfg[i].bus_end);
		json_uint(w, "base", a->mcfg[i].base);
		json_end(w);
	}
	json_end(w);
	if (a->have_hpet) {
		json_object(w, "hpet");
		json_uint(w, "number", a->hpet_number);
		json_uint(w, "base", a->hpet_base.address);
		json_uint(w, "min_tick", a->hpet_min_tick);
		json_end(w);
	} else {
		json_null(w, "hpet");
	}
	json_array(w, "warnings");
	for (unsigned i = 0; i < a->nr_warnings && i < ACPI_MAX_WARNINGS; i++)
		json_string(w, NULL, a->warnings[i]);
	json_end(w);
}

bool acpi_dump_json(struct json_writer *w, const struct acpi_reader *r,
		    const struct acpi_table_desc *t)
{
	uint8_t chunk[64];
	uint32_t off;

	json_object(w, NULL);
	json_string(w, "sig", t->sig);
	json_uint(w, "pa", t->pa);
	json_uint(w, "length", t->length);
	json_key(w, "data");
	fputc('"', w->out);
	for (off = 0; off < t->length; off += sizeof(chunk)) {
		uint32_t n = t->length - off < sizeof(chunk) ? t->length - off : sizeof(chunk);

		if (!r->read(r->ctx, t->pa + off, chunk, n))
			break;
		for (uint32_t i = 0; i < n; i++)
			fprintf(w->out, "%02x", chunk[i]);
	}
	fputc('"', w->out);
	if (off < t->length)
		json_uint(w, "unreadable_from", off);
	else
		json_null(w, "unreadable_from");
	json_end(w);
	return off >= t->length;
}
