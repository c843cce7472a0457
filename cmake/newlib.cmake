# newlib 3.3, the image's C library, built once per build tree from Debian's
# newlib-source tarball with the image's own compiler and flags.
include(ExternalProject)

set(NEWLIB_TARBALL /usr/src/newlib/newlib-3.3.0.tar.xz CACHE FILEPATH "newlib source tarball (Debian newlib-source)")
if(NOT EXISTS ${NEWLIB_TARBALL})
  message(FATAL_ERROR "newlib source not found at ${NEWLIB_TARBALL}: run cmake/setup.sh (installs newlib-source)")
endif()

# HIGHMEM_NEWLIB_PREFIX: use a newlib another build tree installed (the PAE image reuses the
# 2-level image's, cmake/image.cmake) instead of building it again.
set(HIGHMEM_NEWLIB_PREFIX "" CACHE PATH "Install prefix of an already built newlib to reuse (empty: build it here)")
if(HIGHMEM_NEWLIB_PREFIX)
  set(NEWLIB_PREFIX ${HIGHMEM_NEWLIB_PREFIX})
else()
  set(NEWLIB_PREFIX ${CMAKE_BINARY_DIR}/newlib)
endif()
set(NEWLIB_TARGET_CC "${CMAKE_C_COMPILER} ${HIGHMEM_ARCH_FLAGS} -ffreestanding -fno-pic -fno-pie -fno-stack-protector")
set(NEWLIB_LIBC ${NEWLIB_PREFIX}/i686-elf/lib/libc.a)
set(NEWLIB_LIBM ${NEWLIB_PREFIX}/i686-elf/lib/libm.a)

# Nano malloc keeps the heap small; the full printf family is kept because 64-bit physical
# addresses need %llx, which nano formatted I/O lacks.  The syscalls are ours
# (firmware/libc/syscalls.c).
if(HIGHMEM_NEWLIB_PREFIX)
  add_custom_target(newlib)
else()
  ExternalProject_Add(newlib
    URL ${NEWLIB_TARBALL}
    DOWNLOAD_EXTRACT_TIMESTAMP ON
    PREFIX ${CMAKE_BINARY_DIR}/newlib-build
    CONFIGURE_COMMAND <SOURCE_DIR>/configure --target=i686-elf --prefix=${NEWLIB_PREFIX}
      --disable-multilib --disable-nls --disable-newlib-supplied-syscalls
      --enable-newlib-nano-malloc --disable-newlib-nano-formatted-io
      --enable-newlib-io-long-long --enable-newlib-io-c99-formats
      "CC_FOR_TARGET=${NEWLIB_TARGET_CC}"
      "AR_FOR_TARGET=${CMAKE_AR}" "RANLIB_FOR_TARGET=${CMAKE_RANLIB}"
      "CFLAGS_FOR_TARGET=-O2 -g"
    BUILD_COMMAND make -j2 all-target-newlib
    INSTALL_COMMAND make install-target-newlib
    BUILD_BYPRODUCTS ${NEWLIB_LIBC} ${NEWLIB_LIBM}
    LOG_CONFIGURE ON
    LOG_BUILD ON
    LOG_INSTALL ON
    LOG_OUTPUT_ON_FAILURE ON
  )
endif()

# newlib's headers and libraries as one target to link against.
add_library(newlib_c INTERFACE)
add_dependencies(newlib_c newlib)
file(MAKE_DIRECTORY ${NEWLIB_PREFIX}/i686-elf/include)
target_include_directories(newlib_c SYSTEM INTERFACE ${NEWLIB_PREFIX}/i686-elf/include)

# libgcc of the target compiler (64-bit division and friends).
separate_arguments(HIGHMEM_TARGET_FLAG_LIST UNIX_COMMAND "${HIGHMEM_TARGET_FLAGS}")
execute_process(COMMAND ${CMAKE_C_COMPILER} ${HIGHMEM_TARGET_FLAG_LIST} -print-libgcc-file-name
  OUTPUT_VARIABLE HIGHMEM_LIBGCC OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT EXISTS "${HIGHMEM_LIBGCC}")
  message(FATAL_ERROR "no 32-bit libgcc for ${CMAKE_C_COMPILER} (got '${HIGHMEM_LIBGCC}'): run cmake/setup.sh (gcc-multilib)")
endif()

# Compile flags for everything in the image: newlib's headers, not the host's.
add_library(highmem_image_flags INTERFACE)
target_link_libraries(highmem_image_flags INTERFACE newlib_c)
target_compile_options(highmem_image_flags INTERFACE -nostdinc
  "SHELL:-isystem ${NEWLIB_PREFIX}/i686-elf/include")
execute_process(COMMAND ${CMAKE_C_COMPILER} ${HIGHMEM_TARGET_FLAG_LIST} -print-file-name=include
  OUTPUT_VARIABLE HIGHMEM_GCC_INCLUDE OUTPUT_STRIP_TRAILING_WHITESPACE)
target_compile_options(highmem_image_flags INTERFACE "SHELL:-isystem ${HIGHMEM_GCC_INCLUDE}")
