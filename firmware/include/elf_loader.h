/*
 * The ELF32 formats the loader (firmware/proc/elf.c) reads, and its checks of
 * them as pure functions over the bytes of the file headers, so that they
 * can be tested and fuzzed on the host (tests/fuzz/fuzz_elf.c) without an
 * address space.  Only what the loader accepts is described: a 32-bit,
 * little-endian i386 executable (ET_EXEC) with 1 to ELF_MAX_PHDRS program
 * headers.
 */
#ifndef FIRMWARE_ELF_LOADER_H
#define FIRMWARE_ELF_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include <hal/page.h>
#include <mm/mman.h>

#define EI_NIDENT 16
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define ET_EXEC 2
#define EM_386 3

/* Program headers the loader reads at most. */
#define ELF_MAX_PHDRS 16
/* The initial stack: ELF_STACK_INITIAL bytes ending at STACK_TOP; no segment may reach it. */
#define ELF_STACK_INITIAL (16 * PAGE_SIZE)
#define ELF_STACK_BOTTOM (STACK_TOP - ELF_STACK_INITIAL)

struct elf32_ehdr {
	unsigned char e_ident[EI_NIDENT];
	uint16_t e_type, e_machine;
	uint32_t e_version, e_entry, e_phoff, e_shoff, e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf32_phdr {
	uint32_t p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
};

/* What elf_check() derives from the program headers for the new address space. */
struct elf_layout {
	uint32_t entry;
	/* executable segments: lowest p_vaddr, highest p_vaddr + p_filesz */
	uint32_t start_code, end_code;
	/* the others (start_data = end_code when there are none) */
	uint32_t start_data, end_data;
	/* highest p_vaddr + p_memsz: the heap starts at the next page */
	uint32_t end;
};

/*
 * 0 when eh is an ELF32 little-endian i386 executable with 1..ELF_MAX_PHDRS program headers of the
 * right size, else -ENOEXEC.
 */
int elf_check_header(const struct elf32_ehdr *eh);

/*
 * Check eh and its e_phnum program headers ph of a file of file_size bytes (every PT_LOAD inside
 * the file, between MMAP_MIN_ADDR and the stack, in ascending order without sharing a page, file
 * and memory offsets congruent, the entry inside the file bytes of an executable segment); 0 and
 * *lay, or -ENOEXEC.
 */
int elf_check(const struct elf32_ehdr *eh, const struct elf32_phdr *ph, uint64_t file_size, struct elf_layout *lay);

#endif
