/*
 * What the image occupies, from the linker script's symbols: its sections for the layout
 * report and check, and the text and read-only bounds the page-table checker holds the
 * mappings to.
 */
#include <firmware.h>
#include <hal/mmu.h>
#include <mm/layout.h>
#include <mm/layout_report.h>
#include <mm/debug/mmcheck.h>

void firmware_kernel_sections(struct kernel_sections *ks)
{
	ks->text_start = hal_ptr_va(_text);
	ks->text_end = hal_ptr_va(_etext);
	ks->init_start = hal_ptr_va(__init_begin);
	ks->init_end = hal_ptr_va(__init_end);
	ks->data_start = hal_ptr_va(__rodata_start);
	ks->data_end = hal_ptr_va(_edata);
}

void firmware_mmcheck_image(struct mmcheck_image *img)
{
	img->text_start = hal_ptr_va(_text);
	img->text_end = hal_ptr_va(__init_end);
	img->ro_end = hal_ptr_va(__rodata_end);
}
