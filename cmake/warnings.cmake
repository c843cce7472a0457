# Warnings for the project's own code: every warning is an error, but for one: a function declared
# twice (-Wredundant-decls) stays a warning while mm/ still declares vmalloc_meminfo() in two
# headers; tests/tools/check_decls.py (ctest decls.*) fails on that meanwhile.  Drop
# -Wno-error=redundant-decls once decls.mm passes.
set(HIGHMEM_WARNINGS -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wmissing-declarations -Wredundant-decls -Wno-error=redundant-decls
    -Wpointer-arith -Wundef -Wvla -Wno-unused-parameter)

# The image's own code runs with a stack canary (newlib, built apart, does not): a global guard,
# __stack_chk_guard, seeded per boot by hal_cpu_probe(); firmware/trap/stackprotector.c reports a
# smash.
set(HIGHMEM_IMAGE_HARDENING -fstack-protector-strong -mstack-protector-guard=global)

# highmem_warnings(TARGET): apply the project's warning set (and, in the image, its hardening flags)
# to TARGET.
function(highmem_warnings target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:C>:${HIGHMEM_WARNINGS}>)
  if(HIGHMEM_IMAGE)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:C>:${HIGHMEM_IMAGE_HARDENING}>)
  endif()
endfunction()
