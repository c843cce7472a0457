/*
 * PCI configuration space through configuration mechanism #1: the address
 * register at port 0xCF8 selects bus/device/function/register, the data
 * register at 0xCFC reads or writes that dword.  Every PC chipset since the
 * i440FX and the Quark X1000's host bridge implement it.  Port I/O works from
 * the first instruction, so the scanner may run before memory management (the
 * Galileo console is found this way).  No locking: callers are single-threaded
 * or run with interrupts off.
 */
#ifndef HAL_PCI_H
#define HAL_PCI_H

#include <stdbool.h>
#include <stdint.h>

/* Standard configuration-header offsets (type 0 header unless noted). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
/* revision in bits 7:0, prog-if 15:8, subclass 23:16, class 31:24 */
#define PCI_CLASS_REVISION 0x08
#define PCI_HEADER_TYPE 0x0E
#define PCI_BAR0 0x10
#define PCI_SECONDARY_BUS 0x19 /* type 1 (bridge) header */

#define PCI_COMMAND_IO 0x1u
#define PCI_COMMAND_MEMORY 0x2u
#define PCI_HEADER_MULTIFUNCTION 0x80u
#define PCI_VENDOR_NONE 0xFFFFu

/* One function found by the scanner. */
struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class_code; /* base class, e.g. 0x07 for communication controllers */
	uint8_t subclass;   /* e.g. 0x00 for a 16550-compatible serial controller */
	uint8_t prog_if;
	uint8_t revision;
	uint8_t header_type; /* without the multifunction bit: 0 device, 1 PCI bridge, 2 CardBus */
};

/* One decoded base address register. */
struct pci_bar {
	uint64_t base;   /* bus address (I/O port or memory) with the flag bits cleared */
	uint64_t size;   /* decoded size in bytes, 0 when not sized or not implemented */
	bool is_io;      /* I/O space rather than memory space */
	bool is_64;      /* a 64-bit memory BAR that also uses the next register */
	bool prefetch;   /* prefetchable memory */
};

/* Read the 32-bit configuration register at off (dword aligned) of bus:dev.fn. */
uint32_t pci_read32(unsigned bus, unsigned dev, unsigned fn, unsigned off);

/* Read the 16-bit configuration register at off (2-byte aligned). */
uint16_t pci_read16(unsigned bus, unsigned dev, unsigned fn, unsigned off);

/* Read the 8-bit configuration register at off. */
uint8_t pci_read8(unsigned bus, unsigned dev, unsigned fn, unsigned off);

/* Write the 32-bit configuration register at off (dword aligned) of bus:dev.fn. */
void pci_write32(unsigned bus, unsigned dev, unsigned fn, unsigned off, uint32_t v);

/*
 * Write the 16-bit configuration register at off (2-byte aligned), keeping the other half of its
 * dword.
 */
void pci_write16(unsigned bus, unsigned dev, unsigned fn, unsigned off, uint16_t v);

/* True when configuration mechanism #1 answers (the address register keeps its enable bit). */
bool pci_present(void);

/* Called for each function found; return false to stop the scan. */
typedef bool (*pci_visit_fn)(const struct pci_dev *d, void *ctx);

/*
 * Visit every function on buses 0..255 in bus/device/function order (functions 1-7 only of
 * multifunction devices); returns how many were visited.
 */
unsigned pci_scan(pci_visit_fn fn, void *ctx);

/* Find the index-th (0-based, scan order) function with vendor:device; false if there is none. */
bool pci_find_device(uint16_t vendor, uint16_t device, unsigned index, struct pci_dev *out);

/*
 * Find the index-th function of base class class_code and subclass (0xFF matches any subclass);
 * false if there is none.
 */
bool pci_find_class(uint8_t class_code, uint8_t subclass, unsigned index, struct pci_dev *out);

/* Fill d from the configuration header of bus:dev.fn; false if no function answers there. */
bool pci_read_dev(unsigned bus, unsigned dev, unsigned fn, struct pci_dev *d);

/*
 * Decode base address register bar (0-5 for devices, 0-1 for bridges) of d;
 * with size, also size it by the usual write-all-ones probe with decoding
 * briefly turned off in the command register (do not size a BAR the caller is
 * using at that moment).  Returns false for an unimplemented BAR, an index out
 * of range, or the upper half of a 64-bit BAR.
 */
bool pci_read_bar(const struct pci_dev *d, unsigned bar, bool size, struct pci_bar *out);

/* Turn on memory-space decoding (and bus mastering if master) in d's command register. */
void pci_enable_memory(const struct pci_dev *d, bool master);

#endif
