# Warnings for the project's own code: every warning is an error.
set(HIGHMEM_WARNINGS -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wpointer-arith -Wundef -Wvla -Wno-unused-parameter)

# highmem_warnings(TARGET): apply the project's warning set to TARGET.
function(highmem_warnings target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:C>:${HIGHMEM_WARNINGS}>)
endfunction()
