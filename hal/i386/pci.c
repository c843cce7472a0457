/*
 * PCI configuration mechanism #1 and a brute-force bus scan: every bus
 * 0..255, every device 0..31, and functions 1..7 only where function 0's
 * header type has the multifunction bit.  A function is present when its
 * vendor ID reads as anything but 0xFFFF (a master abort returns all ones).
 */
#include <stddef.h>

#include <hal/io.h>
#include <hal/pci.h>

#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA 0xCFC
#define PCI_ENABLE 0x80000000u

static uint32_t config_address(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	return PCI_ENABLE | (bus & 0xFFu) << 16 | (dev & 0x1Fu) << 11 | (fn & 0x7u) << 8 | (off & 0xFCu);
}

uint32_t pci_read32(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	outl(PCI_CONFIG_ADDRESS, config_address(bus, dev, fn, off));
	return inl(PCI_CONFIG_DATA);
}

uint16_t pci_read16(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	return (uint16_t)(pci_read32(bus, dev, fn, off) >> ((off & 2u) * 8));
}

uint8_t pci_read8(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	return (uint8_t)(pci_read32(bus, dev, fn, off) >> ((off & 3u) * 8));
}

void pci_write32(unsigned bus, unsigned dev, unsigned fn, unsigned off, uint32_t v)
{
	outl(PCI_CONFIG_ADDRESS, config_address(bus, dev, fn, off));
	outl(PCI_CONFIG_DATA, v);
}

void pci_write16(unsigned bus, unsigned dev, unsigned fn, unsigned off, uint16_t v)
{
	unsigned shift = (off & 2u) * 8;
	uint32_t old = pci_read32(bus, dev, fn, off);

	old &= ~(0xFFFFu << shift);
	pci_write32(bus, dev, fn, off, old | (uint32_t)v << shift);
}

bool pci_present(void)
{
	uint32_t saved;
	bool ok;

	saved = inl(PCI_CONFIG_ADDRESS);
	outl(PCI_CONFIG_ADDRESS, PCI_ENABLE);
	ok = inl(PCI_CONFIG_ADDRESS) == PCI_ENABLE;
	outl(PCI_CONFIG_ADDRESS, saved);
	return ok;
}

bool pci_read_dev(unsigned bus, unsigned dev, unsigned fn, struct pci_dev *d)
{
	uint32_t id = pci_read32(bus, dev, fn, PCI_VENDOR_ID);
	uint32_t cr;

	if ((id & 0xFFFFu) == PCI_VENDOR_NONE || (id & 0xFFFFu) == 0)
		return false;
	cr = pci_read32(bus, dev, fn, PCI_CLASS_REVISION);
	d->bus = (uint8_t)bus;
	d->dev = (uint8_t)dev;
	d->fn = (uint8_t)fn;
	d->vendor = (uint16_t)id;
	d->device = (uint16_t)(id >> 16);
	d->revision = (uint8_t)cr;
	d->prog_if = (uint8_t)(cr >> 8);
	d->subclass = (uint8_t)(cr >> 16);
	d->class_code = (uint8_t)(cr >> 24);
	d->header_type = pci_read8(bus, dev, fn, PCI_HEADER_TYPE) & 0x7Fu;
	return true;
}

unsigned pci_scan(pci_visit_fn fn, void *ctx)
{
	unsigned n = 0;

	if (!pci_present())
		return 0;
	for (unsigned bus = 0; bus < 256; bus++) {
		for (unsigned dev = 0; dev < 32; dev++) {
			struct pci_dev d;
			unsigned nfn;

			if (!pci_read_dev(bus, dev, 0, &d))
				continue;
			nfn = pci_read8(bus, dev, 0, PCI_HEADER_TYPE) & PCI_HEADER_MULTIFUNCTION ? 8 : 1;
			for (unsigned f = 0; f < nfn; f++) {
				if (f && !pci_read_dev(bus, dev, f, &d))
					continue;
				n++;
				if (fn && !fn(&d, ctx))
					return n;
			}
		}
	}
	return n;
}

struct find_ctx {
	uint16_t vendor, device;
	uint8_t class_code, subclass;
	bool by_class;
	unsigned index;
	bool found;
	struct pci_dev *out;
};

static bool find_visit(const struct pci_dev *d, void *p)
{
	struct find_ctx *c = p;
	bool match;

	if (c->by_class)
		match = d->class_code == c->class_code && (c->subclass == 0xFF || d->subclass == c->subclass);
	else
		match = d->vendor == c->vendor && d->device == c->device;
	if (!match)
		return true;
	if (c->index--)
		return true;
	*c->out = *d;
	c->found = true;
	return false;
}

