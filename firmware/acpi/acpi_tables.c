/*
 * The ACPI table parser (firmware/include/acpi.h).  Pure code: no table is
 * trusted before its length and checksum are checked through the reader,
 * and nothing larger than one MADT entry or one FADT is held at a time, so
 * a table of any size is read in small pieces.
 */
#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include <acpi.h>
#include <le_bytes.h>

#define CHUNK 256u
/* Where the BIOS Data Area keeps the EBDA's real-mode segment. */
#define BDA_EBDA_SEGMENT 0x40Eu
#define BIOS_ROM_START 0xE0000u
#define BIOS_ROM_END 0x100000u

static struct acpi_gas get_gas(const uint8_t *p)
{
	return (struct acpi_gas){ p[0], p[1], p[2], p[3], le64_get(p + 4) };
}

static void warn(struct acpi_info *info, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void warn(struct acpi_info *info, const char *fmt, ...)
{
	va_list ap;

	if (info->nr_warnings >= ACPI_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(info->warnings[info->nr_warnings++], sizeof(info->warnings[0]), fmt, ap);
	va_end(ap);
}

/* Copy n characters of an ID field, printable ones only, NUL-terminated. */
static void copy_id(char *dst, const uint8_t *src, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		dst[i] = isprint(src[i]) ? (char)src[i] : (src[i] ? '?' : ' ');
	dst[n] = '\0';
}

static bool sig_ok(const uint8_t *s)
{
	for (unsigned i = 0; i < 4; i++)
		if (!(isupper(s[i]) || isdigit(s[i]) || s[i] == '_'))
			return false;
	return true;
}

bool acpi_rsdp_valid(const uint8_t *buf, uint32_t len)
{
	uint32_t xlen;

	if (len < 20 || memcmp(buf, ACPI_SIG_RSDP, 8) != 0 || byte_sum(buf, 20) != 0)
		return false;
	if (buf[15] < 2)
		return true;
	xlen = le32_get(buf + 20);
	return len >= 36 && xlen >= 36 && xlen <= len && byte_sum(buf, xlen) == 0;
}

static void take_rsdp(struct acpi_info *info, const uint8_t *b)
{
	info->present = true;
	info->rsdp_revision = b[15];
	copy_id(info->rsdp_oem_id, b + 9, 6);
	info->use_xsdt = b[15] >= 2 && le64_get(b + 24) != 0;
	info->root.pa = info->use_xsdt ? le64_get(b + 24) : le32_get(b + 16);
}

/* Look for a valid RSDP on 16-byte boundaries in [start, end). */
static bool scan_area(const struct acpi_reader *r, uint32_t start, uint32_t end,
		      struct acpi_info *info)
{
	uint8_t buf[CHUNK + 36];

	for (uint32_t base = start; base < end; base += CHUNK) {
		uint32_t n = end - base < CHUNK ? end - base : CHUNK;
		uint32_t avail = n;

		if (!r->read(r->ctx, base, buf, n))
			continue;
		/* A candidate near the end of the chunk needs its 36 bytes: read past if we can. */
		if (base + n + 36 <= BIOS_ROM_END && r->read(r->ctx, base + n, buf + n, 36))
			avail = n + 36;
		for (uint32_t off = 0; off < n; off += 16) {
			uint32_t left = avail - off;

			if (memcmp(buf + off, ACPI_SIG_RSDP, 8) == 0 &&
			    acpi_rsdp_valid(buf + off, left > 36 ? 36 : left)) {
				take_rsdp(info, buf + off);
				info->rsdp_pa = base + off;
				return true;
			}
		}
	}
	return false;
}

bool acpi_find_rsdp(const struct acpi_reader *r, const uint8_t *boot_rsdp, uint32_t boot_len,
		    bool scan, struct acpi_info *info)
{
	uint8_t seg[2];

	if (boot_rsdp && boot_len) {
		if (acpi_rsdp_valid(boot_rsdp, boot_len)) {
			take_rsdp(info, boot_rsdp);
			info->rsdp_from_loader = true;
			return true;
		}
		warn(info,
		     "the loader's copy of the RSDP is invalid (signature or checksum); ignored");
	}
	if (!scan)
		return false;
	if (r->read(r->ctx, BDA_EBDA_SEGMENT, seg, 2)) {
		uint32_t ebda = (uint32_t)le16_get(seg) << 4;

		if (ebda >= 0x80000 && ebda < 0xA0000 && scan_area(r, ebda, ebda + 1024, info))
			return true;
	}
	return scan_area(r, BIOS_ROM_START, BIOS_ROM_END, info);
}

/* Check the table at pa (header, length, reachability, checksum, signature) and fill d; false
 * (warned) if it fails. */
static bool check_table(const struct acpi_reader *r, uint64_t pa, const char *want,
			const char *what, struct acpi_info *info, struct acpi_table_desc *d)
{
	uint8_t h[ACPI_HEADER_LEN], buf[CHUNK], s;
	uint32_t len;

	if (pa == 0 || !r->read(r->ctx, pa, h, sizeof(h))) {
		warn(info, "%s at 0x%llx cannot be read (not in RAM or reserved space); ignored",
		     what, (unsigned long long)pa);
		return false;
	}
	if (!sig_ok(h) || (want && memcmp(h, want, 4) != 0)) {
		warn(info, "%s at 0x%llx has signature %02x%02x%02x%02x%s%s; ignored", what,
		     (unsigned long long)pa, h[0], h[1], h[2], h[3], want ? ", expected " : "",
		     want ? want : "");
		return false;
	}
	len = le32_get(h + 4);
	if (len < ACPI_HEADER_LEN || len > ACPI_MAX_TABLE_LEN) {
		warn(info, "%.4s at 0x%llx has length %u; ignored", (const char *)h,
		     (unsigned long long)pa, len);
		return false;
	}
	s = 0;
	for (uint32_t off = 0; off < len; off += CHUNK) {
		uint32_t n = len - off < CHUNK ? len - off : CHUNK;

		if (!r->read(r->ctx, pa + off, buf, n)) {
			warn(info,
			     "%.4s at 0x%llx: length %u runs past readable memory at +0x%x; "
			     "ignored",
			     (const char *)h, (unsigned long long)pa, len, off);
			return false;
		}
		s = (uint8_t)(s + byte_sum(buf, n));
	}
	if (s != 0) {
		warn(info, "%.4s at 0x%llx: bad checksum (sum 0x%02x); ignored", (const char *)h,
		     (unsigned long long)pa, s);
		return false;
	}
	memset(d, 0, sizeof(*d));
	memcpy(d->sig, h, 4);
	d->pa = pa;
	d->length = len;
	d->revision = h[8];
	copy_id(d->oem_id, h + 10, 6);
	copy_id(d->oem_table_id, h + 16, 8);
	d->oem_revision = le32_get(h + 24);
	copy_id(d->creator_id, h + 28, 4);
	d->creator_revision = le32_get(h + 32);
	return true;
}

static bool listed(const struct acpi_info *info, uint64_t pa)
{
	if (pa == info->root.pa)
		return true;
	for (unsigned i = 0; i < info->nr_tables; i++)
		if (info->tables[i].pa == pa)
			return true;
	return false;
}

static void add_table(struct acpi_info *info, const struct acpi_table_desc *d)
{
	if (info->nr_tables < ACPI_MAX_TABLES)
		info->tables[info->nr_tables++] = *d;
	else
		warn(info, "more than %u tables; %s at 0x%llx not kept", ACPI_MAX_TABLES, d->sig,
		     (unsigned long long)d->pa);
}

const struct acpi_table_desc *acpi_find_table(const struct acpi_info *info, const char *sig)
{
	for (unsigned i = 0; i < info->nr_tables; i++)
		if (memcmp(info->tables[i].sig, sig, 4) == 0)
			return &info->tables[i];
	return NULL;
}

/* Read the fixed part of table t (up to cap bytes, zero-filled past its length) into buf. */
static bool read_fixed(const struct acpi_reader *r, const struct acpi_table_desc *t, uint8_t *buf,
		       uint32_t cap)
{
	uint32_t n = t->length < cap ? t->length : cap;

	memset(buf, 0, cap);
	return r->read(r->ctx, t->pa, buf, n);
}

static void parse_madt(const struct acpi_reader *r, const struct acpi_table_desc *t,
		       struct acpi_info *info)
{
	uint8_t e[256];
	uint32_t off = 44;

	if (t->length < 44 || !read_fixed(r, t, e, 44)) {
		warn(info, "APIC: length %u too short for the MADT; ignored", t->length);
		return;
	}
	info->have_madt = true;
	info->lapic_pa = le32_get(e + 36);
	info->madt_flags = le32_get(e + 40);
	while (off + 2 <= t->length) {
		uint8_t type, len;

		if (!r->read(r->ctx, t->pa + off, e, 2))
			break;
		type = e[0];
		len = e[1];
		if (len < 2 || off + len > t->length) {
			warn(info,
			     "APIC: entry type %u at +0x%x has length %u (table ends at 0x%x); "
			     "rest ignored",
			     type, off, len, t->length);
			break;
		}
		if (!r->read(r->ctx, t->pa + off, e, len))
			break;
		switch (type) {
		case 0: /* Processor Local APIC */
			if (len >= 8 && (le32_get(e + 4) & 1) && info->nr_cpus < ACPI_MAX_CPUS)
				info->cpu_apic_id[info->nr_cpus++] = e[3];
			break;
		case 1: /* I/O APIC */
			if (len < 12)
				warn(info,
				     "APIC: IO-APIC entry at +0x%x is %u bytes, not 12; ignored",
				     off, len);
			else if (info->nr_ioapics < ACPI_MAX_IOAPICS)
				info->ioapics[info->nr_ioapics++] =
					(struct acpi_ioapic){ e[2], le32_get(e + 4), le32_get(e + 8) };
			else
				warn(info, "APIC: more than %u IO-APICs; 0x%x ignored",
				     ACPI_MAX_IOAPICS, le32_get(e + 4));
			break;
		case 2: /* Interrupt Source Override */
			if (len >= 10 && info->nr_overrides < ACPI_MAX_OVERRIDES)
				info->overrides[info->nr_overrides++] =
					(struct acpi_override){ e[3], le32_get(e + 4), le16_get(e + 8) };
			break;
		case 5: /* Local APIC Address Override */
			if (len >= 12) {
				info->lapic_pa = le64_get(e + 4);
				info->lapic_override = true;
			}
			break;
		case 9: /* Processor Local x2APIC */
			if (len >= 16 && (le32_get(e + 8) & 1) && info->nr_cpus < ACPI_MAX_CPUS)
				info->cpu_apic_id[info->nr_cpus++] = le32_get(e + 4);
			break;
		default:
			break;
		}
		off += len;
	}
}

/* A legacy 32-bit I/O block as a GAS of bytes bytes, or an empty GAS for port 0. */
static struct acpi_gas io_gas(uint32_t port, unsigned bytes)
{
	return (struct acpi_gas){ port ? ACPI_GAS_IO : 0, (uint8_t)(bytes * 8), 0, 0, port };
}

/* Scan the DSDT for \_S5 in overlapping windows, so that no package straddles a window unseen. */
static void find_s5_in(const struct acpi_reader *r, const struct acpi_table_desc *dsdt,
		       struct acpi_info *info)
{
	enum {
		WIN = 1024,
		OVERLAP = 64
	};
	uint8_t buf[WIN];

	/* Each window starts two bytes early: the NameOp and root prefix in front of a name at its
	 * start. */
	for (uint32_t from = ACPI_HEADER_LEN - 2; from < dsdt->length; from += WIN - OVERLAP) {
		uint32_t m = dsdt->length - from < WIN ? dsdt->length - from : WIN;

		if (!r->read(r->ctx, dsdt->pa + from, buf, m))
			return;
		if (acpi_find_s5(buf, m, &info->s5_slp_typa, &info->s5_slp_typb)) {
			info->have_s5 = true;
			return;
		}
		if (from + m >= dsdt->length)
			return;
	}
}

static void parse_fadt(const struct acpi_reader *r, const struct acpi_table_desc *t,
		       struct acpi_info *info)
{
	uint8_t f[276];
	uint64_t dsdt;
	struct acpi_table_desc d;

	if (t->length < 116 || !read_fixed(r, t, f, sizeof(f))) {
		warn(info, "FACP: length %u too short for a FADT (116); ignored", t->length);
		return;
	}
	info->have_fadt = true;
	info->fadt_revision = t->revision;
	info->sci_irq = le16_get(f + 46);
	info->fadt_flags = le32_get(f + 112);
	info->pm1_cnt_len = f[89];
	info->pm1a_cnt = io_gas(le32_get(f + 64), f[89]);
	info->pm1b_cnt = io_gas(le32_get(f + 68), f[89]);
	info->pm_tmr = io_gas(le32_get(f + 76), f[91]);
	info->pm_tmr_32bit = (info->fadt_flags & (1u << 8)) != 0;
	dsdt = le32_get(f + 40);
	if (t->revision >= 2 && t->length >= 111)
		info->iapc_boot_arch = le16_get(f + 109);
	if (t->length >= 129 && (info->fadt_flags & ACPI_FADT_RESET_REG_SUP)) {
		info->reset_reg = get_gas(f + 116);
		info->reset_value = f[128];
		info->have_reset_reg = info->reset_reg.address != 0;
	}
	if (t->length >= 148 && le64_get(f + 140))
		dsdt = le64_get(f + 140);
	if (t->length >= 184 && get_gas(f + 172).address)
		info->pm1a_cnt = get_gas(f + 172);
	if (t->length >= 196 && get_gas(f + 184).address)
		info->pm1b_cnt = get_gas(f + 184);
	if (t->length >= 220 && get_gas(f + 208).address)
		info->pm_tmr = get_gas(f + 208);
	if (dsdt && listed(info, dsdt)) {
		warn(info,
		     "FACP: DSDT pointer 0x%llx names a table already listed (a loop); ignored",
		     (unsigned long long)dsdt);
	} else if (dsdt && check_table(r, dsdt, "DSDT", "DSDT", info, &d)) {
		info->dsdt_pa = dsdt;
		add_table(info, &d);
		find_s5_in(r, &d, info);
		if (!info->have_s5)
			warn(info, "DSDT: no \\_S5 package; poweroff cannot use ACPI S5");
	}
	{
		uint32_t facs = le32_get(f + 36);
		uint8_t h[8];

		if (t->length >= 140 && le64_get(f + 132))
			facs = (uint32_t)le64_get(f + 132);
		if (facs && !listed(info, facs) && r->read(r->ctx, facs, h, 8) &&
		    memcmp(h, "FACS", 4) == 0 && le32_get(h + 4) >= 64) {
			memset(&d, 0, sizeof(d));
			memcpy(d.sig, "FACS", 4);
			d.pa = facs;
			d.length = le32_get(h + 4);
			add_table(info, &d);
		}
	}
}

static void parse_spcr(const struct acpi_reader *r, const struct acpi_table_desc *t,
		       struct acpi_info *info)
{
	static const uint32_t bauds[8] = { 0, 0, 0, 9600, 19200, 0, 57600, 115200 };
	uint8_t s[88];

	if (t->length < 80 || !read_fixed(r, t, s, sizeof(s))) {
		warn(info, "SPCR: length %u too short (80); ignored", t->length);
		return;
	}
	info->spcr_interface = s[36];
	info->spcr_base = get_gas(s + 40);
	info->spcr_irq_type = s[52];
	info->spcr_irq = s[53];
	info->spcr_gsi = le32_get(s + 54);
	info->spcr_baud = s[58] < 8 ? bauds[s[58]] : 0;
	if (t->revision >= 3 && t->length >= 80)
		info->spcr_clock_hz = le32_get(s + 76);
	if (info->spcr_base.address == 0) {
		warn(info, "SPCR: no base address (console redirection disabled); ignored");
		return;
	}
	info->have_spcr = true;
}

static void parse_mcfg(const struct acpi_reader *r, const struct acpi_table_desc *t,
		       struct acpi_info *info)
{
	uint8_t e[16];

	for (uint32_t off = 44; off + 16 <= t->length && info->nr_mcfg < ACPI_MAX_MCFG; off += 16) {
		if (!r->read(r->ctx, t->pa + off, e, 16))
			return;
		info->mcfg[info->nr_mcfg++] =
			(struct acpi_mcfg_entry){ le64_get(e), le16_get(e + 8), e[10], e[11] };
	}
}

static void parse_hpet(const struct acpi_reader *r, const struct acpi_table_desc *t,
		       struct acpi_info *info)
{
	uint8_t h[56];

	if (t->length < 56 || !read_fixed(r, t, h, sizeof(h))) {
		warn(info, "HPET: length %u too short (56); ignored", t->length);
		return;
	}
	info->hpet_base = get_gas(h + 40);
	info->hpet_number = h[52];
	info->hpet_min_tick = le16_get(h + 53);
	info->have_hpet = info->hpet_base.address != 0;
}

void acpi_parse_tables(const struct acpi_reader *r, struct acpi_info *info)
{
	const char *root = info->use_xsdt ? "XSDT" : "RSDT";
	unsigned esize = info->use_xsdt ? 8 : 4, n;
	uint64_t root_pa = info->root.pa;
	const struct acpi_table_desc *t;

	if (!info->present)
		return;
	if (!check_table(r, root_pa, root, root, info, &info->root)) {
		info->root.pa = 0;
		return;
	}
	n = (info->root.length - ACPI_HEADER_LEN) / esize;
	if ((info->root.length - ACPI_HEADER_LEN) % esize)
		warn(info,
		     "%s: length %u is not a whole number of entries; the odd bytes are ignored",
		     root, info->root.length);
	for (unsigned i = 0; i < n; i++) {
		uint8_t e[8];
		uint64_t pa;
		struct acpi_table_desc d;

		if (!r->read(r->ctx, root_pa + ACPI_HEADER_LEN + i * esize, e, esize))
			break;
		pa = esize == 8 ? le64_get(e) : le32_get(e);
		if (pa == root_pa) {
			warn(info, "%s: entry %u points back at the %s itself (a loop); ignored",
			     root, i, root);
			continue;
		}
		if (listed(info, pa)) {
			warn(info, "%s: entry %u repeats table 0x%llx (a loop); ignored", root, i,
			     (unsigned long long)pa);
			continue;
		}
		if (check_table(r, pa, NULL, "table", info, &d)) {
			if (!memcmp(d.sig, "RSDT", 4) || !memcmp(d.sig, "XSDT", 4)) {
				warn(info, "%s: entry %u is a %s (a loop); ignored", root, i,
				     d.sig);
				continue;
			}
			add_table(info, &d);
		}
	}
	/* The FADT first: it adds the DSDT and FACS to the list. */
	if ((t = acpi_find_table(info, "FACP")))
		parse_fadt(r, t, info);
	if ((t = acpi_find_table(info, "APIC")))
		parse_madt(r, t, info);
	if ((t = acpi_find_table(info, "SPCR")))
		parse_spcr(r, t, info);
	if ((t = acpi_find_table(info, "MCFG")))
		parse_mcfg(r, t, info);
	if ((t = acpi_find_table(info, "HPET")))
		parse_hpet(r, t, info);
}

bool acpi_parse(const struct acpi_reader *r, const uint8_t *boot_rsdp, uint32_t boot_len, bool scan,
		struct acpi_info *info)
{
	memset(info, 0, sizeof(*info));
	if (!acpi_find_rsdp(r, boot_rsdp, boot_len, scan, info))
		return false;
	acpi_parse_tables(r, info);
	return true;
}
