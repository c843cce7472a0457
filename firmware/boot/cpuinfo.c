/* The CPU's identification, features and paging mode, as boot and `cpuinfo` print them. */
#include <stdio.h>

#include <firmware.h>
#include <hal/cpu.h>
#include <hal/x86.h>
#include <json.h>
#include <timer.h>

void print_cpu(void)
{
	printf("CPU: %s %s (family %u, model %u, stepping %u)\n", hal_cpu_vendor, hal_cpu_brand,
	       (unsigned)hal_cpu_family, (unsigned)hal_cpu_model, (unsigned)hal_cpu_stepping);
	printf("CPU features:");
	for (int f = 0; f < HAL_FEAT_COUNT; f++)
		if (hal_cpu_has((enum hal_feature)f))
			printf(" %s", hal_feature_name((enum hal_feature)f));
	printf("\n");
#ifdef CONFIG_X86_PAE
	printf("Paging: PAE 64-bit entries (switched to after boot.S's 2-level map), %s, %s, %s, CR0.WP on\n",
	       hal_cpu_has(HAL_FEAT_PSE) ? "2 MiB pages for the linear map" : "4 KiB pages only (no PSE)",
	       hal_cpu_has(HAL_FEAT_PGE) ? "global kernel pages (PGE)" : "no global pages (no PGE)",
	       hal_cpu_has(HAL_FEAT_NX) ? "NX on data (EFER.NXE)" : "no NX on this CPU");
#else
	printf("Paging: 2-level 32-bit entries, %s, %s, CR0.WP on\n",
	       hal_cpu_has(HAL_FEAT_PSE) ? "4 MiB pages (PSE) for the linear map" : "4 KiB pages only (no PSE)",
	       hal_cpu_has(HAL_FEAT_PGE) ? "global kernel pages (PGE)" : "no global pages (no PGE)");
#endif
	if (hal_tsc_hz)
		printf("TSC: %llu.%03llu MHz (measured against %s)\n", (unsigned long long)(hal_tsc_hz / 1000000),
		       (unsigned long long)(hal_tsc_hz / 1000 % 1000), tsc_reference);
	else
		printf("TSC: none; timing uses PIT ticks\n");
}

void cpu_json(struct json_writer *w)
{
	json_string(w, "vendor", hal_cpu_vendor);
	json_string(w, "brand", hal_cpu_brand);
	json_uint(w, "family", hal_cpu_family);
	json_uint(w, "model", hal_cpu_model);
	json_uint(w, "stepping", hal_cpu_stepping);
	json_array(w, "features");
	for (int f = 0; f < HAL_FEAT_COUNT; f++)
		if (hal_cpu_has((enum hal_feature)f))
			json_string(w, NULL, hal_feature_name((enum hal_feature)f));
	json_end(w);
#ifdef CONFIG_X86_PAE
	json_string(w, "paging", "pae");
	json_bool(w, "nx", hal_cpu_has(HAL_FEAT_NX));
#else
	json_string(w, "paging", "2-level");
	json_bool(w, "nx", false);
#endif
	json_bool(w, "pse", hal_cpu_has(HAL_FEAT_PSE));
	json_bool(w, "pge", hal_cpu_has(HAL_FEAT_PGE));
	if (hal_tsc_hz) {
		json_uint(w, "tsc_hz", hal_tsc_hz);
		json_string(w, "tsc_reference", tsc_reference);
	} else {
		json_null(w, "tsc_hz");
		json_null(w, "tsc_reference");
	}
	json_uint(w, "cr0", read_cr0());
	json_uint(w, "cr3", read_cr3());
	json_uint(w, "cr4", read_cr4());
}