bool pci_find_device(uint16_t vendor, uint16_t device, unsigned index, struct pci_dev *out)
{
	struct find_ctx c = { .vendor = vendor, .device = device, .index = index, .out = out };

	pci_scan(find_visit, &c);
	return c.found;
}

bool pci_find_class(uint8_t class_code, uint8_t subclass, unsigned index, struct pci_dev *out)
{
	struct find_ctx c = { .class_code = class_code, .subclass = subclass, .by_class = true, .index = index, .out = out };

	pci_scan(find_visit, &c);
	return c.found;
}

/*
 * Size a BAR register pair: write all ones with decoding off, read back the writable bits, restore.
 */
static uint64_t bar_size(const struct pci_dev *d, unsigned off, bool is_io, bool is_64)
{
	uint16_t cmd = pci_read16(d->bus, d->dev, d->fn, PCI_COMMAND);
	uint32_t lo = pci_read32(d->bus, d->dev, d->fn, off);
	uint32_t hi = is_64 ? pci_read32(d->bus, d->dev, d->fn, off + 4) : 0;
	uint64_t mask;

	pci_write16(d->bus, d->dev, d->fn, PCI_COMMAND, cmd & (uint16_t)~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	pci_write32(d->bus, d->dev, d->fn, off, 0xFFFFFFFFu);
	mask = pci_read32(d->bus, d->dev, d->fn, off);
	if (is_64) {
		pci_write32(d->bus, d->dev, d->fn, off + 4, 0xFFFFFFFFu);
		mask |= (uint64_t)pci_read32(d->bus, d->dev, d->fn, off + 4) << 32;
		pci_write32(d->bus, d->dev, d->fn, off + 4, hi);
	} else {
		/* A 32-bit BAR decodes nothing above 4 GiB: treat the upper half as fixed. */
		mask |= 0xFFFFFFFF00000000ull;
	}
	pci_write32(d->bus, d->dev, d->fn, off, lo);
	pci_write16(d->bus, d->dev, d->fn, PCI_COMMAND, cmd);

	mask &= is_io ? ~(uint64_t)0x3 : ~(uint64_t)0xF;
	if (is_io)
		mask |= 0xFFFFFFFFFFFF0000ull; /* I/O BARs decode 16 bits on x86 */
	if ((mask & 0xFFFFFFFFu) == 0 && !is_64)
		return 0;
	return ~mask + 1;
}

bool pci_read_bar(const struct pci_dev *d, unsigned bar, bool size, struct pci_bar *out)
{
	unsigned nbars = d->header_type == 0 ? 6 : d->header_type == 1 ? 2 : 0;
	unsigned off = PCI_BAR0 + bar * 4;
	uint32_t v;

	if (bar >= nbars)
		return false;
	/* The upper half of a 64-bit BAR is not a BAR of its own: walk up from BAR0 to tell. */
	for (unsigned b = 0; b < bar; b++) {
		uint32_t r = pci_read32(d->bus, d->dev, d->fn, PCI_BAR0 + b * 4);

		if (!(r & 1u) && ((r >> 1) & 3u) == 2u) {
			if (b + 1 == bar)
				return false;
			b++;
		}
	}
	v = pci_read32(d->bus, d->dev, d->fn, off);
	out->is_io = v & 1u;
	out->is_64 = !out->is_io && ((v >> 1) & 3u) == 2u;
	out->prefetch = !out->is_io && (v & 8u);
	if (out->is_io)
		out->base = v & ~(uint32_t)3;
	else
		out->base = v & ~(uint32_t)0xF;
	if (out->is_64 && bar + 1 < nbars)
		out->base |= (uint64_t)pci_read32(d->bus, d->dev, d->fn, off + 4) << 32;
	out->size = size ? bar_size(d, off, out->is_io, out->is_64) : 0;
	if (v == 0 && out->size == 0)
		return false;
	return true;
}

void pci_enable_memory(const struct pci_dev *d, bool master)
{
	uint16_t cmd = pci_read16(d->bus, d->dev, d->fn, PCI_COMMAND);
	uint16_t want = (uint16_t)(cmd | PCI_COMMAND_MEMORY | (master ? 0x4u : 0u));

	if (want != cmd)
		pci_write16(d->bus, d->dev, d->fn, PCI_COMMAND, want);
}
