# Host code runs under AddressSanitizer and UndefinedBehaviorSanitizer;
# any report aborts the test.
option(HIGHMEM_SANITIZE "Build host tests with ASan and UBSan" ON)
add_library(highmem_sanitizers INTERFACE)
if(HIGHMEM_SANITIZE)
  target_compile_options(highmem_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(highmem_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
