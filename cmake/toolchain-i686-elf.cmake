# Cross toolchain for the bare-metal i686 image.
#
# Debian's gcc with -m32 -ffreestanding serves as an i686-elf compiler.  To
# use a real i686-elf cross gcc instead, change only this file: set
# HIGHMEM_CROSS_PREFIX to "i686-elf-" and HIGHMEM_TARGET_FLAGS to "".
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR i686)

set(HIGHMEM_CROSS_PREFIX "" CACHE STRING "Prefix of the cross tools (empty: the host gcc with -m32)")
# The host gcc also predefines __linux__ and __unix__, which a bare-metal
# i686-elf gcc does not; newlib's headers would then expect Linux's stdio.
set(HIGHMEM_TARGET_FLAGS "-m32 -U__linux__ -U__linux -Ulinux -U__gnu_linux__ -U__unix__ -U__unix -Uunix"
    CACHE STRING "Flags that make the compiler target bare-metal 32-bit x86")

set(CMAKE_C_COMPILER ${HIGHMEM_CROSS_PREFIX}gcc)
set(CMAKE_ASM_COMPILER ${HIGHMEM_CROSS_PREFIX}gcc)
set(CMAKE_AR ${HIGHMEM_CROSS_PREFIX}ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${HIGHMEM_CROSS_PREFIX}ranlib CACHE FILEPATH "")
set(CMAKE_OBJCOPY ${HIGHMEM_CROSS_PREFIX}objcopy CACHE FILEPATH "")
set(CMAKE_SIZE ${HIGHMEM_CROSS_PREFIX}size CACHE FILEPATH "")
set(CMAKE_NM ${HIGHMEM_CROSS_PREFIX}nm CACHE FILEPATH "")

# i486 is the oldest CPU the image supports (QEMU -cpu 486).
set(HIGHMEM_ARCH_FLAGS "${HIGHMEM_TARGET_FLAGS} -march=i486 -mtune=generic")
set(CMAKE_C_FLAGS_INIT "${HIGHMEM_ARCH_FLAGS} -ffreestanding -fno-pic -fno-pie -fno-stack-protector -fno-omit-frame-pointer -mno-red-zone -fno-asynchronous-unwind-tables")
set(CMAKE_ASM_FLAGS_INIT "${HIGHMEM_ARCH_FLAGS} -fno-pic")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${HIGHMEM_TARGET_FLAGS} -nostdlib -static -no-pie -Wl,--build-id=none")

set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
